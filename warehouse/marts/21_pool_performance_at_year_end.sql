-- Pool performance of each deal as known at each year end: the latest report period paid on or
-- before December 31 of the year (deals with no such period are absent for that year), for every
-- year from the deal's first payment through the latest payment year in the warehouse. The
-- cumulative default rate is the one of the latest period that reports it.
CREATE OR REPLACE VIEW marts.pool_performance_at_year_end AS
WITH year_ends AS (
    SELECT y::INTEGER AS year_end_year, make_date(y::INTEGER, 12, 31) AS year_end_date
    FROM range((SELECT min(year(payment_date)) FROM core.pool_performance),
               (SELECT max(year(payment_date)) FROM core.pool_performance) + 1) r(y)
), known_by_year_end AS (
    SELECT e.year_end_year, e.year_end_date, p.deal_id,
           max(p.period_number) AS period_number,
           max(p.payment_date) AS latest_payment_date,
           arg_max(p.months_on_book, p.period_number) AS months_on_book,
           arg_max(p.cumulative_default_rate, p.period_number) FILTER (WHERE p.cumulative_default_rate IS NOT NULL) AS cumulative_default_rate,
           arg_max(p.pool_balance_end_cny, p.period_number) AS pool_balance_end_cny,
           arg_max(p.pool_factor, p.period_number) AS pool_factor,
           arg_max(p.revolving_multiple, p.period_number) AS revolving_multiple,
           arg_max(p.cumulative_recovery_rate, p.period_number) AS cumulative_recovery_rate
    FROM marts.pool_performance_by_mob p
    JOIN year_ends e ON p.payment_date <= e.year_end_date
    GROUP BY e.year_end_year, e.year_end_date, p.deal_id
)
SELECT k.year_end_year,
       k.year_end_date,
       k.deal_id,
       d.deal_name_zh,
       d.asset_class,
       d.asset_subclass,
       d.market,
       d.is_public_offering,
       d.originator_id,
       d.originator_name,
       d.originator_category,
       d.asset_provider_id,
       d.asset_provider_name,
       d.asset_provider_category,
       d.value_date,
       d.value_year AS vintage_year,
       k.period_number,
       k.latest_payment_date,
       k.months_on_book,
       k.cumulative_default_rate,
       k.pool_balance_end_cny,
       k.pool_factor,
       k.revolving_multiple,
       k.cumulative_recovery_rate
FROM known_by_year_end k
JOIN marts.deal_facts d ON d.deal_id = k.deal_id;

COMMENT ON VIEW marts.pool_performance_at_year_end IS 'Where each pool stood at a year end — latest reported cumulative default rate, balance, revolving multiple; one row per deal and year end, 年末资产池表现';
COMMENT ON COLUMN marts.pool_performance_at_year_end.year_end_year IS 'Year 年份';
COMMENT ON COLUMN marts.pool_performance_at_year_end.year_end_date IS 'December 31 of the year 年末日期';
COMMENT ON COLUMN marts.pool_performance_at_year_end.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN marts.pool_performance_at_year_end.deal_name_zh IS 'Deal full name 项目全称';
COMMENT ON COLUMN marts.pool_performance_at_year_end.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.pool_performance_at_year_end.asset_subclass IS 'Finer asset class 基础资产细分';
COMMENT ON COLUMN marts.pool_performance_at_year_end.market IS 'Market 发行市场';
COMMENT ON COLUMN marts.pool_performance_at_year_end.is_public_offering IS 'Publicly offered 是否公开发行';
COMMENT ON COLUMN marts.pool_performance_at_year_end.originator_id IS 'Originator 发起机构编号';
COMMENT ON COLUMN marts.pool_performance_at_year_end.originator_name IS 'Originator short name 发起机构简称';
COMMENT ON COLUMN marts.pool_performance_at_year_end.originator_category IS 'Originator type, commercial-bank types merged 发起机构类别';
COMMENT ON COLUMN marts.pool_performance_at_year_end.asset_provider_id IS 'Asset provider 资产提供方编号';
COMMENT ON COLUMN marts.pool_performance_at_year_end.asset_provider_name IS 'Asset provider short name 资产提供方简称';
COMMENT ON COLUMN marts.pool_performance_at_year_end.asset_provider_category IS 'Asset provider type, commercial-bank types merged 资产提供方类别';
COMMENT ON COLUMN marts.pool_performance_at_year_end.value_date IS 'Deal value date 起息日';
COMMENT ON COLUMN marts.pool_performance_at_year_end.vintage_year IS 'Year of the value date 发行年份';
COMMENT ON COLUMN marts.pool_performance_at_year_end.period_number IS 'Latest report period paid by the year end 最新报告期序号';
COMMENT ON COLUMN marts.pool_performance_at_year_end.latest_payment_date IS 'Payment date of that period 最新兑付日';
COMMENT ON COLUMN marts.pool_performance_at_year_end.months_on_book IS 'Months on book at that period 账龄（月）';
COMMENT ON COLUMN marts.pool_performance_at_year_end.cumulative_default_rate IS 'Cumulative default rate of the latest period reporting it, fraction 累计违约率';
COMMENT ON COLUMN marts.pool_performance_at_year_end.pool_balance_end_cny IS 'Pool balance at that period end, CNY 资产池余额（元）';
COMMENT ON COLUMN marts.pool_performance_at_year_end.pool_factor IS 'Pool balance / initial pool balance, fraction 资产池余额比例';
COMMENT ON COLUMN marts.pool_performance_at_year_end.revolving_multiple IS 'Cumulative revolving purchases / initial pool balance 循环购买倍数';
COMMENT ON COLUMN marts.pool_performance_at_year_end.cumulative_recovery_rate IS 'Cumulative recoveries / initial pool balance, fraction 累计回收率';
