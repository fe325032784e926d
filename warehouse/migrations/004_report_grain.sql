-- Performance and payments at the grain the documents give them.
--
-- Exchange ABS disclose pool performance in an annual 资产管理报告 (a year's balances, flows and
-- abnormal repayments, plus a table of the year's payment periods), payments in a 收益分配报告 per
-- payment (per-unit amounts on 100-元 units); ABN disclose a 资产运营报告 per payment period.
-- core.pool_performance gets a grain (payment_period or annual) in its key, the counts, cash and
-- forecast the annual report adds, and payment_date becomes optional (a year has no payment
-- date). DuckDB cannot change a primary key in place, so the table is rebuilt with its rows.
-- core.tranche_payments gets its grain (payment) and the per-unit figures of exchange reports.

CREATE TABLE core.pool_performance_v3 (
    deal_id                        VARCHAR NOT NULL,
    grain                          VARCHAR NOT NULL DEFAULT 'payment_period',
    period_number                  INTEGER NOT NULL,
    report_date                    DATE,
    collection_period_start        DATE,
    collection_period_end          DATE,
    payment_date                   DATE,
    pool_balance_begin_cny         DECIMAL(20,2),
    pool_balance_end_cny           DECIMAL(20,2),
    loan_count_begin               INTEGER,
    loan_count_end                 INTEGER,
    principal_collected_cny        DECIMAL(20,2),
    interest_collected_cny         DECIMAL(20,2),
    prepayment_cny                 DECIMAL(20,2),
    prepayment_count               INTEGER,
    new_default_cny                DECIMAL(20,2),
    new_default_count              INTEGER,
    cumulative_default_cny         DECIMAL(20,2),
    cumulative_default_rate        DECIMAL(12,8),
    delinquent_1_30_cny            DECIMAL(20,2),
    delinquent_31_60_cny           DECIMAL(20,2),
    delinquent_61_90_cny           DECIMAL(20,2),
    delinquent_90_plus_cny         DECIMAL(20,2),
    delinquent_count               INTEGER,
    revolving_purchase_cny         DECIMAL(20,2),
    cumulative_revolving_purchase_cny DECIMAL(20,2),
    recovery_cny                   DECIMAL(20,2),
    cumulative_recovery_cny        DECIMAL(20,2),
    other_income_cny               DECIMAL(20,2),
    cash_received_cny              DECIMAL(20,2),
    cash_paid_cny                  DECIMAL(20,2),
    forecast_collections_cny       DECIMAL(20,2),
    not_applicable_reason          VARCHAR,
    document_id                    VARCHAR NOT NULL,
    source_page                    INTEGER,
    source_table                   VARCHAR,
    source_row_label               VARCHAR,
    PRIMARY KEY (deal_id, grain, period_number)
);
INSERT INTO core.pool_performance_v3 BY NAME SELECT *, 'payment_period' AS grain FROM core.pool_performance;
DROP TABLE core.pool_performance;
ALTER TABLE core.pool_performance_v3 RENAME TO pool_performance;

COMMENT ON TABLE core.pool_performance IS 'Pool performance as reported, one row per deal, grain and report period: per payment period (受托机构报告, ABN 资产运营报告, the period table of a 资产管理报告) or per year (资产管理报告) 资产池表现（按报告期）';
COMMENT ON COLUMN core.pool_performance.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN core.pool_performance.grain IS 'What one row covers: payment_period (one collection/payment period) or annual (a year of an annual asset-management report) 数据粒度（按期/年度）';
COMMENT ON COLUMN core.pool_performance.period_number IS 'Report period: the payment period number (总第N期) when grain = payment_period, the calendar year when grain = annual 报告期数（总第N期）或报告年度';
COMMENT ON COLUMN core.pool_performance.report_date IS 'Report date on the cover; NULL for periods known only from an annual report''s period table 报告日期';
COMMENT ON COLUMN core.pool_performance.collection_period_start IS 'Start of the collection period (annual: of the first period in the year) 收款期间起始日';
COMMENT ON COLUMN core.pool_performance.collection_period_end IS 'End of the collection period (annual: of the last period in the year) 收款期间截止日（报告期末）';
COMMENT ON COLUMN core.pool_performance.payment_date IS 'Payment date; balances are as of it; NULL for annual rows 本期支付日';
COMMENT ON COLUMN core.pool_performance.pool_balance_begin_cny IS 'Pool principal at the start of the period, CNY 期初资产池余额（元）';
COMMENT ON COLUMN core.pool_performance.pool_balance_end_cny IS 'Pool principal at the end of the period, CNY 期末资产池余额（元）';
COMMENT ON COLUMN core.pool_performance.loan_count_begin IS 'Loans in the pool at period start 期初笔数';
COMMENT ON COLUMN core.pool_performance.loan_count_end IS 'Loans in the pool at period end 期末笔数';
COMMENT ON COLUMN core.pool_performance.principal_collected_cny IS 'Principal collected in the period (normal + prepaid + delinquent), CNY 本期本金回收（元）';
COMMENT ON COLUMN core.pool_performance.interest_collected_cny IS 'Interest collected in the period, CNY 本期利息回收（元）';
COMMENT ON COLUMN core.pool_performance.prepayment_cny IS 'Prepaid principal in the period, CNY 提前偿还（元）';
COMMENT ON COLUMN core.pool_performance.prepayment_count IS 'Loans prepaid in the period 早偿笔数';
COMMENT ON COLUMN core.pool_performance.new_default_cny IS 'Principal newly defaulted (90+) in the period, CNY 当期新增违约金额（元）';
COMMENT ON COLUMN core.pool_performance.new_default_count IS 'Loans newly defaulted in the period 新增违约笔数';
COMMENT ON COLUMN core.pool_performance.cumulative_default_cny IS 'Cumulative defaulted principal, CNY 累计违约金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_default_rate IS '90+ cumulative default rate = cumulative defaulted principal / initial pool principal, fraction 累计违约率';
COMMENT ON COLUMN core.pool_performance.delinquent_1_30_cny IS 'Principal 1–30 days past due, CNY 逾期1-30天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_31_60_cny IS 'Principal 31–60 days past due, CNY 逾期31-60天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_61_90_cny IS 'Principal 61–90 days past due, CNY 逾期61-90天（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_90_plus_cny IS 'Principal over 90 days past due, CNY 逾期90天以上（元）';
COMMENT ON COLUMN core.pool_performance.delinquent_count IS 'Loans past due at period end, all buckets 逾期笔数';
COMMENT ON COLUMN core.pool_performance.revolving_purchase_cny IS 'Revolving purchases in the period, CNY 本期循环购买金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_revolving_purchase_cny IS 'Cumulative revolving purchases, CNY 累计循环购买金额（元）';
COMMENT ON COLUMN core.pool_performance.recovery_cny IS 'NPL: cash recovered from disposal in the period (not 其他收入), CNY 本期回收金额（元）';
COMMENT ON COLUMN core.pool_performance.cumulative_recovery_cny IS 'NPL: cumulative disposal recoveries, CNY 累计回收金额（元）';
COMMENT ON COLUMN core.pool_performance.other_income_cny IS 'NPL: other income, excluded from recoveries, CNY 其他收入（元）';
COMMENT ON COLUMN core.pool_performance.cash_received_cny IS 'Cash received into the plan account in the period, CNY 专项计划账户本期收入（元）';
COMMENT ON COLUMN core.pool_performance.cash_paid_cny IS 'Cash paid out of the plan account in the period, CNY 专项计划账户本期支出（元）';
COMMENT ON COLUMN core.pool_performance.forecast_collections_cny IS 'Pool collections the offering circular forecast for the period, CNY (actual = principal + interest collected) 预测现金流入（元）';
COMMENT ON COLUMN core.pool_performance.not_applicable_reason IS 'Why NULL fields do not apply (e.g. NPL pools have no default rate) 不适用原因';
COMMENT ON COLUMN core.pool_performance.document_id IS 'Report the row came from 来源文档';
COMMENT ON COLUMN core.pool_performance.source_page IS 'Page it stood on 来源页码';
COMMENT ON COLUMN core.pool_performance.source_table IS 'Section or table 来源表格';
COMMENT ON COLUMN core.pool_performance.source_row_label IS 'Row label 来源行标签';

ALTER TABLE core.tranche_payments ADD COLUMN grain VARCHAR DEFAULT 'payment';
ALTER TABLE core.tranche_payments ALTER COLUMN grain SET NOT NULL;
ALTER TABLE core.tranche_payments ADD COLUMN record_date DATE;
ALTER TABLE core.tranche_payments ADD COLUMN unit_count BIGINT;
ALTER TABLE core.tranche_payments ADD COLUMN principal_paid_per_unit DECIMAL(12,4);
ALTER TABLE core.tranche_payments ADD COLUMN interest_paid_per_unit DECIMAL(12,4);
ALTER TABLE core.tranche_payments ADD COLUMN other_income_paid_per_unit DECIMAL(12,4);
COMMENT ON TABLE core.tranche_payments IS 'Principal and interest paid per tranche, one row per tranche and payment (grain payment) 证券本息兑付';
COMMENT ON COLUMN core.tranche_payments.grain IS 'What one row covers: payment (one payment date) 数据粒度';
COMMENT ON COLUMN core.tranche_payments.record_date IS 'Record date: holders registered at its close are paid 权益登记日';
COMMENT ON COLUMN core.tranche_payments.unit_count IS 'Units of 100 CNY face at issue the payment is made on (exchange ABS) 份数';
COMMENT ON COLUMN core.tranche_payments.principal_paid_per_unit IS 'Principal paid per unit, CNY to 4 decimals; principal_paid_cny = this × unit_count 每份分配本金（元）';
COMMENT ON COLUMN core.tranche_payments.interest_paid_per_unit IS 'Interest (expected return or period return) paid per unit, CNY to 4 decimals 每份分配收益（元）';
COMMENT ON COLUMN core.tranche_payments.other_income_paid_per_unit IS 'Subordinated excess return paid per unit, CNY to 4 decimals 每份分配超额收益（元）';

COMMENT ON COLUMN raw.documents.source IS 'Site or channel that delivered it: chinabond, chinabond_curves, vendor_feed, sse, szse, chinamoney, shclearing, inbox 数据来源';
