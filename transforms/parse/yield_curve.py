"""ChinaBond yield curves → core.yield_curves (one row per curve, date and standard tenor).

Three shapes reach us:

* the **annual download** (XLSX, `/cbweb-mn/yc/downYearBzqx`): long format 日期 (text
  `2016/01/04`), 标准期限说明 (`0d`, `1m`, `1y` …), 标准期限(年), 收益率(%) (text), headers
  sometimes full-width `（年）（%）`. It does **not** name the curve: the caller passes
  ``curve_id``/``curve_name_zh`` (the fetcher knows which ycDefId it asked for), or the file
  name carries the curve name (`中债国债收益率曲线_2016.xlsx`).
* **CSV** (GB18030 or UTF-8), long like the annual file or wide like the range query, with a
  曲线名称 column.
* **JSON** records of the range query (`/cbweb-pbc-web/pbc/historyQuery`): 曲线名称, 日期 and
  the tenors 3月, 6月, 1年, 3年, 5年, 7年, 10年, 30年 (a tenor a curve does not publish is
  null and yields no row).

Curve names become ids through ``KNOWN_CURVES`` (or the caller's map). ChinaBond answers
errors with short HTML pages and status 200; those raise ``not an xlsx: HTML error page``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.numbers import parse_rate
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.tabular import (
    RATE_PLACES,
    Grid,
    Row,
    Table,
    fold_key,
    load_json,
    locate_table,
    read_grids,
    sniff_format,
)

DOC_TYPE = "yield_curve"

# ChinaBond ycDefIds of the curves the warehouse uses (shared/reference/real-world-formats.md).
KNOWN_CURVES: dict[str, str] = {
    "中债国债收益率曲线": "2c9081e50a2f9606010a3068cae70001",
    "中债中短期票据收益率曲线(AAA)": "2c9081880fa9d507010fb8505b393fe7",
    "中债中短期票据收益率曲线(AA)": "2c9081e50a2f9606010a30acdae40176",
    "中债企业债收益率曲线(AAA)": "2c9081e50a2f9606010a309f4af50111",
    "中债企业债收益率曲线(AA+)": "2c908188138b62cd01139a2ee6b51e25",
}

# How people name a saved download: English keys (as our connector's CurveDef keys) and the
# ycDefId itself also identify the curve in a file name (``chinabond_govt_curve_2016.xlsx``).
FILE_NAME_TOKENS: dict[str, str] = {
    "govt": "中债国债收益率曲线",
    "treasury": "中债国债收益率曲线",
    "mtn_aaa": "中债中短期票据收益率曲线(AAA)",
    "mtn_aa": "中债中短期票据收益率曲线(AA)",
    "corp_aaa": "中债企业债收益率曲线(AAA)",
    "corp_aa_plus": "中债企业债收益率曲线(AA+)",
    **{curve_id: name for name, curve_id in KNOWN_CURVES.items()},
}

LONG_SYNONYMS = {
    "curve_name_zh": ("曲线名称", "收益率曲线", "曲线"),
    "curve_date": ("日期", "曲线日期", "交易日期"),
    "tenor_label": ("标准期限说明", "期限说明"),
    "tenor_years": ("标准期限(年)", "标准期限", "期限(年)", "剩余期限(年)"),
    "yield_rate": ("收益率(%)", "收益率", "到期收益率(%)", "到期收益率"),
}
LONG_REQUIRED = ("curve_date", "tenor_years", "yield_rate")
LONG_REQUIRED_BY_LABEL = ("curve_date", "tenor_label", "yield_rate")
WIDE_TENORS = ("3月", "6月", "1年", "3年", "5年", "7年", "10年", "30年")
WIDE_SYNONYMS = {
    "curve_name_zh": ("曲线名称",),
    "curve_date": ("日期",),
    **{tenor: (tenor,) for tenor in WIDE_TENORS},
}
WIDE_REQUIRED = ("curve_date", "1年")
TENOR_PLACES = Decimal("0.0001")
_LABEL = re.compile(r"(\d+(?:\.\d+)?)\s*([dmyDMY天月年])")


def tenor_years_from_label(label: str) -> Decimal:
    """`0d` → 0, `1m`/`1月` → 0.08, `3m` → 0.25, `10y`/`10年` → 10 (months to 2 decimals, as ChinaBond)."""
    match = _LABEL.fullmatch(label.strip())
    if not match:
        raise ValueError(f"not a tenor label: {label!r}")
    number, unit = Decimal(match.group(1)), match.group(2).lower()
    if unit in ("d", "天"):
        return (number / 365).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if number else Decimal(0)
    if unit in ("m", "月"):
        return (number / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return number


def tenor_label_for(header: str) -> str:
    """Range-query header `3月` / `10年` → the annual file's label `3m` / `10y`."""
    match = _LABEL.fullmatch(header.strip())
    if not match:
        raise ValueError(f"not a tenor header: {header!r}")
    unit = {"月": "m", "年": "y", "天": "d"}.get(match.group(2), match.group(2).lower())
    return f"{match.group(1)}{unit}"


def parse_yield_curve(
    data: bytes,
    file_name: str = "",
    *,
    curve_id: str | None = None,
    curve_name_zh: str | None = None,
    curve_ids: Mapping[str, str] = KNOWN_CURVES,
) -> ParsedDocument:
    """Every point of the file; the curve comes from the arguments, the rows or the file name."""
    resolver = _CurveResolver(curve_id, curve_name_zh, curve_ids, file_name)
    doc = ParsedDocument(DOC_TYPE)
    points: dict[tuple[str, date, Decimal], str] = {}
    if sniff_format(data) == "json":
        _parse_json(load_json(data), resolver, doc, points)
    else:
        _parse_grids(read_grids(data, file_name), resolver, doc, points)
    if not points:
        raise DocumentError("no yield-curve points in the document", check="empty")
    doc.meta["curves"] = sorted({(r["curve_id"], r["curve_name_zh"]) for r in doc.tables["core.yield_curves"]})
    return doc


class _CurveResolver:
    """Curve id and name for a row: the row's 曲线名称, else the caller's, else the file name's."""

    def __init__(self, curve_id: str | None, name: str | None, ids: Mapping[str, str], file_name: str) -> None:
        self.ids = {fold_key(k): (k, v) for k, v in ids.items()}
        self.curve_id = curve_id
        self.name = name or self._name_in(file_name)
        if self.name is None and curve_id is not None:
            self.name = next((k for k, v in ids.items() if v == curve_id), None)

    def _name_in(self, file_name: str) -> str | None:
        """The curve a file name mentions: its Chinese name, an English key or its ycDefId
        (the longest match wins, so mtn_aaa is not read as mtn_aa)."""
        key = fold_key(file_name or "")
        tokens = {k: n for k, (n, _) in self.ids.items()}
        tokens.update({fold_key(t): n for t, n in FILE_NAME_TOKENS.items() if fold_key(n) in self.ids})
        hits = sorted((k for k in tokens if k in key), key=len, reverse=True)
        return tokens[hits[0]] if hits else None

    def resolve(self, row_name: str | None, fail: Any) -> tuple[str, str]:
        name = row_name or self.name
        if name is None:
            raise fail("curve name unknown: pass curve_id and curve_name_zh for ChinaBond's annual file")
        known = self.ids.get(fold_key(name))
        if row_name is None and self.curve_id is not None:
            return self.curve_id, known[0] if known else name
        if known is None:
            if self.curve_id is not None and (self.name is None or fold_key(self.name) == fold_key(name)):
                return self.curve_id, name
            raise fail(f"curve {name!r} has no known ycDefId")
        return known[1], known[0]


def _add(doc: ParsedDocument, points: dict, fail: Any, curve: tuple[str, str], day: date, years: Decimal,
         label: str | None, rate: Decimal, where: str) -> None:
    years = years.quantize(TENOR_PLACES)  # DECIMAL(10,4): 0.08, 1 and 1.0 are one tenor
    key = (curve[0], day, years)
    if key in points:
        raise fail(f"duplicate point {curve[1]} {day} {years}y (also at {points[key]})")
    points[key] = where
    doc.add("core.yield_curves", {
        "curve_id": curve[0], "curve_name_zh": curve[1], "curve_date": day, "tenor_years": years,
        "tenor_label": label, "yield_rate": rate,
    })


def _parse_grids(grids: list[Grid], resolver: _CurveResolver, doc: ParsedDocument, points: dict) -> None:
    found = False
    for grid in grids:
        table = (locate_table(grid, LONG_SYNONYMS, LONG_REQUIRED)
                 or locate_table(grid, LONG_SYNONYMS, LONG_REQUIRED_BY_LABEL))
        if table is not None:
            found = True
            _long_rows(table, resolver, doc, points)
            continue
        table = locate_table(grid, WIDE_SYNONYMS, WIDE_REQUIRED)
        if table is not None:
            found = True
            _wide_rows(table, resolver, doc, points)
    if not found:
        raise DocumentError("no yield-curve table: expected 日期/标准期限/收益率 or 日期/3月…30年 columns",
                            check="header")


def _long_rows(table: Table, resolver: _CurveResolver, doc: ParsedDocument, points: dict) -> None:
    for row in table.rows():
        curve = resolver.resolve(row.text("curve_name_zh"), lambda m, r=row: r.fail("curve_name_zh", m))
        day = row.date("curve_date", required=True)
        label = row.text("tenor_label")
        years = row.decimal("tenor_years")
        if years is None:
            if label is None:
                raise row.fail("tenor_years", "is missing", check="missing_value")
            try:
                years = tenor_years_from_label(label)
            except ValueError as exc:
                raise row.fail("tenor_label", str(exc)) from exc
        rate = row.rate("yield_rate", as_percent=True, printed=True)  # typed by the batch, as a column
        if rate is None:
            doc.meta["skipped_points"] = doc.meta.get("skipped_points", 0) + 1
            continue
        _add(doc, points, lambda m, r=row: r.fail("curve_date", m, check="duplicate"), curve, day, years, label,
             rate, f"row {row.number}")


def _wide_rows(table: Table, resolver: _CurveResolver, doc: ParsedDocument, points: dict) -> None:
    tenors = [t for t in WIDE_TENORS if table.has(t)]
    for row in table.rows():
        _wide_record(row, tenors, resolver, doc, points)


def _wide_record(row: Row, tenors: list[str], resolver: _CurveResolver, doc: ParsedDocument, points: dict) -> None:
    curve = resolver.resolve(row.text("curve_name_zh"), lambda m: row.fail("curve_name_zh", m))
    day = row.date("curve_date", required=True)
    for tenor in tenors:
        rate = row.rate(tenor, as_percent=True, printed=True)
        if rate is not None:
            _add(doc, points, lambda m: row.fail(tenor, m, check="duplicate"), curve, day,
                 tenor_years_from_label(tenor), tenor_label_for(tenor), rate, f"row {row.number}")


def _parse_json(payload: Any, resolver: _CurveResolver, doc: ParsedDocument, points: dict) -> None:
    """Records (list or wrapped in data/records/list) with 曲线名称, 日期 and tenor keys."""
    records = payload
    while isinstance(records, dict):
        inner = next((records[k] for k in ("data", "records", "list", "rows") if k in records), None)
        if inner is None:
            raise DocumentError("JSON has no list of curve records", check="json")
        records = inner
    if not isinstance(records, list):
        raise DocumentError("JSON has no list of curve records", check="json")
    for index, record in enumerate(records, start=1):
        def fail(message: str, field: str | None = None, value: Any = None, _i: int = index) -> DocumentError:
            return DocumentError(f"record {_i}: {message}", page=_i, field=field, value=value)

        if not isinstance(record, dict):
            raise fail("is not an object")
        curve = resolver.resolve(record.get("曲线名称") or None, lambda m: fail(m, "curve_name_zh"))
        try:
            day = parse_date(record.get("日期"))
        except ValueError as exc:
            raise fail(str(exc), "curve_date", record.get("日期")) from exc
        if day is None:
            raise fail("日期 is missing", "curve_date")
        for tenor in WIDE_TENORS:
            value = record.get(tenor)
            if isinstance(value, float) and value != value:  # NaN: the curve has no such tenor
                continue
            try:
                rate = parse_rate(value, as_percent=True)
            except ValueError as exc:
                raise fail(str(exc), tenor, value) from exc
            if rate is None:
                continue
            _add(doc, points, lambda m: fail(m, tenor), curve, day, tenor_years_from_label(tenor),
                 tenor_label_for(tenor), rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP), f"record {index}")

