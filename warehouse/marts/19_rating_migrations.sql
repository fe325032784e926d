-- Tracking-rating actions of tranches (core.rating_actions, action_type <> 'initial'): the rating
-- before (initial or previous) and after, with the notch move on the sf scale (positive = upgrade),
-- the tranche and its deal. A migration matrix is a GROUP BY rating_before, rating_after.
CREATE OR REPLACE VIEW marts.rating_migrations AS
WITH scale AS (
    SELECT ['AAAsf', 'AA+sf', 'AAsf', 'AA-sf', 'A+sf', 'Asf', 'A-sf', 'BBB+sf', 'BBBsf', 'BBB-sf',
            'BB+sf', 'BBsf', 'BB-sf', 'B+sf', 'Bsf', 'B-sf', 'CCCsf', 'CCsf', 'Csf'] AS grades
)
SELECT a.tranche_id,
       a.agency_id,
       ag.short_name_zh AS agency_name,
       a.action_date,
       year(a.action_date) AS action_year,
       month(a.action_date) AS action_month,
       a.action_type,
       a.rating_before,
       a.rating_after,
       list_position(s.grades, a.rating_before) AS rating_before_rank,
       list_position(s.grades, a.rating_after) AS rating_after_rank,
       list_position(s.grades, a.rating_before) - list_position(s.grades, a.rating_after) AS notches_up,
       a.action_type = 'upgrade' AS is_upgrade,
       a.action_type = 'downgrade' AS is_downgrade,
       t.tranche_name,
       t.tranche_class,
       t.tranche_class <> 'subordinated' AS is_senior,
       t.initial_rating,
       t.deal_id,
       d.deal_name_zh,
       d.asset_class,
       d.asset_subclass,
       d.market,
       d.value_date
FROM core.rating_actions a
CROSS JOIN scale s
JOIN core.tranches t USING (tranche_id)
JOIN core.deals d ON d.deal_id = t.deal_id
LEFT JOIN core.institutions ag ON ag.institution_id = a.agency_id
WHERE a.action_type <> 'initial';

COMMENT ON VIEW marts.rating_migrations IS 'How tracking ratings moved tranches between grades (affirm, upgrade, downgrade); one row per tracking rating action (tranche, agency, date), 跟踪评级迁移';
COMMENT ON COLUMN marts.rating_migrations.tranche_id IS 'Tranche 证券编号';
COMMENT ON COLUMN marts.rating_migrations.agency_id IS 'Rating agency 评级机构编号';
COMMENT ON COLUMN marts.rating_migrations.agency_name IS 'Rating agency short name 评级机构简称';
COMMENT ON COLUMN marts.rating_migrations.action_date IS 'Date of the tracking action 评级日期';
COMMENT ON COLUMN marts.rating_migrations.action_year IS 'Year of the action 评级年份';
COMMENT ON COLUMN marts.rating_migrations.action_month IS 'Month (1–12) of the action 评级月份';
COMMENT ON COLUMN marts.rating_migrations.action_type IS 'affirm, upgrade, downgrade, withdraw … 评级行动';
COMMENT ON COLUMN marts.rating_migrations.rating_before IS 'Rating before the action (initial or previous) 调整前级别';
COMMENT ON COLUMN marts.rating_migrations.rating_after IS 'Tracking rating 跟踪级别';
COMMENT ON COLUMN marts.rating_migrations.rating_before_rank IS 'Position of rating_before on the sf scale, 1 = AAAsf 调整前级别档位';
COMMENT ON COLUMN marts.rating_migrations.rating_after_rank IS 'Position of rating_after on the sf scale, 1 = AAAsf 跟踪级别档位';
COMMENT ON COLUMN marts.rating_migrations.notches_up IS 'Notches moved up on the sf scale (negative = down) 调整档数（上调为正）';
COMMENT ON COLUMN marts.rating_migrations.is_upgrade IS 'The action is an upgrade 是否上调';
COMMENT ON COLUMN marts.rating_migrations.is_downgrade IS 'The action is a downgrade 是否下调';
COMMENT ON COLUMN marts.rating_migrations.tranche_name IS 'Tranche label 证券分层名称';
COMMENT ON COLUMN marts.rating_migrations.tranche_class IS 'senior, mezzanine, subordinated 证券分层类别';
COMMENT ON COLUMN marts.rating_migrations.is_senior IS 'Not subordinated 是否优先级';
COMMENT ON COLUMN marts.rating_migrations.initial_rating IS 'Initial rating of the tranche 首次评级';
COMMENT ON COLUMN marts.rating_migrations.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN marts.rating_migrations.deal_name_zh IS 'Deal full name 项目全称';
COMMENT ON COLUMN marts.rating_migrations.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.rating_migrations.asset_subclass IS 'Finer asset class 基础资产细分';
COMMENT ON COLUMN marts.rating_migrations.market IS 'Market 发行市场';
COMMENT ON COLUMN marts.rating_migrations.value_date IS 'Deal value date 起息日';
