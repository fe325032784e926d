-- Year-to-date issuance of each asset class by market (credit_abs, abn, exchange_abs): for every
-- year and every "through month" 1–12, the deals valued (起息日) from January 1 through the end of
-- that month, the same period a year earlier, YoY, and the market's share of the asset class.
-- "Jan–Jul 2025" = period_year 2025, through_month 7; calendar 2025 = through_month 12.
-- venue: exchange = exchange_abs; interbank = credit_abs + abn.
CREATE OR REPLACE VIEW marts.issuance_by_market AS
WITH through_months AS (
    SELECT range::INTEGER AS through_month FROM range(1, 13)
), year_to_date AS (
    -- one row per asset class, market, year with a deal, and through month
    SELECT d.asset_class, d.market, d.value_year AS period_year, m.through_month,
           count(*) FILTER (WHERE d.value_month <= m.through_month) AS deals,
           coalesce(sum(d.deal_amount_cny) FILTER (WHERE d.value_month <= m.through_month), 0) AS amount_cny
    FROM marts.deal_facts d CROSS JOIN through_months m
    WHERE d.value_date IS NOT NULL
    GROUP BY d.asset_class, d.market, d.value_year, m.through_month
), with_prior_year AS (
    -- pair each period with the same months a year earlier (either side may be missing)
    SELECT coalesce(cur.asset_class, prev.asset_class) AS asset_class,
           coalesce(cur.market, prev.market) AS market,
           coalesce(cur.period_year, prev.period_year + 1) AS period_year,
           coalesce(cur.through_month, prev.through_month) AS through_month,
           coalesce(cur.deals, 0) AS deals,
           coalesce(cur.amount_cny, 0) AS amount_cny,
           coalesce(prev.deals, 0) AS deals_prev_year,
           coalesce(prev.amount_cny, 0) AS amount_prev_year_cny
    FROM year_to_date cur
    FULL JOIN year_to_date prev
      ON prev.asset_class = cur.asset_class AND prev.market = cur.market
     AND prev.period_year = cur.period_year - 1 AND prev.through_month = cur.through_month
)
SELECT asset_class,
       market,
       CASE WHEN market = 'exchange_abs' THEN 'exchange' ELSE 'interbank' END AS venue,
       period_year,
       through_month,
       make_date(period_year, 1, 1) AS period_start,
       last_day(make_date(period_year, through_month, 1)) AS period_end,
       deals,
       amount_cny,
       (amount_cny / 1e8)::DECIMAL(28, 10) AS amount_yi,
       deals_prev_year,
       amount_prev_year_cny,
       (amount_prev_year_cny / 1e8)::DECIMAL(28, 10) AS amount_prev_year_yi,
       (deals - deals_prev_year) / nullif(deals_prev_year, 0) AS deals_yoy,
       amount_cny / nullif(amount_prev_year_cny, 0) - 1 AS amount_yoy,
       amount_cny / nullif(sum(amount_cny) OVER same_period, 0) AS share_of_asset_class,
       deals / nullif(sum(deals) OVER same_period, 0) AS deal_share_of_asset_class
FROM with_prior_year
WHERE period_year <= (SELECT max(value_year) FROM marts.deal_facts)
WINDOW same_period AS (PARTITION BY asset_class, period_year, through_month);

COMMENT ON VIEW marts.issuance_by_market IS 'How much of each asset class was issued in each market year-to-date, against the same months a year earlier; one row per asset class, market, year and through-month, 分市场年初至今发行';
COMMENT ON COLUMN marts.issuance_by_market.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.issuance_by_market.market IS 'Market: credit_abs, abn, exchange_abs 发行市场';
COMMENT ON COLUMN marts.issuance_by_market.venue IS 'exchange (exchange_abs) or interbank (credit_abs + abn) 交易场所';
COMMENT ON COLUMN marts.issuance_by_market.period_year IS 'Year of the value dates 起息年份';
COMMENT ON COLUMN marts.issuance_by_market.through_month IS 'Last month of the period; the period runs from January 1 to the end of this month 截至月份';
COMMENT ON COLUMN marts.issuance_by_market.period_start IS 'First day of the period (January 1) 统计期起始日';
COMMENT ON COLUMN marts.issuance_by_market.period_end IS 'Last day of the period 统计期截止日';
COMMENT ON COLUMN marts.issuance_by_market.deals IS 'Deals valued in the period 发行单数';
COMMENT ON COLUMN marts.issuance_by_market.amount_cny IS 'Amount issued in the period, CNY 发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_market.amount_yi IS 'Amount issued in the period, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_market.deals_prev_year IS 'Deals in the same months a year earlier 上年同期发行单数';
COMMENT ON COLUMN marts.issuance_by_market.amount_prev_year_cny IS 'Amount in the same months a year earlier, CNY 上年同期发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_market.amount_prev_year_yi IS 'Amount in the same months a year earlier, 亿元 上年同期发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_market.deals_yoy IS 'Deal count change vs a year earlier, fraction; NULL when none a year earlier 单数同比';
COMMENT ON COLUMN marts.issuance_by_market.amount_yoy IS 'Amount change vs a year earlier, fraction 金额同比';
COMMENT ON COLUMN marts.issuance_by_market.share_of_asset_class IS 'Share of the asset class''s issuance amount in the period, fraction 占该类资产发行金额比例';
COMMENT ON COLUMN marts.issuance_by_market.deal_share_of_asset_class IS 'Share of the asset class''s deal count in the period, fraction 占该类资产发行单数比例';
