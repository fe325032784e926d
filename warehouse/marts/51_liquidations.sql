-- How deals ended: method (清仓回购 / 全部变现 / 原状分配), clean-up price against the pool
-- principal left, and the pool's cumulative default rate at the event.
CREATE OR REPLACE VIEW marts.liquidations AS
SELECT
    l.deal_id,
    d.deal_name_zh,
    d.deal_short_name,
    d.asset_class,
    d.market,
    d.originator_id,
    o.full_name_zh                                              AS originator_name,
    coalesce(o.short_name_zh, o.full_name_zh)                   AS originator_short_name,
    o.institution_type                                          AS originator_type,
    d.value_date,
    year(d.value_date)                                          AS vintage,
    d.deal_amount_cny,
    d.deal_amount_cny / 1e8                                     AS deal_amount_yi,
    l.liquidation_method,
    l.event_date                                                AS liquidation_date,
    date_diff('month', d.value_date, l.event_date)              AS months_to_liquidation,
    l.price_cny,
    l.remaining_pool_principal_cny,
    -- clean-up price / pool principal remaining at the call (NULL for in-kind distribution)
    l.price_cny / nullif(l.remaining_pool_principal_cny, 0)     AS price_to_remaining_principal,
    l.pool_cumulative_default_rate
FROM core.liquidation_events l
JOIN core.deals d ON d.deal_id = l.deal_id
LEFT JOIN core.institutions o ON o.institution_id = d.originator_id;

COMMENT ON VIEW marts.liquidations IS 'How and at what price did deals end (clean-up call, full liquidation, in-kind distribution)?; one row per liquidated deal, 项目清算';
COMMENT ON COLUMN marts.liquidations.deal_id IS 'Deal id 项目编号';
COMMENT ON COLUMN marts.liquidations.deal_name_zh IS 'Full Chinese deal name 项目全称';
COMMENT ON COLUMN marts.liquidations.deal_short_name IS 'Short name, e.g. 泰和2017-1 项目简称';
COMMENT ON COLUMN marts.liquidations.asset_class IS 'Underlying asset class 基础资产类型';
COMMENT ON COLUMN marts.liquidations.market IS 'Market 发行市场';
COMMENT ON COLUMN marts.liquidations.originator_id IS 'Originator 发起机构编号';
COMMENT ON COLUMN marts.liquidations.originator_name IS 'Originator full name 发起机构全称';
COMMENT ON COLUMN marts.liquidations.originator_short_name IS 'Originator short name (full name when none is known) 发起机构简称';
COMMENT ON COLUMN marts.liquidations.originator_type IS 'Originator type 发起机构类型';
COMMENT ON COLUMN marts.liquidations.value_date IS 'Value date of the deal 起息日';
COMMENT ON COLUMN marts.liquidations.vintage IS 'Year of the value date 发行年度';
COMMENT ON COLUMN marts.liquidations.deal_amount_cny IS 'Amount issued, CNY 发行规模（元）';
COMMENT ON COLUMN marts.liquidations.deal_amount_yi IS 'Amount issued, 亿元 发行规模（亿元）';
COMMENT ON COLUMN marts.liquidations.liquidation_method IS 'clean_up_call (清仓回购), full_liquidation (全部变现), in_kind_distribution (原状分配) 清算方式';
COMMENT ON COLUMN marts.liquidations.liquidation_date IS 'Date of the call, sale or distribution 清算日';
COMMENT ON COLUMN marts.liquidations.months_to_liquidation IS 'Calendar months from value date to liquidation 存续月数';
COMMENT ON COLUMN marts.liquidations.price_cny IS 'Clean-up price or sale proceeds, CNY; NULL for in-kind 清仓回购价格/变现价款（元）';
COMMENT ON COLUMN marts.liquidations.remaining_pool_principal_cny IS 'Pool principal remaining at the event, CNY 剩余资产池本金（元）';
COMMENT ON COLUMN marts.liquidations.price_to_remaining_principal IS 'Price / remaining pool principal, fraction 清仓回购价格/资产池未偿本金余额';
COMMENT ON COLUMN marts.liquidations.pool_cumulative_default_rate IS 'Pool cumulative default rate at the event, fraction 清算时资产池累计违约率';
