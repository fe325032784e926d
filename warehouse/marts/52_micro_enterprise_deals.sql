-- Micro-enterprise loan ABS (微小企业贷款 ABS) deal by deal: originator, pool terms, revolving
-- structure and how (if at all) the deal has been liquidated.
CREATE OR REPLACE VIEW marts.micro_enterprise_deals AS
SELECT
    d.deal_id,
    d.deal_name_zh,
    d.deal_short_name,
    d.series_name,
    d.market,
    d.originator_id,
    o.full_name_zh                                  AS originator_name,
    coalesce(o.short_name_zh, o.full_name_zh)       AS originator_short_name,
    o.institution_type                              AS originator_type,
    d.value_date,
    year(d.value_date)                              AS vintage,
    d.deal_amount_cny,
    d.deal_amount_cny / 1e8                         AS deal_amount_yi,
    d.initial_pool_balance_cny,
    d.pool_loan_count,
    d.pool_borrower_count,
    d.wa_contract_term_months,
    d.wa_contract_term_months / 12                  AS wa_contract_term_years,
    d.wa_remaining_term_months,
    d.wa_remaining_term_months / 12                 AS wa_remaining_term_years,
    coalesce(d.is_revolving, false)                 AS is_revolving,
    d.revolving_period_months,
    l.deal_id IS NOT NULL                           AS is_liquidated,
    l.liquidation_method,
    l.event_date                                    AS liquidation_date
FROM core.deals d
LEFT JOIN core.institutions o ON o.institution_id = d.originator_id
LEFT JOIN core.liquidation_events l ON l.deal_id = d.deal_id
WHERE d.asset_class = 'micro_enterprise_loan';

COMMENT ON VIEW marts.micro_enterprise_deals IS 'Which micro-enterprise loan ABS deals were issued by whom, with what pool terms, and which have been liquidated how; one row per micro-enterprise loan deal, 微小企业贷款ABS项目';
COMMENT ON COLUMN marts.micro_enterprise_deals.deal_id IS 'Deal id 项目编号';
COMMENT ON COLUMN marts.micro_enterprise_deals.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.micro_enterprise_deals.deal_short_name IS 'Short name, e.g. 和惠2018-1 项目简称';
COMMENT ON COLUMN marts.micro_enterprise_deals.series_name IS 'Series name, e.g. 飞驰建普 系列名称';
COMMENT ON COLUMN marts.micro_enterprise_deals.market IS 'Market (credit_abs = interbank credit ABS) 发行市场';
COMMENT ON COLUMN marts.micro_enterprise_deals.originator_id IS 'Originator 发起机构编号';
COMMENT ON COLUMN marts.micro_enterprise_deals.originator_name IS 'Originator full name 发起机构全称';
COMMENT ON COLUMN marts.micro_enterprise_deals.originator_short_name IS 'Originator short name (full name when none is known) 发起机构简称';
COMMENT ON COLUMN marts.micro_enterprise_deals.originator_type IS 'Originator type 发起机构类型';
COMMENT ON COLUMN marts.micro_enterprise_deals.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.micro_enterprise_deals.vintage IS 'Year of the value date 发行年度';
COMMENT ON COLUMN marts.micro_enterprise_deals.deal_amount_cny IS 'Amount issued, CNY 发行规模（元）';
COMMENT ON COLUMN marts.micro_enterprise_deals.deal_amount_yi IS 'Amount issued, 亿元 发行规模（亿元）';
COMMENT ON COLUMN marts.micro_enterprise_deals.initial_pool_balance_cny IS 'Pool principal at cut-off, CNY 初始资产池本金（元）';
COMMENT ON COLUMN marts.micro_enterprise_deals.pool_loan_count IS 'Loans in the pool 入池笔数';
COMMENT ON COLUMN marts.micro_enterprise_deals.pool_borrower_count IS 'Borrowers in the pool 入池户数';
COMMENT ON COLUMN marts.micro_enterprise_deals.wa_contract_term_months IS 'Weighted-average contract term, months 加权平均合同期限（月）';
COMMENT ON COLUMN marts.micro_enterprise_deals.wa_contract_term_years IS 'Weighted-average contract term, years 加权平均合同期限（年）';
COMMENT ON COLUMN marts.micro_enterprise_deals.wa_remaining_term_months IS 'Weighted-average remaining term, months 加权平均剩余期限（月）';
COMMENT ON COLUMN marts.micro_enterprise_deals.wa_remaining_term_years IS 'Weighted-average remaining term, years 加权平均剩余期限（年）';
COMMENT ON COLUMN marts.micro_enterprise_deals.is_revolving IS 'Has a revolving-purchase structure 是否循环购买';
COMMENT ON COLUMN marts.micro_enterprise_deals.revolving_period_months IS 'Revolving period, months 循环期（月）';
COMMENT ON COLUMN marts.micro_enterprise_deals.is_liquidated IS 'Liquidated (has a liquidation event) 是否已清算';
COMMENT ON COLUMN marts.micro_enterprise_deals.liquidation_method IS 'clean_up_call, full_liquidation, in_kind_distribution; NULL if not liquidated 清算方式';
COMMENT ON COLUMN marts.micro_enterprise_deals.liquidation_date IS 'Liquidation date 清算日';
