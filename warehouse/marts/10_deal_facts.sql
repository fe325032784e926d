-- Deal facts: every deal with its parties (names and institution types), issuance period by value
-- date (起息日), amount in CNY and 亿元, pool characteristics, enhancement and label flags.
-- commercial banks (商业银行) = state_owned_bank, joint_stock_bank, city_commercial_bank,
-- rural_commercial_bank; *_category merges them into 'commercial_bank' (private banks stay apart).
-- venue: exchange = market 'exchange_abs'; interbank = 'credit_abs' + 'abn'.
CREATE OR REPLACE VIEW marts.deal_facts AS
WITH labels_per_deal AS (
    -- special-purpose labels (高端制造, 乡村振兴 …), one row per labelled deal
    SELECT deal_id, count(*) AS label_count, string_agg(label, '、' ORDER BY label) AS labels
    FROM core.deal_labels
    GROUP BY deal_id
), tranches_per_deal AS (
    SELECT deal_id,
           count(*) AS tranche_count,
           sum(amount_cny) FILTER (WHERE tranche_class <> 'subordinated') AS senior_amount_cny,
           sum(amount_cny) FILTER (WHERE tranche_class = 'subordinated') AS subordinated_amount_cny
    FROM core.tranches
    GROUP BY deal_id
)
SELECT d.deal_id,
       d.deal_name_zh,
       d.deal_short_name,
       d.series_name,
       d.vintage_year,
       d.issue_number,
       d.market,
       CASE WHEN d.market = 'exchange_abs' THEN 'exchange' ELSE 'interbank' END AS venue,
       d.asset_class,
       d.asset_subclass,
       d.is_public_offering,
       d.originator_id,
       orig.short_name_zh AS originator_name,
       orig.full_name_zh AS originator_full_name,
       orig.institution_type AS originator_type,
       CASE WHEN orig.institution_type IN ('state_owned_bank', 'joint_stock_bank', 'city_commercial_bank', 'rural_commercial_bank')
            THEN 'commercial_bank' ELSE orig.institution_type END AS originator_category,
       orig.parent_group AS originator_parent_group,
       d.asset_provider_id,
       prov.short_name_zh AS asset_provider_name,
       prov.full_name_zh AS asset_provider_full_name,
       prov.institution_type AS asset_provider_type,
       CASE WHEN prov.institution_type IN ('state_owned_bank', 'joint_stock_bank', 'city_commercial_bank', 'rural_commercial_bank')
            THEN 'commercial_bank' ELSE prov.institution_type END AS asset_provider_category,
       prov.parent_group AS asset_provider_parent_group,
       d.trustee_id,
       trus.short_name_zh AS trustee_name,
       trus.institution_type AS trustee_type,
       d.issue_date,
       d.value_date,
       year(d.value_date) AS value_year,
       month(d.value_date) AS value_month,
       date_trunc('month', d.value_date)::DATE AS value_month_start,
       d.legal_maturity_date,
       d.deal_amount_cny,
       (d.deal_amount_cny / 1e8)::DECIMAL(28, 10) AS deal_amount_yi,
       coalesce(t.tranche_count, 0) AS tranche_count,
       t.senior_amount_cny,
       t.subordinated_amount_cny,
       d.initial_pool_balance_cny,
       d.pool_loan_count,
       d.pool_borrower_count,
       d.avg_balance_per_loan_cny,
       d.avg_balance_per_borrower_cny,
       d.wa_contract_term_months,
       d.wa_remaining_term_months,
       d.wa_pool_rate,
       d.wa_overdue_months,
       d.expected_gross_recovery_rate,
       coalesce(d.is_revolving, false) AS is_revolving,
       d.revolving_period_months,
       d.has_external_enhancement,
       l.deal_id IS NOT NULL AS has_labels,
       coalesce(l.label_count, 0) AS label_count,
       l.labels
FROM core.deals d
LEFT JOIN core.institutions orig ON orig.institution_id = d.originator_id
LEFT JOIN core.institutions prov ON prov.institution_id = d.asset_provider_id
LEFT JOIN core.institutions trus ON trus.institution_id = d.trustee_id
LEFT JOIN labels_per_deal l ON l.deal_id = d.deal_id
LEFT JOIN tranches_per_deal t ON t.deal_id = d.deal_id;

COMMENT ON VIEW marts.deal_facts IS 'What was each deal — who originated it, which market and asset class, when and how much was issued; one row per deal, 项目信息汇总';
COMMENT ON COLUMN marts.deal_facts.deal_id IS 'Stable deal id 项目编号';
COMMENT ON COLUMN marts.deal_facts.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.deal_facts.deal_short_name IS 'Short name 项目简称';
COMMENT ON COLUMN marts.deal_facts.series_name IS 'Series name before the vintage year 系列名称';
COMMENT ON COLUMN marts.deal_facts.vintage_year IS 'Year in the deal name 年度';
COMMENT ON COLUMN marts.deal_facts.issue_number IS 'Issue number within the year 期数';
COMMENT ON COLUMN marts.deal_facts.market IS 'Market: credit_abs (信贷ABS), abn (ABN), exchange_abs (交易所ABS) 发行市场';
COMMENT ON COLUMN marts.deal_facts.venue IS 'Venue: exchange (exchange_abs) or interbank (credit_abs + abn) 交易场所（交易所/银行间）';
COMMENT ON COLUMN marts.deal_facts.asset_class IS 'Underlying asset class: leasing, small_micro_loan, micro_enterprise_loan, npl … 基础资产类型';
COMMENT ON COLUMN marts.deal_facts.asset_subclass IS 'Finer asset class (corporate_leasing, small_micro_leasing, credit_npl …) 基础资产细分';
COMMENT ON COLUMN marts.deal_facts.is_public_offering IS 'Publicly offered 是否公开发行';
COMMENT ON COLUMN marts.deal_facts.originator_id IS 'Originator institution id 发起机构/原始权益人编号';
COMMENT ON COLUMN marts.deal_facts.originator_name IS 'Originator short Chinese name 发起机构简称';
COMMENT ON COLUMN marts.deal_facts.originator_full_name IS 'Originator full Chinese name 发起机构全称';
COMMENT ON COLUMN marts.deal_facts.originator_type IS 'Originator institution type (trust, lessor, state_owned_bank …) 发起机构类型';
COMMENT ON COLUMN marts.deal_facts.originator_category IS 'Originator type with the four commercial-bank types merged into commercial_bank 发起机构类别（商业银行合并）';
COMMENT ON COLUMN marts.deal_facts.originator_parent_group IS 'Group the originator belongs to 发起机构所属集团';
COMMENT ON COLUMN marts.deal_facts.asset_provider_id IS 'Underlying asset provider institution id 资产提供方编号';
COMMENT ON COLUMN marts.deal_facts.asset_provider_name IS 'Asset provider short Chinese name 资产提供方简称';
COMMENT ON COLUMN marts.deal_facts.asset_provider_full_name IS 'Asset provider full Chinese name 资产提供方全称';
COMMENT ON COLUMN marts.deal_facts.asset_provider_type IS 'Asset provider institution type (private_bank, internet_platform …) 资产提供方类型';
COMMENT ON COLUMN marts.deal_facts.asset_provider_category IS 'Asset provider type with the four commercial-bank types merged into commercial_bank 资产提供方类别（商业银行合并）';
COMMENT ON COLUMN marts.deal_facts.asset_provider_parent_group IS 'Group the asset provider belongs to 资产提供方所属集团';
COMMENT ON COLUMN marts.deal_facts.trustee_id IS 'Trustee or plan manager institution id 受托机构/计划管理人编号';
COMMENT ON COLUMN marts.deal_facts.trustee_name IS 'Trustee short Chinese name 受托机构简称';
COMMENT ON COLUMN marts.deal_facts.trustee_type IS 'Trustee institution type 受托机构类型';
COMMENT ON COLUMN marts.deal_facts.issue_date IS 'Issue (book-building) date 发行日';
COMMENT ON COLUMN marts.deal_facts.value_date IS 'Value date, which sets the issuance period 起息日';
COMMENT ON COLUMN marts.deal_facts.value_year IS 'Year of the value date 起息年份';
COMMENT ON COLUMN marts.deal_facts.value_month IS 'Month (1–12) of the value date 起息月份';
COMMENT ON COLUMN marts.deal_facts.value_month_start IS 'First day of the value-date month 起息月（月初日期）';
COMMENT ON COLUMN marts.deal_facts.legal_maturity_date IS 'Legal maturity of the deal 法定到期日';
COMMENT ON COLUMN marts.deal_facts.deal_amount_cny IS 'Total issued amount of all tranches, CNY 发行总额（元）';
COMMENT ON COLUMN marts.deal_facts.deal_amount_yi IS 'Total issued amount, 亿元 (CNY 100 million) 发行总额（亿元）';
COMMENT ON COLUMN marts.deal_facts.tranche_count IS 'Number of tranches 证券分层数';
COMMENT ON COLUMN marts.deal_facts.senior_amount_cny IS 'Issued amount of non-subordinated (senior and mezzanine) tranches, CNY 优先级发行金额（元）';
COMMENT ON COLUMN marts.deal_facts.subordinated_amount_cny IS 'Issued amount of subordinated tranches, CNY 次级发行金额（元）';
COMMENT ON COLUMN marts.deal_facts.initial_pool_balance_cny IS 'Pool principal at cut-off, CNY 初始资产池本金余额（元）';
COMMENT ON COLUMN marts.deal_facts.pool_loan_count IS 'Loans or leases in the initial pool 入池笔数';
COMMENT ON COLUMN marts.deal_facts.pool_borrower_count IS 'Borrowers in the initial pool 入池户数';
COMMENT ON COLUMN marts.deal_facts.avg_balance_per_loan_cny IS 'Average balance per loan, CNY 笔均余额（元）';
COMMENT ON COLUMN marts.deal_facts.avg_balance_per_borrower_cny IS 'Average balance per borrower, CNY 户均余额（元）';
COMMENT ON COLUMN marts.deal_facts.wa_contract_term_months IS 'Weighted-average contract term, months 加权平均合同期限（月）';
COMMENT ON COLUMN marts.deal_facts.wa_remaining_term_months IS 'Weighted-average remaining term, months 加权平均剩余期限（月）';
COMMENT ON COLUMN marts.deal_facts.wa_pool_rate IS 'Weighted-average annual pool rate, fraction 加权平均利率';
COMMENT ON COLUMN marts.deal_facts.wa_overdue_months IS 'NPL pools: weighted-average overdue period, months 加权平均逾期期限（月）';
COMMENT ON COLUMN marts.deal_facts.expected_gross_recovery_rate IS 'NPL pools: expected gross recovery rate, fraction 预估毛回收率';
COMMENT ON COLUMN marts.deal_facts.is_revolving IS 'Has a revolving-purchase period 是否循环购买';
COMMENT ON COLUMN marts.deal_facts.revolving_period_months IS 'Length of the revolving period, months 循环期（月）';
COMMENT ON COLUMN marts.deal_facts.has_external_enhancement IS 'Any external credit enhancement 是否有外部增信';
COMMENT ON COLUMN marts.deal_facts.has_labels IS 'Carries at least one special-purpose label 是否有特定领域标识';
COMMENT ON COLUMN marts.deal_facts.label_count IS 'Number of special-purpose labels 特定领域标识数';
COMMENT ON COLUMN marts.deal_facts.labels IS 'Special-purpose labels joined with 、, NULL when none 特定领域标识';
