-- The register of local AMCs (the report's appendix): names, province, ownership, licence,
-- financial sample, first bond and rating history.
CREATE OR REPLACE VIEW marts.amc_registry AS
WITH licence AS (
    -- the latest licence period of each AMC
    SELECT * FROM marts.amc_licence_periods
    QUALIFY row_number() OVER (PARTITION BY amc_id ORDER BY licensed_from DESC) = 1
),
-- first bond of any kind except ABS (onshore or offshore), by value date
bonds AS (
    SELECT amc_id, min(value_date) AS first_bond_value_date, count(*) AS bonds_issued
    FROM core.amc_bonds WHERE NOT is_abs GROUP BY amc_id
),
ratings AS (
    SELECT amc_id, min(rating_date) AS first_rating_date, count(*) AS rating_actions
    FROM core.amc_issuer_ratings GROUP BY amc_id
)
SELECT
    a.amc_id,
    a.institution_id,
    a.full_name_zh,
    a.short_name_zh,
    a.province,
    -- province without its administrative suffix (宁夏回族自治区 → 宁夏, 北京市 → 北京)
    regexp_replace(a.province, '(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$', '') AS province_short,
    a.ownership,
    a.licence_status,
    a.licence_status = 'active'                         AS is_active,
    l.licensed_from,
    l.licensed_until,
    l.end_event_type,
    a.in_financial_sample,
    b.first_bond_value_date,
    coalesce(b.bonds_issued, 0)                         AS bonds_issued,
    b.first_bond_value_date IS NOT NULL                 AS has_issued_bonds,
    r.first_rating_date,
    coalesce(r.rating_actions, 0)                       AS rating_actions,
    r.first_rating_date IS NOT NULL                     AS has_rating_history
FROM core.amcs a
LEFT JOIN licence l ON l.amc_id = a.amc_id
LEFT JOIN bonds b ON b.amc_id = a.amc_id
LEFT JOIN ratings r ON r.amc_id = a.amc_id;

COMMENT ON VIEW marts.amc_registry IS 'Which local AMCs exist, where, owned by whom, licensed since when, in the financial sample, issuing bonds, rated; one row per AMC that ever held a licence, 地方AMC名录';
COMMENT ON COLUMN marts.amc_registry.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_registry.institution_id IS 'Same company in core.institutions 机构编号';
COMMENT ON COLUMN marts.amc_registry.full_name_zh IS 'Full name 公司名称';
COMMENT ON COLUMN marts.amc_registry.short_name_zh IS 'Short name 简称';
COMMENT ON COLUMN marts.amc_registry.province IS 'Province 所在省份';
COMMENT ON COLUMN marts.amc_registry.province_short IS 'Province without suffix (宁夏, 北京 …) 省份简称';
COMMENT ON COLUMN marts.amc_registry.ownership IS 'state or private 股东性质（国有/民营）';
COMMENT ON COLUMN marts.amc_registry.licence_status IS 'Current licence status: active, scope_removed, deregistered 牌照状态';
COMMENT ON COLUMN marts.amc_registry.is_active IS 'Licence currently active 当前是否持牌';
COMMENT ON COLUMN marts.amc_registry.licensed_from IS 'Start of the latest licence period 获批日期';
COMMENT ON COLUMN marts.amc_registry.licensed_until IS 'End of the latest licence period (exclusive); NULL while active 牌照终止日期';
COMMENT ON COLUMN marts.amc_registry.end_event_type IS 'scope_removed or deregistered; NULL while active 牌照终止类型';
COMMENT ON COLUMN marts.amc_registry.in_financial_sample IS 'Among the AMCs with public financial statements 是否为财务样本';
COMMENT ON COLUMN marts.amc_registry.first_bond_value_date IS 'Value date of its first non-ABS bond (onshore or offshore) 首次发债起息日';
COMMENT ON COLUMN marts.amc_registry.bonds_issued IS 'Non-ABS bonds issued, ever 累计发行债券只数';
COMMENT ON COLUMN marts.amc_registry.has_issued_bonds IS 'Has ever issued a non-ABS bond 是否发过债';
COMMENT ON COLUMN marts.amc_registry.first_rating_date IS 'Date of its first public issuer rating action 首次评级日期';
COMMENT ON COLUMN marts.amc_registry.rating_actions IS 'Public issuer rating actions, ever 主体评级行动次数';
COMMENT ON COLUMN marts.amc_registry.has_rating_history IS 'Has any public issuer rating action 是否有评级记录';
