"""Subordinated tranche cash flows, derived from the tranche payments of trustee reports.

One flow per subordinated tranche, payment date and kind: ``principal`` (本金),
``period_return`` (期间收益, paid as the tranche's interest) and ``excess_return`` (超额收益,
paid as other income). Zero and not-applicable payments are not flows. IRRs and outcomes of
subordinated tranches (seed 004) are computed from this table at the issue price.

The derivation is a query over the build's core tables that returns a frame; the run's
after-load step hands it to the loader (``warehouse.load.replace_rows``), which writes core rows.
"""

from __future__ import annotations

import duckdb
import polars as pl

TABLE = "core.subordinated_cash_flows"

DERIVE_SQL = """
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
WHERE amount_cny IS NOT NULL AND amount_cny <> 0
ORDER BY tranche_id, flow_date, flow_kind
"""


def derive_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The table's rows from all tranche payments and tranches the build holds."""
    return con.execute(DERIVE_SQL).pl()

