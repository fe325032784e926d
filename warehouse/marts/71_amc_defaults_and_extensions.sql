-- Credit events of AMC bonds: defaults (违约) and extensions (展期), with the bond and its issuer.
CREATE OR REPLACE VIEW marts.amc_defaults_and_extensions AS
SELECT
    e.security_code,
    b.short_name                     AS bond_short_name,
    b.amc_id,
    a.short_name_zh                  AS issuer_short_name,
    a.ownership                      AS issuer_ownership,
    b.bond_type,
    b.amount_cny                     AS bond_amount_cny,
    b.amount_cny / 1e8               AS bond_amount_yi,
    b.value_date,
    b.maturity_date,
    e.event_type,
    e.event_date,
    e.amount_cny                     AS event_amount_cny,
    e.amount_cny / 1e8               AS event_amount_yi,
    e.new_maturity_date
FROM core.amc_bond_events e
JOIN core.amc_bonds b ON b.security_code = e.security_code
JOIN core.amcs a ON a.amc_id = b.amc_id
WHERE e.event_type IN ('default', 'extension');

COMMENT ON VIEW marts.amc_defaults_and_extensions IS 'Which AMC bonds defaulted or were extended, when, for how much and to when; one row per bond and default or extension event, 地方AMC债券违约及展期';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.bond_short_name IS 'Bond short name, e.g. 20天乾01 证券简称';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.amc_id IS 'Issuing AMC 发行人编号';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.issuer_short_name IS 'Issuer short name 发行人简称';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.issuer_ownership IS 'Issuer ownership: state or private 发行人股东性质';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.bond_type IS 'Bond type 债券类型';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.bond_amount_cny IS 'Amount issued, CNY 发行金额（元）';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.bond_amount_yi IS 'Amount issued, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.maturity_date IS 'Original maturity date 原到期日';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.event_type IS 'default or extension 事件类型（违约/展期）';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.event_date IS 'Date of the event 事件日期';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.event_amount_cny IS 'Amount in default, CNY; NULL for extensions 违约金额（元）';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.event_amount_yi IS 'Amount in default, 亿元 违约金额（亿元）';
COMMENT ON COLUMN marts.amc_defaults_and_extensions.new_maturity_date IS 'New maturity after an extension 展期后到期日';
