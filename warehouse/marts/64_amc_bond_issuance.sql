-- Every bond, debt instrument and ABS issued by a local AMC, with the classifications the
-- issuance figures use. Long-term = term >= 1 year, short-term = term < 1 year (the one-year
-- boundary); periods go by value date (起息日). The usual issuance scope is is_onshore_debt
-- (excluding ABS and offshore bonds).
CREATE OR REPLACE VIEW marts.amc_bond_issuance AS
WITH bonds AS (
    SELECT b.*,
           NOT b.is_offshore AND NOT b.is_abs AS is_onshore_debt
    FROM core.amc_bonds b
)
SELECT
    b.security_code,
    b.short_name                                         AS bond_short_name,
    b.amc_id,
    a.short_name_zh                                      AS issuer_short_name,
    a.full_name_zh                                       AS issuer_full_name,
    a.province                                           AS issuer_province,
    a.ownership                                          AS issuer_ownership,
    b.bond_type,
    b.is_offshore,
    b.is_abs,
    b.is_onshore_debt,
    b.currency,
    b.amount_cny,
    b.amount_cny / 1e8                                   AS amount_yi,
    b.amount_original,
    -- amount in 亿 units of the currency of issue (US$ 亿 for offshore bonds)
    b.amount_original / 1e8                              AS amount_original_yi,
    b.term_years,
    CASE WHEN b.term_years >= 1 THEN 'long' ELSE 'short' END AS term_class,
    -- tenor bucket by term: <1y, then [1,2) 1y, [2,3) 2y, [3,5) 3y, [5,7) 5y, [7,10) 7y, >=10 10y+
    CASE WHEN b.term_years < 1 THEN '<1y'
         WHEN b.term_years < 2 THEN '1y'
         WHEN b.term_years < 3 THEN '2y'
         WHEN b.term_years < 5 THEN '3y'
         WHEN b.term_years < 7 THEN '5y'
         WHEN b.term_years < 10 THEN '7y'
         ELSE '10y+' END                                 AS tenor_bucket,
    b.coupon_rate,
    b.value_date,
    year(b.value_date)                                   AS value_year,
    date_trunc('month', b.value_date)::DATE              AS value_month,
    b.maturity_date,
    b.next_put_date,
    b.next_put_date IS NOT NULL                          AS is_puttable,
    b.guarantor_id,
    g.full_name_zh                                       AS guarantor_name,
    b.guarantor_id IS NOT NULL                           AS is_guaranteed,
    b.issuer_rating                                      AS issuer_rating_at_issue,
    b.issue_rating                                       AS issue_rating_at_issue,
    -- the issuer's first bond in the same family (ABS vs non-ABS), by value date: exactly one per
    -- issuer and family (bonds valued on the same first day: the lowest security code), so that a
    -- list or count of first-time issuers names each AMC once
    row_number() OVER (PARTITION BY b.amc_id, b.is_abs ORDER BY b.value_date, b.security_code) = 1 AS is_issuers_first
FROM bonds b
JOIN core.amcs a ON a.amc_id = b.amc_id
LEFT JOIN core.institutions g ON g.institution_id = b.guarantor_id;

COMMENT ON VIEW marts.amc_bond_issuance IS 'What did local AMCs issue: every bond, debt instrument and ABS with issuer, type, long/short term (one-year boundary), tenor bucket, value date, coupon, guarantee and ratings at issue; one row per security, 地方AMC债券发行';
COMMENT ON COLUMN marts.amc_bond_issuance.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN marts.amc_bond_issuance.bond_short_name IS 'Bond short name, e.g. 20天乾01 证券简称';
COMMENT ON COLUMN marts.amc_bond_issuance.amc_id IS 'Issuing AMC 发行人编号';
COMMENT ON COLUMN marts.amc_bond_issuance.issuer_short_name IS 'Issuer short name 发行人简称';
COMMENT ON COLUMN marts.amc_bond_issuance.issuer_full_name IS 'Issuer full name 发行人全称';
COMMENT ON COLUMN marts.amc_bond_issuance.issuer_province IS 'Issuer province 发行人省份';
COMMENT ON COLUMN marts.amc_bond_issuance.issuer_ownership IS 'Issuer ownership: state or private 发行人股东性质';
COMMENT ON COLUMN marts.amc_bond_issuance.bond_type IS 'corporate_bond, mtn, scp, cp, ppn, private_bond, enterprise_bond, perpetual, offshore, abs 债券类型';
COMMENT ON COLUMN marts.amc_bond_issuance.is_offshore IS 'Issued offshore 是否海外债';
COMMENT ON COLUMN marts.amc_bond_issuance.is_abs IS 'Asset-backed security issued by the AMC 是否资产支持证券';
COMMENT ON COLUMN marts.amc_bond_issuance.is_onshore_debt IS 'Onshore bond or debt instrument, not ABS (the issuance scope) 是否境内债券（不含ABS及海外债）';
COMMENT ON COLUMN marts.amc_bond_issuance.currency IS 'Currency of issue 币种';
COMMENT ON COLUMN marts.amc_bond_issuance.amount_cny IS 'Amount issued, CNY; NULL for foreign-currency bonds 发行金额（元）';
COMMENT ON COLUMN marts.amc_bond_issuance.amount_yi IS 'Amount issued, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.amc_bond_issuance.amount_original IS 'Amount in the currency of issue 发行金额（原币）';
COMMENT ON COLUMN marts.amc_bond_issuance.amount_original_yi IS 'Amount in 亿 of the currency of issue (US$ 亿 offshore) 发行金额（原币亿）';
COMMENT ON COLUMN marts.amc_bond_issuance.term_years IS 'Term in years 期限（年）';
COMMENT ON COLUMN marts.amc_bond_issuance.term_class IS 'long (term >= 1 year) or short (< 1 year) 长期/短期';
COMMENT ON COLUMN marts.amc_bond_issuance.tenor_bucket IS 'Tenor bucket: <1y, 1y [1,2), 2y [2,3), 3y [3,5), 5y [5,7), 7y [7,10), 10y+ 期限分组';
COMMENT ON COLUMN marts.amc_bond_issuance.coupon_rate IS 'Coupon, fraction 票面利率';
COMMENT ON COLUMN marts.amc_bond_issuance.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.amc_bond_issuance.value_year IS 'Year of the value date 起息年度';
COMMENT ON COLUMN marts.amc_bond_issuance.value_month IS 'First day of the value date''s month 起息月份';
COMMENT ON COLUMN marts.amc_bond_issuance.maturity_date IS 'Original maturity date 到期日';
COMMENT ON COLUMN marts.amc_bond_issuance.next_put_date IS 'Next put date, if puttable 下一行权日';
COMMENT ON COLUMN marts.amc_bond_issuance.is_puttable IS 'Has a put option 是否含回售权';
COMMENT ON COLUMN marts.amc_bond_issuance.guarantor_id IS 'Guarantor, if guaranteed 担保人编号';
COMMENT ON COLUMN marts.amc_bond_issuance.guarantor_name IS 'Guarantor full name 担保人名称';
COMMENT ON COLUMN marts.amc_bond_issuance.is_guaranteed IS 'Guaranteed 是否有担保';
COMMENT ON COLUMN marts.amc_bond_issuance.issuer_rating_at_issue IS 'Issuer rating at issue 发行时主体评级';
COMMENT ON COLUMN marts.amc_bond_issuance.issue_rating_at_issue IS 'Issue rating at issue 发行时债项评级';
COMMENT ON COLUMN marts.amc_bond_issuance.is_issuers_first IS 'The AMC''s first bond among its non-ABS bonds (or among its ABS) by value date, one per AMC and family (same-day ties: lowest security code) 是否为该发行人首次发行';
