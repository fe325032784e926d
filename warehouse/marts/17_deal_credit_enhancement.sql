-- External credit enhancement per deal (core.credit_enhancements): how many enhancers, and the
-- deal's "best" enhancer — highest issuer rating (AAA > AA+ > … ; unrated last), ties broken
-- originator before related party before professional guarantor before other. Each deal counts
-- once, under its best enhancer; deals without external enhancement have NULL best_* columns.
CREATE OR REPLACE VIEW marts.deal_credit_enhancement AS
WITH ranked_enhancers AS (
    SELECT e.deal_id, e.enhancer_id, e.enhancement_kind, e.enhancer_relation, e.enhancer_rating,
           row_number() OVER (
               PARTITION BY e.deal_id
               ORDER BY list_position(['AAA', 'AA+', 'AA', 'AA-', 'A+', 'A', 'A-', 'BBB+', 'BBB', 'BBB-'], e.enhancer_rating) NULLS LAST,
                        list_position(['originator', 'related_party', 'professional_guarantor', 'other'], e.enhancer_relation) NULLS LAST,
                        e.enhancer_id, e.enhancement_kind
           ) AS preference
    FROM core.credit_enhancements e
), per_deal AS (
    SELECT deal_id,
           count(DISTINCT enhancer_id) AS enhancer_count,
           string_agg(DISTINCT enhancement_kind, ',' ORDER BY enhancement_kind) AS enhancement_kinds,
           string_agg(DISTINCT enhancer_relation, ',' ORDER BY enhancer_relation) AS enhancer_relations
    FROM core.credit_enhancements
    GROUP BY deal_id
), best AS (
    SELECT * FROM ranked_enhancers WHERE preference = 1
)
SELECT d.deal_id,
       d.deal_name_zh,
       d.asset_class,
       d.asset_subclass,
       d.market,
       d.venue,
       d.originator_id,
       d.originator_name,
       d.value_date,
       d.value_year,
       d.value_month,
       d.deal_amount_cny,
       d.deal_amount_yi,
       p.deal_id IS NOT NULL AS has_external_enhancement,
       coalesce(p.enhancer_count, 0) AS enhancer_count,
       p.enhancement_kinds,
       p.enhancer_relations,
       b.enhancer_id AS best_enhancer_id,
       i.short_name_zh AS best_enhancer_name,
       i.institution_type AS best_enhancer_type,
       b.enhancement_kind AS best_enhancement_kind,
       b.enhancer_relation AS best_enhancer_relation,
       b.enhancer_rating AS best_enhancer_rating
FROM marts.deal_facts d
LEFT JOIN per_deal p ON p.deal_id = d.deal_id
LEFT JOIN best b ON b.deal_id = d.deal_id
LEFT JOIN core.institutions i ON i.institution_id = b.enhancer_id;

COMMENT ON VIEW marts.deal_credit_enhancement IS 'Is a deal externally enhanced, by whom (relation to the originator) and how strongly rated; one row per deal, 项目外部增信';
COMMENT ON COLUMN marts.deal_credit_enhancement.deal_id IS 'Deal 项目编号';
COMMENT ON COLUMN marts.deal_credit_enhancement.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.deal_credit_enhancement.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.deal_credit_enhancement.asset_subclass IS 'Finer asset class 基础资产细分';
COMMENT ON COLUMN marts.deal_credit_enhancement.market IS 'Market 发行市场';
COMMENT ON COLUMN marts.deal_credit_enhancement.venue IS 'exchange or interbank 交易场所';
COMMENT ON COLUMN marts.deal_credit_enhancement.originator_id IS 'Originator 发起机构编号';
COMMENT ON COLUMN marts.deal_credit_enhancement.originator_name IS 'Originator short name 发起机构简称';
COMMENT ON COLUMN marts.deal_credit_enhancement.value_date IS 'Value date 起息日';
COMMENT ON COLUMN marts.deal_credit_enhancement.value_year IS 'Year of the value date 起息年份';
COMMENT ON COLUMN marts.deal_credit_enhancement.value_month IS 'Month (1–12) of the value date 起息月份';
COMMENT ON COLUMN marts.deal_credit_enhancement.deal_amount_cny IS 'Deal issued amount, CNY 发行总额（元）';
COMMENT ON COLUMN marts.deal_credit_enhancement.deal_amount_yi IS 'Deal issued amount, 亿元 发行总额（亿元）';
COMMENT ON COLUMN marts.deal_credit_enhancement.has_external_enhancement IS 'Has at least one external enhancer 是否有外部增信';
COMMENT ON COLUMN marts.deal_credit_enhancement.enhancer_count IS 'Distinct enhancing institutions 增信方数量';
COMMENT ON COLUMN marts.deal_credit_enhancement.enhancement_kinds IS 'Kinds present, comma-separated (guarantee, shortfall_payment, repurchase) 增信方式';
COMMENT ON COLUMN marts.deal_credit_enhancement.enhancer_relations IS 'Relations present, comma-separated (originator, related_party, professional_guarantor, other) 增信方关系';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancer_id IS 'Highest-rated enhancer (ties: originator, related party, guarantor) 主要增信方编号';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancer_name IS 'Its short name 主要增信方简称';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancer_type IS 'Its institution type 主要增信方类型';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancement_kind IS 'Its kind of enhancement 主要增信方式';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancer_relation IS 'Its relation to the originator 主要增信方关系';
COMMENT ON COLUMN marts.deal_credit_enhancement.best_enhancer_rating IS 'Its issuer rating at issue (AAA, AA+ …) 主要增信方主体评级';
