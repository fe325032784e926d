-- Spreads of valued AMC bonds: ChinaBond valuation yield − the ChinaBond MTN AAA curve
-- (中债中短期票据收益率曲线(AAA)) at the bond's remaining tenor, by the same rule as the macro
-- marts.curve_yield (latest curve date on or before the valuation date, linear in tenor between
-- the neighbouring standard tenors, NULL outside the curve) but set-based with ASOF joins, which
-- is ~10× faster than calling the macro per row. Remaining tenor = days from the valuation date to
-- the next put date (else maturity) / 365.
CREATE OR REPLACE VIEW marts.amc_bond_spreads AS
WITH benchmark_curve AS (
    SELECT min(curve_id) AS curve_id
    FROM core.yield_curves
    WHERE curve_name_zh = '中债中短期票据收益率曲线(AAA)'
),
curve_points AS (
    SELECT c.curve_id, c.curve_date, c.tenor_years, c.yield_rate
    FROM core.yield_curves c JOIN benchmark_curve b ON b.curve_id = c.curve_id
),
curve_dates AS (
    SELECT DISTINCT curve_id, curve_date FROM curve_points
),
valued AS (
    SELECT v.security_code, v.valuation_date, v.valuation_yield, v.clean_price,
           b.short_name AS bond_short_name, b.amc_id, b.bond_type, b.term_years, b.coupon_rate,
           b.next_put_date, b.maturity_date, b.is_offshore, b.is_abs,
           date_diff('day', v.valuation_date, coalesce(b.next_put_date, b.maturity_date)) / 365.0
               AS remaining_tenor_years
    FROM core.bond_valuations v
    JOIN core.amc_bonds b ON b.security_code = v.security_code
),
-- the curve date used: the latest on or before the valuation date
dated AS (
    SELECT valued.*, d.curve_id, d.curve_date
    FROM valued ASOF LEFT JOIN curve_dates d ON valued.valuation_date >= d.curve_date
),
-- neighbouring standard tenors: lo = largest tenor <= remaining tenor, hi = smallest tenor >= it
bracketed AS (
    SELECT dated.*, lo.tenor_years AS t_lo, lo.yield_rate AS y_lo
    FROM dated ASOF LEFT JOIN curve_points lo
      ON lo.curve_date = dated.curve_date AND dated.remaining_tenor_years >= lo.tenor_years
),
benchmarked AS (
    SELECT bracketed.*, bracketed.curve_id AS benchmark_curve_id,
           CASE WHEN t_lo IS NULL OR hi.tenor_years IS NULL THEN NULL
                WHEN t_lo = hi.tenor_years THEN y_lo::DOUBLE
                ELSE y_lo::DOUBLE + (hi.yield_rate - y_lo)::DOUBLE
                     * (remaining_tenor_years - t_lo)::DOUBLE / (hi.tenor_years - t_lo)::DOUBLE
           END AS benchmark_yield
    FROM bracketed ASOF LEFT JOIN curve_points hi
      ON hi.curve_date = bracketed.curve_date AND bracketed.remaining_tenor_years <= hi.tenor_years
)
SELECT
    b.security_code,
    b.bond_short_name,
    b.amc_id,
    a.short_name_zh                                   AS issuer_short_name,
    a.ownership                                       AS issuer_ownership,
    b.bond_type,
    b.is_offshore,
    b.is_abs,
    b.term_years,
    b.coupon_rate,
    b.valuation_date,
    b.valuation_yield,
    b.clean_price,
    b.next_put_date,
    b.maturity_date,
    b.remaining_tenor_years,
    b.benchmark_curve_id,
    b.benchmark_yield,
    (b.valuation_yield - b.benchmark_yield) * 10000   AS spread_bp
FROM benchmarked b
JOIN core.amcs a ON a.amc_id = b.amc_id;

COMMENT ON VIEW marts.amc_bond_spreads IS 'How far above (or below) the MTN AAA curve do AMC bonds trade: valuation yield − ChinaBond MTN AAA yield at the remaining tenor to the next put date or maturity; one row per AMC bond and valuation date, 地方AMC债券估值利差';
COMMENT ON COLUMN marts.amc_bond_spreads.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN marts.amc_bond_spreads.bond_short_name IS 'Bond short name 证券简称';
COMMENT ON COLUMN marts.amc_bond_spreads.amc_id IS 'Issuing AMC 发行人编号';
COMMENT ON COLUMN marts.amc_bond_spreads.issuer_short_name IS 'Issuer short name 发行人简称';
COMMENT ON COLUMN marts.amc_bond_spreads.issuer_ownership IS 'Issuer ownership 发行人股东性质';
COMMENT ON COLUMN marts.amc_bond_spreads.bond_type IS 'Bond type 债券类型';
COMMENT ON COLUMN marts.amc_bond_spreads.is_offshore IS 'Issued offshore 是否海外债';
COMMENT ON COLUMN marts.amc_bond_spreads.is_abs IS 'ABS 是否资产支持证券';
COMMENT ON COLUMN marts.amc_bond_spreads.term_years IS 'Term at issue, years 发行期限（年）';
COMMENT ON COLUMN marts.amc_bond_spreads.coupon_rate IS 'Coupon, fraction 票面利率';
COMMENT ON COLUMN marts.amc_bond_spreads.valuation_date IS 'Valuation date 估值日期';
COMMENT ON COLUMN marts.amc_bond_spreads.valuation_yield IS 'ChinaBond valuation yield, fraction 估值收益率';
COMMENT ON COLUMN marts.amc_bond_spreads.clean_price IS 'Clean price per 100 估值净价';
COMMENT ON COLUMN marts.amc_bond_spreads.next_put_date IS 'Next put date 下一行权日';
COMMENT ON COLUMN marts.amc_bond_spreads.maturity_date IS 'Maturity date 到期日';
COMMENT ON COLUMN marts.amc_bond_spreads.remaining_tenor_years IS 'Days to the next put date (else maturity) / 365 剩余期限（年，行权优先）';
COMMENT ON COLUMN marts.amc_bond_spreads.benchmark_curve_id IS 'ChinaBond curve used: MTN AAA 基准曲线编号';
COMMENT ON COLUMN marts.amc_bond_spreads.benchmark_yield IS 'MTN AAA curve yield at the remaining tenor, fraction; NULL outside the curve 基准收益率';
COMMENT ON COLUMN marts.amc_bond_spreads.spread_bp IS 'Valuation yield − benchmark yield, basis points 估值利差（BP）';
