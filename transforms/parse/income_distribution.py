"""收益分配报告 / 收益分配公告 of exchange ABS (PDF) into ``core.tranche_payments`` rows.

A manager publishes one before each payment. What it states exactly is per unit of 100 元
face, to 4 decimals (``每份优先A级资产支持证券分配本金=0.5000元``), the units held
(``×4,183,200份``), the face value per unit before the payment, the record date (权益登记日) and
the payment date (兑付日). The parser turns those into amounts — principal before = face × units,
principal paid = per-unit principal × units, income likewise — and reconciles them with what
the report also states: per-unit parts against the per-unit total, every tranche's
``分配资金合计``, the senior total (``本次优先级资产支持证券的分配资金为X元``) and the tranche
table's 剩余规模 (万元 or 亿元, rounded, so within half its last digit). Any disagreement is a
``DocumentError`` naming page and field: the document is quarantined, never half loaded.

Label-driven: section names, column headers and sentence labels are in
``income_distribution.toml`` beside this module. Tranches are found by the names the tranche
table gives them (系列, 证券简称 …), so a report may call them 优先A级 or 24京融1A; a bare
6-digit code takes the market suffix of the registrar the report names (中证登上海 → .SH).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.ids import deal_id_for
from transforms.normalise.text import fold_width
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.disclosure_text import DisclosureText, Section, TextTable, key, read_disclosure, unit_factor
from transforms.parse.disclosure_vocabulary import load_vocabulary

DOC_TYPE = "income_distribution"
V = load_vocabulary("income_distribution")
CENT, PER_UNIT = Decimal("0.01"), Decimal("0.0001")
_NUMBER = r"([0-9OoIl][0-9OoIl,]*(?:\.[0-9OoIl]+)?)"
_DATE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2}|\d{8}")
_TOTAL_PERIOD = re.compile(r"总第\s*(\d+)\s*期")
_PERIOD = re.compile(r"第\s*(\d+)\s*期\s*(?:\(|（)?\s*(?:总第\s*\d+\s*期)?\s*(?:\)|）)?\s*收益分配")
_CODE = re.compile(r"^(\d{6,9})(?:\.(SH|SZ|IB))?$", re.IGNORECASE)


def parse_income_distribution(data: bytes, file_name: str = "") -> ParsedDocument:
    doc = read_disclosure(data, title_stops=V["title"]["body_starts"])
    title = doc.title
    if not any(word in key(title) for word in V["title"]["family"]):
        raise DocumentError(f"not a 收益分配报告: its title is {title[:80]!r}", check="unrecognised", value=title[:80])
    deal_name = _deal_name(doc, title)
    period = _period(title)
    table, tranches = _tranche_table(doc)
    suffix = _market_suffix(doc)
    plan = doc.find(V["sections"]["plan"])
    if plan is None:
        raise DocumentError("section 分配方案 not found", check="missing_section", field="分配方案")
    per_unit = _plan_from_table(plan, tranches) or _plan_from_text(plan, tranches)
    if not per_unit:
        raise DocumentError(f"page {plan.page}: no per-unit distribution line for any tranche in {plan.name}",
                            check="missing_row", page=plan.page, field="每份分配资金")
    record, payment = _dates(doc)
    deal_id = deal_id_for(deal_name)
    rows = []
    for code, values in per_unit.items():
        tranche = tranches[code]
        rows.append(_payment_row(values, tranche, table, _tranche_id(code, suffix, table), deal_id, period,
                                 payment, record, plan))
    _check_senior_total(plan, rows, tranches)
    parsed = ParsedDocument(DOC_TYPE, meta={
        "report_key": f"{deal_id}:{period}:{DOC_TYPE}", "deal_name": deal_name, "period_number": period,
        "is_revision": any(word in title + file_name for word in V["title"]["revision"]), "is_english": False,
        "payment_date": payment,
    })
    for row in rows:
        parsed.add("core.tranche_payments", row)
    return parsed


# ───────────────────────────── the report and its tranches ─────────────────────────────
def _deal_name(doc: DisclosureText, title: str) -> str:
    for section in doc.sections:
        for _, line in section.prose:
            for label in V["deal"]["name_labels"]:
                text = fold_width(line).strip()
                if text.startswith(label):
                    return text[len(label):].lstrip(":： ").strip()
    text = fold_width(title)
    start = text.find("关于") + 2 if "关于" in text else 0
    ends = [text.rfind(end, start) + len(end) for end in V["deal"]["name_ends"] if text.rfind(end, start) >= 0]
    if not ends:
        raise DocumentError(f"the plan's name is neither in a 专项计划名称 line nor in the title {title[:80]!r}",
                            check="missing_row", field="专项计划名称")
    return text[start:max(ends)].strip()


def _period(title: str) -> int:
    text = key(title)
    total = _TOTAL_PERIOD.search(text)
    if total:
        return int(total.group(1))
    plain = _PERIOD.search(text)
    if plain:
        return int(plain.group(1))
    raise DocumentError(f"no period number (第N期 / 总第N期) in the title {title[:80]!r}", check="missing_row",
                        field="period_number", value=title[:80])


def _tranche_table(doc: DisclosureText) -> tuple[TextTable, dict[str, dict[str, Any]]]:
    """The tranches as rows: code → names it goes by, 剩余规模 in CNY and the unit it was printed in."""
    spec = V["tranche_table"]
    for table in doc.tables():
        code_col, rest_col = table.column(spec["code"]), table.column(spec["remaining"])
        if code_col is None or rest_col is None:
            continue
        name_cols = [c for c in (table.column(spec["series"]), table.column(spec["short_name"])) if c is not None]
        unit = table.unit_of(rest_col)
        tranches: dict[str, dict[str, Any]] = {}
        for index, row in enumerate(table.rows):
            code = key(row[code_col] or "")
            if not code or any(key(cell or "") in spec["total_labels"] for cell in row):
                continue
            if not _CODE.match(code):
                raise DocumentError(f"page {table.pages[index]}: cannot read a security code from {row[code_col]!r}",
                                    check="bad_value", page=table.pages[index], field="证券代码", value=row[code_col])
            names = {key(row[c] or "") for c in name_cols} - {"", "-"}
            remaining = _number(row[rest_col], "剩余规模", table.pages[index])
            remaining = None if remaining is None else remaining * unit_factor(unit)
            cells = " ".join(key(cell or "") for cell in row)
            junior = (any(mark in cells for mark in spec["junior_marks"])
                      and not any(mark in cells for mark in spec["not_junior"]))
            tranches[code] = {"names": names, "remaining": remaining, "unit": unit, "page": table.pages[index],
                              "row": index, "junior": junior}
        if tranches:
            return table, tranches
    raise DocumentError("table of tranches (证券代码 … 剩余规模) not found", check="missing_section", field="证券代码")


def _market_suffix(doc: DisclosureText) -> str | None:
    text = key(doc.text())
    for suffix, words in V["registrars"].items():
        if any(word in text for word in words):
            return suffix
    return None


def _tranche_id(code: str, suffix: str | None, table: TextTable) -> str:
    match = _CODE.match(code)
    assert match is not None
    digits, stated = match.group(1), (match.group(2) or "").upper()
    if stated:
        return f"{digits}.{stated}"
    if suffix is None:
        raise DocumentError(f"page {table.page}: security code {code} has no market suffix and the report names "
                            "no registrar (中证登上海/深圳)", check="unresolved_code", page=table.page,
                            field="证券代码", value=code)
    return f"{digits}.{suffix}"


# ───────────────────────────── the per-unit plan ─────────────────────────────
def _plan_from_table(plan: Section, tranches: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    spec = V["per_unit_table"]
    out: dict[str, dict[str, Any]] = {}
    for table in plan.tables:
        cols = {name: table.column(spec[name]) for name in ("code", "units", "face", "principal", "income", "excess",
                                                            "total")}
        if cols["principal"] is None or cols["units"] is None or cols["code"] is None:
            continue
        for index, row in enumerate(table.rows):
            code = key(row[cols["code"]] or "").split(".")[0]
            match = next((c for c in tranches if c.split(".")[0] == code), None)
            if match is None:
                continue
            page = table.pages[index]

            def cell(name: str) -> str | None:
                return row[cols[name]] if cols[name] is not None else None

            out[match] = {
                "units": _units(cell("units"), page), "face": _number(cell("face"), "每份面值", page),
                "principal": _number(cell("principal"), "每份分配本金", page) or Decimal(0),
                "income": _number(cell("income"), "每份分配收益", page),
                "excess": _number(cell("excess"), "每份分配超额收益", page),
                "per_unit_total": None, "stated_total": _number(cell("total"), "分配资金合计", page),
                "page": page, "label": row[cols["code"]] or code,
            }
    return out


def _plan_from_text(plan: Section, tranches: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per-unit lines, cut into one block per tranche at the first mention of its name."""
    text = key(plan.text())
    starts = []
    for code, info in tranches.items():
        positions = [text.find(f"{name}资产支持证券") for name in sorted(info["names"], key=len, reverse=True)]
        positions = [p for p in positions if p >= 0]
        if positions:
            starts.append((min(positions), code))
    starts.sort()
    out = {}
    for number, (start, code) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(text)
        out[code] = _block_values(text[start:end], code, plan)
    return out


def _block_values(block: str, code: str, plan: Section) -> dict[str, Any]:
    spec, page = V["per_unit_lines"], plan.page
    work = block
    stated_total = None
    for label in spec["sum_labels"]:
        match = re.search(re.escape(label) + r"[^。]*?" + _NUMBER + r"元(?=[。；;]|$)", work)
        if match:
            stated_total = _number(match.group(1), label, page)
            work = work[:match.start()] + " " * (match.end() - match.start()) + work[match.end():]
            break
    face = _labelled(work, spec["face"], page, "每份面值")
    work = face[1]
    values: dict[str, Any] = {}
    for name in ("excess", "income", "principal", "total"):
        labels = spec[name]
        found, work = _labelled(work, labels, page, f"每份{labels[0]}", per_unit=name == "total")
        values[name] = found
    units = re.search(r"([0-9][0-9,]*)\s*份", block)
    if units is None:
        raise DocumentError(f"page {page}: the number of units (N份) of tranche {code} is not found",
                            check="missing_row", page=page, field="份数", value=code)
    if face[0] is None:
        raise DocumentError(f"page {page}: the face value per unit (每份面值) of tranche {code} is not found",
                            check="missing_row", page=page, field="每份面值", value=code)
    if values["principal"] is None:
        raise DocumentError(f"page {page}: the principal per unit (每份分配本金) of tranche {code} is not found",
                            check="missing_row", page=page, field="每份分配本金", value=code)
    return {"units": _units(units.group(1), page), "face": face[0], "principal": values["principal"],
            "income": values["income"], "excess": values["excess"], "per_unit_total": values["total"],
            "stated_total": stated_total, "page": page, "label": code}


def _labelled(text: str, labels: list[str], page: int, field: str, *, per_unit: bool = False,
              ) -> tuple[Decimal | None, str]:
    """The first number written after one of the labels (``=``, ``为`` or nothing between), and
    the text with that match blanked so a shorter label cannot read it again."""
    for label in labels:
        guard = "(?!合计)" if per_unit else ""
        match = re.search(re.escape(label) + guard + r"\s*(?:=|为|：|:)?\s*" + _NUMBER + r"\s*元", text)
        if match:
            value = _number(match.group(1), field, page)
            return value, text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return None, text


# ───────────────────────────── rows and reconciliation ─────────────────────────────
def _payment_row(v: dict[str, Any], tranche: dict[str, Any], table: TextTable, tranche_id: str, deal_id: str,
                 period: int, payment, record, plan: Section) -> dict[str, Any]:
    units, face, page = v["units"], v["face"], v["page"]
    p = v["principal"].quantize(PER_UNIT)
    i = None if v["income"] is None else v["income"].quantize(PER_UNIT)
    o = None if v["excess"] is None else v["excess"].quantize(PER_UNIT)
    each = p + (i or 0) + (o or 0)
    where = f"page {page}, tranche {tranche_id}"
    if v["per_unit_total"] is not None and v["per_unit_total"] != each:
        raise DocumentError(f"{where}: per-unit parts add up to {each} but the report says {v['per_unit_total']} per unit",
                            check="arithmetic", page=page, field="每份分配资金", value=v["per_unit_total"])
    if face is None or p > face:
        raise DocumentError(f"{where}: principal per unit {p} exceeds the face value {face}", check="arithmetic",
                            page=page, field="每份分配本金", value=p)
    before = _cents(face * units)
    paid = _cents(p * units)
    total = _cents(each * units)
    if v["stated_total"] is not None and v["stated_total"] != total:
        raise DocumentError(f"{where}: {each} × {units:,} units = {total} but the report states {v['stated_total']}",
                            check="arithmetic", page=page, field="分配资金合计", value=v["stated_total"])
    factor = {"wan": Decimal(10_000), "yi": Decimal(100_000_000)}.get(tranche["unit"], Decimal(1))
    if tranche["remaining"] is not None and abs(tranche["remaining"] - before) > factor * Decimal("0.005") + CENT:
        raise DocumentError(
            f"page {tranche['page']}: 剩余规模 of {tranche_id} is {tranche['remaining']} CNY but face {face} × "
            f"{units:,} units is {before}", check="arithmetic", page=tranche["page"], field="剩余规模",
            value=tranche["remaining"])
    return {
        "tranche_id": tranche_id, "period_number": period, "deal_id": deal_id, "grain": "payment",
        "payment_date": payment, "record_date": record,
        "principal_before_cny": before, "principal_paid_cny": paid, "principal_after_cny": before - paid,
        "interest_paid_cny": None if i is None else _cents(i * units),
        "other_income_paid_cny": None if o is None else _cents(o * units),
        "unit_count": units, "principal_paid_per_unit": p, "interest_paid_per_unit": i,
        "other_income_paid_per_unit": o,
        "source_page": page, "source_table": plan.name, "source_row_label": v["label"],
    }


def _check_senior_total(plan: Section, rows: list[dict[str, Any]], tranches: dict[str, dict[str, Any]]) -> None:
    text = key(plan.text())
    for label in V["per_unit_lines"]["senior_total"]:
        match = re.search(re.escape(label) + r"\s*" + _NUMBER + r"\s*元", text)
        if not match:
            continue
        stated = _number(match.group(1), label, plan.page)
        junior = {code.split(".")[0] for code, info in tranches.items() if info["junior"]}
        senior = sum((r["principal_paid_cny"] + (r["interest_paid_cny"] or 0) + (r["other_income_paid_cny"] or 0)
                      for r in rows if r["tranche_id"].split(".")[0] not in junior), Decimal(0))
        if stated != senior:
            raise DocumentError(f"page {plan.page}: senior tranches are paid {senior} but the report states {stated}",
                                check="arithmetic", page=plan.page, field="优先级分配资金", value=stated)
        return


def _dates(doc: DisclosureText) -> tuple[Any, Any]:
    timing = doc.find(V["sections"]["timing"])
    text = key(timing.text() if timing is not None else doc.text())
    page = timing.page if timing is not None else None
    found = {}
    for name, labels, field in (("record", V["dates"]["record"], "权益登记日"), ("payment", V["dates"]["payment"], "兑付日")):
        for label in labels:
            at = text.find(key(label))
            if at < 0:
                continue
            match = _DATE.search(text, at)
            if match and match.start() - at < len(label) + 8:
                try:
                    found[name] = parse_date(match.group(0))
                except ValueError as exc:
                    raise DocumentError(f"page {page}: {field} is not a date: {match.group(0)!r}", check="bad_value",
                                        page=page, field=field, value=match.group(0)) from exc
                break
        if name not in found:
            raise DocumentError(f"page {page}: {field} not found in section 分配时间", check="missing_row", page=page,
                                field=field)
    return found["record"], found["payment"]


def _number(text: str | None, field: str, page: int | None) -> Decimal | None:
    if text is None:
        return None
    cleaned = key(text).replace(",", "").removesuffix("元")
    if cleaned in ("", "-", "—", "--", "/", "不适用"):
        return None
    try:
        return Decimal(cleaned)
    except ArithmeticError as exc:
        raise DocumentError(f"page {page}: {field} is not a number: {text!r}", check="bad_value", page=page,
                            field=field, value=text) from exc


def _units(text: str | None, page: int) -> int:
    value = _number(text, "份数", page)
    if value is None or value != value.to_integral_value() or value <= 0:
        raise DocumentError(f"page {page}: the number of units is not a whole number: {text!r}", check="bad_value",
                            page=page, field="份数", value=text)
    return int(value)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
