-- Issuance and liquidation by originator type: deals by year of value date, with how many of
-- them have since been liquidated (any core.liquidation_events row, whatever its date).
CREATE OR REPLACE VIEW marts.issuance_by_originator_type AS
WITH deals AS (
    SELECT d.deal_id, d.asset_class, d.asset_subclass, d.market, d.originator_id,
           coalesce(o.institution_type, 'unknown') AS originator_type,
           year(d.value_date)                      AS value_year,
           d.deal_amount_cny,
           l.deal_id IS NOT NULL                   AS is_liquidated
    FROM core.deals d
    LEFT JOIN core.institutions o ON o.institution_id = d.originator_id
    LEFT JOIN core.liquidation_events l ON l.deal_id = d.deal_id
)
SELECT
    asset_class,
    asset_subclass,
    market,
    originator_type,
    value_year,
    count(*)                                                         AS deals,
    count(DISTINCT originator_id)                                    AS originators,
    sum(deal_amount_cny)                                             AS issued_cny,
    sum(deal_amount_cny) / 1e8                                       AS issued_yi,
    count(*) FILTER (WHERE is_liquidated)                            AS liquidated_deals,
    coalesce(sum(deal_amount_cny) FILTER (WHERE is_liquidated), 0)   AS liquidated_cny,
    coalesce(sum(deal_amount_cny) FILTER (WHERE is_liquidated), 0) / 1e8 AS liquidated_yi
FROM deals
GROUP BY ALL;

COMMENT ON VIEW marts.issuance_by_originator_type IS 'How much did each type of originator issue, and how much of it has been liquidated?; one row per asset class, subclass, market, originator type and year of value date, 按发起机构类型统计的发行及清算';
COMMENT ON COLUMN marts.issuance_by_originator_type.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.issuance_by_originator_type.asset_subclass IS 'Finer asset class (NULL when none) 基础资产细分';
COMMENT ON COLUMN marts.issuance_by_originator_type.market IS 'Market: credit_abs, abn, exchange_abs 发行市场';
COMMENT ON COLUMN marts.issuance_by_originator_type.originator_type IS 'Originator institution type (state_owned_bank, joint_stock_bank, city_commercial_bank …; unknown when unresolved) 发起机构类型';
COMMENT ON COLUMN marts.issuance_by_originator_type.value_year IS 'Year of the value date 起息年度';
COMMENT ON COLUMN marts.issuance_by_originator_type.deals IS 'Deals issued 发行单数';
COMMENT ON COLUMN marts.issuance_by_originator_type.originators IS 'Distinct originators (an originator has one type, so these add up across types) 发起机构数';
COMMENT ON COLUMN marts.issuance_by_originator_type.issued_cny IS 'Amount issued (all tranches), CNY 发行规模（元）';
COMMENT ON COLUMN marts.issuance_by_originator_type.issued_yi IS 'Amount issued, 亿元 发行规模（亿元）';
COMMENT ON COLUMN marts.issuance_by_originator_type.liquidated_deals IS 'Of those deals, how many have been liquidated 已清算单数';
COMMENT ON COLUMN marts.issuance_by_originator_type.liquidated_cny IS 'Issued amount of the liquidated deals, CNY 已清算规模（元）';
COMMENT ON COLUMN marts.issuance_by_originator_type.liquidated_yi IS 'Issued amount of the liquidated deals, 亿元 已清算规模（亿元）';
