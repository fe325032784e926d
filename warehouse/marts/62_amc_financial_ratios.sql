-- Financial statements of local AMCs with the ratios analysts quote. Conventions:
--   growth of balances = vs the previous year end (H1 2025 vs 2024-12-31, FY 2024 vs FY 2023);
--   profit YoY = vs the same kind of period one year earlier (H1 vs H1, FY vs FY);
--   annualised profit = H1 profit × 2 (FY as is).
CREATE OR REPLACE VIEW marts.amc_financial_ratios AS
WITH f AS (
    SELECT f.*, a.short_name_zh, a.full_name_zh, a.province, a.ownership, a.in_financial_sample
    FROM core.amc_financials f
    JOIN core.amcs a ON a.amc_id = f.amc_id
),
with_history AS (
    SELECT f.*,
           prev_ye.total_assets_cny  AS prev_year_end_total_assets_cny,
           prev_ye.net_assets_cny    AS prev_year_end_net_assets_cny,
           prev_yr.total_profit_cny  AS prev_year_total_profit_cny,
           prev_yr.net_profit_cny    AS prev_year_net_profit_cny
    FROM f
    -- previous year end: 31 December of the year before the period end's year
    LEFT JOIN core.amc_financials prev_ye
           ON prev_ye.amc_id = f.amc_id
          AND prev_ye.period_end_date = make_date(year(f.period_end_date) - 1, 12, 31)
    -- same period one year earlier
    LEFT JOIN core.amc_financials prev_yr
           ON prev_yr.amc_id = f.amc_id
          AND prev_yr.period_kind = f.period_kind
          AND prev_yr.period_end_date = f.period_end_date - INTERVAL 1 YEAR
)
SELECT
    amc_id,
    short_name_zh,
    full_name_zh,
    province,
    ownership,
    in_financial_sample,
    period_end_date,
    period_kind,
    total_assets_cny,
    total_assets_cny / 1e8                                          AS total_assets_yi,
    investment_assets_cny,
    investment_assets_cny / 1e8                                     AS investment_assets_yi,
    net_assets_cny,
    net_assets_cny / 1e8                                            AS net_assets_yi,
    paid_in_capital_cny,
    paid_in_capital_cny / 1e8                                       AS paid_in_capital_yi,
    total_debt_cny,
    total_debt_cny / 1e8                                            AS total_debt_yi,
    short_term_debt_cny,
    short_term_debt_cny / 1e8                                       AS short_term_debt_yi,
    cash_cny,
    cash_cny / 1e8                                                  AS cash_yi,
    total_profit_cny,
    total_profit_cny / 1e8                                          AS total_profit_yi,
    net_profit_cny,
    net_profit_cny / 1e8                                            AS net_profit_yi,
    -- ratios (fractions)
    total_debt_cny / nullif(total_assets_cny, 0)                    AS debt_to_assets,
    short_term_debt_cny / nullif(total_debt_cny, 0)                 AS short_term_share_of_debt,
    cash_cny / nullif(short_term_debt_cny, 0)                       AS cash_to_short_term_debt,
    investment_assets_cny / nullif(total_assets_cny, 0)             AS investment_share_of_assets,
    paid_in_capital_cny / nullif(net_assets_cny, 0)                 AS paid_in_share_of_net_assets,
    net_profit_cny * CASE WHEN period_kind = 'H1' THEN 2 ELSE 1 END AS annualised_net_profit_cny,
    total_profit_cny * CASE WHEN period_kind = 'H1' THEN 2 ELSE 1 END AS annualised_total_profit_cny,
    net_profit_cny * CASE WHEN period_kind = 'H1' THEN 2 ELSE 1 END
        / nullif(net_assets_cny, 0)                                 AS annualised_return_on_net_assets,
    -- growth
    total_assets_cny / nullif(prev_year_end_total_assets_cny, 0) - 1 AS total_assets_growth,
    net_assets_cny / nullif(prev_year_end_net_assets_cny, 0) - 1     AS net_assets_growth,
    prev_year_total_profit_cny,
    prev_year_net_profit_cny,
    total_profit_cny / nullif(prev_year_total_profit_cny, 0) - 1     AS total_profit_yoy,
    net_profit_cny / nullif(prev_year_net_profit_cny, 0) - 1         AS net_profit_yoy,
    total_profit_cny > prev_year_total_profit_cny                    AS total_profit_grew,
    net_profit_cny > prev_year_net_profit_cny                        AS net_profit_grew,
    -- rank within the financial sample at the same period end (NULL outside the sample)
    CASE WHEN in_financial_sample THEN rank() OVER (
        PARTITION BY period_end_date, in_financial_sample ORDER BY total_assets_cny DESC) END AS total_assets_rank,
    CASE WHEN in_financial_sample THEN rank() OVER (
        PARTITION BY period_end_date, in_financial_sample ORDER BY net_assets_cny DESC) END   AS net_assets_rank
FROM with_history;

COMMENT ON VIEW marts.amc_financial_ratios IS 'How big, leveraged, liquid and profitable is each local AMC: statements with debt-to-assets, cash / short-term debt, annualised (H1 × 2) returns, growth and size ranks; one row per AMC and period end, 地方AMC财务指标';
COMMENT ON COLUMN marts.amc_financial_ratios.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_financial_ratios.short_name_zh IS 'Short name 简称';
COMMENT ON COLUMN marts.amc_financial_ratios.full_name_zh IS 'Full name 公司名称';
COMMENT ON COLUMN marts.amc_financial_ratios.province IS 'Province 所在省份';
COMMENT ON COLUMN marts.amc_financial_ratios.ownership IS 'state or private 股东性质';
COMMENT ON COLUMN marts.amc_financial_ratios.in_financial_sample IS 'In the sample of AMCs with public financials 是否为财务样本';
COMMENT ON COLUMN marts.amc_financial_ratios.period_end_date IS 'Balance-sheet date 报告期末';
COMMENT ON COLUMN marts.amc_financial_ratios.period_kind IS 'H1 (six months of profit) or FY 报告期类型';
COMMENT ON COLUMN marts.amc_financial_ratios.total_assets_cny IS 'Total assets, CNY 资产总额（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_assets_yi IS 'Total assets, 亿元 资产总额（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.investment_assets_cny IS 'Investment assets, CNY 投资类资产（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.investment_assets_yi IS 'Investment assets, 亿元 投资类资产（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.net_assets_cny IS 'Net assets, CNY 所有者权益（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.net_assets_yi IS 'Net assets, 亿元 所有者权益（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.paid_in_capital_cny IS 'Paid-in capital, CNY 实收资本（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.paid_in_capital_yi IS 'Paid-in capital, 亿元 实收资本（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_debt_cny IS 'Total liabilities, CNY 负债总额（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_debt_yi IS 'Total liabilities, 亿元 负债总额（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.short_term_debt_cny IS 'Short-term interest-bearing debt, CNY 短期债务（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.short_term_debt_yi IS 'Short-term interest-bearing debt, 亿元 短期债务（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.cash_cny IS 'Cash and equivalents, CNY 现金类资产（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.cash_yi IS 'Cash and equivalents, 亿元 现金类资产（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_profit_cny IS 'Total profit of the period, CNY 利润总额（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_profit_yi IS 'Total profit of the period, 亿元 利润总额（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.net_profit_cny IS 'Net profit of the period, CNY 净利润（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.net_profit_yi IS 'Net profit of the period, 亿元 净利润（亿元）';
COMMENT ON COLUMN marts.amc_financial_ratios.debt_to_assets IS 'Total liabilities / total assets, fraction 资产负债率';
COMMENT ON COLUMN marts.amc_financial_ratios.short_term_share_of_debt IS 'Short-term debt / total liabilities, fraction 短期债务占比';
COMMENT ON COLUMN marts.amc_financial_ratios.cash_to_short_term_debt IS 'Cash / short-term debt, fraction 现金类资产/短期债务';
COMMENT ON COLUMN marts.amc_financial_ratios.investment_share_of_assets IS 'Investment assets / total assets, fraction 投资类资产占比';
COMMENT ON COLUMN marts.amc_financial_ratios.paid_in_share_of_net_assets IS 'Paid-in capital / net assets, fraction 实收资本占所有者权益比例';
COMMENT ON COLUMN marts.amc_financial_ratios.annualised_net_profit_cny IS 'Net profit annualised (H1 × 2), CNY 年化净利润（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.annualised_total_profit_cny IS 'Total profit annualised (H1 × 2), CNY 年化利润总额（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.annualised_return_on_net_assets IS 'Annualised net profit / period-end net assets, fraction 年化净资产收益率';
COMMENT ON COLUMN marts.amc_financial_ratios.total_assets_growth IS 'Total assets vs the previous year end − 1, fraction 资产总额较上年末增长率';
COMMENT ON COLUMN marts.amc_financial_ratios.net_assets_growth IS 'Net assets vs the previous year end − 1, fraction 所有者权益较上年末增长率';
COMMENT ON COLUMN marts.amc_financial_ratios.prev_year_total_profit_cny IS 'Total profit of the same period one year earlier, CNY 上年同期利润总额（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.prev_year_net_profit_cny IS 'Net profit of the same period one year earlier, CNY 上年同期净利润（元）';
COMMENT ON COLUMN marts.amc_financial_ratios.total_profit_yoy IS 'Total profit vs the same period one year earlier − 1, fraction 利润总额同比增长率';
COMMENT ON COLUMN marts.amc_financial_ratios.net_profit_yoy IS 'Net profit vs the same period one year earlier − 1, fraction 净利润同比增长率';
COMMENT ON COLUMN marts.amc_financial_ratios.total_profit_grew IS 'Total profit above the same period one year earlier 利润总额是否同比增长';
COMMENT ON COLUMN marts.amc_financial_ratios.net_profit_grew IS 'Net profit above the same period one year earlier 净利润是否同比增长';
COMMENT ON COLUMN marts.amc_financial_ratios.total_assets_rank IS 'Rank by total assets within the sample at the period end (1 = largest) 资产总额排名';
COMMENT ON COLUMN marts.amc_financial_ratios.net_assets_rank IS 'Rank by net assets within the sample at the period end (1 = largest) 所有者权益排名';
