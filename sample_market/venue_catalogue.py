"""Which exchange-ABS and ABN documents the sample market publishes, where, when, and what the
pipeline is expected to do with each (the venue families of ``sample_market.catalogue``).

* Exchange ABS (``market = exchange_abs``): a 收益分配报告 before every payment and an annual
  资产管理报告 for every report year (``world.extras["annual_reports"]``), on SSE for ``.SH``
  codes and on SZSE for ``.SZ`` codes — published 7 calendar days (SSE, ≥ 5 trading days) or 5
  (SZSE, ≥ 3 trading days) before the payment, on a weekday, in the evening.
* ABN (``market = abn``): a 资产运营报告 per payment period on chinamoney, 5 days before the
  payment (3 working days by NAFMII's rule); Shanghai Clearing (the notes' registrar) posts
  the same file a day later (``SHCLEARING_DELAY``), so the pipeline meets most ABN reports
  twice and registers them once (the second copy is a duplicate). A share of reports
  (``SHCLEARING_ONLY_PER_MILLE``) never reaches chinamoney's search: Shanghai Clearing is where
  they live, with their 更正 versions and broken uploads.

Layouts rotate across deals (every template appears in every run); the realism cases of trustee
reports recur at the same rates: a wrong first version and its 更正, a broken first upload, the
same file announced twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from typing import Any

from sample_market.catalogue import (
    BROKEN_PER_MILLE,
    BROKEN_REASONS,
    DUPLICATE_PER_MILLE,
    REVISED_PER_MILLE,
    GeneratedDocument,
    _per_mille,
    at,
    doc_id_for,
    rotate,
)
from sample_market.documents.exchange_layout import LAYOUTS
from sample_market.world.base import World

VENUE_OF_SUFFIX = {"SH": "sse", "SZ": "szse"}
DAYS_BEFORE_PAYMENT = {"sse": 7, "szse": 5, "chinamoney": 5}
SHCLEARING_DELAY = dt.timedelta(days=1)
SHCLEARING_ONLY_PER_MILLE = 200
PDF_BROKEN = ("truncated", "image_only", "missing_row", "bad_number")


def _weekday_before(day: dt.date, days: int) -> dt.date:
    out = day - dt.timedelta(days=days)
    while out.weekday() >= 5:
        out -= dt.timedelta(days=1)
    return out


def _deals_with_history(world: World, market: str) -> list[dict[str, Any]]:
    with_history = {r["deal_id"] for r in world.rows("core.pool_performance")}
    return sorted((d for d in world.rows("core.deals") if d["market"] == market and d["deal_id"] in with_history),
                  key=lambda d: d["deal_id"])


def _extra(deal: dict[str, Any], tranches: list[dict[str, Any]], category: str) -> dict[str, Any]:
    from sample_market.documents.income_distribution import short_name

    ordered = sorted(tranches, key=lambda t: (t["seniority_rank"], t["tranche_id"]))
    return {"security_codes": [t["security_code"] for t in ordered],
            "security_abbrs": [short_name(deal, t) for t in ordered], "category": category}


def _with_realism(docs: list[GeneratedDocument], key: str, render, base: dict[str, Any], stem: str,
                  title: str, revised_title: str, published: dt.datetime) -> None:
    """The document as published, with its share of 更正 versions, broken uploads and repeats."""
    roll = _per_mille(key, stem)

    def add(variant: str, suffix: str, doc_title: str, when: dt.datetime, outcome: str, reason: str | None = None):
        docs.append(GeneratedDocument(
            rel_path=f"{stem}{suffix}.pdf", data=render(variant), file_name=f"{doc_title}.pdf", title=doc_title,
            published_at=when, source_doc_id=doc_id_for(key, stem, suffix), expected_outcome=outcome,
            expected_reason=reason, variant=variant, **base))

    if roll < REVISED_PER_MILLE:
        add("superseded", "", title, published, "superseded", "superseded by its revision")
        add("revised", "_revised", revised_title, published + dt.timedelta(days=1), "loaded")
        return
    add("normal", "", title, published, "loaded")
    if roll < REVISED_PER_MILLE + BROKEN_PER_MILLE:
        variant = rotate(list(PDF_BROKEN), roll)
        add(variant, "_broken", title, published - dt.timedelta(hours=2), "quarantined", BROKEN_REASONS[variant])
    elif roll < REVISED_PER_MILLE + BROKEN_PER_MILLE + DUPLICATE_PER_MILLE:
        first = docs[-1]
        docs.append(GeneratedDocument(
            rel_path=f"{stem}_again.pdf", data=first.data, file_name=first.file_name, title=first.title,
            published_at=published + dt.timedelta(days=1), channel=first.channel, doc_type=first.doc_type,
            source_doc_id=doc_id_for(key, stem, "again"), expected_outcome="duplicate",
            expected_reason="same bytes as a document already registered", variant="duplicate",
            issue_year=first.issue_year, extra=first.extra))


def exchange_report_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    """收益分配报告 per payment and 资产管理报告 per year of every exchange deal with a history."""
    from sample_market.documents.asset_management_report import (
        annual_reports_from_tables, render_asset_management_report, report_title,
    )
    from sample_market.documents.income_distribution import (
        distribution_title, distributions_from_tables, render_income_distribution,
    )

    deals = _deals_with_history(world, "exchange_abs")
    tranches: dict[str, list] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches[t["deal_id"]].append(t)
    layout_of = {d["deal_id"]: rotate(list(LAYOUTS), i) for i, d in enumerate(deals)}
    mine = [d["deal_id"] for i, d in enumerate(deals) if i % shards == shard]
    venue_of = {d: VENUE_OF_SUFFIX[tranches[d][0]["security_code"].rsplit(".", 1)[-1]] for d in mine}

    def publish(deal_id: str, payment_date: dt.date) -> dt.date:
        return _weekday_before(payment_date, DAYS_BEFORE_PAYMENT[venue_of[deal_id]])

    docs: list[GeneratedDocument] = []
    by_id = {d["deal_id"]: d for d in deals}
    for data in distributions_from_tables(world.tables, mine, publish):
        deal_id, layout = data.deal["deal_id"], layout_of[data.deal["deal_id"]]
        base = dict(channel=venue_of[deal_id], doc_type="income_distribution",
                    issue_year=by_id[deal_id].get("vintage_year"),
                    extra=_extra(data.deal, tranches[deal_id], "income_distribution"))
        minute = _per_mille("minute", deal_id, data.period_number) % 50
        _with_realism(docs, "income_distribution",
                      lambda variant, data=data, layout=layout: render_income_distribution(data, layout, variant),
                      base, f"exchange/{deal_id}/distribution_{data.period_number:03d}",
                      distribution_title(data, layout), distribution_title(data, layout, revised=True),
                      at(data.publish_date, 17, minute))
    for deal_id in mine:
        layout = layout_of[deal_id]
        for data in annual_reports_from_tables(world.tables, [deal_id], lambda _d, layout=layout: layout):
            base = dict(channel=venue_of[deal_id], doc_type="asset_management_report",
                        issue_year=by_id[deal_id].get("vintage_year"),
                        extra=_extra(data.deal, tranches[deal_id], "asset_management_report"))
            _with_realism(docs, "asset_management_report",
                          lambda variant, data=data, layout=layout: render_asset_management_report(data, layout, variant),
                          base, f"exchange/{deal_id}/annual_{data.year}", report_title(data),
                          report_title(data, "更正"), at(data.publish_date, 16, 30))
    return docs


def abn_report_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    """资产运营报告 per payment period of every ABN deal with a history: on chinamoney with a copy
    on Shanghai Clearing a day later, or (a share of reports) on Shanghai Clearing only."""
    from sample_market.documents.abn_operating_report import operating_title, render_abn_operating_report
    from sample_market.documents.trustee_report import reports_from_tables

    deals = _deals_with_history(world, "abn")
    names = {i["institution_id"]: i["full_name_zh"] for i in world.rows("core.institutions")}
    tranches: dict[str, list] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches[t["deal_id"]].append(t)
    layout_of = {d["deal_id"]: rotate(list(LAYOUTS), i).with_(tranche_table=rotate(["bailu", "huabei"], i))
                 for i, d in enumerate(deals)}
    by_id = {d["deal_id"]: d for d in deals}
    mine = [d["deal_id"] for i, d in enumerate(deals) if i % shards == shard]
    docs: list[GeneratedDocument] = []
    only_there: list[GeneratedDocument] = []
    for report in reports_from_tables(world.tables, mine):
        deal = by_id[report.pool["deal_id"]]
        layout = layout_of[deal["deal_id"]]
        originator = {"originator": names.get(deal.get("originator_id") or "", "-")}
        base = dict(channel="chinamoney", doc_type="abn_operating_report", issue_year=deal.get("vintage_year"),
                    extra=_extra(deal, tranches[deal["deal_id"]], "abn_operating_report"))
        stem = f"abn/{deal['deal_id']}/operating_{report.period_number:03d}"
        _with_realism(docs, "abn_operating_report",
                      lambda variant, report=report, layout=layout, originator=originator:
                      render_abn_operating_report(report, layout, variant, originator),
                      base, stem, operating_title(report), operating_title(report, "更正"),
                      at(_weekday_before(report.payment_date, DAYS_BEFORE_PAYMENT["chinamoney"]), 16, 0))
        if _per_mille("shclearing_only", stem) < SHCLEARING_ONLY_PER_MILLE:
            while docs and docs[-1].rel_path.startswith(stem):
                only_there.append(replace(docs.pop(), channel="shclearing"))
    return docs + shclearing_copies(docs) + only_there[::-1]


def shclearing_copies(docs: list[GeneratedDocument]) -> list[GeneratedDocument]:
    """What Shanghai Clearing posts of chinamoney's ABN reports: every version the issuer filed
    (a first version and its 更正 alike; not a broken upload or a repeated listing), the same
    bytes a day later — a duplicate of a document already registered."""
    out = []
    for doc in docs:
        if doc.expected_outcome not in ("loaded", "superseded"):
            continue
        out.append(GeneratedDocument(
            rel_path=doc.rel_path.replace("/operating_", "/shclearing_"), data=doc.data, file_name=doc.file_name,
            title=doc.title, published_at=doc.published_at + SHCLEARING_DELAY, channel="shclearing",
            doc_type=doc.doc_type, source_doc_id=doc_id_for("shclearing", doc.rel_path),
            expected_outcome="duplicate", expected_reason="same bytes as a document already registered",
            variant="duplicate", issue_year=doc.issue_year, extra=doc.extra))
    return out
