-- Tranche facts: every tranche with its deal's attributes, rating, coupon, expected tenor, and the
-- benchmark yield of the ChinaBond MTN AAA curve (中债中短期票据收益率曲线(AAA),
-- curve 2c9081880fa9d507010fb8505b393fe7) at the deal's value date and the tranche's expected
-- tenor — latest curve date on or before the value date, linear in tenor, NULL outside the curve
-- (same rule as marts.curve_yield, done set-based) — and the spread over it in bp.
-- is_senior: every tranche that is not subordinated (优先A* and 优先B, 优先级证券).
CREATE OR REPLACE VIEW marts.tranche_facts AS
WITH mtn_aaa AS (
    -- the benchmark curve, one row per curve date and standard tenor
    SELECT curve_date, tenor_years, yield_rate
    FROM core.yield_curves
    WHERE curve_id = '2c9081880fa9d507010fb8505b393fe7'
), mtn_aaa_dates AS (
    SELECT DISTINCT curve_date FROM mtn_aaa
), tranche_base AS (
    SELECT t.*, d.value_date
    FROM core.tranches t JOIN core.deals d USING (deal_id)
), with_curve_date AS (
    -- latest curve date on or before the value date
    SELECT b.tranche_id, b.expected_tenor_years AS tenor, c.curve_date AS benchmark_curve_date
    FROM tranche_base b ASOF LEFT JOIN mtn_aaa_dates c ON b.value_date >= c.curve_date
), curve_points AS (
    -- the curve's standard tenors on that date, one row per tranche and tenor
    SELECT w.tranche_id, w.tenor, c.tenor_years, c.yield_rate
    FROM with_curve_date w
    JOIN mtn_aaa c ON c.curve_date = w.benchmark_curve_date
), bracket AS (
    -- nearest standard tenors at or below (t0, y0) and at or above (t1, y1) the expected tenor
    SELECT tranche_id,
           max(tenor_years) FILTER (WHERE tenor_years <= tenor) AS t0,
           arg_max(yield_rate, tenor_years) FILTER (WHERE tenor_years <= tenor) AS y0,
           min(tenor_years) FILTER (WHERE tenor_years >= tenor) AS t1,
           arg_min(yield_rate, tenor_years) FILTER (WHERE tenor_years >= tenor) AS y1
    FROM curve_points
    GROUP BY tranche_id
), benchmark AS (
    SELECT w.tranche_id, w.benchmark_curve_date,
           CASE WHEN b.t0 IS NULL OR b.t1 IS NULL THEN NULL
                WHEN b.t0 = b.t1 THEN b.y0::DOUBLE
                ELSE b.y0::DOUBLE + (b.y1 - b.y0)::DOUBLE * (w.tenor - b.t0)::DOUBLE / (b.t1 - b.t0)::DOUBLE
           END AS benchmark_yield
    FROM with_curve_date w
    LEFT JOIN bracket b USING (tranche_id)
)
SELECT t.tranche_id,
       t.security_code,
       t.tranche_name,
       t.tranche_class,
       t.tranche_class <> 'subordinated' AS is_senior,
       t.seniority_rank,
       t.amount_cny,
       (t.amount_cny / 1e8)::DECIMAL(28, 10) AS amount_yi,
       t.coupon_rate,
       t.coupon_type,
       t.issue_price_per_100,
       t.amortisation,
       t.expected_maturity_date,
       t.legal_maturity_date,
       t.expected_tenor_years,
       t.initial_rating,
       -- position on the sf scale, 1 = AAAsf (for ordering by rating)
       list_position(['AAAsf', 'AA+sf', 'AAsf', 'AA-sf', 'A+sf', 'Asf', 'A-sf', 'BBB+sf', 'BBBsf', 'BBB-sf', 'BB+sf', 'BBsf', 'BB-sf', 'B+sf', 'Bsf', 'B-sf', 'CCCsf', 'CCsf', 'Csf'], t.initial_rating) AS initial_rating_rank,
       t.initial_rating_agency_id,
       agency.short_name_zh AS initial_rating_agency_name,
       t.is_externally_placed,
       t.originator_retained_share,
       t.period_return_rate,
       t.delisting_date,
       d.deal_id,
       d.deal_name_zh,
       d.deal_short_name,
       d.series_name,
       d.market,
       d.venue,
       d.asset_class,
       d.asset_subclass,
       d.originator_id,
       d.originator_name,
       d.originator_type,
       d.originator_category,
       d.asset_provider_id,
       d.asset_provider_name,
       d.asset_provider_type,
       d.asset_provider_category,
       d.issue_date,
       d.value_date,
       d.value_year,
       d.value_month,
       d.value_month_start,
       d.deal_amount_cny,
       d.is_revolving,
       d.has_external_enhancement,
       b.benchmark_curve_date,
       b.benchmark_yield,
       10000 * (t.coupon_rate::DOUBLE - b.benchmark_yield) AS spread_bp
FROM core.tranches t
JOIN marts.deal_facts d ON d.deal_id = t.deal_id
LEFT JOIN benchmark b ON b.tranche_id = t.tranche_id
LEFT JOIN core.institutions agency ON agency.institution_id = t.initial_rating_agency_id;

COMMENT ON VIEW marts.tranche_facts IS 'What was each security — its deal, class, rating, coupon, tenor and spread over the MTN AAA curve at issue; one row per tranche, 证券分层信息汇总';
COMMENT ON COLUMN marts.tranche_facts.tranche_id IS 'Stable tranche id 证券编号';
COMMENT ON COLUMN marts.tranche_facts.security_code IS 'Security code with market suffix 证券代码';
COMMENT ON COLUMN marts.tranche_facts.tranche_name IS 'Tranche label as issued (优先A1, 次级 …) 证券分层名称';
COMMENT ON COLUMN marts.tranche_facts.tranche_class IS 'Class: senior, mezzanine, subordinated 证券分层类别';
COMMENT ON COLUMN marts.tranche_facts.is_senior IS 'Not subordinated (优先A* and 优先B), i.e. a 优先级证券 是否优先级';
COMMENT ON COLUMN marts.tranche_facts.seniority_rank IS 'Payment priority, 1 = most senior 偿付顺序';
COMMENT ON COLUMN marts.tranche_facts.amount_cny IS 'Issued amount, CNY 发行金额（元）';
COMMENT ON COLUMN marts.tranche_facts.amount_yi IS 'Issued amount, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.tranche_facts.coupon_rate IS 'Issuance coupon, fraction; NULL without coupon 发行利率';
COMMENT ON COLUMN marts.tranche_facts.coupon_type IS 'fixed or floating 利率形式';
COMMENT ON COLUMN marts.tranche_facts.issue_price_per_100 IS 'Issue price per 100 CNY face 发行价格';
COMMENT ON COLUMN marts.tranche_facts.amortisation IS 'pass_through or bullet 还本方式';
COMMENT ON COLUMN marts.tranche_facts.expected_maturity_date IS 'Expected maturity 预期到期日';
COMMENT ON COLUMN marts.tranche_facts.legal_maturity_date IS 'Legal maturity 法定到期日';
COMMENT ON COLUMN marts.tranche_facts.expected_tenor_years IS 'Expected tenor from the value date, years 预期期限（年）';
COMMENT ON COLUMN marts.tranche_facts.initial_rating IS 'Initial rating, canonical (AAAsf …); NULL when unrated 首次评级';
COMMENT ON COLUMN marts.tranche_facts.initial_rating_rank IS 'Position of the initial rating on the sf scale, 1 = AAAsf, 2 = AA+sf …; NULL when unrated 首次评级档位（1=AAAsf）';
COMMENT ON COLUMN marts.tranche_facts.initial_rating_agency_id IS 'Agency of the initial rating 首次评级机构编号';
COMMENT ON COLUMN marts.tranche_facts.initial_rating_agency_name IS 'Agency short name 首次评级机构简称';
COMMENT ON COLUMN marts.tranche_facts.is_externally_placed IS 'Subordinated: sold to outside investors 次级是否对外发行';
COMMENT ON COLUMN marts.tranche_facts.originator_retained_share IS 'Share retained by the originator, fraction 发起机构自留比例';
COMMENT ON COLUMN marts.tranche_facts.period_return_rate IS 'Subordinated: annual period-return rate, fraction 期间收益率';
COMMENT ON COLUMN marts.tranche_facts.delisting_date IS 'Delisting date 摘牌日';
COMMENT ON COLUMN marts.tranche_facts.deal_id IS 'Deal it belongs to 所属项目编号';
COMMENT ON COLUMN marts.tranche_facts.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.tranche_facts.deal_short_name IS 'Deal short name 项目简称';
COMMENT ON COLUMN marts.tranche_facts.series_name IS 'Deal series name 系列名称';
COMMENT ON COLUMN marts.tranche_facts.market IS 'Market: credit_abs, abn, exchange_abs 发行市场';
COMMENT ON COLUMN marts.tranche_facts.venue IS 'exchange or interbank 交易场所';
COMMENT ON COLUMN marts.tranche_facts.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.tranche_facts.asset_subclass IS 'Finer asset class 基础资产细分';
COMMENT ON COLUMN marts.tranche_facts.originator_id IS 'Originator institution id 发起机构编号';
COMMENT ON COLUMN marts.tranche_facts.originator_name IS 'Originator short name 发起机构简称';
COMMENT ON COLUMN marts.tranche_facts.originator_type IS 'Originator institution type 发起机构类型';
COMMENT ON COLUMN marts.tranche_facts.originator_category IS 'Originator type, commercial-bank types merged 发起机构类别（商业银行合并）';
COMMENT ON COLUMN marts.tranche_facts.asset_provider_category IS 'Asset provider type, commercial-bank types merged 资产提供方类别（商业银行合并）';
COMMENT ON COLUMN marts.tranche_facts.asset_provider_id IS 'Asset provider institution id 资产提供方编号';
COMMENT ON COLUMN marts.tranche_facts.asset_provider_name IS 'Asset provider short name 资产提供方简称';
COMMENT ON COLUMN marts.tranche_facts.asset_provider_type IS 'Asset provider institution type 资产提供方类型';
COMMENT ON COLUMN marts.tranche_facts.issue_date IS 'Deal issue date 发行日';
COMMENT ON COLUMN marts.tranche_facts.value_date IS 'Deal value date 起息日';
COMMENT ON COLUMN marts.tranche_facts.value_year IS 'Year of the value date 起息年份';
COMMENT ON COLUMN marts.tranche_facts.value_month IS 'Month (1–12) of the value date 起息月份';
COMMENT ON COLUMN marts.tranche_facts.value_month_start IS 'First day of the value-date month 起息月（月初日期）';
COMMENT ON COLUMN marts.tranche_facts.deal_amount_cny IS 'Deal total issued amount, CNY 项目发行总额（元）';
COMMENT ON COLUMN marts.tranche_facts.is_revolving IS 'Deal has a revolving period 是否循环购买';
COMMENT ON COLUMN marts.tranche_facts.has_external_enhancement IS 'Deal has external credit enhancement 是否有外部增信';
COMMENT ON COLUMN marts.tranche_facts.benchmark_curve_date IS 'MTN AAA curve date used: latest on or before the value date 基准曲线日期';
COMMENT ON COLUMN marts.tranche_facts.benchmark_yield IS 'MTN AAA (中债中短期票据收益率曲线(AAA)) yield at the expected tenor, fraction; NULL outside the curve 基准收益率';
COMMENT ON COLUMN marts.tranche_facts.spread_bp IS 'Coupon minus benchmark yield, basis points 发行利差（BP）';
