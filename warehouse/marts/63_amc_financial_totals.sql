-- The financial sample in aggregate: sums of the sampled AMCs (in_financial_sample) per period end,
-- ratios of the sums, top-5 concentration, growth and how the AMCs spread across size and leverage.
CREATE OR REPLACE VIEW marts.amc_financial_totals AS
WITH sample AS (
    SELECT * FROM marts.amc_financial_ratios WHERE in_financial_sample
),
totals AS (
    SELECT
        period_end_date,
        any_value(period_kind)                                       AS period_kind,
        count(*)                                                      AS amcs,
        sum(total_assets_cny)                                         AS total_assets_cny,
        sum(investment_assets_cny)                                    AS investment_assets_cny,
        sum(net_assets_cny)                                           AS net_assets_cny,
        sum(paid_in_capital_cny)                                      AS paid_in_capital_cny,
        sum(total_debt_cny)                                           AS total_debt_cny,
        sum(short_term_debt_cny)                                      AS short_term_debt_cny,
        sum(cash_cny)                                                 AS cash_cny,
        sum(total_profit_cny)                                         AS total_profit_cny,
        sum(net_profit_cny)                                           AS net_profit_cny,
        -- top-5 = the five largest sampled AMCs at the period end
        sum(total_assets_cny) FILTER (WHERE total_assets_rank <= 5)   AS top5_total_assets_cny,
        sum(net_assets_cny) FILTER (WHERE net_assets_rank <= 5)       AS top5_net_assets_cny,
        max(total_assets_cny)                                         AS largest_total_assets_cny,
        max(net_assets_cny)                                           AS largest_net_assets_cny,
        count(*) FILTER (WHERE total_assets_cny > 300e8)              AS amcs_assets_above_300yi,
        count(*) FILTER (WHERE total_assets_cny > 500e8)              AS amcs_assets_above_500yi,
        count(*) FILTER (WHERE net_assets_cny > 100e8)                AS amcs_net_assets_above_100yi,
        count(*) FILTER (WHERE debt_to_assets < 0.5)                  AS amcs_debt_to_assets_below_50pct,
        count(*) FILTER (WHERE debt_to_assets BETWEEN 0.6 AND 0.8)    AS amcs_debt_to_assets_60_80pct,
        count(*) FILTER (WHERE debt_to_assets > 0.8)                  AS amcs_debt_to_assets_above_80pct,
        count(*) FILTER (WHERE total_profit_grew)                     AS amcs_total_profit_grew,
        count(*) FILTER (WHERE net_profit_grew)                       AS amcs_net_profit_grew
    FROM sample
    GROUP BY period_end_date
)
SELECT
    t.*,
    t.total_assets_cny / 1e8                                          AS total_assets_yi,
    t.net_assets_cny / 1e8                                            AS net_assets_yi,
    t.top5_total_assets_cny / t.total_assets_cny                      AS top5_share_of_total_assets,
    t.top5_net_assets_cny / t.net_assets_cny                          AS top5_share_of_net_assets,
    t.investment_assets_cny / t.total_assets_cny                      AS investment_share_of_assets,
    t.paid_in_capital_cny / t.net_assets_cny                          AS paid_in_share_of_net_assets,
    t.total_debt_cny / t.total_assets_cny                             AS debt_to_assets,
    t.short_term_debt_cny / t.total_debt_cny                          AS short_term_share_of_debt,
    t.cash_cny / t.short_term_debt_cny                                AS cash_to_short_term_debt,
    t.net_profit_cny * CASE WHEN t.period_kind = 'H1' THEN 2 ELSE 1 END / t.net_assets_cny
                                                                      AS annualised_return_on_net_assets,
    -- growth of the sample totals: balances vs the previous year end, profits vs the same period a year earlier
    t.total_assets_cny / ye.total_assets_cny - 1                      AS total_assets_growth,
    t.net_assets_cny / ye.net_assets_cny - 1                          AS net_assets_growth,
    t.total_profit_cny / py.total_profit_cny - 1                      AS total_profit_yoy,
    t.net_profit_cny / py.net_profit_cny - 1                          AS net_profit_yoy
FROM totals t
LEFT JOIN totals ye ON ye.period_end_date = make_date(year(t.period_end_date) - 1, 12, 31)
LEFT JOIN totals py ON py.period_end_date = t.period_end_date - INTERVAL 1 YEAR AND py.period_kind = t.period_kind;

COMMENT ON VIEW marts.amc_financial_totals IS 'How big, concentrated, leveraged and profitable is the sample of local AMCs with public financials, in aggregate; one row per period end, 地方AMC财务样本汇总';
COMMENT ON COLUMN marts.amc_financial_totals.period_end_date IS 'Balance-sheet date 报告期末';
COMMENT ON COLUMN marts.amc_financial_totals.period_kind IS 'Period kind: H1 (half year) or FY (full year) 报告期类型';
COMMENT ON COLUMN marts.amc_financial_totals.amcs IS 'Sampled AMCs reporting at the date 样本家数';
COMMENT ON COLUMN marts.amc_financial_totals.total_assets_cny IS 'Sum of total assets, CNY 资产总额合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.investment_assets_cny IS 'Sum of investment assets, CNY 投资类资产合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.net_assets_cny IS 'Sum of net assets, CNY 所有者权益合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.paid_in_capital_cny IS 'Sum of paid-in capital, CNY 实收资本合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.total_debt_cny IS 'Sum of total liabilities, CNY 负债总额合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.short_term_debt_cny IS 'Sum of short-term debt, CNY 短期债务合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.cash_cny IS 'Sum of cash, CNY 现金类资产合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.total_profit_cny IS 'Sum of total profit of the period, CNY 利润总额合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.net_profit_cny IS 'Sum of net profit of the period, CNY 净利润合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.top5_total_assets_cny IS 'Total assets of the five largest AMCs by total assets, CNY 资产规模前五合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.top5_net_assets_cny IS 'Net assets of the five largest AMCs by net assets, CNY 所有者权益前五合计（元）';
COMMENT ON COLUMN marts.amc_financial_totals.largest_total_assets_cny IS 'Total assets of the largest AMC, CNY 最大资产总额（元）';
COMMENT ON COLUMN marts.amc_financial_totals.largest_net_assets_cny IS 'Net assets of the AMC with the largest net assets, CNY 最大所有者权益（元）';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_assets_above_300yi IS 'AMCs with total assets above 300 亿元 资产总额超300亿元家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_assets_above_500yi IS 'AMCs with total assets above 500 亿元 资产总额超500亿元家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_net_assets_above_100yi IS 'AMCs with net assets above 100 亿元 所有者权益超100亿元家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_debt_to_assets_below_50pct IS 'AMCs with debt-to-assets below 50% 资产负债率低于50%家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_debt_to_assets_60_80pct IS 'AMCs with debt-to-assets within 60%–80% 资产负债率60%-80%家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_debt_to_assets_above_80pct IS 'AMCs with debt-to-assets above 80% 资产负债率高于80%家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_total_profit_grew IS 'AMCs whose total profit beat the same period a year earlier 利润总额同比增长家数';
COMMENT ON COLUMN marts.amc_financial_totals.amcs_net_profit_grew IS 'AMCs whose net profit beat the same period a year earlier 净利润同比增长家数';
COMMENT ON COLUMN marts.amc_financial_totals.total_assets_yi IS 'Sum of total assets, 亿元 资产总额合计（亿元）';
COMMENT ON COLUMN marts.amc_financial_totals.net_assets_yi IS 'Sum of net assets, 亿元 所有者权益合计（亿元）';
COMMENT ON COLUMN marts.amc_financial_totals.top5_share_of_total_assets IS 'Top-5 total assets / sample total assets, fraction 资产总额前五占比';
COMMENT ON COLUMN marts.amc_financial_totals.top5_share_of_net_assets IS 'Top-5 net assets / sample net assets, fraction 所有者权益前五占比';
COMMENT ON COLUMN marts.amc_financial_totals.investment_share_of_assets IS 'Investment assets / total assets of the sample, fraction 投资类资产占比';
COMMENT ON COLUMN marts.amc_financial_totals.paid_in_share_of_net_assets IS 'Paid-in capital / net assets of the sample, fraction 实收资本占所有者权益比例';
COMMENT ON COLUMN marts.amc_financial_totals.debt_to_assets IS 'Total liabilities / total assets of the sample, fraction 整体资产负债率';
COMMENT ON COLUMN marts.amc_financial_totals.short_term_share_of_debt IS 'Short-term debt / total liabilities of the sample, fraction 短期债务占比';
COMMENT ON COLUMN marts.amc_financial_totals.cash_to_short_term_debt IS 'Cash / short-term debt of the sample, fraction 现金类资产/短期债务';
COMMENT ON COLUMN marts.amc_financial_totals.annualised_return_on_net_assets IS 'Net profit annualised (H1 × 2) / net assets of the sample, fraction 年化净资产收益率';
COMMENT ON COLUMN marts.amc_financial_totals.total_assets_growth IS 'Sample total assets vs the previous year end − 1, fraction 资产总额较上年末增长率';
COMMENT ON COLUMN marts.amc_financial_totals.net_assets_growth IS 'Sample net assets vs the previous year end − 1, fraction 所有者权益较上年末增长率';
COMMENT ON COLUMN marts.amc_financial_totals.total_profit_yoy IS 'Sample total profit vs the same period a year earlier − 1, fraction 利润总额同比增长率';
COMMENT ON COLUMN marts.amc_financial_totals.net_profit_yoy IS 'Sample net profit vs the same period a year earlier − 1, fraction 净利润同比增长率';
