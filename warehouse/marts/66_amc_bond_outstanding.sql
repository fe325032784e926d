-- The life of each AMC bond as a sequence of states between its events. A state starts at the
-- value date or at an event date (events count from their own date) and lasts until the next
-- event date (exclusive). In each state:
--   balance    = amount issued − repayments so far (repayment, put_repayment, early_redemption);
--   status     = defaulted once any default has occurred, repaid when nothing is left, else outstanding;
--   due_date   = the new maturity of the latest extension, else the next put date (a puttable bond
--                counts at its next put date), else the maturity date.
-- Outstanding at a date d: state_from <= d AND (state_until IS NULL OR state_until > d)
--                          AND status = 'outstanding'.
CREATE OR REPLACE VIEW marts.amc_bond_outstanding AS
WITH bonds AS (
    SELECT b.*, a.short_name_zh AS issuer_short_name,
           NOT b.is_offshore AND NOT b.is_abs AS is_onshore_debt
    FROM core.amc_bonds b
    JOIN core.amcs a ON a.amc_id = b.amc_id
),
-- events netted per bond and day
event_days AS (
    SELECT security_code, event_date,
           coalesce(sum(amount_cny) FILTER (WHERE event_type IN ('repayment', 'put_repayment', 'early_redemption')), 0)
                                                                   AS repaid_cny,
           bool_or(event_type = 'default')                         AS defaulted,
           max(new_maturity_date) FILTER (WHERE event_type = 'extension') AS extended_to
    FROM core.amc_bond_events
    GROUP BY security_code, event_date
),
-- the initial state (at the value date) and one state per event day
state_starts AS (
    SELECT security_code, value_date AS state_from, 0::DECIMAL(20,2) AS repaid_cny,
           false AS defaulted, NULL::DATE AS extended_to
    FROM bonds
    UNION ALL
    SELECT security_code, event_date, repaid_cny, defaulted, extended_to
    FROM event_days
),
states AS (
    SELECT security_code, state_from,
           lead(state_from) OVER w                                      AS state_until,
           sum(repaid_cny) OVER (w ROWS UNBOUNDED PRECEDING)            AS repaid_to_date_cny,
           bool_or(defaulted) OVER (w ROWS UNBOUNDED PRECEDING)         AS defaulted_to_date,
           last_value(extended_to IGNORE NULLS) OVER (w ROWS UNBOUNDED PRECEDING) AS extended_to
    FROM state_starts
    WINDOW w AS (PARTITION BY security_code ORDER BY state_from, repaid_cny, defaulted)
)
SELECT
    b.security_code,
    b.short_name                                                 AS bond_short_name,
    b.amc_id,
    b.issuer_short_name,
    b.bond_type,
    b.is_offshore,
    b.is_abs,
    b.is_onshore_debt,
    b.amount_cny,
    s.state_from,
    s.state_until,
    b.amount_cny - s.repaid_to_date_cny                          AS balance_cny,
    (b.amount_cny - s.repaid_to_date_cny) / 1e8                  AS balance_yi,
    s.repaid_to_date_cny,
    CASE WHEN s.defaulted_to_date THEN 'defaulted'
         WHEN b.amount_cny - s.repaid_to_date_cny <= 0 THEN 'repaid'
         ELSE 'outstanding' END                                  AS status,
    b.maturity_date,
    b.next_put_date,
    s.extended_to,
    coalesce(s.extended_to, b.next_put_date, b.maturity_date)    AS due_date,
    year(coalesce(s.extended_to, b.next_put_date, b.maturity_date)) AS due_year,
    CASE WHEN s.extended_to IS NOT NULL THEN 'extension'
         WHEN b.next_put_date IS NOT NULL THEN 'put'
         ELSE 'maturity' END                                     AS due_basis
FROM states s
JOIN bonds b ON b.security_code = s.security_code
-- drop zero-length states (several events on the value date)
WHERE s.state_until IS NULL OR s.state_until > s.state_from;

COMMENT ON VIEW marts.amc_bond_outstanding IS 'What of an AMC bond is outstanding at a date and when is it due (extension date, else next put date, else maturity)? Outstanding at d: state_from <= d < coalesce(state_until, infinity) and status = outstanding; one row per bond and state between its events, 地方AMC债券存续状态';
COMMENT ON COLUMN marts.amc_bond_outstanding.security_code IS 'Security code 证券代码';
COMMENT ON COLUMN marts.amc_bond_outstanding.bond_short_name IS 'Bond short name 证券简称';
COMMENT ON COLUMN marts.amc_bond_outstanding.amc_id IS 'Issuing AMC 发行人编号';
COMMENT ON COLUMN marts.amc_bond_outstanding.issuer_short_name IS 'Issuer short name 发行人简称';
COMMENT ON COLUMN marts.amc_bond_outstanding.bond_type IS 'Bond type 债券类型';
COMMENT ON COLUMN marts.amc_bond_outstanding.is_offshore IS 'Issued offshore 是否海外债';
COMMENT ON COLUMN marts.amc_bond_outstanding.is_abs IS 'ABS issued by the AMC 是否资产支持证券';
COMMENT ON COLUMN marts.amc_bond_outstanding.is_onshore_debt IS 'Onshore bond or debt instrument, not ABS 是否境内债券（不含ABS及海外债）';
COMMENT ON COLUMN marts.amc_bond_outstanding.amount_cny IS 'Amount issued, CNY 发行金额（元）';
COMMENT ON COLUMN marts.amc_bond_outstanding.state_from IS 'First day of the state (value date or event date) 状态起始日';
COMMENT ON COLUMN marts.amc_bond_outstanding.state_until IS 'Day the next state starts (exclusive); NULL for the current state 状态截止日（不含）';
COMMENT ON COLUMN marts.amc_bond_outstanding.balance_cny IS 'Amount issued − repaid so far, CNY 债券余额（元）';
COMMENT ON COLUMN marts.amc_bond_outstanding.balance_yi IS 'Amount issued − repaid so far, 亿元 债券余额（亿元）';
COMMENT ON COLUMN marts.amc_bond_outstanding.repaid_to_date_cny IS 'Repaid so far (maturity, put, early redemption), CNY 累计兑付（元）';
COMMENT ON COLUMN marts.amc_bond_outstanding.status IS 'outstanding, repaid or defaulted 存续状态';
COMMENT ON COLUMN marts.amc_bond_outstanding.maturity_date IS 'Original maturity date 原到期日';
COMMENT ON COLUMN marts.amc_bond_outstanding.next_put_date IS 'Next put date, if puttable 下一行权日';
COMMENT ON COLUMN marts.amc_bond_outstanding.extended_to IS 'New maturity of the latest extension so far 展期后到期日';
COMMENT ON COLUMN marts.amc_bond_outstanding.due_date IS 'When it falls due: extension date, else next put date, else maturity 到期（行权）日';
COMMENT ON COLUMN marts.amc_bond_outstanding.due_year IS 'Year of the due date 到期年度';
COMMENT ON COLUMN marts.amc_bond_outstanding.due_basis IS 'extension, put or maturity 到期日依据';
