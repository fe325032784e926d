-- Public issuer ratings of local AMCs as validity intervals. A rating action of an agency is valid
-- from its date until the day before the same agency's next action, and at most one year
-- (valid while valid_from <= d <= valid_to, both inclusive); withdrawals are never valid.
CREATE OR REPLACE VIEW marts.amc_ratings AS
WITH actions AS (
    SELECT r.*,
           lead(r.rating_date) OVER (PARTITION BY r.amc_id, r.agency_id ORDER BY r.rating_date) AS next_action_date
    FROM core.amc_issuer_ratings r
)
SELECT
    r.amc_id,
    a.short_name_zh                                   AS amc_short_name,
    a.ownership,
    r.agency_id,
    coalesce(ag.short_name_zh, ag.full_name_zh)       AS agency_short_name,
    r.rating_date,
    r.action_type,
    r.rating,
    -- position on the rating scale, 1 = AAA (lower is better)
    list_position(['AAA', 'AA+', 'AA', 'AA-', 'A+', 'A', 'A-', 'BBB+', 'BBB', 'BBB-', 'BB+', 'BB', 'BB-',
                   'B+', 'B', 'B-', 'CCC', 'CC', 'C'], r.rating) AS rating_rank,
    r.next_action_date,
    r.action_type <> 'withdraw' AND r.rating IS NOT NULL AS is_rating,
    CASE WHEN r.action_type <> 'withdraw' AND r.rating IS NOT NULL THEN r.rating_date END AS valid_from,
    CASE WHEN r.action_type <> 'withdraw' AND r.rating IS NOT NULL
         THEN least((r.rating_date + INTERVAL 1 YEAR)::DATE,
                    coalesce(r.next_action_date - 1, (r.rating_date + INTERVAL 1 YEAR)::DATE)) END AS valid_to
FROM actions r
JOIN core.amcs a ON a.amc_id = r.amc_id
LEFT JOIN core.institutions ag ON ag.institution_id = r.agency_id;

COMMENT ON VIEW marts.amc_ratings IS 'Which public issuer ratings of local AMCs were valid when: each agency action is valid from its date to the day before the agency''s next action, at most one year, withdrawals never; one row per AMC, agency and rating action, 地方AMC主体评级（有效期）';
COMMENT ON COLUMN marts.amc_ratings.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_ratings.amc_short_name IS 'AMC short name 简称';
COMMENT ON COLUMN marts.amc_ratings.ownership IS 'state or private 股东性质';
COMMENT ON COLUMN marts.amc_ratings.agency_id IS 'Rating agency 评级机构编号';
COMMENT ON COLUMN marts.amc_ratings.agency_short_name IS 'Rating agency short name 评级机构简称';
COMMENT ON COLUMN marts.amc_ratings.rating_date IS 'Date of the action 评级日期';
COMMENT ON COLUMN marts.amc_ratings.action_type IS 'assign, affirm, upgrade, downgrade, withdraw 评级行动';
COMMENT ON COLUMN marts.amc_ratings.rating IS 'Issuer rating; NULL when withdrawn 主体级别';
COMMENT ON COLUMN marts.amc_ratings.rating_rank IS 'Position on the scale, 1 = AAA, 2 = AA+ … (lower is better) 级别序号';
COMMENT ON COLUMN marts.amc_ratings.next_action_date IS 'Date of the same agency''s next action on the AMC 下次评级日期';
COMMENT ON COLUMN marts.amc_ratings.is_rating IS 'Gives a rating (not a withdrawal) 是否为有效级别';
COMMENT ON COLUMN marts.amc_ratings.valid_from IS 'First day the rating is valid; NULL for withdrawals 有效期起';
COMMENT ON COLUMN marts.amc_ratings.valid_to IS 'Last day the rating is valid (inclusive): the day before the next action, at most one year after the action 有效期止（含）';
