-- NPL deals (不良资产支持证券) with their pools: who disposed how much, how dispersed the pool is,
-- how overdue, and what the rating agencies expected to recover. Reads core only.
CREATE OR REPLACE VIEW marts.npl_pools AS
WITH npl_deals AS (
    SELECT d.*
    FROM core.deals d
    WHERE d.asset_class = 'npl'
),
-- latest trustee report of each deal: cumulative disposal recoveries (never 其他收入)
latest_report AS (
    SELECT deal_id, payment_date, cumulative_recovery_cny
    FROM core.pool_performance
    WHERE deal_id IN (SELECT deal_id FROM npl_deals) AND grain = 'payment_period'
    QUALIFY row_number() OVER (PARTITION BY deal_id ORDER BY period_number DESC) = 1
)
SELECT
    d.deal_id,
    d.deal_name_zh,
    d.deal_short_name,
    d.series_name,
    d.issue_number,
    d.asset_subclass                                            AS npl_type,
    d.market,
    -- credit-type small-micro NPAS as Fitch Bohua counts them: credit NPL pools issued interbank
    (d.asset_subclass = 'credit_npl' AND d.market = 'credit_abs') AS is_credit_type_interbank,
    d.originator_id,
    o.full_name_zh                                              AS originator_name,
    coalesce(o.short_name_zh, o.full_name_zh)                   AS originator_short_name,
    o.institution_type                                          AS originator_type,
    d.value_date,
    year(d.value_date)                                          AS vintage,
    d.deal_amount_cny,
    d.deal_amount_cny / 1e8                                     AS deal_amount_yi,
    -- pool principal at cut-off = NPL principal disposed through the deal
    d.initial_pool_balance_cny                                  AS pool_principal_cny,
    d.initial_pool_balance_cny / 1e8                            AS pool_principal_yi,
    d.pool_loan_count,
    d.pool_borrower_count,
    d.avg_balance_per_borrower_cny,
    d.avg_balance_per_borrower_cny / 1e4                        AS avg_balance_per_borrower_wan,
    d.wa_overdue_months,
    d.expected_gross_recovery_rate,
    r.payment_date                                              AS latest_report_date,
    r.cumulative_recovery_cny                                   AS latest_cumulative_recovery_cny,
    r.cumulative_recovery_cny / d.initial_pool_balance_cny      AS latest_cumulative_recovery_rate
FROM npl_deals d
LEFT JOIN core.institutions o ON o.institution_id = d.originator_id
LEFT JOIN latest_report r ON r.deal_id = d.deal_id;

COMMENT ON VIEW marts.npl_pools IS 'NPL deals and their pools: how much was issued and disposed, pool dispersion, overdue period, expected and latest actual recovery; one row per NPL deal, 不良资产支持证券及资产池';
COMMENT ON COLUMN marts.npl_pools.deal_id IS 'Deal id 项目编号';
COMMENT ON COLUMN marts.npl_pools.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.npl_pools.deal_short_name IS 'Short name, e.g. 建鑫2021-6 项目简称';
COMMENT ON COLUMN marts.npl_pools.series_name IS 'Series name, e.g. 建鑫 系列名称';
COMMENT ON COLUMN marts.npl_pools.issue_number IS 'Issue number within the year (第六期 = 6) 期数';
COMMENT ON COLUMN marts.npl_pools.npl_type IS 'credit_npl (信用类) or mortgage_npl (抵押类) small-micro NPL pool 不良资产类型';
COMMENT ON COLUMN marts.npl_pools.market IS 'Market: credit_abs (interbank) … 发行市场';
COMMENT ON COLUMN marts.npl_pools.is_credit_type_interbank IS 'Credit-type NPL pool issued in the interbank credit-ABS market (信用类小微贷款 NPAS) 是否银行间信用类小微NPAS';
COMMENT ON COLUMN marts.npl_pools.originator_id IS 'Originating bank 发起机构编号';
COMMENT ON COLUMN marts.npl_pools.originator_name IS 'Originator full name 发起机构全称';
COMMENT ON COLUMN marts.npl_pools.originator_short_name IS 'Originator short name (full name when none is known) 发起机构简称';
COMMENT ON COLUMN marts.npl_pools.originator_type IS 'Originator type: state_owned_bank, joint_stock_bank … 发起机构类型';
COMMENT ON COLUMN marts.npl_pools.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.npl_pools.vintage IS 'Vintage = year of the value date 发行年度';
COMMENT ON COLUMN marts.npl_pools.deal_amount_cny IS 'Securities issued, CNY 发行规模（元）';
COMMENT ON COLUMN marts.npl_pools.deal_amount_yi IS 'Securities issued, 亿元 发行规模（亿元）';
COMMENT ON COLUMN marts.npl_pools.pool_principal_cny IS 'Pool principal at cut-off = NPL principal disposed, CNY 资产池本金余额（处置不良规模，元）';
COMMENT ON COLUMN marts.npl_pools.pool_principal_yi IS 'Pool principal at cut-off, 亿元 资产池本金余额（亿元）';
COMMENT ON COLUMN marts.npl_pools.pool_loan_count IS 'Loans in the pool 入池笔数';
COMMENT ON COLUMN marts.npl_pools.pool_borrower_count IS 'Borrowers in the pool 借款人户数';
COMMENT ON COLUMN marts.npl_pools.avg_balance_per_borrower_cny IS 'Average balance per borrower, CNY 户均余额（元）';
COMMENT ON COLUMN marts.npl_pools.avg_balance_per_borrower_wan IS 'Average balance per borrower, 万元 户均余额（万元）';
COMMENT ON COLUMN marts.npl_pools.wa_overdue_months IS 'Weighted-average overdue period, months 加权平均逾期期限（月）';
COMMENT ON COLUMN marts.npl_pools.expected_gross_recovery_rate IS 'Rating agencies'' expected gross recovery rate at issue, fraction 预估毛回收率';
COMMENT ON COLUMN marts.npl_pools.latest_report_date IS 'Payment date of the latest trustee report 最近报告期支付日';
COMMENT ON COLUMN marts.npl_pools.latest_cumulative_recovery_cny IS 'Cumulative disposal recoveries at the latest report (other income excluded), CNY 最近累计回收金额（元）';
COMMENT ON COLUMN marts.npl_pools.latest_cumulative_recovery_rate IS 'Latest cumulative disposal recoveries / pool principal at cut-off, fraction 最近累计回收率';
