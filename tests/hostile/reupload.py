"""Corrupted re-uploads of a trustee report the seed warehouse already loaded.

The good version is rendered from the generated world exactly as the sample market renders it
(same deal, period, template and XLSX format); each corruption then edits the text of the
workbook's XML parts, the way a hand-edited or mis-exported file arrives.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from sample_market.documents.trustee_report import (
    TITLE_STYLES, render_trustee_report, report_title, reports_from_tables, template_for_trustee,
)


@dataclass(frozen=True)
class Report:
    deal_id: str
    period: int
    title: str
    data: bytes  # the good version, as the sample market published it


@dataclass(frozen=True)
class Corruption:
    kind: str
    data: bytes
    reason: tuple[str, ...]


def xlsx_report(world: Any, period: int = 3) -> Report:
    """A trustee report the sample market publishes as XLSX (every 8th deal), ``period`` of its deal."""
    deal_ids = sorted(set(world.extras.get("trustee_report_deals", [])))
    for index, deal_id in enumerate(deal_ids):
        if index % 8 != 7:
            continue
        reports = [r for r in reports_from_tables(world.tables, [deal_id]) if r.period_number == period]
        if not reports or reports[0].is_npl:
            continue
        report = reports[0]
        title = report_title(report.deal_name, period, report.report_date, TITLE_STYLES[index % len(TITLE_STYLES)])
        data = render_trustee_report(report, template_for_trustee(report.trustee_name), "xlsx", "normal")
        return Report(deal_id, period, title, data)
    raise LookupError("no XLSX trustee report in this world")


def edit_xml(workbook: bytes, replacements: dict[bytes, bytes], count: int = -1) -> bytes:
    """The workbook with text replaced in every XML part (``count`` occurrences per part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            for old, new in replacements.items():
                body = body.replace(old, new, count)
            dst.writestr(info, body)
    changed = out.getvalue()
    assert changed != workbook, "no replacement applied"
    return changed


def shared_strings(workbook: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read("xl/sharedStrings.xml")


def corruptions(report: Report, pool_end: str, payment_day: str) -> list[Corruption]:
    """Three broken re-uploads: an impossible date, a negative balance, 元 relabelled 万元.

    ``pool_end`` is the closing pool balance as the sheet stores it, ``payment_day`` the payment
    date as printed (e.g. ``2023年9月6日``)."""
    year = payment_day.split("年")[0]
    return [
        Corruption("impossible date",
                   edit_xml(report.data, {payment_day.encode(): f"{year}年2月30日".encode()}),
                   ("2月30日",)),
        Corruption("negative balance",
                   edit_xml(report.data, {f"<v>{pool_end}</v>".encode(): f"<v>-{pool_end}</v>".encode()}, count=1),
                   ("pool_balance_end_cny", "negative")),
        Corruption("unit changed from 元 to 万元, values unchanged",
                   edit_xml(report.data, {"（元）".encode(): "（万元）".encode()}),
                   ("10,000", "loaded version")),
    ]
