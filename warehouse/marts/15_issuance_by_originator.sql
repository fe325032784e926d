-- Year-to-date issuance of each asset class by originator (原始权益人/发起机构, core.deals.originator_id):
-- for every year and "through month" 1–12, deals valued (起息日) January 1 … end of that month, the
-- same months a year earlier, the originator's share and rank within the asset class, and whether
-- it is new against the same period of the prior year (deals now, none a year earlier).
-- originator_category merges the four commercial-bank types into 'commercial_bank'.
CREATE OR REPLACE VIEW marts.issuance_by_originator AS
WITH through_months AS (
    SELECT range::INTEGER AS through_month FROM range(1, 13)
), year_to_date AS (
    -- one row per asset class, originator, year with a deal, and through month
    SELECT d.asset_class, d.originator_id, d.value_year AS period_year, m.through_month,
           count(*) FILTER (WHERE d.value_month <= m.through_month) AS deals,
           coalesce(sum(d.deal_amount_cny) FILTER (WHERE d.value_month <= m.through_month), 0) AS amount_cny
    FROM marts.deal_facts d CROSS JOIN through_months m
    WHERE d.value_date IS NOT NULL AND d.originator_id IS NOT NULL
    GROUP BY d.asset_class, d.originator_id, d.value_year, m.through_month
), with_prior_year AS (
    -- pair each period with the same months a year earlier (either side may be missing)
    SELECT coalesce(cur.asset_class, prev.asset_class) AS asset_class,
           coalesce(cur.originator_id, prev.originator_id) AS originator_id,
           coalesce(cur.period_year, prev.period_year + 1) AS period_year,
           coalesce(cur.through_month, prev.through_month) AS through_month,
           coalesce(cur.deals, 0) AS deals,
           coalesce(cur.amount_cny, 0) AS amount_cny,
           coalesce(prev.deals, 0) AS deals_prev_year,
           coalesce(prev.amount_cny, 0) AS amount_prev_year_cny
    FROM year_to_date cur
    FULL JOIN year_to_date prev
      ON prev.asset_class = cur.asset_class AND prev.originator_id = cur.originator_id
     AND prev.period_year = cur.period_year - 1 AND prev.through_month = cur.through_month
), first_year AS (
    -- first year the originator issued a deal of the asset class
    SELECT asset_class, originator_id, min(value_year) AS first_value_year
    FROM marts.deal_facts
    GROUP BY asset_class, originator_id
)
SELECT p.asset_class,
       p.originator_id,
       i.short_name_zh AS originator_name,
       i.full_name_zh AS originator_full_name,
       i.institution_type AS originator_type,
       CASE WHEN i.institution_type IN ('state_owned_bank', 'joint_stock_bank', 'city_commercial_bank', 'rural_commercial_bank')
            THEN 'commercial_bank' ELSE i.institution_type END AS originator_category,
       i.parent_group AS originator_parent_group,
       p.period_year,
       p.through_month,
       make_date(p.period_year, 1, 1) AS period_start,
       last_day(make_date(p.period_year, p.through_month, 1)) AS period_end,
       p.deals,
       p.amount_cny,
       (p.amount_cny / 1e8)::DECIMAL(28, 10) AS amount_yi,
       p.deals_prev_year,
       p.amount_prev_year_cny,
       (p.amount_prev_year_cny / 1e8)::DECIMAL(28, 10) AS amount_prev_year_yi,
       (p.deals - p.deals_prev_year) / nullif(p.deals_prev_year, 0) AS deals_yoy,
       p.amount_cny / nullif(p.amount_prev_year_cny, 0) - 1 AS amount_yoy,
       p.amount_cny / nullif(sum(p.amount_cny) OVER same_period, 0) AS share_of_asset_class,
       p.deals / nullif(sum(p.deals) OVER same_period, 0) AS deal_share_of_asset_class,
       CASE WHEN p.deals > 0 THEN rank() OVER (PARTITION BY p.asset_class, p.period_year, p.through_month, p.deals > 0
                                               ORDER BY p.amount_cny DESC) END AS rank_in_asset_class,
       p.deals > 0 AND p.deals_prev_year = 0 AS is_new_vs_prev_year,
       f.first_value_year
FROM with_prior_year p
LEFT JOIN core.institutions i ON i.institution_id = p.originator_id
LEFT JOIN first_year f ON f.asset_class = p.asset_class AND f.originator_id = p.originator_id
WHERE p.period_year <= (SELECT max(value_year) FROM marts.deal_facts)
WINDOW same_period AS (PARTITION BY p.asset_class, p.period_year, p.through_month);

COMMENT ON VIEW marts.issuance_by_originator IS 'Who originated each asset class year-to-date, how much, with share, rank and change vs the same months a year earlier; one row per asset class, originator, year and through-month, 分发起机构年初至今发行';
COMMENT ON COLUMN marts.issuance_by_originator.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.issuance_by_originator.originator_id IS 'Originator institution id 发起机构/原始权益人编号';
COMMENT ON COLUMN marts.issuance_by_originator.originator_name IS 'Originator short Chinese name 发起机构简称';
COMMENT ON COLUMN marts.issuance_by_originator.originator_full_name IS 'Originator full Chinese name 发起机构全称';
COMMENT ON COLUMN marts.issuance_by_originator.originator_type IS 'Originator institution type 发起机构类型';
COMMENT ON COLUMN marts.issuance_by_originator.originator_category IS 'Originator type with commercial-bank types merged into commercial_bank 发起机构类别（商业银行合并）';
COMMENT ON COLUMN marts.issuance_by_originator.originator_parent_group IS 'Group the originator belongs to 所属集团';
COMMENT ON COLUMN marts.issuance_by_originator.period_year IS 'Year of the value dates 起息年份';
COMMENT ON COLUMN marts.issuance_by_originator.through_month IS 'Last month of the period (January 1 … end of this month) 截至月份';
COMMENT ON COLUMN marts.issuance_by_originator.period_start IS 'First day of the period 统计期起始日';
COMMENT ON COLUMN marts.issuance_by_originator.period_end IS 'Last day of the period 统计期截止日';
COMMENT ON COLUMN marts.issuance_by_originator.deals IS 'Deals valued in the period 发行单数';
COMMENT ON COLUMN marts.issuance_by_originator.amount_cny IS 'Amount issued in the period, CNY 发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_originator.amount_yi IS 'Amount issued in the period, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_originator.deals_prev_year IS 'Deals in the same months a year earlier 上年同期发行单数';
COMMENT ON COLUMN marts.issuance_by_originator.amount_prev_year_cny IS 'Amount in the same months a year earlier, CNY 上年同期发行金额（元）';
COMMENT ON COLUMN marts.issuance_by_originator.amount_prev_year_yi IS 'Amount in the same months a year earlier, 亿元 上年同期发行金额（亿元）';
COMMENT ON COLUMN marts.issuance_by_originator.deals_yoy IS 'Deal count change vs a year earlier, fraction 单数同比';
COMMENT ON COLUMN marts.issuance_by_originator.amount_yoy IS 'Amount change vs a year earlier, fraction 金额同比';
COMMENT ON COLUMN marts.issuance_by_originator.share_of_asset_class IS 'Share of the asset class''s issuance amount in the period, fraction 占该类资产发行金额比例';
COMMENT ON COLUMN marts.issuance_by_originator.deal_share_of_asset_class IS 'Share of the asset class''s deal count in the period, fraction 占该类资产发行单数比例';
COMMENT ON COLUMN marts.issuance_by_originator.rank_in_asset_class IS 'Rank by amount among originators issuing in the period (1 = largest); NULL without deals 发行金额排名';
COMMENT ON COLUMN marts.issuance_by_originator.is_new_vs_prev_year IS 'Issued in the period but not in the same months a year earlier 是否较上年同期新增';
COMMENT ON COLUMN marts.issuance_by_originator.first_value_year IS 'First year the originator issued a deal of this asset class 首次发行年份';
