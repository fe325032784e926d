-- Net financing of local AMCs through onshore bonds (ABS and offshore bonds excluded):
-- issuance by value date minus repayments (at maturity, on put, early redemption) by event date.
-- Defaults and extensions are not repayments. Sum the months for any period.
CREATE OR REPLACE VIEW marts.amc_net_financing AS
WITH scope AS (
    SELECT security_code, amc_id, amount_cny, value_date
    FROM core.amc_bonds
    WHERE NOT is_offshore AND NOT is_abs
),
issued AS (
    SELECT amc_id, date_trunc('month', value_date)::DATE AS period_month,
           count(*) AS bonds_issued, sum(amount_cny) AS issued_cny
    FROM scope GROUP BY ALL
),
repaid AS (
    SELECT s.amc_id, date_trunc('month', e.event_date)::DATE AS period_month,
           sum(e.amount_cny) FILTER (WHERE e.event_type = 'repayment')        AS repaid_at_maturity_cny,
           sum(e.amount_cny) FILTER (WHERE e.event_type = 'put_repayment')    AS repaid_on_put_cny,
           sum(e.amount_cny) FILTER (WHERE e.event_type = 'early_redemption') AS redeemed_early_cny,
           sum(e.amount_cny)                                                  AS repaid_cny
    FROM core.amc_bond_events e
    JOIN scope s ON s.security_code = e.security_code
    WHERE e.event_type IN ('repayment', 'put_repayment', 'early_redemption')
    GROUP BY ALL
)
SELECT
    amc_id,
    a.short_name_zh                                                AS issuer_short_name,
    period_month,
    year(period_month)                                             AS period_year,
    coalesce(i.bonds_issued, 0)                                    AS bonds_issued,
    coalesce(i.issued_cny, 0)                                      AS issued_cny,
    coalesce(r.repaid_at_maturity_cny, 0)                          AS repaid_at_maturity_cny,
    coalesce(r.repaid_on_put_cny, 0)                               AS repaid_on_put_cny,
    coalesce(r.redeemed_early_cny, 0)                              AS redeemed_early_cny,
    coalesce(r.repaid_cny, 0)                                      AS repaid_cny,
    coalesce(i.issued_cny, 0) - coalesce(r.repaid_cny, 0)          AS net_financing_cny,
    coalesce(i.issued_cny, 0) / 1e8                                AS issued_yi,
    coalesce(r.repaid_cny, 0) / 1e8                                AS repaid_yi,
    (coalesce(i.issued_cny, 0) - coalesce(r.repaid_cny, 0)) / 1e8  AS net_financing_yi
FROM issued i
FULL JOIN repaid r USING (amc_id, period_month)
JOIN core.amcs a USING (amc_id);

COMMENT ON VIEW marts.amc_net_financing IS 'How much new money did local AMCs raise through onshore bonds (ABS and offshore excluded): issuance by value date − repayments at maturity, on put and early redemptions by event date; one row per AMC and month with issuance or repayment, 地方AMC债券净融资';
COMMENT ON COLUMN marts.amc_net_financing.amc_id IS 'AMC id 地方AMC编号';
COMMENT ON COLUMN marts.amc_net_financing.issuer_short_name IS 'AMC short name 发行人简称';
COMMENT ON COLUMN marts.amc_net_financing.period_month IS 'First day of the month 月份';
COMMENT ON COLUMN marts.amc_net_financing.period_year IS 'Calendar year 年度';
COMMENT ON COLUMN marts.amc_net_financing.bonds_issued IS 'Bonds issued (by value date) 发行只数';
COMMENT ON COLUMN marts.amc_net_financing.issued_cny IS 'Amount issued, CNY 发行金额（元）';
COMMENT ON COLUMN marts.amc_net_financing.repaid_at_maturity_cny IS 'Repaid at maturity, CNY 到期兑付（元）';
COMMENT ON COLUMN marts.amc_net_financing.repaid_on_put_cny IS 'Repaid on put exercise, CNY 回售兑付（元）';
COMMENT ON COLUMN marts.amc_net_financing.redeemed_early_cny IS 'Redeemed early, CNY 提前兑付（元）';
COMMENT ON COLUMN marts.amc_net_financing.repaid_cny IS 'All repayments, CNY 偿还金额合计（元）';
COMMENT ON COLUMN marts.amc_net_financing.net_financing_cny IS 'Issued − repaid, CNY 净融资额（元）';
COMMENT ON COLUMN marts.amc_net_financing.issued_yi IS 'Amount issued, 亿元 发行金额（亿元）';
COMMENT ON COLUMN marts.amc_net_financing.repaid_yi IS 'All repayments, 亿元 偿还金额（亿元）';
COMMENT ON COLUMN marts.amc_net_financing.net_financing_yi IS 'Issued − repaid, 亿元 净融资额（亿元）';
