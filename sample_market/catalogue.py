"""Which documents the sample market publishes for a world, when, in which layout, and what
the pipeline is expected to do with each.

Each family function turns world rows into ``GeneratedDocument``s. Layout variants (header
spellings, units, date and rating styles, encodings) rotate deterministically across documents
in fixed proportions, so every run of the pipeline meets all of them.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sample_market.manifest import PUBLISHING_TIMEZONE
from sample_market.world.base import World

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class GeneratedDocument:
    """One file the sample market publishes, with its expected pipeline outcome."""

    rel_path: str
    data: bytes
    file_name: str
    title: str
    published_at: datetime
    channel: str
    doc_type: str
    source_doc_id: str
    expected_outcome: str = "loaded"
    expected_reason: str | None = None
    variant: str = "normal"
    issue_year: int | None = None
    curve_id: str | None = None
    year: int | None = None
    encoding: str | None = None  # of a text file (CSV, JSON), declared in the manifest
    extra: dict | None = None  # venue fields of the manifest line (security codes, category …)


def doc_id_for(*parts: object) -> str:
    """A numeric-looking, stable publisher id (ChinaBond's docids are 9-digit numbers)."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()
    return str(100_000_000 + int(digest[:12], 16) % 900_000_000)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PUBLISHING_TIMEZONE)


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def rotate(options: list, index: int):
    return options[index % len(options)]


# ───────────────────────────── vendor exports ─────────────────────────────

def market_totals_docs(world: World) -> list[GeneratedDocument]:
    """One whole-market statistics file per year, published after the year's last month."""
    from sample_market.documents.market_totals import DEFAULT_LAYOUT, render_market_totals

    by_year: dict[int, list[dict]] = defaultdict(list)
    for row in world.rows("core.market_totals"):
        by_year[row["period_month"].year].append(row)
    docs = []
    for i, (year, rows) in enumerate(sorted(by_year.items())):
        layout = DEFAULT_LAYOUT.with_(**rotate([{}, {"header_style": "full", "amount_unit": "wan"},
                                                    {"date_style": "serial", "header_style": "wind"}], i))
        last = max(r["period_month"] for r in rows)
        name = f"ABS市场月度统计_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/market_totals/{name}", data=render_market_totals(rows, layout, long_market_names=i % 2 == 1),
            file_name=name, title=f"资产证券化市场月度统计（{year}年）", published_at=at(next_month(last) + timedelta(days=2)),
            channel="market_data", doc_type="market_totals", source_doc_id=doc_id_for("market_totals", year),
        ))
    return docs


def rating_action_docs(world: World) -> list[GeneratedDocument]:
    """One tracking-rating export per month of action dates."""
    from sample_market.documents.rating_actions import DEFAULT_LAYOUT, render_rating_actions

    agencies = {r["institution_id"]: r["short_name_zh"] or r["full_name_zh"]
                for r in world.rows("core.institutions") if r["institution_type"] == "rating_agency"}
    by_month: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.rating_actions"):
        by_month[month_start(row["action_date"])].append(row)
    layouts = [{}, {"encoding": "gb18030"}, {"file_format": "xlsx", "rating_style": "spaced", "date_style": "chinese"},
               {"rating_style": "fullwidth", "date_style": "compact"}]
    docs = []
    for i, (month, rows) in enumerate(sorted(by_month.items())):
        layout = DEFAULT_LAYOUT.with_(**rotate(layouts, i))
        ext = "xlsx" if layout.file_format == "xlsx" else "csv"
        name = f"评级调整_{month:%Y%m}.{ext}"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/rating_actions/{name}",
            data=render_rating_actions(rows, agencies, layout, with_action_column=i % 3 != 2),
            file_name=name, title=f"资产支持证券跟踪评级结果汇总（{month:%Y年%m月}）",
            published_at=at(next_month(month) + timedelta(days=3)), channel="vendor_export",
            doc_type="rating_actions", source_doc_id=doc_id_for("rating_actions", month),
            encoding=layout.encoding if ext == "csv" else None,
        ))
    return docs


def outstanding_snapshot_docs(world: World) -> list[GeneratedDocument]:
    """One balance snapshot per as-of date."""
    from sample_market.documents.outstanding_snapshot import DEFAULT_LAYOUT, render_outstanding_snapshot

    by_date: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.tranche_balances"):
        by_date[row["as_of_date"]].append(row)
    docs = []
    for i, (as_of, rows) in enumerate(sorted(by_date.items())):
        layout = DEFAULT_LAYOUT.with_(**rotate([{}, {"amount_unit": "wan", "header_style": "wind"}], i))
        name = f"ABS存量余额_{as_of:%Y%m%d}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/outstanding/{name}", data=render_outstanding_snapshot(rows, layout),
            file_name=name, title=f"资产支持证券存量余额（截至{as_of:%Y-%m-%d}）",
            published_at=at(as_of + timedelta(days=1), 9), channel="vendor_export",
            doc_type="outstanding_snapshot", source_doc_id=doc_id_for("outstanding", as_of),
        ))
    return docs


def bond_valuation_docs(world: World) -> list[GeneratedDocument]:
    from sample_market.documents.bond_valuations import DEFAULT_LAYOUT, render_bond_valuations

    by_date: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.bond_valuations"):
        by_date[row["valuation_date"]].append(row)
    docs = []
    for i, (day, rows) in enumerate(sorted(by_date.items())):
        layout = DEFAULT_LAYOUT.with_(**rotate([{}, {"file_format": "csv", "encoding": "gb18030"}], i))
        ext = "csv" if layout.file_format == "csv" else "xlsx"
        name = f"中债估值_{day:%Y%m%d}.{ext}"
        docs.append(GeneratedDocument(
            rel_path=f"market/valuations/{name}", data=render_bond_valuations(rows, layout),
            file_name=name, title=f"中债估值（{day:%Y-%m-%d}）", published_at=at(day, 18, 30),
            channel="market_data", doc_type="bond_valuations", source_doc_id=doc_id_for("valuations", day),
            encoding=layout.encoding if ext == "csv" else None,
        ))
    return docs


def issuance_export_docs(world: World) -> list[GeneratedDocument]:
    """Wind-style issuance exports: monthly for 2024–2025 value dates, yearly before."""
    from sample_market.documents.issuance_export import DEFAULT_LAYOUT, render_issuance_export

    tranches_by_deal: dict[str, list[dict]] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches_by_deal[t["deal_id"]].append(t)
    groups: dict[str, list[dict]] = defaultdict(list)
    for deal in world.rows("core.deals"):
        day = deal.get("value_date") or deal.get("issue_date")
        key = f"{day:%Y%m}" if day.year >= 2024 else f"{day:%Y}"
        groups[key].append(deal)
    labels = world.rows("core.deal_labels")
    enhancements = world.rows("core.credit_enhancements")
    institutions = world.rows("core.institutions")
    layouts = [{}, {"header_style": "wind", "date_style": "serial"}, {"header_style": "full", "amount_unit": "wan",
               "rating_style": "spaced"}, {"date_style": "compact", "null_marker": "-", "shuffle_seed": 7},
               {"date_style": "slash", "rating_style": "fullwidth", "null_marker": "—"}]
    docs = []
    for i, (key, deals) in enumerate(sorted(groups.items())):
        deal_ids = {d["deal_id"] for d in deals}
        tranches = [t for d in sorted(deal_ids) for t in tranches_by_deal[d]]
        layout = DEFAULT_LAYOUT.with_(**rotate(layouts, i))
        last = max((d.get("value_date") or d.get("issue_date")) for d in deals)
        published = next_month(last) + timedelta(days=2) if len(key) == 6 else date(int(key) + 1, 1, 5)
        name = f"ABS发行明细_{key}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/issuance/{name}",
            data=render_issuance_export(deals, tranches, institutions,
                                        [r for r in labels if r["deal_id"] in deal_ids],
                                        [r for r in enhancements if r["deal_id"] in deal_ids], layout,
                                        label_separator=rotate([";", "、"], i), market_style="market"),
            file_name=name, title=f"资产支持证券发行明细（{key}）", published_at=at(published, 9),
            channel="vendor_export", doc_type="issuance_export", source_doc_id=doc_id_for("issuance", key),
        ))
    return docs


CNABS_SLIP_EVERY = 97  # 还本方式 holding 利率形式's value, as on 2 of the real file's 329 rows


def cnabs_export_docs(world: World) -> list[GeneratedDocument]:
    """CNABS-style securities exports, one per value-date year, all downloaded on one day after
    the last Wind export (so their rows are the newest a coalesced deal or tranche has), with
    current ratings as of the day before."""
    from sample_market.documents.cnabs_export import render_cnabs_export

    tranches_by_deal: dict[str, list[dict]] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches_by_deal[t["deal_id"]].append(t)
    by_year: dict[int, list[dict]] = defaultdict(list)
    for deal in world.rows("core.deals"):
        if tranches_by_deal[deal["deal_id"]]:
            by_year[deal["value_date"].year].append(deal)
    institutions, actions = world.rows("core.institutions"), world.rows("core.rating_actions")
    published = date(max(by_year) + 1, 1, 6)
    docs = []
    for i, (year, deals) in enumerate(sorted(by_year.items())):
        tranches = [t for d in deals for t in tranches_by_deal[d["deal_id"]]]
        codes = {t["tranche_id"] for t in tranches}
        name = f"CNABS证券信息_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/cnabs/{name}",
            data=render_cnabs_export(deals, tranches, institutions, [a for a in actions if a["tranche_id"] in codes],
                                     published - timedelta(days=1), date_style=rotate(["iso", "serial"], i),
                                     slip_every=CNABS_SLIP_EVERY),
            file_name=name, title=f"CNABS资产支持证券信息导出（{year}年起息）", published_at=at(published, 10),
            channel="vendor_export", doc_type="cnabs_export", source_doc_id=doc_id_for("cnabs", year),
        ))
    return docs


ANNOUNCEMENT_BROKEN_PER_MILLE = 25  # a truncated first upload of the 发行说明书, then the good file


def issuance_announcement_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    """ChinaBond's 发行文件 channel: a 发行说明书（摘要） before bookbuilding and a 发行结果公告 on the
    value date for every credit ABS deal (results as XLSX for every fourth deal)."""
    from sample_market.documents.issuance_announcement import (
        STYLES, offering_title, render_issuance_results, render_offering_circular, results_title,
    )

    institutions = {i["institution_id"]: i for i in world.rows("core.institutions")}
    tranches: dict[str, list[dict]] = defaultdict(list)
    for t in world.rows("core.tranches"):
        tranches[t["deal_id"]].append(t)
    labels: dict[str, list[str]] = defaultdict(list)
    for row in sorted(world.rows("core.deal_labels"), key=lambda r: r["label"]):
        labels[row["deal_id"]].append(row["label"])
    enhancements: dict[str, list[dict]] = defaultdict(list)
    for row in world.rows("core.credit_enhancements"):
        enhancements[row["deal_id"]].append(row)
    deals = sorted((d for d in world.rows("core.deals") if d["market"] == "credit_abs" and tranches[d["deal_id"]]),
                   key=lambda d: d["deal_id"])
    docs = []
    for i, deal in enumerate(deals):
        if i % shards != shard:
            continue
        deal_id, style = deal["deal_id"], rotate(list(STYLES), i)
        issued = deal.get("issue_date") or deal["value_date"]
        offering = render_offering_circular(deal, tranches[deal_id], institutions, labels[deal_id],
                                            enhancements[deal_id], style)
        title = offering_title(deal)
        base = dict(channel="issuance", issue_year=deal.get("vintage_year"))
        published = at(issued - timedelta(days=7), 9)
        if _per_mille("offering", deal_id) < ANNOUNCEMENT_BROKEN_PER_MILLE:
            docs.append(GeneratedDocument(
                rel_path=f"issuance/{deal_id}/offering_broken.pdf", data=offering[: len(offering) * 2 // 3],
                file_name=f"{title}.pdf", title=title, published_at=published - timedelta(hours=1),
                doc_type="offering_circular", source_doc_id=doc_id_for("offering", deal_id, "broken"),
                expected_outcome="quarantined", expected_reason=BROKEN_REASONS["truncated"], variant="truncated",
                **base))
        docs.append(GeneratedDocument(
            rel_path=f"issuance/{deal_id}/offering.pdf", data=offering, file_name=f"{title}.pdf", title=title,
            published_at=published, doc_type="offering_circular", source_doc_id=doc_id_for("offering", deal_id),
            **base))
        fmt = "xlsx" if i % 4 == 3 else "pdf"
        title = results_title(deal)
        docs.append(GeneratedDocument(
            rel_path=f"issuance/{deal_id}/results.{fmt}",
            data=render_issuance_results(deal, tranches[deal_id], institutions, style, fmt),
            file_name=f"{title}.{fmt}", title=title, published_at=at(deal["value_date"] or issued, 17),
            doc_type="issuance_results", source_doc_id=doc_id_for("results", deal_id), **base))
    return docs


def yield_curve_docs(world: World) -> list[GeneratedDocument]:
    """ChinaBond annual downloads, one per curve and year (served at the curve endpoint)."""
    from sample_market.documents.yield_curve import render_annual_xlsx

    groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
    for p in world.rows("core.yield_curves"):
        groups[(p["curve_id"], p["curve_date"].year)].append(p)
    docs = []
    for i, ((curve_id, year), points) in enumerate(sorted(groups.items())):
        name_zh = points[0]["curve_name_zh"]
        name = f"{name_zh}_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"market/curves/{curve_id}_{year}.xlsx",
            data=render_annual_xlsx(points, year, full_width_headers=i % 2 == 1),
            file_name=name, title=f"{name_zh} {year}", published_at=at(date(year + 1, 1, 1), 0),
            channel="market_data", doc_type="yield_curve", source_doc_id=doc_id_for("curve", curve_id, year),
            curve_id=curve_id, year=year,
        ))
    return docs + curve_extract_docs(world, groups)


def curve_extract_docs(world: World, groups: dict[tuple[str, int], list[dict]]) -> list[GeneratedDocument]:
    """What analysts also receive: a month of each curve as CSV (GB18030 or UTF-8, long) and the
    range query's JSON (tenors 3月 … 30年) for the same month — the same points as the annual file."""
    from sample_market.documents.yield_curve import WIDE_TENORS, render_curve_csv, render_range_json

    docs = []
    wide = set(WIDE_TENORS.values())
    for i, curve_id in enumerate(sorted({c for c, _ in groups})):
        year = max(y for c, y in groups if c == curve_id)
        points = groups[(curve_id, year)]
        month = max(p["curve_date"] for p in points).replace(day=1)
        in_month = [p for p in points if p["curve_date"] >= month]
        name_zh = points[0]["curve_name_zh"]
        encoding = "gb18030" if i % 2 == 0 else "utf-8"
        for ext, data in (("csv", render_curve_csv(in_month, shape="long", encoding=encoding)),
                          ("json", render_range_json([p for p in in_month if p["tenor_years"] in wide]))):
            name = f"{name_zh}_{month:%Y%m}.{ext}"
            docs.append(GeneratedDocument(
                rel_path=f"market/curve_extracts/{curve_id}_{month:%Y%m}.{ext}", data=data, file_name=name,
                title=f"{name_zh} {month:%Y年%m月}", published_at=at(next_month(month), 8),
                channel="market_data", doc_type="yield_curve_extract",
                source_doc_id=doc_id_for("curve_extract", curve_id, month, ext),
                encoding=encoding if ext == "csv" else "utf-8"))
    return docs


def _amc_names(world: World, short: bool = False) -> dict[str, str]:
    return {a["amc_id"]: (a["short_name_zh"] if short else a["full_name_zh"]) for a in world.rows("core.amcs")}


def amc_docs(world: World) -> list[GeneratedDocument]:
    """The AMC registry, bond exports by year, bond events, issuer ratings, financials by period."""
    from sample_market.documents import amc_bonds as bonds_doc
    from sample_market.documents.amc_financials import DEFAULT_LAYOUT as FIN_LAYOUT, render_amc_financials
    from sample_market.documents.amc_registry import (EVENTS_LAYOUT, REGISTRY_LAYOUT, render_amc_licence_events,
                                                       render_amc_registry)

    amcs = world.rows("core.amcs")
    if not amcs:
        return []
    docs = [
        GeneratedDocument(
            rel_path="vendor/amc/地方AMC名单.csv", data=render_amc_registry(amcs), file_name="地方AMC名单.csv",
            title="地方资产管理公司名单", published_at=at(date(2025, 12, 31), 16), channel="vendor_export",
            doc_type="amc_registry", source_doc_id=doc_id_for("amc_registry"), encoding=REGISTRY_LAYOUT.encoding),
        GeneratedDocument(
            rel_path="vendor/amc/地方AMC牌照变动.csv",
            data=render_amc_licence_events(world.rows("core.amc_licence_events"), amcs, use_short_names=True),
            file_name="地方AMC牌照变动.csv", title="地方资产管理公司牌照变动", published_at=at(date(2025, 12, 31), 16, 5),
            channel="vendor_export", doc_type="amc_licence_events", source_doc_id=doc_id_for("amc_licence_events"),
            encoding=EVENTS_LAYOUT.encoding),
    ]
    full, short = _amc_names(world), _amc_names(world, short=True)
    institutions = world.rows("core.institutions")
    by_year: dict[int, list[dict]] = defaultdict(list)
    for bond in world.rows("core.amc_bonds"):
        by_year[bond["value_date"].year].append(bond)
    for i, (year, bonds) in enumerate(sorted(by_year.items())):
        names = short if i % 3 == 2 else full
        name = f"地方AMC债券_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/amc/{name}", data=bonds_doc.render_amc_bonds(bonds, names, institutions),
            file_name=name, title=f"地方AMC债券发行明细（{year}）", published_at=at(date(year + 1, 1, 3), 9),
            channel="vendor_export", doc_type="amc_bonds", source_doc_id=doc_id_for("amc_bonds", year)))
    events_by_year: dict[int, list[dict]] = defaultdict(list)
    for event in world.rows("core.amc_bond_events"):
        events_by_year[event["event_date"].year].append(event)
    for year, events in sorted(events_by_year.items()):
        name = f"地方AMC债券事件_{year}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/amc/{name}", data=bonds_doc.render_amc_bond_events(events), file_name=name,
            title=f"地方AMC债券兑付、违约及展期（{year}）", published_at=at(date(year + 1, 1, 4), 9),
            channel="vendor_export", doc_type="amc_bond_events", source_doc_id=doc_id_for("amc_bond_events", year)))
    agencies = {r["institution_id"]: r["short_name_zh"] or r["full_name_zh"]
                for r in institutions if r["institution_type"] == "rating_agency"}
    ratings = world.rows("core.amc_issuer_ratings")
    if ratings:
        docs.append(GeneratedDocument(
            rel_path="vendor/amc/地方AMC主体评级.xlsx",
            data=bonds_doc.render_amc_issuer_ratings(ratings, full, agencies), file_name="地方AMC主体评级.xlsx",
            title="地方AMC主体评级", published_at=at(date(2025, 12, 1), 9), channel="vendor_export",
            doc_type="amc_issuer_ratings", source_doc_id=doc_id_for("amc_issuer_ratings")))
    fin_by_period: dict[date, list[dict]] = defaultdict(list)
    for row in world.rows("core.amc_financials"):
        fin_by_period[row["period_end_date"]].append(row)
    for i, (end, rows) in enumerate(sorted(fin_by_period.items())):
        layout = FIN_LAYOUT.with_(**rotate([{}, {"amount_unit": "wan"}], i))
        name = f"地方AMC财务数据_{end:%Y%m%d}.xlsx"
        docs.append(GeneratedDocument(
            rel_path=f"vendor/amc/{name}", data=render_amc_financials(rows, full, layout), file_name=name,
            title=f"地方AMC财务数据（{end:%Y-%m-%d}）", published_at=at(end + timedelta(days=75), 9),
            channel="vendor_export", doc_type="amc_financials", source_doc_id=doc_id_for("amc_financials", end)))
    return docs


# Share of reports (per mille, by a stable hash of deal and period) that meet each realism case.
REVISED_PER_MILLE = 40      # a wrong first version, then a 更正 / 以此为准 revision
ENGLISH_PER_MILLE = 30      # an English duplicate (英文版) beside the Chinese report
BROKEN_PER_MILLE = 25       # a broken upload first, then the good file
DUPLICATE_PER_MILLE = 10    # the same file published twice under two disclosure ids
BROKEN_VARIANTS = {
    "pdf": ("truncated", "image_only", "missing_row", "bad_number"),
    "xlsx": ("truncated", "wrong_encoding", "missing_row", "bad_number"),
}
BROKEN_REASONS = {
    "truncated": "truncated or corrupt",
    "image_only": "has no text layer",
    "wrong_encoding": "mis-encoded",
    "missing_row": "not found",
    "bad_number": "not a number",
}


def _per_mille(*parts: object) -> int:
    return int(hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:8], 16) % 1000


def trustee_report_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    """Trustee reports of every deal with performance history, one per deal and period.

    Trustees keep one template (and mostly one format) per deal; titles spell the period in
    every way the real ChinaBond listing does. A fixed share of reports comes with a wrong
    first version and its revision, an English duplicate, a broken first upload, or a second
    listing of the same file — and the expected outcome of each is recorded.
    """
    from sample_market.documents.trustee_report import (
        TITLE_STYLES, render_trustee_report, report_title, reports_from_tables, template_for_trustee,
    )

    # Trustee reports are ChinaBond's: credit ABS only (exchange ABS and ABN disclose on their
    # venues, sample_market.venue_catalogue).
    credit = {d["deal_id"] for d in world.rows("core.deals") if d["market"] == "credit_abs"}
    deal_ids = sorted(set(world.extras.get("trustee_report_deals", [])) & credit)
    docs: list[GeneratedDocument] = []
    deal_index = {d: i for i, d in enumerate(deal_ids)}
    mine = [d for d in deal_ids if deal_index[d] % shards == shard]
    for report in reports_from_tables(world.tables, mine):
        deal_id = report.pool["deal_id"]
        i = deal_index[deal_id]
        template = template_for_trustee(report.trustee_name)
        fmt = "xlsx" if i % 8 == 7 else "pdf"
        style = TITLE_STYLES[i % len(TITLE_STYLES)]
        period, day = report.period_number, report.report_date
        stem = f"{deal_id}_{period:03d}"
        title = report_title(report.deal_name, period, day, style)
        base = dict(channel="trustee_report", doc_type="trustee_report",
                    issue_year=_vintage(world, deal_id))

        def add(variant: str, suffix: str, doc_title: str, published: datetime, outcome: str,
                reason: str | None = None, docid_salt: str = "") -> None:
            name = f"{doc_title}.{fmt}"
            docs.append(GeneratedDocument(
                rel_path=f"reports/{deal_id}/{stem}{suffix}.{fmt}",
                data=render_trustee_report(report, template, fmt, variant), file_name=name, title=doc_title,
                published_at=published, source_doc_id=doc_id_for("trustee", stem, suffix, docid_salt),
                expected_outcome=outcome, expected_reason=reason, variant=variant, **base))

        published = at(day, 17)
        roll = _per_mille("trustee", stem)
        if roll < REVISED_PER_MILLE:
            add("superseded", "", title, published, "superseded", "superseded by its revision")
            mark = "更正" if roll % 2 else "以此为准"
            add("revised", "_revised", report_title(report.deal_name, period, day, style, revision=mark),
                published + timedelta(days=2), "loaded")
            continue
        add("normal", "", title, published, "loaded")
        if roll < REVISED_PER_MILLE + ENGLISH_PER_MILLE:
            add("english", "_en", report_title(report.deal_name, period, day, style, english=True),
                published + timedelta(hours=1), "skipped", "English version of a Chinese document")
        elif roll < REVISED_PER_MILLE + ENGLISH_PER_MILLE + BROKEN_PER_MILLE:
            variant = rotate(list(BROKEN_VARIANTS[fmt]), roll)
            add(variant, "_broken", title, published - timedelta(hours=2), "quarantined", BROKEN_REASONS[variant])
        elif roll < REVISED_PER_MILLE + ENGLISH_PER_MILLE + BROKEN_PER_MILLE + DUPLICATE_PER_MILLE:
            first = docs[-1]
            docs.append(replace(first, rel_path=first.rel_path.replace(f".{fmt}", f"_again.{fmt}"),
                                source_doc_id=doc_id_for("trustee", stem, "again"),
                                published_at=published + timedelta(days=1), expected_outcome="duplicate",
                                expected_reason="same bytes as a document already registered", variant="duplicate"))
    return docs


def _vintage(world: World, deal_id: str) -> int | None:
    index = world.extras.setdefault("_vintage_by_deal", {d["deal_id"]: d.get("vintage_year") for d in world.rows("core.deals")})
    return index.get(deal_id)


def exchange_report_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    from sample_market.venue_catalogue import exchange_report_docs as family

    return family(world, shard, shards)


def abn_report_docs(world: World, shard: int = 0, shards: int = 1) -> list[GeneratedDocument]:
    from sample_market.venue_catalogue import abn_report_docs as family

    return family(world, shard, shards)


FAMILIES: list[Callable[[World], list[GeneratedDocument]]] = [
    trustee_report_docs,
    exchange_report_docs,
    abn_report_docs,
    issuance_announcement_docs,
    issuance_export_docs,
    cnabs_export_docs,
    yield_curve_docs,
    amc_docs,
    market_totals_docs,
    rating_action_docs,
    outstanding_snapshot_docs,
    bond_valuation_docs,
]


SHARDED = {"trustee_report_docs": 4, "issuance_announcement_docs": 2, "exchange_report_docs": 2}
"""Families split into shards so that generation spreads over the machine's cores."""


def plan_tasks() -> list[tuple[str, int, int]]:
    """(family, shard, shards) units of work, biggest first."""
    tasks = []
    for family in FAMILIES:
        shards = SHARDED.get(family.__name__, 1)
        tasks.extend((family.__name__, k, shards) for k in range(shards))
    return tasks


def run_task(world: World, task: tuple[str, int, int]) -> list[GeneratedDocument]:
    name, shard, shards = task
    family = next(f for f in FAMILIES if f.__name__ == name)
    return family(world, shard, shards) if shards > 1 else family(world)


def plan_documents(world: World, workers: int = 1) -> list[GeneratedDocument]:
    """Every document of the world, in a stable order; rel_paths are unique.

    With ``workers`` > 1 the families are rendered in forked processes (the world is shared
    copy-on-write); the result does not depend on the number of workers.
    """
    tasks = plan_tasks()
    if workers > 1:
        global _WORLD
        _WORLD = world
        try:
            parts = map_in_forked_workers(_run_in_child, tasks, workers)
        finally:
            _WORLD = None
    else:
        parts = [run_task(world, t) for t in tasks]
    docs = [d for part in parts for d in part]
    paths = [d.rel_path for d in docs]
    if len(paths) != len(set(paths)):
        raise ValueError("two generated documents share a path")
    return sorted(docs, key=lambda d: (d.published_at, d.rel_path))


_WORLD: World | None = None


def map_in_forked_workers(func, items: list, workers: int) -> list:
    """``func`` over ``items`` in ``workers`` forked processes, results in order.

    Each worker starts with the default SIGTERM action: a fork inherits the parent's handlers,
    and inside a Prefect flow that is Prefect's handler raising ``TerminationSignal``, which
    turned the pool's shutdown into "Process ForkPoolWorker-N … TerminationSignal" tracebacks.
    SIGTERM stays blocked from the fork until the default is in place: a worker still starting
    when the pool ends (another did all the work) would otherwise run the inherited handler,
    whose exception the fork hooks swallow, and the pool then waits for it for ever.
    """
    import multiprocessing
    import signal

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        pool = multiprocessing.get_context("fork").Pool(workers, initializer=_default_sigterm)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    with pool:
        return pool.map(func, items, chunksize=1)


def _default_sigterm() -> None:
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _run_in_child(task: tuple[str, int, int]) -> list[GeneratedDocument]:
    assert _WORLD is not None
    return run_task(_WORLD, task)
