-- Maturity wall of local AMCs' onshore bonds (ABS and offshore excluded) at every month end:
-- the balances outstanding at the date (marts.amc_bond_outstanding) by year of their due date —
-- extension date, else next put date, else maturity. Defaulted and repaid bonds are not counted.
CREATE OR REPLACE VIEW marts.amc_maturity_wall AS
WITH span AS (
    SELECT min(value_date) AS first_day,
           greatest(max(value_date), (SELECT max(event_date) FROM core.amc_bond_events)) AS last_day
    FROM core.amc_bonds
),
month_ends AS (
    SELECT (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS as_of_date
    FROM span, generate_series(date_trunc('month', span.first_day), date_trunc('month', span.last_day),
                               INTERVAL 1 MONTH) AS g(m)
),
outstanding AS (
    SELECT m.as_of_date, o.due_year, o.balance_cny
    FROM month_ends m
    JOIN marts.amc_bond_outstanding o
      ON o.state_from <= m.as_of_date AND (o.state_until IS NULL OR o.state_until > m.as_of_date)
    WHERE o.is_onshore_debt AND o.status = 'outstanding'
),
wall AS (
    SELECT as_of_date, due_year, count(*) AS bonds, sum(balance_cny) AS amount_cny
    FROM outstanding GROUP BY ALL
)
SELECT
    as_of_date,
    due_year,
    bonds,
    amount_cny,
    amount_cny / 1e8                                                  AS amount_yi,
    amount_cny / sum(amount_cny) OVER (PARTITION BY as_of_date)       AS share_of_outstanding,
    sum(amount_cny) OVER (PARTITION BY as_of_date)                    AS total_outstanding_cny,
    sum(amount_cny) OVER (PARTITION BY as_of_date) / 1e8              AS total_outstanding_yi
FROM wall;

COMMENT ON VIEW marts.amc_maturity_wall IS 'When do the AMC bonds outstanding at a month end fall due (puttable bonds at their next put date, extended bonds at their new date; defaulted and repaid bonds excluded; onshore, no ABS)?; one row per month end and due year, 地方AMC债券到期分布';
COMMENT ON COLUMN marts.amc_maturity_wall.as_of_date IS 'Month end the wall is taken at 统计日';
COMMENT ON COLUMN marts.amc_maturity_wall.due_year IS 'Year the balance falls due 到期（行权）年度';
COMMENT ON COLUMN marts.amc_maturity_wall.bonds IS 'Bonds falling due in the year 债券只数';
COMMENT ON COLUMN marts.amc_maturity_wall.amount_cny IS 'Outstanding balance falling due in the year, CNY 到期金额（元）';
COMMENT ON COLUMN marts.amc_maturity_wall.amount_yi IS 'Outstanding balance falling due in the year, 亿元 到期金额（亿元）';
COMMENT ON COLUMN marts.amc_maturity_wall.share_of_outstanding IS 'Share of the outstanding amount at the date, fraction 占存续规模比例';
COMMENT ON COLUMN marts.amc_maturity_wall.total_outstanding_cny IS 'All outstanding at the date, CNY 存续规模合计（元）';
COMMENT ON COLUMN marts.amc_maturity_wall.total_outstanding_yi IS 'All outstanding at the date, 亿元 存续规模合计（亿元）';
