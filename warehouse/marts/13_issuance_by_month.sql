-- Issuance of each asset class per value-date (起息日) month, with the same month a year earlier,
-- January-to-month (year-to-date) totals and their prior-year counterparts, and shares of the
-- whole ABS market (marts.market_totals_by_month). Months without deals are present with 0, so
-- every month of every year an asset class issued in has a row.
CREATE OR REPLACE VIEW marts.issuance_by_month AS
WITH class_years AS (
    -- every year an asset class issued in, and the year after it (so YoY of a gap year is defined)
    SELECT DISTINCT asset_class, value_year AS period_year FROM marts.deal_facts WHERE value_date IS NOT NULL
), month_spine AS (
    SELECT c.asset_class, make_date(c.period_year, m.month_number, 1) AS period_month
    FROM class_years c CROSS JOIN (SELECT range::INTEGER AS month_number FROM range(1, 13)) m
), monthly AS (
    SELECT s.asset_class, s.period_month,
           count(d.deal_id) AS deals,
           coalesce(sum(d.deal_amount_cny), 0) AS amount_cny
    FROM month_spine s
    LEFT JOIN marts.deal_facts d ON d.asset_class = s.asset_class AND d.value_month_start = s.period_month
    GROUP BY s.asset_class, s.period_month
), year_to_date AS (
    SELECT *,
           sum(deals) OVER ytd AS ytd_deals,
           sum(amount_cny) OVER ytd AS ytd_amount_cny
    FROM monthly
    WINDOW ytd AS (PARTITION BY asset_class, year(period_month) ORDER BY period_month)
)
SELECT cur.asset_class,
       cur.period_month,
       year(cur.period_month) AS period_year,
       month(cur.period_month) AS month_number,
       cur.deals,
       cur.amount_cny,
       (cur.amount_cny / 1e8)::DECIMAL(28, 10) AS amount_yi,
       prev.deals AS deals_prev_year,
       prev.amount_cny AS amount_prev_year_cny,
       (prev.amount_cny / 1e8)::DECIMAL(28, 10) AS amount_prev_year_yi,
       (cur.deals - prev.deals) / nullif(prev.deals, 0) AS deals_yoy,
       cur.amount_cny / nullif(prev.amount_cny, 0) - 1 AS amount_yoy,
       cur.ytd_deals,
       cur.ytd_amount_cny,
       (cur.ytd_amount_cny / 1e8)::DECIMAL(28, 10) AS ytd_amount_yi,
       prev.ytd_deals AS ytd_deals_prev_year,
       prev.ytd_amount_cny AS ytd_amount_prev_year_cny,
       (prev.ytd_amount_cny / 1e8)::DECIMAL(28, 10) AS ytd_amount_prev_year_yi,
       (cur.ytd_deals - prev.ytd_deals) / nullif(prev.ytd_deals, 0) AS ytd_deals_yoy,
       cur.ytd_amount_cny / nullif(prev.ytd_amount_cny, 0) - 1 AS ytd_amount_yoy,
       m.issuance_amount_cny AS market_amount_cny,
       m.issuance_ytd_cny AS market_ytd_amount_cny,
       cur.amount_cny / nullif(m.issuance_amount_cny, 0) AS share_of_market,
       cur.ytd_amount_cny / nullif(m.issuance_ytd_cny, 0) AS ytd_share_of_market
FROM year_to_date cur
LEFT JOIN year_to_date prev
       ON prev.asset_class = cur.asset_class AND prev.period_month = (cur.period_month - INTERVAL 1 YEAR)::DATE
LEFT JOIN marts.market_totals_by_month m ON m.period_month = cur.period_month;

COMMENT ON VIEW marts.issuance_by_month IS 'How much of each asset class was issued each month and year-to-date, against a year earlier and the whole market; one row per asset class and value-date month, 分资产类型月度发行';
COMMENT ON COLUMN marts.issuance_by_month.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.issuance_by_month.period_month IS 'First day of the value-date month 起息月（月初日期）';
COMMENT ON COLUMN marts.issuance_by_month.period_year IS 'Year 年份';
COMMENT ON COLUMN marts.issuance_by_month.month_number IS 'Month of the year, 1–12 月份序号';
COMMENT ON COLUMN marts.issuance_by_month.deals IS 'Deals valued in the month 当月发行单数';
COMMENT ON COLUMN marts.issuance_by_month.amount_cny IS 'Amount issued in the month, CNY 当月发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.amount_yi IS 'Amount issued in the month, 亿元 当月发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_month.deals_prev_year IS 'Deals in the same month a year earlier (NULL when that year is not covered) 上年同月发行单数';
COMMENT ON COLUMN marts.issuance_by_month.amount_prev_year_cny IS 'Amount in the same month a year earlier, CNY 上年同月发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.amount_prev_year_yi IS 'Amount in the same month a year earlier, 亿元 上年同月发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_month.deals_yoy IS 'Change in deal count vs the same month a year earlier, fraction 当月单数同比';
COMMENT ON COLUMN marts.issuance_by_month.amount_yoy IS 'Change in amount vs the same month a year earlier, fraction 当月金额同比';
COMMENT ON COLUMN marts.issuance_by_month.ytd_deals IS 'Deals valued January … this month 年初至今发行单数';
COMMENT ON COLUMN marts.issuance_by_month.ytd_amount_cny IS 'Amount issued January … this month, CNY 年初至今发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.ytd_amount_yi IS 'Amount issued January … this month, 亿元 年初至今发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_month.ytd_deals_prev_year IS 'Deals in the same months a year earlier 上年同期发行单数';
COMMENT ON COLUMN marts.issuance_by_month.ytd_amount_prev_year_cny IS 'Amount in the same months a year earlier, CNY 上年同期发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.ytd_amount_prev_year_yi IS 'Amount in the same months a year earlier, 亿元 上年同期发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_month.ytd_deals_yoy IS 'Year-to-date deal count change vs a year earlier, fraction 年初至今单数同比';
COMMENT ON COLUMN marts.issuance_by_month.ytd_amount_yoy IS 'Year-to-date amount change vs a year earlier, fraction 年初至今金额同比';
COMMENT ON COLUMN marts.issuance_by_month.market_amount_cny IS 'Whole-ABS-market issuance in the month, CNY 全市场当月发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.market_ytd_amount_cny IS 'Whole-ABS-market issuance January … this month, CNY 全市场年初至今发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_month.share_of_market IS 'Share of the whole-market issuance in the month, fraction 占全市场当月发行比例';
COMMENT ON COLUMN marts.issuance_by_month.ytd_share_of_market IS 'Share of the whole-market issuance year-to-date, fraction 占全市场年初至今发行比例';
