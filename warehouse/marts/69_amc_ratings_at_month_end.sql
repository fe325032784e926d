-- Each local AMC's issuer rating at every month end. Valid rating = the lowest of the agencies'
-- ratings valid at the date (marts.amc_ratings: per agency the latest action on or before the
-- date, within one year of it and not a withdrawal). Latest rating = the lowest of the non-null
-- ratings given on the latest date with any, valid or not (used to group issuers by rating).
CREATE OR REPLACE VIEW marts.amc_ratings_at_month_end AS
WITH month_ends AS (
    SELECT (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS as_of_date
    FROM (SELECT min(rating_date) AS first_day, max(rating_date) AS last_day FROM core.amc_issuer_ratings) s,
         generate_series(date_trunc('month', s.first_day), make_date(year(s.last_day), 12, 1), INTERVAL 1 MONTH) AS g(m)
),
history AS (
    SELECT m.as_of_date, r.amc_id,
           count(*)                              AS rating_actions,
           max(r.rating_date)                    AS last_action_date,
           arg_max(r.action_type, r.rating_date) AS last_action_type
    FROM month_ends m JOIN marts.amc_ratings r ON r.rating_date <= m.as_of_date
    GROUP BY ALL
),
valid AS (
    SELECT m.as_of_date, r.amc_id,
           count(*)                              AS valid_agencies,
           max(r.rating_rank)                    AS valid_rating_rank
    FROM month_ends m
    JOIN marts.amc_ratings r ON r.is_rating AND r.valid_from <= m.as_of_date AND r.valid_to >= m.as_of_date
    GROUP BY ALL
),
latest AS (
    SELECT as_of_date, amc_id, max(rating_rank) AS latest_rating_rank, max(rating_date) AS latest_rating_date
    FROM (
        SELECT m.as_of_date, r.amc_id, r.rating_rank, r.rating_date,
               rank() OVER (PARTITION BY m.as_of_date, r.amc_id ORDER BY r.rating_date DESC) AS rk
        FROM month_ends m JOIN marts.amc_ratings r ON r.is_rating AND r.rating_date <= m.as_of_date
    )
    WHERE rk = 1
    GROUP BY ALL
),
-- licensed at the date: inside one of its licence periods
licensed AS (
    SELECT DISTINCT m.as_of_date, p.amc_id
    FROM month_ends m
    JOIN marts.amc_licence_periods p
      ON p.licensed_from <= m.as_of_date AND (p.licensed_until IS NULL OR p.licensed_until > m.as_of_date)
),
scale AS (
    SELECT ['AAA', 'AA+', 'AA', 'AA-', 'A+', 'A', 'A-', 'BBB+', 'BBB', 'BBB-', 'BB+', 'BB', 'BB-',
            'B+', 'B', 'B-', 'CCC', 'CC', 'C'] AS grades
)
SELECT
    m.as_of_date,
    a.amc_id,
    a.short_name_zh                                          AS amc_short_name,
    a.ownership,
    lic.amc_id IS NOT NULL                                   AS is_licensed,
    h.amc_id IS NOT NULL                                     AS has_rating_history,
    coalesce(h.rating_actions, 0)                            AS rating_actions,
    h.last_action_date,
    h.last_action_type,
    v.amc_id IS NOT NULL                                     AS has_valid_rating,
    coalesce(v.valid_agencies, 0)                            AS valid_agencies,
    scale.grades[v.valid_rating_rank]                        AS valid_rating,
    scale.grades[l.latest_rating_rank]                       AS latest_rating,
    l.latest_rating_date
FROM month_ends m
CROSS JOIN core.amcs a
CROSS JOIN scale
LEFT JOIN licensed lic ON lic.as_of_date = m.as_of_date AND lic.amc_id = a.amc_id
LEFT JOIN history h ON h.as_of_date = m.as_of_date AND h.amc_id = a.amc_id
LEFT JOIN valid v ON v.as_of_date = m.as_of_date AND v.amc_id = a.amc_id
LEFT JOIN latest l ON l.as_of_date = m.as_of_date AND l.amc_id = a.amc_id;

COMMENT ON VIEW marts.amc_ratings_at_month_end IS 'Is a local AMC rated at a month end, and how: valid public issuer rating (lowest of the agencies'' valid ratings), latest rating, licence; one row per AMC and month end, 地方AMC月末主体评级';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.as_of_date IS 'Month end 统计日';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.amc_short_name IS 'AMC short name 简称';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.ownership IS 'state or private 股东性质';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.is_licensed IS 'Holds its licence at the date 当日是否持牌';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.has_rating_history IS 'Any public issuer rating action on or before the date 是否有评级记录';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.rating_actions IS 'Rating actions on or before the date 评级行动次数';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.last_action_date IS 'Date of the latest action 最近评级日期';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.last_action_type IS 'Latest action type (withdraw when withdrawn) 最近评级行动';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.has_valid_rating IS 'Has a valid public issuer rating at the date 是否有有效主体评级';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.valid_agencies IS 'Agencies with a valid rating at the date 有效评级机构数';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.valid_rating IS 'Valid issuer rating: the lowest of the agencies'' valid ratings; NULL when none 有效主体级别';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.latest_rating IS 'Lowest rating given on the latest date with a non-null rating, valid or not 最近主体级别';
COMMENT ON COLUMN marts.amc_ratings_at_month_end.latest_rating_date IS 'Date of that latest non-null rating 最近级别日期';
