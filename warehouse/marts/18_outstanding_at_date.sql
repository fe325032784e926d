-- Principal outstanding of each asset class at every snapshot date of core.tranche_balances (vendor
-- balance exports), the same date a year earlier, the preceding year end, and the share of the
-- whole-ABS-market outstanding at that month end (marts.market_totals_by_month; NULL when the
-- snapshot is not a month end or the month has no market total). Deals = deals with any tranche
-- balance in the snapshot.
CREATE OR REPLACE VIEW marts.outstanding_at_date AS
WITH by_date AS (
    SELECT d.asset_class, b.as_of_date,
           count(DISTINCT d.deal_id) AS deals,
           count(*) AS tranches,
           sum(b.outstanding_cny) AS outstanding_cny
    FROM core.tranche_balances b
    JOIN core.tranches t USING (tranche_id)
    JOIN core.deals d USING (deal_id)
    GROUP BY d.asset_class, b.as_of_date
)
SELECT cur.asset_class,
       cur.as_of_date,
       year(cur.as_of_date) AS as_of_year,
       cur.deals,
       cur.tranches,
       cur.outstanding_cny,
       (cur.outstanding_cny / 1e8)::DECIMAL(28, 10) AS outstanding_yi,
       m.outstanding_amount_cny AS market_outstanding_cny,
       cur.outstanding_cny / nullif(m.outstanding_amount_cny, 0) AS share_of_market,
       prev.deals AS deals_prev_year,
       prev.outstanding_cny AS outstanding_prev_year_cny,
       (prev.outstanding_cny / 1e8)::DECIMAL(28, 10) AS outstanding_prev_year_yi,
       cur.outstanding_cny / nullif(prev.outstanding_cny, 0) - 1 AS outstanding_yoy,
       ye.deals AS deals_prev_year_end,
       ye.outstanding_cny AS outstanding_prev_year_end_cny,
       (ye.outstanding_cny / 1e8)::DECIMAL(28, 10) AS outstanding_prev_year_end_yi,
       ye_m.outstanding_amount_cny AS market_outstanding_prev_year_end_cny,
       ye.outstanding_cny / nullif(ye_m.outstanding_amount_cny, 0) AS share_of_market_prev_year_end
FROM by_date cur
LEFT JOIN marts.market_totals_by_month m ON m.month_end_date = cur.as_of_date
LEFT JOIN by_date prev
       ON prev.asset_class = cur.asset_class AND prev.as_of_date = (cur.as_of_date - INTERVAL 1 YEAR)::DATE
LEFT JOIN by_date ye
       ON ye.asset_class = cur.asset_class AND ye.as_of_date = make_date(year(cur.as_of_date) - 1, 12, 31)
LEFT JOIN marts.market_totals_by_month ye_m ON ye_m.month_end_date = ye.as_of_date;

COMMENT ON VIEW marts.outstanding_at_date IS 'How much of each asset class was outstanding at a snapshot date, against a year earlier, the last year end and the whole market; one row per asset class and snapshot date, 分资产类型存量';
COMMENT ON COLUMN marts.outstanding_at_date.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.outstanding_at_date.as_of_date IS 'Snapshot date 存量统计日';
COMMENT ON COLUMN marts.outstanding_at_date.as_of_year IS 'Year of the snapshot 年份';
COMMENT ON COLUMN marts.outstanding_at_date.deals IS 'Deals with any tranche balance in the snapshot 存量单数';
COMMENT ON COLUMN marts.outstanding_at_date.tranches IS 'Tranches with a balance in the snapshot 存量证券数';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_cny IS 'Principal outstanding, CNY 存量金额（元）';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_yi IS 'Principal outstanding, 亿元 存量金额（亿元）';
COMMENT ON COLUMN marts.outstanding_at_date.market_outstanding_cny IS 'Whole-ABS-market outstanding at that month end, CNY 全市场存量（元）';
COMMENT ON COLUMN marts.outstanding_at_date.share_of_market IS 'Share of the whole-market outstanding, fraction 占全市场存量比例';
COMMENT ON COLUMN marts.outstanding_at_date.deals_prev_year IS 'Deals outstanding at the same date a year earlier 上年同日存量单数';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_prev_year_cny IS 'Outstanding at the same date a year earlier, CNY 上年同日存量（元）';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_prev_year_yi IS 'Outstanding at the same date a year earlier, 亿元 上年同日存量（亿元）';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_yoy IS 'Change vs the same date a year earlier, fraction 存量同比';
COMMENT ON COLUMN marts.outstanding_at_date.deals_prev_year_end IS 'Deals outstanding at the preceding year end 上年末存量单数';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_prev_year_end_cny IS 'Outstanding at the preceding year end, CNY 上年末存量（元）';
COMMENT ON COLUMN marts.outstanding_at_date.outstanding_prev_year_end_yi IS 'Outstanding at the preceding year end, 亿元 上年末存量（亿元）';
COMMENT ON COLUMN marts.outstanding_at_date.market_outstanding_prev_year_end_cny IS 'Whole-market outstanding at the preceding year end, CNY 上年末全市场存量（元）';
COMMENT ON COLUMN marts.outstanding_at_date.share_of_market_prev_year_end IS 'Share of the whole-market outstanding at the preceding year end, fraction 上年末占全市场存量比例';
