-- What subordinated (次级) investors got: expected vs actual tenor (to delisting 摘牌), period
-- return, retention, issue price, cash received and the IRR at the issue price.
--
-- IRR = Excel XIRR: the annual rate r with Σ cf / (1 + r)^(days / 365) = 0 over the purchase at
-- the issue price on the value date (−amount × price / 100) and every dated cash flow of
-- core.subordinated_cash_flows (principal, period return, excess return). Solved on
-- [−99.99 %, 1000 %] by 16-section in a recursive CTE (12 steps: ~4e-14). Computed only
-- for tranches whose life has ended (delisting date known), so partial lives do not show as losses.
CREATE OR REPLACE VIEW marts.subordinated_tranche_outcomes AS
WITH RECURSIVE subordinated AS (
    SELECT t.*, d.deal_short_name, d.asset_class, d.market, d.value_date, d.originator_id
    FROM core.tranches t
    JOIN core.deals d ON d.deal_id = t.deal_id
    WHERE t.tranche_class = 'subordinated'
),
received AS (
    SELECT tranche_id,
           sum(amount_cny) FILTER (WHERE flow_kind = 'principal')     AS principal_received_cny,
           sum(amount_cny) FILTER (WHERE flow_kind = 'period_return') AS period_return_received_cny,
           sum(amount_cny) FILTER (WHERE flow_kind = 'excess_return') AS excess_return_received_cny,
           sum(amount_cny)                                             AS total_received_cny,
           max(flow_date)                                              AS last_flow_date
    FROM core.subordinated_cash_flows
    GROUP BY tranche_id
),
-- dated cash flows of ended tranches as years since the value date (purchase first, at t = 0)
dated_flows AS (
    SELECT s.tranche_id,
           list_value(0.0)
               || list(date_diff('day', s.value_date, f.flow_date) / 365.0 ORDER BY f.flow_date, f.flow_kind)
                                                                                   AS years,
           list_value(-(s.amount_cny * s.issue_price_per_100 / 100)::DOUBLE)
               || list(f.amount_cny::DOUBLE ORDER BY f.flow_date, f.flow_kind)    AS amounts
    FROM subordinated s
    JOIN core.subordinated_cash_flows f ON f.tranche_id = s.tranche_id
    WHERE s.delisting_date IS NOT NULL AND s.issue_price_per_100 > 0
    GROUP BY s.tranche_id, s.value_date, s.amount_cny, s.issue_price_per_100
),
-- k-section: split the bracketing interval [lo, hi] at 15 interior rates and keep the first
-- sub-interval whose ends give NPVs of opposite sign (16 sub-intervals a step: 12 steps narrow
-- [-99.99 %, 1000 %] to ~4e-14)
search(tranche_id, years, amounts, lo, hi, npv_lo, step) AS (
    SELECT tranche_id, years, amounts, -0.9999::DOUBLE, 10.0::DOUBLE,
           list_sum(list_transform(list_zip(years, amounts), lambda p: p[2] / pow(1 - 0.9999, p[1]))),
           0
    FROM dated_flows
    UNION ALL
    SELECT tranche_id, years, amounts,
           rates[first_change - 1], rates[first_change], npvs[first_change - 1], step + 1
    FROM (
        SELECT *,
               -- first grid point whose NPV is on the other side of zero from the NPV at lo
               coalesce(list_position(list_transform(npvs, lambda v: (v > 0) <> (npv_lo > 0)), true),
                        len(rates)) AS first_change
        FROM (
            SELECT *,
                   list_transform(rates, lambda r: list_sum(list_transform(list_zip(years, amounts),
                                                                           lambda p: p[2] / pow(1 + r, p[1])))) AS npvs
            FROM (
                SELECT *, list_transform(range(0, 17), lambda i: lo + (hi - lo) * i / 16) AS rates
                FROM search
                WHERE step < 12
            )
        )
    )
),
-- no IRR unless the NPV changes sign on the search interval
irr AS (
    SELECT tranche_id, (lo + hi) / 2 AS irr
    FROM search
    WHERE step = 12
      AND (list_sum(list_transform(list_zip(years, amounts), lambda p: p[2] / pow(1 + hi, p[1]))) > 0) <> (npv_lo > 0)
)
SELECT
    s.tranche_id,
    s.security_code,
    s.deal_id,
    s.deal_short_name,
    s.asset_class,
    s.market,
    coalesce(o.short_name_zh, o.full_name_zh)                          AS originator_short_name,
    o.institution_type                                                 AS originator_type,
    s.value_date,
    year(s.value_date)                                                 AS vintage,
    s.amount_cny,
    s.amount_cny / 1e8                                                 AS amount_yi,
    s.issue_price_per_100,
    s.issue_price_per_100 = 100                                        AS is_issued_at_par,
    s.is_externally_placed,
    s.originator_retained_share,
    s.period_return_rate,
    s.period_return_rate IS NOT NULL                                   AS has_period_return,
    s.expected_maturity_date,
    s.delisting_date,
    -- tenors in calendar months from the value date: expected = to expected maturity, actual = to delisting
    date_diff('month', s.value_date, s.expected_maturity_date)         AS expected_tenor_months,
    date_diff('month', s.value_date, s.delisting_date)                 AS actual_tenor_months,
    date_diff('month', s.value_date, s.delisting_date)
        / nullif(date_diff('month', s.value_date, s.expected_maturity_date), 0) AS actual_to_expected_tenor,
    s.delisting_date <= s.expected_maturity_date                       AS delisted_by_expected_maturity,
    l.liquidation_method,
    l.event_date                                                       AS liquidation_date,
    r.principal_received_cny,
    r.period_return_received_cny,
    r.excess_return_received_cny,
    r.total_received_cny,
    r.last_flow_date,
    irr.irr
FROM subordinated s
LEFT JOIN core.institutions o ON o.institution_id = s.originator_id
LEFT JOIN core.liquidation_events l ON l.deal_id = s.deal_id
LEFT JOIN received r ON r.tranche_id = s.tranche_id
LEFT JOIN irr ON irr.tranche_id = s.tranche_id;

COMMENT ON VIEW marts.subordinated_tranche_outcomes IS 'How did subordinated tranches fare: expected vs actual tenor to delisting, period return, retention, issue price, cash received and IRR at the issue price; one row per subordinated tranche, 次级档证券表现';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.tranche_id IS 'Tranche id 证券编号';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.deal_id IS 'Deal id 项目编号';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.deal_short_name IS 'Deal short name 项目简称';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.asset_class IS 'Underlying asset class of the deal 基础资产类型';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.market IS 'Market of the deal 发行市场';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.originator_short_name IS 'Originator short name (full name when none is known) 发起机构简称';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.originator_type IS 'Originator type 发起机构类型';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.value_date IS 'Value date of the deal 起息日';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.vintage IS 'Year of the value date 发行年度';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.amount_cny IS 'Face amount issued, CNY 发行金额（元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.amount_yi IS 'Face amount issued, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.issue_price_per_100 IS 'Issue price per 100 face 发行价格（元/百元面值）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.is_issued_at_par IS 'Issued at 100 平价发行';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.is_externally_placed IS 'Sold to outside investors (not all retained) 是否对外配售';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.originator_retained_share IS 'Share retained by the originator, fraction 发起机构自持比例';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.period_return_rate IS 'Annual period-return rate, fraction; NULL when none 期间收益率';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.has_period_return IS 'Pays a period return 是否设置期间收益';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.expected_maturity_date IS 'Expected maturity at issue 预期到期日';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.delisting_date IS 'Delisting date (end of life); NULL while alive 摘牌日';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.expected_tenor_months IS 'Calendar months from value date to expected maturity 预期期限（月）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.actual_tenor_months IS 'Calendar months from value date to delisting 实际期限（月，以摘牌日计）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.actual_to_expected_tenor IS 'Actual / expected tenor of this tranche 实际期限/预期期限';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.delisted_by_expected_maturity IS 'Delisted on or before the expected maturity 是否于预期到期日及之前摘牌';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.liquidation_method IS 'How the deal was liquidated; NULL if not liquidated 项目清算方式';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.liquidation_date IS 'Liquidation date of the deal 清算日';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.principal_received_cny IS 'Principal paid to the tranche, CNY 已兑付本金（元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.period_return_received_cny IS 'Period returns paid, CNY 期间收益（元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.excess_return_received_cny IS 'Excess returns paid, CNY 超额收益（元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.total_received_cny IS 'All cash paid to the tranche, CNY 现金流合计（元）';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.last_flow_date IS 'Date of the last cash flow 最后支付日';
COMMENT ON COLUMN marts.subordinated_tranche_outcomes.irr IS 'Annual IRR (XIRR, days/365) at the issue price over the tranche''s whole life, fraction; NULL while alive 次级档收益率（IRR）';
