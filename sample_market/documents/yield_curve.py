"""ChinaBond yield-curve downloads from core.yield_curves rows, in the shapes the site serves.

* ``render_annual_xlsx``: exactly like the real annual download
  (``shared/real-world/chinabond_govt_curve_2016.xlsx``): one sheet `标准期限信息下载(YYYY)`,
  columns 日期 (text `2016/01/04`), 标准期限说明, 标准期限(年) (number), 收益率(%) (text);
  ``full_width_headers`` gives `（年）（%）`. No curve name inside — as on the site.
* ``render_curve_csv``: long (annual columns plus 曲线名称) or wide (range-query columns), in
  GB18030 or UTF-8.
* ``render_range_json``: the range query's records (曲线名称, 日期, 3月 … 30年; null for a
  tenor the curve does not publish).
* ``render_error_page``: the short HTML body ChinaBond sends with status 200 when busy.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from sample_market.documents.workbook import FIXED_CREATED

WIDE_TENORS = {"3月": Decimal("0.25"), "6月": Decimal("0.5"), "1年": Decimal(1), "3年": Decimal(3),
               "5年": Decimal(5), "7年": Decimal(7), "10年": Decimal(10), "30年": Decimal(30)}


def _percent(rate: Decimal) -> str:
    """0.01927 → `1.927` (ChinaBond prints up to four decimals, without trailing zeros)."""
    return format((Decimal(rate) * 100).normalize(), "f")


def _sorted(points: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(points, key=lambda p: (p["curve_name_zh"], p["curve_date"], Decimal(p["tenor_years"])))


def render_annual_xlsx(points: Sequence[Mapping[str, Any]], year: int, *, full_width_headers: bool = False) -> bytes:
    """One curve's year as ChinaBond's annual xlsx (the caller filters the points)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": FIXED_CREATED})
    sheet = book.add_worksheet(f"标准期限信息下载({year})")
    headers = ["日期", "标准期限说明", "标准期限(年)", "收益率(%)"]
    if full_width_headers:
        headers = ["日期", "标准期限说明", "标准期限（年）", "收益率（%）"]
    bold = book.add_format({"bold": True})
    for col, text in enumerate(headers):
        sheet.write_string(0, col, text, bold)
    for row, point in enumerate(_sorted(points), start=1):
        sheet.write_string(row, 0, point["curve_date"].strftime("%Y/%m/%d"))
        sheet.write_string(row, 1, point["tenor_label"])
        sheet.write_number(row, 2, float(point["tenor_years"]))
        sheet.write_string(row, 3, _percent(point["yield_rate"]))
    book.close()
    return buffer.getvalue()


def _wide_records(points: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_day: dict[tuple[str, Any], dict[Decimal, Decimal]] = defaultdict(dict)
    for point in points:
        years = Decimal(point["tenor_years"])
        if years not in WIDE_TENORS.values():
            raise ValueError(f"tenor {years}y is not one of the range query's tenors {list(WIDE_TENORS)}")
        by_day[point["curve_name_zh"], point["curve_date"]][years] = point["yield_rate"]
    records = []
    for (name, day), rates in sorted(by_day.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        record: dict[str, Any] = {"曲线名称": name, "日期": day.isoformat()}
        for header, years in WIDE_TENORS.items():
            record[header] = _percent(rates[years]) if years in rates else None
        records.append(record)
    return records


def render_range_json(points: Sequence[Mapping[str, Any]]) -> bytes:
    """The range query's records as JSON numbers (null where the curve has no such tenor)."""
    records = [
        {k: (float(v) if k in WIDE_TENORS and v is not None else v) for k, v in record.items()}
        for record in _wide_records(points)
    ]
    return json.dumps({"data": records}, ensure_ascii=False, indent=1).encode("utf-8")


def render_curve_csv(points: Sequence[Mapping[str, Any]], *, shape: str = "long", encoding: str = "gb18030") -> bytes:
    """CSV in ``shape`` long (annual columns + 曲线名称) or wide (range-query columns)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    if shape == "wide":
        writer.writerow(["曲线名称", "日期", *WIDE_TENORS])
        for record in _wide_records(points):
            writer.writerow(["" if v is None else v for v in record.values()])
    elif shape == "long":
        writer.writerow(["曲线名称", "日期", "标准期限说明", "标准期限(年)", "收益率(%)"])
        for p in _sorted(points):
            writer.writerow([p["curve_name_zh"], p["curve_date"].strftime("%Y/%m/%d"), p["tenor_label"],
                             format(Decimal(p["tenor_years"]).normalize(), "f"), _percent(p["yield_rate"])])
    else:
        raise ValueError(f"unknown CSV shape {shape!r}")
    return out.getvalue().encode(encoding)


def render_error_page() -> bytes:
    """What ChinaBond returns with status 200 when it refuses a download."""
    return ("<html><head><title>提示</title></head><body><p>系统繁忙，请稍后再试。</p></body></html>").encode("utf-8")
