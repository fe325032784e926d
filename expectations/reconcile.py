"""Reconciliations the batch's GX checkpoint cannot see: arithmetic and history across the
whole build (rows loaded earlier included) after the batch was loaded.

Each check is one SQL query over the build that returns the violating rows; any violation
refuses the publish (batch-level), after every check has been recorded in ``dq.results``.
Tolerances are rounding tolerances: terms × 0.5 × 10^-2 CNY for amounts kept to the cent.
Relationships between tables (a tranche without its deal) are GX expectations of the suites
(:mod:`expectations.suites`), checked before the load against the build's keys.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from warehouse.dq import write_results
from warehouse.publish import PublishRefused


@dataclass(frozen=True)
class Reconciliation:
    name: str
    description: str
    sql: str  # returns violating rows; first column identifies the row


CHECKS: tuple[Reconciliation, ...] = (
    Reconciliation(
        "pool_balance_roll_forward",
        "opening − principal collected − new defaults + revolving purchases = closing (non-NPL pools)",
        """SELECT deal_id || ' period ' || period_number AS row_id,
                  pool_balance_begin_cny - coalesce(principal_collected_cny, 0) - coalesce(new_default_cny, 0)
                    + coalesce(revolving_purchase_cny, 0) - pool_balance_end_cny AS difference
           FROM core.pool_performance
           WHERE pool_balance_begin_cny IS NOT NULL AND pool_balance_end_cny IS NOT NULL
             AND principal_collected_cny IS NOT NULL
             AND abs(pool_balance_begin_cny - coalesce(principal_collected_cny, 0) - coalesce(new_default_cny, 0)
                     + coalesce(revolving_purchase_cny, 0) - pool_balance_end_cny) > 4 * 0.005""",
    ),
    Reconciliation(
        "tranches_sum_to_deal",
        "the tranches of a deal add up to the deal's issued amount",
        """SELECT d.deal_id, d.deal_amount_cny - sum(t.amount_cny) AS difference
           FROM core.deals d JOIN core.tranches t USING (deal_id)
           GROUP BY d.deal_id, d.deal_amount_cny
           HAVING abs(d.deal_amount_cny - sum(t.amount_cny)) > count(*) * 0.005""",
    ),
    Reconciliation(
        "tranche_balances_never_increase",
        "a tranche's principal after payment never rises from one period to the next",
        """SELECT tranche_id || ' period ' || period_number, principal_after_cny - previous AS increase
           FROM (SELECT tranche_id, period_number, principal_after_cny,
                        lag(principal_after_cny) OVER (PARTITION BY tranche_id ORDER BY period_number) AS previous
                 FROM core.tranche_payments)
           WHERE principal_after_cny > previous + 0.005""",
    ),
    Reconciliation(
        "cumulative_series_never_decrease",
        "cumulative defaults, recoveries and revolving purchases never fall",
        """SELECT deal_id || ' period ' || period_number, metric
           FROM (SELECT deal_id, period_number,
                        CASE WHEN cumulative_default_cny < lag(cumulative_default_cny) OVER w - 0.005 THEN 'cumulative_default'
                             WHEN cumulative_recovery_cny < lag(cumulative_recovery_cny) OVER w - 0.005 THEN 'cumulative_recovery'
                             WHEN cumulative_revolving_purchase_cny < lag(cumulative_revolving_purchase_cny) OVER w - 0.005
                                  THEN 'cumulative_revolving_purchase' END AS metric
                 FROM core.pool_performance WINDOW w AS (PARTITION BY deal_id, grain ORDER BY period_number))
           WHERE metric IS NOT NULL""",
    ),
    Reconciliation(
        "period_numbers_consecutive",
        "a deal's report periods (years, for annual reports) run 1, 2, 3 … from its first loaded one without gaps",
        """SELECT deal_id || ' ' || grain, string_agg(period_number::VARCHAR, ',' ORDER BY period_number) AS periods
           FROM core.pool_performance GROUP BY deal_id, grain
           HAVING max(period_number) - min(period_number) + 1 <> count(*)""",
    ),
    Reconciliation(
        "amc_repayments_within_amount",
        "repayments of an AMC bond never exceed its issued amount",
        """SELECT b.security_code, sum(e.amount_cny) - b.amount_cny AS excess
           FROM core.amc_bonds b JOIN core.amc_bond_events e USING (security_code)
           WHERE e.event_type IN ('repayment', 'put_repayment', 'early_redemption') AND b.amount_cny IS NOT NULL
           GROUP BY b.security_code, b.amount_cny
           HAVING sum(e.amount_cny) > b.amount_cny + 0.005""",
    ),
)


def run_reconciliations(con: duckdb.DuckDBPyConnection, run_id: str,
                        checks: tuple[Reconciliation, ...] = CHECKS) -> list[tuple[Reconciliation, list[tuple]]]:
    """Run every check, record each in dq.results, then refuse if any found violations."""
    failures, results = [], []
    for check in checks:
        rows = con.execute(check.sql).fetchall()
        results.append({"suite_name": "reconciliation", "expectation": check.name, "success": not rows,
                        "action": "refuse", "mostly": 1.0, "unexpected_count": len(rows),
                        "observed_value": f"{len(rows)} violations" + (f"; first: {rows[0]}" if rows else "")})
        if rows:
            failures.append((check, rows))
    write_results(con, run_id, results)
    if failures:
        detail = "; ".join(f"{c.name} ({c.description}): {len(r)} violations, e.g. {r[0]}" for c, r in failures)
        raise PublishRefused(f"reconciliation failed — {detail}")
    return failures


def check_required_tables(con: duckdb.DuckDBPyConnection, run_id: str, required: list[str]) -> None:
    """Refuse a build in which a required table is missing or empty (recorded in dq.results)."""
    existing = {f"{s}.{t}" for s, t in con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
        "SELECT schema_name, view_name FROM duckdb_views()").fetchall()}
    problems, results = [], []
    for table in required:
        rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table in existing else None
        ok = bool(rows)
        results.append({"suite_name": "required_tables", "expectation": f"required({table})", "success": ok,
                        "action": "refuse", "observed_value": "missing" if rows is None else f"{rows} rows",
                        "unexpected_count": 0 if ok else 1})
        if not ok:
            problems.append(f"{table} is {'missing' if rows is None else 'empty'}")
    write_results(con, run_id, results)
    if problems:
        raise PublishRefused("required tables: " + "; ".join(problems))
