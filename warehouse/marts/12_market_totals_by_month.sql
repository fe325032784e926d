-- Whole-ABS-market totals (all three markets: credit_abs + abn + exchange_abs) per calendar month,
-- from core.market_totals: issuance in the month, year-to-date issuance (January … this month) and
-- the same period a year earlier, and month-end outstanding. The denominators of "share of all ABS".
CREATE OR REPLACE VIEW marts.market_totals_by_month AS
WITH monthly AS (
    -- all markets summed per month
    SELECT period_month,
           sum(issuance_count) AS issuance_count,
           sum(issuance_amount_cny) AS issuance_amount_cny,
           sum(issuance_amount_cny) FILTER (WHERE market = 'credit_abs') AS issuance_credit_abs_cny,
           sum(issuance_amount_cny) FILTER (WHERE market = 'abn') AS issuance_abn_cny,
           sum(issuance_amount_cny) FILTER (WHERE market = 'exchange_abs') AS issuance_exchange_abs_cny,
           sum(outstanding_count) AS outstanding_count,
           sum(outstanding_amount_cny) AS outstanding_amount_cny,
           count(*) AS markets_reported
    FROM core.market_totals
    GROUP BY period_month
), year_to_date AS (
    -- issuance from January of the same year through this month
    SELECT *,
           sum(issuance_count) OVER ytd AS issuance_ytd_count,
           sum(issuance_amount_cny) OVER ytd AS issuance_ytd_cny
    FROM monthly
    WINDOW ytd AS (PARTITION BY year(period_month) ORDER BY period_month)
)
SELECT cur.period_month,
       last_day(cur.period_month) AS month_end_date,
       year(cur.period_month) AS period_year,
       month(cur.period_month) AS month_number,
       cur.markets_reported,
       cur.issuance_count,
       cur.issuance_amount_cny,
       (cur.issuance_amount_cny / 1e8)::DECIMAL(28, 10) AS issuance_amount_yi,
       cur.issuance_credit_abs_cny,
       cur.issuance_abn_cny,
       cur.issuance_exchange_abs_cny,
       cur.issuance_credit_abs_cny + cur.issuance_abn_cny AS issuance_interbank_cny,
       prev.issuance_amount_cny AS issuance_prev_year_cny,
       cur.issuance_amount_cny / nullif(prev.issuance_amount_cny, 0) - 1 AS issuance_yoy,
       cur.issuance_ytd_count,
       cur.issuance_ytd_cny,
       (cur.issuance_ytd_cny / 1e8)::DECIMAL(28, 10) AS issuance_ytd_yi,
       prev.issuance_ytd_count AS issuance_ytd_prev_year_count,
       prev.issuance_ytd_cny AS issuance_ytd_prev_year_cny,
       (prev.issuance_ytd_cny / 1e8)::DECIMAL(28, 10) AS issuance_ytd_prev_year_yi,
       cur.issuance_ytd_cny / nullif(prev.issuance_ytd_cny, 0) - 1 AS issuance_ytd_yoy,
       cur.outstanding_count,
       cur.outstanding_amount_cny,
       (cur.outstanding_amount_cny / 1e8)::DECIMAL(28, 10) AS outstanding_amount_yi,
       prev.outstanding_amount_cny AS outstanding_prev_year_cny,
       cur.outstanding_amount_cny / nullif(prev.outstanding_amount_cny, 0) - 1 AS outstanding_yoy
FROM year_to_date cur
LEFT JOIN year_to_date prev ON prev.period_month = (cur.period_month - INTERVAL 1 YEAR)::DATE;

COMMENT ON VIEW marts.market_totals_by_month IS 'How much ABS did the whole market (credit ABS + ABN + exchange ABS) issue and hold outstanding; one row per calendar month, 全市场ABS月度发行及存量';
COMMENT ON COLUMN marts.market_totals_by_month.period_month IS 'First day of the month 月份（月初日期）';
COMMENT ON COLUMN marts.market_totals_by_month.month_end_date IS 'Last day of the month, the date of the outstanding figure 月末日期';
COMMENT ON COLUMN marts.market_totals_by_month.period_year IS 'Calendar year 年份';
COMMENT ON COLUMN marts.market_totals_by_month.month_number IS 'Month of the year, 1–12 月份序号';
COMMENT ON COLUMN marts.market_totals_by_month.markets_reported IS 'Markets with a row this month (3 when complete) 已报告市场数';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_count IS 'Deals issued in the month, all markets 当月发行单数';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_amount_cny IS 'Amount issued in the month, all markets, CNY 当月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_amount_yi IS 'Amount issued in the month, 亿元 当月发行金额（亿元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_credit_abs_cny IS 'Credit ABS issued in the month, CNY 信贷ABS当月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_abn_cny IS 'ABN issued in the month, CNY ABN当月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_exchange_abs_cny IS 'Exchange ABS issued in the month, CNY 交易所ABS当月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_interbank_cny IS 'Interbank (credit ABS + ABN) issued in the month, CNY 银行间当月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_prev_year_cny IS 'Amount issued in the same month a year earlier, CNY 上年同月发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_yoy IS 'Month issuance change vs the same month a year earlier, fraction 当月发行同比';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_count IS 'Deals issued January … this month 年初至今发行单数';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_cny IS 'Amount issued January … this month, CNY 年初至今发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_yi IS 'Amount issued January … this month, 亿元 年初至今发行金额（亿元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_prev_year_count IS 'Deals issued in the same months a year earlier 上年同期发行单数';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_prev_year_cny IS 'Amount issued in the same months a year earlier, CNY 上年同期发行金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_prev_year_yi IS 'Amount issued in the same months a year earlier, 亿元 上年同期发行金额（亿元）';
COMMENT ON COLUMN marts.market_totals_by_month.issuance_ytd_yoy IS 'Year-to-date issuance change vs the same period a year earlier, fraction 年初至今发行同比';
COMMENT ON COLUMN marts.market_totals_by_month.outstanding_count IS 'Deals outstanding at month end 月末存量单数';
COMMENT ON COLUMN marts.market_totals_by_month.outstanding_amount_cny IS 'Principal outstanding at month end, CNY 月末存量金额（元）';
COMMENT ON COLUMN marts.market_totals_by_month.outstanding_amount_yi IS 'Principal outstanding at month end, 亿元 月末存量金额（亿元）';
COMMENT ON COLUMN marts.market_totals_by_month.outstanding_prev_year_cny IS 'Outstanding at the same month end a year earlier, CNY 上年同月末存量（元）';
COMMENT ON COLUMN marts.market_totals_by_month.outstanding_yoy IS 'Outstanding change vs a year earlier, fraction 存量同比';
