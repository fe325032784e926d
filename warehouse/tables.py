"""Load rules declared once per table: its key and how new rows meet old ones.

The loader, the migrations test and the expectation suites all read this registry, so a table
cannot be loaded without saying what makes a row unique.

Modes:
- ``merge``: rows replace earlier rows with the same key (a revised report or a newer export
  wins); other rows stay.
- ``coalesce``: like merge, but a value a document leaves empty keeps the value an earlier
  document gave (institutions: one export states the type, another only the name; deals and
  tranches: the 发行说明书 and 发行结果公告 state the terms at issue, a later vendor export adds
  the delisting date).

``defaults`` name what a key column holds in rows whose document does not state it (every
trustee report is per payment period: only an annual report says ``grain = 'annual'``).

``fallbacks`` (coalesce only) name what a NOT NULL column holds when no document states it: a
CNABS export cannot always tell a deal's asset class, and its silence must neither fail the
load nor overwrite what an announcement said, so it is NULL in the parsed row and `other`
only if nothing else ever fills it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableRule:
    name: str
    key: tuple[str, ...]
    mode: str = "merge"
    fallbacks: tuple[tuple[str, str], ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()

    def fallback(self, column: str) -> str | None:
        return dict(self.fallbacks).get(column)


RULES: dict[str, TableRule] = {
    r.name: r
    for r in (
        TableRule("core.institutions", ("institution_id",), mode="coalesce"),
        TableRule("core.deal_references", ("deal_id",)),
        TableRule("core.institution_aliases", ("alias",)),
        TableRule("core.deals", ("deal_id",), mode="coalesce", fallbacks=(("asset_class", "other"),)),
        TableRule("core.deal_labels", ("deal_id", "label")),
        TableRule("core.credit_enhancements", ("deal_id", "enhancer_id", "enhancement_kind")),
        TableRule("core.tranches", ("tranche_id",), mode="coalesce"),
        TableRule("core.pool_performance", ("deal_id", "grain", "period_number"),
                  defaults=(("grain", "payment_period"),)),
        TableRule("core.tranche_payments", ("tranche_id", "period_number"), defaults=(("grain", "payment"),)),
        TableRule("core.rating_actions", ("tranche_id", "agency_id", "action_date")),
        TableRule("core.liquidation_events", ("deal_id",)),
        TableRule("core.subordinated_cash_flows", ("tranche_id", "flow_date", "flow_kind")),
        TableRule("core.tranche_balances", ("tranche_id", "as_of_date")),
        TableRule("core.yield_curves", ("curve_id", "curve_date", "tenor_years")),
        TableRule("core.bond_valuations", ("security_code", "valuation_date")),
        TableRule("core.market_totals", ("period_month", "market")),
        TableRule("core.amcs", ("amc_id",)),
        TableRule("core.amc_licence_events", ("amc_id", "event_date", "event_type")),
        TableRule("core.amc_bonds", ("security_code",)),
        TableRule("core.amc_bond_events", ("security_code", "event_date", "event_type")),
        TableRule("core.amc_issuer_ratings", ("amc_id", "agency_id", "rating_date")),
        TableRule("core.amc_financials", ("amc_id", "period_end_date")),
    )
}


def rule_for(table: str) -> TableRule:
    try:
        return RULES[table]
    except KeyError:
        raise KeyError(f"no load rule declared for {table}; add it to warehouse/tables.py") from None
