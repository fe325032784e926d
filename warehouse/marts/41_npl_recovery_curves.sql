-- Actual recovery curve of each NPL pool: cumulative disposal recoveries (回收金额, never 其他收入)
-- over the pool principal at cut-off, by months since the value date.
CREATE OR REPLACE VIEW marts.npl_recovery_curves AS
SELECT
    n.deal_id,
    n.deal_short_name,
    n.npl_type,
    n.is_credit_type_interbank,
    n.originator_name,
    n.originator_short_name,
    n.vintage,
    n.value_date,
    p.period_number,
    p.payment_date,
    -- calendar months from the value date to the report's payment date
    date_diff('month', n.value_date, p.payment_date)           AS months_since_issue,
    p.recovery_cny,
    p.cumulative_recovery_cny,
    p.other_income_cny,
    n.pool_principal_cny,
    -- cumulative recovery rate = cumulative disposal recoveries / pool principal at cut-off
    p.cumulative_recovery_cny / n.pool_principal_cny           AS cumulative_recovery_rate,
    n.expected_gross_recovery_rate
FROM marts.npl_pools n
JOIN core.pool_performance p ON p.deal_id = n.deal_id AND p.grain = 'payment_period';

COMMENT ON VIEW marts.npl_recovery_curves IS 'How much of each NPL pool has been recovered by months since issue (disposal recoveries only, other income excluded); one row per NPL deal and trustee report, 不良资产池累计回收率曲线';
COMMENT ON COLUMN marts.npl_recovery_curves.deal_id IS 'Deal id 项目编号';
COMMENT ON COLUMN marts.npl_recovery_curves.deal_short_name IS 'Deal short name 项目简称';
COMMENT ON COLUMN marts.npl_recovery_curves.npl_type IS 'credit_npl or mortgage_npl 不良资产类型';
COMMENT ON COLUMN marts.npl_recovery_curves.is_credit_type_interbank IS 'Credit-type small-micro NPAS issued interbank 是否银行间信用类小微NPAS';
COMMENT ON COLUMN marts.npl_recovery_curves.originator_name IS 'Originator full name 发起机构全称';
COMMENT ON COLUMN marts.npl_recovery_curves.originator_short_name IS 'Originator short name 发起机构简称';
COMMENT ON COLUMN marts.npl_recovery_curves.vintage IS 'Year of the value date 发行年度';
COMMENT ON COLUMN marts.npl_recovery_curves.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.npl_recovery_curves.period_number IS 'Report period number 报告期数';
COMMENT ON COLUMN marts.npl_recovery_curves.payment_date IS 'Payment date of the report 支付日';
COMMENT ON COLUMN marts.npl_recovery_curves.months_since_issue IS 'Calendar months from the value date to the payment date 发行后月数';
COMMENT ON COLUMN marts.npl_recovery_curves.recovery_cny IS 'Disposal recoveries in the period, CNY 本期回收金额（元）';
COMMENT ON COLUMN marts.npl_recovery_curves.cumulative_recovery_cny IS 'Cumulative disposal recoveries, CNY 累计回收金额（元）';
COMMENT ON COLUMN marts.npl_recovery_curves.other_income_cny IS 'Other income of the period, not a recovery, CNY 其他收入（元，不计入回收）';
COMMENT ON COLUMN marts.npl_recovery_curves.pool_principal_cny IS 'Pool principal at cut-off, CNY 初始资产池本金（元）';
COMMENT ON COLUMN marts.npl_recovery_curves.cumulative_recovery_rate IS 'Cumulative disposal recoveries / pool principal at cut-off, fraction 累计回收率';
COMMENT ON COLUMN marts.npl_recovery_curves.expected_gross_recovery_rate IS 'Rating agencies'' expected gross recovery rate, fraction 预估毛回收率';
