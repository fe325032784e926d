-- Recovery curves by vintage: the simple mean over a vintage's deals of the cumulative recovery
-- rate (disposal recoveries only) at each month since issue, next to the agencies' expectation.
CREATE OR REPLACE VIEW marts.npl_recoveries_by_vintage AS
WITH expected_by_vintage AS (
    SELECT npl_type, is_credit_type_interbank, vintage,
           count(*)                           AS vintage_deals,
           avg(expected_gross_recovery_rate)  AS mean_expected_gross_recovery_rate
    FROM marts.npl_pools
    GROUP BY ALL
)
SELECT
    c.npl_type,
    c.is_credit_type_interbank,
    c.vintage,
    c.months_since_issue,
    count(*)                          AS deals_reporting,
    e.vintage_deals,
    avg(c.cumulative_recovery_rate)   AS mean_cumulative_recovery_rate,
    min(c.cumulative_recovery_rate)   AS min_cumulative_recovery_rate,
    max(c.cumulative_recovery_rate)   AS max_cumulative_recovery_rate,
    e.mean_expected_gross_recovery_rate
FROM marts.npl_recovery_curves c
JOIN expected_by_vintage e USING (npl_type, is_credit_type_interbank, vintage)
GROUP BY c.npl_type, c.is_credit_type_interbank, c.vintage, c.months_since_issue,
         e.vintage_deals, e.mean_expected_gross_recovery_rate;

COMMENT ON VIEW marts.npl_recoveries_by_vintage IS 'Do later NPL vintages recover less? Mean cumulative recovery rate (disposal recoveries only) by vintage and months since issue; one row per NPL type, market scope, vintage and month since issue, 不良资产池分年度累计回收率';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.npl_type IS 'credit_npl or mortgage_npl 不良资产类型';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.is_credit_type_interbank IS 'Credit-type small-micro NPAS issued interbank 是否银行间信用类小微NPAS';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.vintage IS 'Year of the value date 发行年度';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.months_since_issue IS 'Calendar months from value date to payment date 发行后月数';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.deals_reporting IS 'Deals of the vintage with a report at that month 当月有报告的项目数';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.vintage_deals IS 'Deals of the vintage 该年度项目数';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.mean_cumulative_recovery_rate IS 'Simple mean over the reporting deals of the cumulative recovery rate, fraction 平均累计回收率';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.min_cumulative_recovery_rate IS 'Lowest cumulative recovery rate among the reporting deals, fraction 最低累计回收率';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.max_cumulative_recovery_rate IS 'Highest cumulative recovery rate among the reporting deals, fraction 最高累计回收率';
COMMENT ON COLUMN marts.npl_recoveries_by_vintage.mean_expected_gross_recovery_rate IS 'Mean over the vintage''s deals of the agencies'' expected gross recovery rate, fraction 平均预估毛回收率';
