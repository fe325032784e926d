"""Subordinated tranche cash flows, derived from the tranche payments of trustee reports.

One flow per subordinated tranche, payment date and kind: ``principal`` (本金),
``period_return`` (期间收益, paid as the tranche's interest) and ``excess_return`` (超额收益,
paid as other income). Zero and not-applicable payments are not flows. IRRs and outcomes of
subordinated tranches (seed 004) are computed from this table at the issue price.
"""

from __future__ import annotations

import duckdb

DERIVE_SQL = """
DELETE FROM core.subordinated_cash_flows;
INSERT INTO core.subordinated_cash_flows (tranche_id, flow_date, flow_kind, amount_cny, document_id)
SELECT tranche_id, flow_date, flow_kind, amount_cny, document_id
FROM (
    SELECT p.tranche_id, p.payment_date AS flow_date, k.flow_kind, p.document_id,
           CASE k.flow_kind WHEN 'principal' THEN p.principal_paid_cny
                            WHEN 'period_return' THEN p.interest_paid_cny
                            ELSE p.other_income_paid_cny END AS amount_cny
    FROM core.tranche_payments p
    JOIN core.tranches t USING (tranche_id)
    CROSS JOIN (VALUES ('principal'), ('period_return'), ('excess_return')) AS k(flow_kind)
    WHERE t.tranche_class = 'subordinated'
)
WHERE amount_cny IS NOT NULL AND amount_cny <> 0;
"""


def derive_in_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the table from all loaded tranche payments (idempotent)."""
    con.execute(DERIVE_SQL)

