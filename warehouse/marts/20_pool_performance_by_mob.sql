-- Pool performance of every deal with trustee-report histories (core.pool_performance), one row per
-- report period (grain payment_period: annual rows of 资产管理报告 are left out), placed on a months-on-book axis: months_on_book = whole months from the deal's
-- value date (起息日) to the end of the collection period. Cumulative default rate as reported
-- (90+ 累计违约率, cumulative defaults / initial pool). Revolving multiple = cumulative revolving
-- purchases to date / initial pool balance (循环购买倍数). Cumulative recovery rate = cumulative
-- recoveries / initial pool balance.
CREATE OR REPLACE VIEW marts.pool_performance_by_mob AS
SELECT p.deal_id,
       d.deal_name_zh,
       d.deal_short_name,
       d.asset_class,
       d.asset_subclass,
       d.market,
       d.is_public_offering,
       d.originator_id,
       d.originator_name,
       d.originator_type,
       d.originator_category,
       d.asset_provider_id,
       d.asset_provider_name,
       d.asset_provider_type,
       d.asset_provider_category,
       d.value_date,
       d.value_year AS vintage_year,
       d.is_revolving,
       d.revolving_period_months,
       d.initial_pool_balance_cny,
       p.grain,
       p.period_number,
       p.report_date,
       p.collection_period_start,
       p.collection_period_end,
       p.payment_date,
       date_diff('month', d.value_date, p.collection_period_end) AS months_on_book,
       p.pool_balance_begin_cny,
       p.pool_balance_end_cny,
       p.pool_balance_end_cny / nullif(d.initial_pool_balance_cny, 0) AS pool_factor,
       p.principal_collected_cny,
       p.interest_collected_cny,
       p.prepayment_cny,
       p.new_default_cny,
       p.cumulative_default_cny,
       p.cumulative_default_rate,
       p.delinquent_1_30_cny,
       p.delinquent_31_60_cny,
       p.delinquent_61_90_cny,
       p.delinquent_90_plus_cny,
       p.revolving_purchase_cny,
       p.cumulative_revolving_purchase_cny,
       p.cumulative_revolving_purchase_cny / nullif(d.initial_pool_balance_cny, 0) AS revolving_multiple,
       count(*) FILTER (WHERE p.revolving_purchase_cny > 0) OVER to_date AS revolving_periods_to_date,
       p.recovery_cny,
       p.cumulative_recovery_cny,
       p.cumulative_recovery_cny / nullif(d.initial_pool_balance_cny, 0) AS cumulative_recovery_rate,
       p.period_number = max(p.period_number) OVER (PARTITION BY p.deal_id) AS is_latest_period,
       p.not_applicable_reason
FROM core.pool_performance p
JOIN marts.deal_facts d ON d.deal_id = p.deal_id
WHERE p.grain = 'payment_period'
WINDOW to_date AS (PARTITION BY p.deal_id ORDER BY p.period_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW);

COMMENT ON VIEW marts.pool_performance_by_mob IS 'How pools performed period by period — balance, defaults, delinquencies, revolving purchases, recoveries — by months on book; one row per deal and report period, 资产池表现（按账龄）';
COMMENT ON COLUMN marts.pool_performance_by_mob.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN marts.pool_performance_by_mob.deal_name_zh IS 'Deal full name 项目全称';
COMMENT ON COLUMN marts.pool_performance_by_mob.deal_short_name IS 'Deal short name 项目简称';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_subclass IS 'Finer asset class 基础资产细分';
COMMENT ON COLUMN marts.pool_performance_by_mob.market IS 'Market 发行市场';
COMMENT ON COLUMN marts.pool_performance_by_mob.is_public_offering IS 'Publicly offered 是否公开发行';
COMMENT ON COLUMN marts.pool_performance_by_mob.originator_id IS 'Originator 发起机构编号';
COMMENT ON COLUMN marts.pool_performance_by_mob.originator_name IS 'Originator short name 发起机构简称';
COMMENT ON COLUMN marts.pool_performance_by_mob.originator_type IS 'Originator institution type 发起机构类型';
COMMENT ON COLUMN marts.pool_performance_by_mob.originator_category IS 'Originator type, commercial-bank types merged 发起机构类别';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_provider_id IS 'Asset provider 资产提供方编号';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_provider_name IS 'Asset provider short name 资产提供方简称';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_provider_type IS 'Asset provider institution type 资产提供方类型';
COMMENT ON COLUMN marts.pool_performance_by_mob.asset_provider_category IS 'Asset provider type, commercial-bank types merged 资产提供方类别';
COMMENT ON COLUMN marts.pool_performance_by_mob.value_date IS 'Deal value date 起息日';
COMMENT ON COLUMN marts.pool_performance_by_mob.vintage_year IS 'Year of the value date (vintage) 发行年份（批次）';
COMMENT ON COLUMN marts.pool_performance_by_mob.is_revolving IS 'Deal has a revolving period 是否循环购买';
COMMENT ON COLUMN marts.pool_performance_by_mob.revolving_period_months IS 'Length of the revolving period, months 循环期（月）';
COMMENT ON COLUMN marts.pool_performance_by_mob.initial_pool_balance_cny IS 'Pool principal at cut-off, CNY 初始资产池本金余额（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.grain IS 'Always payment_period: one row per collection/payment period 数据粒度（按期）';
COMMENT ON COLUMN marts.pool_performance_by_mob.period_number IS 'Report period number, 1 = first 报告期序号';
COMMENT ON COLUMN marts.pool_performance_by_mob.report_date IS 'Report date 报告日';
COMMENT ON COLUMN marts.pool_performance_by_mob.collection_period_start IS 'Collection period start 收款期间起始日';
COMMENT ON COLUMN marts.pool_performance_by_mob.collection_period_end IS 'Collection period end 收款期间截止日';
COMMENT ON COLUMN marts.pool_performance_by_mob.payment_date IS 'Payment date 兑付日';
COMMENT ON COLUMN marts.pool_performance_by_mob.months_on_book IS 'Whole months from value date to collection period end 账龄（月）';
COMMENT ON COLUMN marts.pool_performance_by_mob.pool_balance_begin_cny IS 'Pool balance at period start, CNY 期初资产池余额（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.pool_balance_end_cny IS 'Pool balance at period end, CNY 期末资产池余额（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.pool_factor IS 'Period-end pool balance / initial pool balance, fraction 资产池余额比例';
COMMENT ON COLUMN marts.pool_performance_by_mob.principal_collected_cny IS 'Principal collected in the period, CNY 本金回收（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.interest_collected_cny IS 'Interest collected in the period, CNY 利息回收（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.prepayment_cny IS 'Prepayments in the period, CNY 早偿金额（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.new_default_cny IS 'New defaults in the period, CNY 新增违约（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.cumulative_default_cny IS 'Cumulative defaults, CNY 累计违约金额（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.cumulative_default_rate IS 'Cumulative default rate as reported (90+), fraction of the initial pool 累计违约率';
COMMENT ON COLUMN marts.pool_performance_by_mob.delinquent_1_30_cny IS 'Delinquent 1–30 days, CNY 逾期1-30天（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.delinquent_31_60_cny IS 'Delinquent 31–60 days, CNY 逾期31-60天（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.delinquent_61_90_cny IS 'Delinquent 61–90 days, CNY 逾期61-90天（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.delinquent_90_plus_cny IS 'Delinquent over 90 days, CNY 逾期90天以上（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.revolving_purchase_cny IS 'Revolving purchases in the period, CNY 当期循环购买（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.cumulative_revolving_purchase_cny IS 'Cumulative revolving purchases, CNY 累计循环购买（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.revolving_multiple IS 'Cumulative revolving purchases / initial pool balance 循环购买倍数';
COMMENT ON COLUMN marts.pool_performance_by_mob.revolving_periods_to_date IS 'Periods with a revolving purchase, up to this one 已循环购买期数';
COMMENT ON COLUMN marts.pool_performance_by_mob.recovery_cny IS 'Recoveries in the period (NPL pools), CNY 当期回收（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.cumulative_recovery_cny IS 'Cumulative recoveries, CNY 累计回收（元）';
COMMENT ON COLUMN marts.pool_performance_by_mob.cumulative_recovery_rate IS 'Cumulative recoveries / initial pool balance, fraction 累计回收率';
COMMENT ON COLUMN marts.pool_performance_by_mob.is_latest_period IS 'Latest period reported for the deal 是否最新报告期';
COMMENT ON COLUMN marts.pool_performance_by_mob.not_applicable_reason IS 'Why some measures are NULL for this pool 字段不适用说明';
