"""Documents of exchange-ABS and ABN deals for the parser tests: the sample market's own
renderers over the seed world's truth rows (the world as the exchanges disclose it)."""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sample_market.world import World, build_world
from sample_market.world import exchange_disclosure


@functools.cache
def exchange_world() -> World:
    """The seed world with exchange deals' payments per unit and pools per year."""
    world = build_world(scale="seed", seed=20251231)
    if "annual_reports" not in world.extras:  # until the venue switch builds it into every world
        exchange_disclosure.build(world)
    return world


def deals_of(world: World, market: str) -> list[str]:
    deals = {d["deal_id"]: d for d in world.rows("core.deals")}
    with_history = {r["deal_id"] for r in world.rows("core.pool_performance")}
    return sorted(d for d in with_history if deals[d]["market"] == market)


def distributions() -> list:
    from sample_market.documents.income_distribution import distributions_from_tables

    world = exchange_world()
    return distributions_from_tables(world.tables, deals_of(world, "exchange_abs"),
                                     lambda deal_id, paid: paid - timedelta(days=7))


def annual_reports(layout=None) -> list:
    from sample_market.documents.asset_management_report import annual_reports_from_tables

    world = exchange_world()
    return annual_reports_from_tables(world.tables, deals_of(world, "exchange_abs"),
                                      (lambda deal_id: layout) if layout else None)


def operating_reports() -> list:
    from sample_market.documents.trustee_report import reports_from_tables

    world = exchange_world()
    return list(reports_from_tables(world.tables, deals_of(world, "abn")))


def differences(truth: dict[str, Any], parsed: dict[str, Any] | None) -> list[str]:
    """Columns of a truth row the parsed row states differently (numbers compared exactly)."""
    if parsed is None:
        return ["<row missing>"]
    out = []
    for column, expected in truth.items():
        got = parsed.get(column)
        if isinstance(expected, (Decimal, int)) and not isinstance(expected, bool) and got is not None:
            same = Decimal(str(expected)) == Decimal(str(got))
        else:
            same = expected == got
        if not same:
            out.append(f"{column}: truth {expected!r}, parsed {got!r}")
    return out
