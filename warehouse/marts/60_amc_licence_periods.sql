-- Licence periods of local AMCs from their licence events: a period starts at a 'licensed' event
-- and ends at the next event of the AMC (scope_removed / deregistered). An AMC is active at a date d
-- when licensed_from <= d AND (licensed_until IS NULL OR licensed_until > d) — the latest licence
-- event on or before d is 'licensed'.
CREATE OR REPLACE VIEW marts.amc_licence_periods AS
WITH events AS (
    SELECT amc_id, event_date, event_type, description,
           lead(event_date) OVER (PARTITION BY amc_id ORDER BY event_date, event_type) AS next_event_date,
           lead(event_type) OVER (PARTITION BY amc_id ORDER BY event_date, event_type) AS next_event_type,
           lead(description) OVER (PARTITION BY amc_id ORDER BY event_date, event_type) AS next_description
    FROM core.amc_licence_events
)
SELECT
    e.amc_id,
    a.full_name_zh,
    a.short_name_zh,
    a.province,
    a.ownership,
    e.event_date                     AS licensed_from,
    e.next_event_date                AS licensed_until,
    e.next_event_type                AS end_event_type,
    e.next_description               AS end_description
FROM events e
JOIN core.amcs a ON a.amc_id = e.amc_id
WHERE e.event_type = 'licensed';

COMMENT ON VIEW marts.amc_licence_periods IS 'When did each local AMC hold its licence? Active at d: licensed_from <= d and (licensed_until is null or licensed_until > d); one row per AMC and licence period, 地方AMC牌照存续期间';
COMMENT ON COLUMN marts.amc_licence_periods.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_licence_periods.full_name_zh IS 'Full name 公司名称';
COMMENT ON COLUMN marts.amc_licence_periods.short_name_zh IS 'Short name 简称';
COMMENT ON COLUMN marts.amc_licence_periods.province IS 'Province 所在省份';
COMMENT ON COLUMN marts.amc_licence_periods.ownership IS 'state or private 股东性质';
COMMENT ON COLUMN marts.amc_licence_periods.licensed_from IS 'Date of the licensed event 获批日期';
COMMENT ON COLUMN marts.amc_licence_periods.licensed_until IS 'Date of the next licence event ending the period (exclusive); NULL while active 牌照终止日期';
COMMENT ON COLUMN marts.amc_licence_periods.end_event_type IS 'What ended it: scope_removed, deregistered; NULL while active 终止类型';
COMMENT ON COLUMN marts.amc_licence_periods.end_description IS 'What happened at the end 终止说明';
