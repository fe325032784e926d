"""Trustee reports (受托机构报告, 资产运营报告), PDF or XLSX, into pool-performance,
tranche-payment and liquidation rows — read by meaning, not by position.

Every trustee has its own template, so nothing here depends on one. The document's text layer
(``pdf_text``) is cut into sections, tables and paragraphs (``layout``); each value is then
found by its label vocabulary (``vocabulary/trustee_report.toml``):

* a labelled value on the same line (``报告日期：2026 年 8 月 17 日``), in the next cell, under
  the table column of the right kind (金额 / 笔数 / 占比), or on the next line;
* the bond table by its 证券代码 row (tranches as columns, blocks of tranches stacked, split
  over pages) or its 证券代码 column (tranches as rows); per-100 factor rows (每百元面额 …)
  are never amounts; 合计 columns and rows are skipped;
* pool balances also from as-of tables (未偿本息费余额 × 本报告期期初 / 期末, or the dates
  themselves as column headers), history tables (every period's 累计违约率) by their current
  row, and NPL disposal tables (处置中 / 本期处置完毕 × 本期回收金额 / 累计回收金额);
* units per value, label, column, table header, unit line or note (元 / 万元 / 亿元;
  % / ‰ / bp); footnote marks glued to labels and values are dropped.

Sections are context only: a missing or renamed section is not an error, a heading's family
only decides between two places that print the same label (the pool's 累计违约率 vs the
clean-up call's). The deal and period come from labels, the cover title or the listing title.
A document is refused (DocumentError naming page or sheet row, field and what was found)
only when a required value is absent, unreadable or printed twice with different values.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from typing import Any

from transforms.normalise.dates import parse_date
from transforms.normalise.ids import deal_id_for
from transforms.normalise.numbers import UNIT_FACTORS
from transforms.normalise.text import fold_width, parse_chinese_int, squash_spaces
from transforms.normalise.titles import parse_report_title
from transforms.parse import fields
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.fields import Hit, LabelIndex, amount, choose, column_kind, is_total, nullish, refuses
from transforms.parse.layout import (
    DATE_TOKEN,
    Block,
    Layout,
    align,
    clean_value,
    cover_title as cover_title_of,
    is_date,
    is_null,
    read_lines,
    tranche_label,
)
from transforms.parse.pdf_text import Cell, Line
from transforms.parse.vocabulary import label_key, label_keys, load

DOC_TYPE = "trustee_report"
VOCAB = load("trustee_report")
META, POOL, TRANCHE, LIQUIDATION = (VOCAB.group(g) for g in ("meta", "pool", "tranche", "liquidation"))
SECTION_NAMES = {"basic": "信托基本信息", "tranche": "本息兑付情况", "pool": "资产池表现情况",
                 "liquidation": "清仓回购情况"}  # canonical names, for messages
REQUIRED_POOL_FIELDS = ("pool_balance_begin_cny", "pool_balance_end_cny")
REQUIRED_TRANCHE_FIELDS = ("principal_before_cny", "principal_paid_cny", "principal_after_cny", "interest_paid_cny")
TRANCHE_AMOUNTS = ("principal_before_cny", "principal_paid_cny", "principal_after_cny", "interest_paid_cny",
                   "other_income_paid_cny")
NPL_NOT_APPLICABLE_REASON = "NPL pool: no default or delinquency measures"

_FAMILIES = {family: VOCAB.words("sections", family) for family in VOCAB.data["sections"]}
_HEADER_WORDS = VOCAB.keys("table_headers", "words")
_COLUMN_WORDS = (fields.COLUMN_WORDS + VOCAB.words("recovery", "period_column")
                 + tuple(w for kind in ("begin", "end", "initial") for w in VOCAB.words("pool_matrix", kind)))
_FACTOR_WORDS = VOCAB.words("tranche_factor", "words")
_NAME_HEADERS = VOCAB.keys("tranche_names", "labels")
_MATRIX = {kind: VOCAB.keys("pool_matrix", kind) for kind in ("balance", "count", "begin", "end", "initial")}
_MATRIX_WORDS = {kind: VOCAB.words("pool_matrix", kind) for kind in ("begin", "end", "initial")}
_RECOVERY = {kind: VOCAB.keys("recovery", kind) for kind in
             ("in_progress", "completed", "completed_cumulative")}
_RECOVERY_COLUMNS = {"recovery": VOCAB.words("recovery", "period_column"),
                     "cumulative": VOCAB.words("recovery", "cumulative_column")}
_METHODS = VOCAB.mapping("liquidation_methods")
_PERIOD_WORDS = VOCAB.words("column_periods", "period")
_CUMULATIVE_WORDS = VOCAB.words("column_periods", "cumulative")
_TITLE_WORDS = tuple(squash_spaces(fold_width(w)) for w in VOCAB.data["title"]["words"])
LABELS = LabelIndex({"meta": META, "pool": POOL, "liquidation": LIQUIDATION},
                    extra=[("matrix", measure, kind, _MATRIX[measure])
                           for measure, kind in (("balance", "amount"), ("count", "count"))],
                    also_labels=[TRANCHE])

NA_NOTE = re.compile(r"^注\s*\d*\s*[:：]?\s*不适用原因\s*[:：]\s*")
_TOTAL_PERIOD = re.compile(r"总第\s*(\d+|[一二三四五六七八九十百零〇两]+)\s*期")
_PERIOD = re.compile(r"(?<![年度\d])第\s*(\d+|[一二三四五六七八九十百零〇两]+)\s*期")
_REVISION = re.compile(r"更正|更新|以此为准")
_NO_PAYMENTS = re.compile(r"均?无(?:本息)?兑付|无本息支付|No payments")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_HIGH = re.compile(r"[\u00c0-\u00ff]")
_CENT = Decimal("0.01")


@functools.lru_cache(maxsize=4096)
def _is_label(text: str) -> bool:
    """A label the report prints (a field's, a per-100 factor row's), never a value or a title."""
    return LABELS.is_label(text) or _is_factor(text)


def _layout(lines: list[Line]) -> Layout:
    return Layout(lines, header_words=_HEADER_WORDS, column_words=_COLUMN_WORDS, families=_FAMILIES,
                  heading_endings=fields.HEADING_ENDINGS, is_label=_is_label, memo=_LAYOUT_MEMO)


_LAYOUT_MEMO: dict[str, dict] = {}


@functools.lru_cache(maxsize=16384)
def _is_factor(text: str) -> bool:
    """A per-100-元 factor row (每百元面额兑付本金, 本次兑付本金值(元/百元面额)): never an amount."""
    return any(w in k for k in label_keys(text) for w in _FACTOR_WORDS)


# ───────────────────────────── the report ─────────────────────────────
def parse_trustee_report(data: bytes, file_name: str = "", title: str = "") -> ParsedDocument:
    """Rows of core.pool_performance, core.tranche_payments and core.liquidation_events.

    The format is sniffed from the bytes (PDF or XLSX), never from the name. ``title`` and
    ``file_name`` (as listed by the source) help to name the deal and period when the document
    does not, and to recognise revisions (更正 / 更新 / 以此为准) and English duplicates.
    English reports yield ``meta`` only (the pipeline skips them). Not thread-safe for PDFs
    (pypdfium2): parse in separate processes.
    """
    lines, file_format = read_lines(data)
    _check_encoding(lines)
    report = _Report(_layout(lines), file_name, title, file_format)
    meta = report.meta()
    doc = ParsedDocument(DOC_TYPE, meta=meta)
    if meta["is_english"]:
        return doc
    report.pool(doc)
    report.tranches(doc)
    report.liquidation(doc)
    return doc


class _Report:
    """One report being read: its layout, and the labelled values found in it."""

    def __init__(self, layout: Layout, file_name: str, title: str, file_format: str) -> None:
        self.layout = layout
        self.lines = layout.lines
        self.file_name = file_name
        self.title = title
        self.file_format = file_format
        self.meta_values: dict[str, Any] = {}
        self.tranche_lines: set[int] = set()
        self._tranche_tables = self._find_tranche_tables()
        self.hits = fields.scan(layout, LABELS)
        self.liquidation_blocks = {id(h.block) for name, hits in self.hits["liquidation"].items()
                                   if name != "pool_cumulative_default_rate" for h in hits if h.block is not None}

    # ── meta
    def meta(self) -> dict[str, Any]:
        """Deal, period, the three dates, revision and language, from labels and titles."""
        hits = {name: [h for h in found if id(h.line) not in self.tranche_lines]
                for name, found in self.hits["meta"].items()}
        cover_title = cover_title_of(self.lines, _TITLE_WORDS)
        cover_text = " ".join(l.text for l in self.lines[:12])
        names = [t for t in (cover_title, self.title, self.file_name) if t]
        parsed_titles = (_title_parts(t) for t in names)  # read only when no label names the deal or period
        is_english = "英文版" in self.title + self.file_name or (
            "Trustee Report" in cover_text
            and not any(_CJK.search(s.title) for s in self.layout.sections if s.rank >= 0))
        seen_titles: list[tuple[str | None, int | None]] = []

        def titles() -> Any:
            yield from seen_titles
            for parts in parsed_titles:
                seen_titles.append(parts)
                yield parts

        deal_hit = _first(hits.get("deal_name"))
        deal_name = deal_hit.value.strip() if deal_hit and deal_hit.value else next(
            (p[0] for p in titles() if p[0]), None)
        where = self.lines[0].where if self.lines else "document"
        if not deal_name:
            raise DocumentError(f"{where}: the deal is named neither by a label (信托名称 …) nor in the title",
                                check="missing_row", field="信托名称")
        period_hit = _first(hits.get("period"))
        period = _period_number(period_hit.value) if period_hit and period_hit.value else None
        if period is None:
            period = next((p[1] for p in titles() if p[1] is not None), None)
        if period is None:
            raise DocumentError(f"{where}: period number not found in a label (报告期数 …), on the cover or in "
                                "the title", check="missing_row", field="period_number")
        start = self._date(hits, "collection_start")
        end = self._date(hits, "collection_end")
        if (start is None or end is None) and hits.get("collection"):
            hit = hits["collection"][0]
            tokens = DATE_TOKEN.findall(fold_width(hit.value or ""))
            if len(tokens) != 2:
                raise DocumentError(f"{hit.where}: cannot read the collection period from {hit.value!r}",
                                    check="bad_value", page=hit.line.pdf_page, field="collection_period",
                                    value=hit.value)
            start = start or _date(tokens[0], "collection_period", hit)
            end = end or _date(tokens[1], "collection_period", hit)
        payment_date = self._date(hits, "payment_date")
        if payment_date is None and not is_english:
            raise DocumentError(f"{where}: row 本期支付日 not found (no payment date label in the report)",
                                check="missing_row", field="本期支付日")
        deal_id = deal_id_for(deal_name)
        trustee = _first(hits.get("trustee_name"))
        revision_text = " ".join((self.title, self.file_name, cover_text))
        self.meta_values = {
            "deal_name": deal_name,
            "deal_id": deal_id,
            "trustee_name": trustee.value.strip() if trustee and trustee.value else None,
            "period_number": period,
            "report_key": f"{deal_id}:{period}:{DOC_TYPE}",
            "is_revision": bool(_REVISION.search(revision_text)),
            "is_english": is_english,
            "report_date": self._date(hits, "report_date"),
            "collection_period_start": start,
            "collection_period_end": end,
            "payment_date": payment_date,
            "file_format": self.file_format,
        }
        return self.meta_values

    def _date(self, hits: dict[str, list[Hit]], name: str) -> dt.date | None:
        """A date field: the first label's value; the same label with another date is a contradiction."""
        found = [(h, _date(_first_date(h.value), name, h)) for h in hits.get(name, []) if h.value]
        found = [(h, d) for h, d in found if d is not None]
        if not found:
            return None
        hit, value = found[0]
        for other, other_value in found[1:]:
            if other_value != value and other.label == hit.label:
                raise DocumentError(
                    f"{other.where}: {hit.label} is {value.isoformat()} on {hit.where} but {other_value.isoformat()} "
                    f"here", check="inconsistent", page=other.line.pdf_page, field=name, value=other.value)
        return value

    # ── pool
    def pool(self, doc: ParsedDocument) -> None:
        """One core.pool_performance row, from labels anywhere outside the bond and clean-up tables."""
        meta = self.meta_values
        exclude = self.tranche_lines

        skipped: dict[int, bool] = {}

        def skip(line: Line) -> bool:
            block = self.layout.block(line)
            if id(line) in exclude:
                return True
            if block is None:
                return False
            cached = skipped.get(id(block))
            if cached is None:
                cached = skipped[id(block)] = id(block) in self.liquidation_blocks or block.family == "liquidation"
            return cached

        hits = {name: [h for h in found if not skip(h.line)] for name, found in self.hits["pool"].items()}
        when_of: dict[int, dict[int, str]] = {}
        for name, found in hits.items():
            for hit in found:
                hit.rank = _family_rank(hit.block, "pool")
                self._repick(hit, name, when_of)
        self._matrix(hits, skip)
        self._matrix_across(hits, skip)
        self._count_columns(hits)
        self._history(hits, skip)
        values: dict[str, Any] = {}
        chosen: dict[str, Hit] = {}
        for name, spec in POOL.fields.items():
            value, hit = choose(hits.get(name, []), spec["kind"], name)
            values[name] = value
            if hit is not None:
                chosen[name] = hit
        for name in REQUIRED_POOL_FIELDS:
            if chosen.get(name) is None or values[name] is None and chosen[name].value is None:
                raise self._missing("pool", POOL.first_label(name))
        recovery, cumulative, recovery_block = self._recoveries(skip)
        row: dict[str, Any] = {
            "deal_id": meta["deal_id"],
            "period_number": meta["period_number"],
            "report_date": meta["report_date"],
            "collection_period_start": meta["collection_period_start"],
            "collection_period_end": meta["collection_period_end"],
            "payment_date": meta["payment_date"],
        }
        row.update(values)
        row["recovery_cny"], row["cumulative_recovery_cny"] = recovery, cumulative
        notes = [NA_NOTE.sub("", n) for b in self.layout.blocks for n in b.notes if NA_NOTE.match(n)]
        notes += [NA_NOTE.sub("", p.text) for p in self.layout.paragraphs if NA_NOTE.match(p.text)]
        is_npl = recovery_block or "不良" in meta["deal_name"]
        row["not_applicable_reason"] = notes[0] if notes else (NPL_NOT_APPLICABLE_REASON if is_npl else None)
        anchor = chosen["pool_balance_end_cny"]
        row.update(source_page=anchor.line.page, source_table=anchor.table, source_row_label=anchor.label)
        doc.add("core.pool_performance", {k: row[k] for k in _POOL_COLUMNS})

    def _repick(self, hit: Hit, name: str, when_of: dict[int, dict[int, str]]) -> None:
        """In a row with several amount columns, the column that fits the field: the label's own
        moment in an as-of table (期末户数 under 期末), the period's figure under 本期…, a
        cumulative one under 累计…."""
        block = hit.block
        if block is None or block.header is None or not _several_amounts(tuple(c.text for c in block.header.cells)):
            return
        heads = block.header.cells
        columns = block.columns(hit.line, refuses(heads))
        label_column = next((j for j, c in columns.items() if c.text == hit.label), -1)
        moment = _moment(hit.label, inside=True) if _measure_of(name) else None
        if moment is not None:
            when = when_of.get(id(block))
            if when is None:
                when = when_of[id(block)] = _as_of_columns(block, self.meta_values)
            target = next((j for j, m in when.items() if m == moment and j > label_column), None)
        else:
            amounts = [j for j, h in enumerate(heads) if j > label_column and column_kind(h.text) == "amount"]
            if len(amounts) < 2 or POOL.fields[name]["kind"] != "amount":
                return
            words = _CUMULATIVE_WORDS if name.startswith("cumulative") or _measure_of(name) else _PERIOD_WORDS
            target = next((j for j in amounts if any(w in label_key(heads[j].text) for w in words)), None)
        if target is None:
            return
        cell = columns.get(target)
        if cell is not None and not fields.fits(cell.text, "amount", _is_label):
            return  # words under that column (the column's name repeated in the row): keep the row's figure
        hit.value, hit.header = (cell.text if cell is not None else None), heads[target].text

    def _count_columns(self, hits: dict[str, list[Hit]]) -> None:
        """期末资产池 | 笔数 | 金额: a balance row's count column is the count of the same date."""
        for name, spec in POOL.fields.items():
            target = spec.get("count_field")
            if not target:
                continue
            for hit in list(hits.get(name, [])):
                block = hit.block
                if block is None or block.header is None:
                    continue
                columns = block.columns(hit.line, refuses(block.header.cells))
                for j, head in enumerate(block.header.cells):
                    if column_kind(head.text) == "count":
                        cell = columns.get(j)
                        hits.setdefault(target, []).append(Hit(
                            target, hit.line, hit.label, cell.text if cell else None, head.text, block,
                            hit.rank + 0.5))

    def _matrix(self, hits: dict[str, list[Hit]], skip: Any) -> None:
        """As-of tables (a measure row × 期初/期末 or dated columns), and measure rows that say
        nothing about the date (the current, end-of-period figure)."""
        meta = self.meta_values
        rows = [(h, measure, True) for measure, found in self.hits["matrix"].items() for h in found
                if not skip(h.line)]
        rows += [(h, _measure_of(name), False) for name, found in hits.items() for h in found
                 if _measure_of(name) is not None and h.block is not None and h.block.header is not None]
        when_of: dict[int, dict[int, str]] = {}
        for hit, measure, is_measure in rows:
            block = hit.block
            when = {}
            if block is not None and block.header is not None:
                when = when_of.get(id(block))
                if when is None:
                    when = when_of[id(block)] = _as_of_columns(block, meta)
            rank = _family_rank(block, "pool") + 0.25
            if when:
                line = hit.line
                label_cell = next((c for c in line.cells[:2] if c.text == hit.label), None)
                columns = block.columns(line, refuses(block.header.cells))
                for j, moment in when.items():
                    cell = columns.get(j)
                    field = _MATRIX_FIELDS.get((measure, moment))
                    if field is None or cell is None or cell is label_cell:
                        continue
                    hits.setdefault(field, []).append(Hit(field, line, hit.label, cell.text,
                                                          block.header.cells[j].text, block, rank))
            elif is_measure:
                field = _MATRIX_FIELDS[(measure, "end")]
                hits.setdefault(field, []).append(Hit(field, hit.line, hit.label, hit.value, hit.header, block,
                                                      rank + 0.25))

    def _matrix_across(self, hits: dict[str, list[Hit]], skip: Any) -> None:
        """As-of tables the other way round: measures across (未偿本金余额 | 贷款笔数), one row per
        moment (期初 / 期末, or the dates themselves)."""
        meta = self.meta_values
        for block in self.layout.blocks:
            if block.header is None or not block.lines or skip(block.lines[0]):
                continue
            heads = block.header.cells
            measures = {}
            for j, head in enumerate(heads):
                keys = label_keys(head.text)
                measure = next((m for m in ("balance", "count") if any(k in _MATRIX[m] for k in keys)), None)
                if measure is not None:
                    measures[j] = measure
            if not measures:
                continue
            dated = {}
            for line in block.lines:
                moment = _moment(line.cells[0].text)
                if moment is None and is_date(line.cells[0].text):
                    dated[line] = _first_date_value(line.cells[0].text)
                    continue
                if moment is not None:
                    self._across(hits, block, line, measures, moment)
            if dated:
                ordered = sorted(dated.items(), key=lambda item: item[1] or dt.date.min)
                ends = {d: l for l, d in dated.items()}
                start, end = meta.get("collection_period_start"), meta.get("collection_period_end")
                end_line = ends.get(end) or ordered[-1][0]
                begin_line = ends.get(start - dt.timedelta(days=1)) if start else None
                begin_line = begin_line or ends.get(start) or (ordered[-2][0] if len(ordered) > 1 else None)
                self._across(hits, block, end_line, measures, "end")
                if begin_line is not None and begin_line is not end_line:
                    self._across(hits, block, begin_line, measures, "begin")

    def _across(self, hits: dict[str, list[Hit]], block: Block, line: Line, measures: dict[int, str],
                moment: str) -> None:
        columns = block.columns(line, refuses(block.header.cells))
        for j, measure in measures.items():
            field = _MATRIX_FIELDS.get((measure, moment))
            cell = columns.get(j)
            if field is None or cell is None or cell is line.cells[0]:
                continue
            hits.setdefault(field, []).append(Hit(field, line, f"{block.header.cells[j].text} / {line.cells[0].text}",
                                                  cell.text, block.header.cells[j].text, block,
                                                  _family_rank(block, "pool") + 0.25))

    def _history(self, hits: dict[str, list[Hit]], skip: Any) -> None:
        """Tables with pool fields as column headers: a history table (one row per period) gives
        its current row, a one-row table its only row."""
        meta = self.meta_values
        for block in self.layout.blocks:
            if block.header is None or not block.lines or skip(block.lines[0]):
                continue
            heads = block.header.cells
            fields = {j: POOL.match(h.text) for j, h in enumerate(heads)}
            fields = {j: f for j, f in fields.items() if f is not None}
            if not fields:
                continue
            period_col = next((j for j, h in enumerate(heads) if column_kind(h.text) == "period"), None)
            date_col = next((j for j, h in enumerate(heads) if j not in fields and _is_date_header(h.text)), None)
            rows = [l for l in block.lines if not is_total(l.cells[0].text)]
            current = None
            if period_col is not None or date_col is not None:
                for line in rows:
                    columns = block.columns(line, refuses(heads))
                    period_cell = columns.get(period_col) if period_col is not None else None
                    date_cell = columns.get(date_col) if date_col is not None else None
                    if period_cell is not None and _period_number(period_cell.text) == meta["period_number"]:
                        current = line
                    elif period_cell is None and date_cell is not None and _first_date_value(date_cell.text) in (
                            meta["payment_date"], meta["collection_period_end"]):
                        current = line
                if current is None:
                    raise DocumentError(
                        f"{block.header.where}: current period {meta['period_number']} not found in history table "
                        f"{block.heading or ' | '.join(h.text for h in heads)}", check="missing_row",
                        page=block.header.pdf_page, field="period_number")
            elif len(rows) == 1 and _row_kind(rows[0].cells[0].text) is None:
                current = rows[0]  # a one-row table (a row named for its measure is read by kind below)
            if current is not None:
                chosen = {name: current for name in fields.values()}
            else:  # fields across, measures down (金额 / 笔数 / 占比 rows): each field from its kind's row
                by_kind: dict[str, list[Line]] = {}
                for line in rows:
                    by_kind.setdefault(_row_kind(line.cells[0].text), []).append(line)
                chosen = {name: by_kind[kind][0] for name in fields.values()
                          if len(by_kind.get(kind := POOL.fields[name]["kind"], [])) == 1}
            for j, name in fields.items():
                line = chosen.get(name)
                if line is None:
                    continue
                cell = block.columns(line, refuses(heads)).get(j)
                label = heads[j].text if line is current else f"{heads[j].text} / {line.cells[0].text}"
                hits.setdefault(name, []).append(Hit(name, line, label, cell.text if cell else None,
                                                     heads[j].text, block, _family_rank(block, "pool") + 0.5))

    def _recoveries(self, skip: Any) -> tuple[Decimal | None, Decimal | None, bool]:
        """NPL: 本期回收金额 and 累计回收金额 summed over 处置中 and the disposed assets (合计 must agree)."""
        for block in self.layout.blocks:
            if block.header is None or not block.lines or skip(block.lines[0]):
                continue
            heads = block.header.cells
            wanted: dict[str, int] = {}
            for j, head in enumerate(heads):
                column = _recovery_column(head.text)
                if column is not None and column not in wanted:
                    wanted[column] = j
            if not wanted:
                continue
            statuses = [(line, _status(line)) for line in block.lines]
            if not any(s for _, s in statuses):
                continue
            sums: dict[str, dict[str, Decimal | None]] = {}
            totals: dict[str, tuple[Decimal | None, Hit]] = {}
            for column, j in wanted.items():
                parts: dict[str, Decimal | None] = {}
                for line, status in statuses:
                    if status is None:
                        continue
                    cell = block.columns(line, refuses(heads)).get(j)
                    hit = Hit(column, line, line.cells[0].text, cell.text if cell else None, heads[j].text, block)
                    value = amount(hit, column, exact=True)
                    if status == "total":
                        totals[column] = (value, hit)
                    elif value is not None:
                        parts[status] = (parts.get(status) or Decimal(0)) + value
                    else:
                        parts.setdefault(status, None)
                sums[column] = parts
            out: dict[str, Decimal | None] = {}
            for column, parts in sums.items():
                completed = "completed_cumulative" if "completed_cumulative" in parts else "completed"
                used = [parts[s] for s in ("in_progress", completed) if s in parts]
                total = None if not used or all(v is None for v in used) else sum(v for v in used if v is not None)
                printed = totals.get(column)
                if printed is not None and printed[0] is not None:
                    hit = printed[1]
                    places = len(hit.value.rpartition(".")[2]) if hit.value and "." in hit.value else 0
                    tolerance = 2 * UNIT_FACTORS[fields.money_unit(hit)] * Decimal(1).scaleb(-places)
                    if total is None or abs(total - printed[0]) > tolerance:
                        raise DocumentError(
                            f"{hit.where}: 合计 {printed[0]} is not the sum of 处置中 and the disposed assets "
                            f"({total}) in column {hit.header}", check="arithmetic", page=hit.line.pdf_page,
                            field=f"{column}_cny", value=hit.value)
                out[column] = None if total is None else total.quantize(_CENT)
            return out.get("recovery"), out.get("cumulative"), True
        return None, None, False

    # ── tranches
    def _find_tranche_tables(self) -> list[tuple[str, Block, Line]]:
        """Bond tables: (orientation, block, anchor) — the 证券代码 row of a tranches-as-columns
        block, or the header naming 证券代码 of a tranches-as-rows one."""
        tables = []
        for block in self.layout.blocks:
            header = block.header
            if header is not None and any(TRANCHE.match(c.text) == "security_code" for c in header.cells) and any(
                    TRANCHE.match(c.text) in TRANCHE_AMOUNTS for c in header.cells):
                tables.append(("rows", block, header))
                self.tranche_lines.update(id(l) for l in block.lines)
                continue
            for line in block.lines:
                if TRANCHE.match(line.cells[0].text) == "security_code" and len(line.cells) > 1 and any(
                        fields.fits(c.text, "code", _is_label) for c in line.cells[1:]):
                    tables.append(("columns", block, line))
            if any(t[1] is block for t in tables):
                self.tranche_lines.update(id(l) for l in block.lines)
                if header is not None:
                    self.tranche_lines.add(id(header))
        return tables

    def tranches(self, doc: ParsedDocument) -> None:
        """core.tranche_payments rows, one per tranche column (or row) of the bond tables."""
        meta = self.meta_values
        if not self._tranche_tables:
            if any(_NO_PAYMENTS.search(p.text) for p in self.layout.paragraphs) or any(
                    _NO_PAYMENTS.search(l.text) for l in self.lines):
                return  # the report says no tranche was paid this period
            raise self._missing("tranche", TRANCHE.first_label("security_code"), table="bond table")
        tranches: list[dict[str, Any]] = []
        for orientation, block, anchor in self._tranche_tables:
            if orientation == "columns":
                tranches.extend(self._tranche_columns(block, anchor))
            else:
                tranches.extend(self._tranche_rows(block))
        seen_fields = {name for t in tranches for name in t["values"]}
        for name in REQUIRED_TRANCHE_FIELDS:
            if name not in seen_fields and not _derivable(name, seen_fields):
                raise self._missing("tranche", TRANCHE.first_label(name), table="bond table")
        for tranche in tranches:
            values: dict[str, tuple[str | None, Hit]] = tranche["values"]
            code_text, code_line = tranche["code"]
            row: dict[str, Any] = {
                "tranche_id": _tranche_id(code_text, code_line),
                "period_number": meta["period_number"],
                "deal_id": meta["deal_id"],
                "payment_date": meta["payment_date"],
            }
            derived = _derived_principal(values)  # computed from the other two: those two typed here
            for name in TRANCHE_AMOUNTS:
                hit, printed = values.get(name), name not in _PRINCIPAL or derived is None
                row[name] = None if hit is None else amount(hit, name, printed=printed)
            _derive_principal(row, values)
            row.update(source_page=tranche["page"], source_table=tranche["table"], source_row_label=tranche["label"])
            doc.add("core.tranche_payments", row)

    def _tranche_columns(self, block: Block, code_line: Line) -> list[dict[str, Any]]:
        """Tranches as columns: one column per code of the 证券代码 row, metric rows below and above
        it up to the next 证券代码 row (the next block of tranches)."""
        lines = block.lines
        start = lines.index(code_line)
        stop = next((i for i in range(start + 1, len(lines)) if TRANCHE.match(lines[i].cells[0].text) ==
                     "security_code" and any(fields.fits(c.text, "code", _is_label) for c in lines[i].cells[1:])), len(lines))
        previous_anchor = max((i for i in range(start) if TRANCHE.match(lines[i].cells[0].text) == "security_code"),
                              default=-1)
        rows = lines[previous_anchor + 1:stop]
        header = block.header
        names: dict[int, str] = {}
        if header is not None and (previous_anchor < 0):
            heads = list(header.cells)
            label_head = 0 if not _tranche_name_cell(heads[0].text) else None
            if label_head is None:  # no cell over the label column: add one
                heads = [Cell("", min(c.x0 for c in code_line.cells) - 1, code_line.cells[0].x1), *heads]
            names = {j: h.text for j, h in enumerate(heads) if j > 0}
            grid = Line(header.page, header.y, heads, header.sheet)
        else:
            grid = Line(code_line.page, code_line.y, [code_line.cells[0], *code_line.cells[1:]], code_line.sheet)
        refuse = refuses(grid.cells)
        code_cols = block_columns(grid, code_line, refuse)
        out: dict[int, dict[str, Any]] = {}
        for j, cell in code_cols.items():
            if j == 0 or not fields.fits(cell.text, "code", _is_label):
                continue
            out[j] = {"code": (cell.text, code_line), "values": {}, "page": (header or code_line).page,
                      "table": block.heading, "label": names.get(j) or cell.text}
        for line in rows:
            label = line.cells[0].text
            if line is code_line or _is_factor(label):
                continue
            name = TRANCHE.match(label)
            if name is None or name == "security_code":
                continue
            columns = block_columns(grid, line, refuse)
            for j, tranche in out.items():
                cell = columns.get(j)
                if name in tranche["values"] and tranche["values"][name].value not in (None, ""):
                    continue
                tranche["values"][name] = Hit(name, line, f"{label} / {tranche['label']}",
                                              cell.text if cell is not None and cell is not line.cells[0] else None,
                                              grid.cells[j].text, block)
        return list(out.values())

    def _tranche_rows(self, block: Block) -> list[dict[str, Any]]:
        """Tranches as rows: a header with 证券代码 and amount columns, one row per tranche."""
        heads = block.header.cells
        columns_of = {}
        for j, head in enumerate(heads):
            if _is_factor(head.text):
                continue
            name = TRANCHE.match(head.text)
            if name is not None and name not in columns_of.values():
                columns_of[j] = name
        code_col = next(j for j, n in columns_of.items() if n == "security_code")
        name_col = next((j for j, h in enumerate(heads) if any(k in _NAME_HEADERS for k in label_keys(h.text))
                         and j != code_col), None)
        out = []
        for line in block.lines:
            columns = block.columns(line, refuses(heads))
            code = columns.get(code_col)
            name_cell = columns.get(name_col) if name_col is not None else None
            if code is None or not fields.fits(code.text, "code", _is_label) or is_total(line.cells[0].text):
                if name_cell is not None and tranche_label(name_cell.text) and not is_total(name_cell.text):
                    raise DocumentError(  # a tranche's row without its code: never drop the tranche
                        f"{line.where}: tranche {name_cell.text} has no security code in column {heads[code_col].text}"
                        f" (found {code.text if code is not None else 'nothing'!r})", check="bad_value",
                        page=line.pdf_page, field="security_code", value=code.text if code is not None else None)
                continue
            label = name_cell.text if name_cell is not None else code.text
            values = {}
            for j, name in columns_of.items():
                if name == "security_code":
                    continue
                cell = columns.get(j)
                values[name] = Hit(name, line, f"{heads[j].text} / {label}", cell.text if cell else None,
                                   heads[j].text, block)
            out.append({"code": (code.text, line), "values": values, "page": line.page, "table": block.heading,
                        "label": label})
        return out

    # ── liquidation
    def liquidation(self, doc: ParsedDocument) -> None:
        """A core.liquidation_events row when the report announces a clean-up call or liquidation."""
        hits = self.hits["liquidation"]
        specific = [h for name in ("method", "event_date", "price_cny", "remaining_pool_principal_cny")
                    for h in hits.get(name, [])]
        if not any(h.value and not is_null(h.value) and not nullish(h.value) for h in specific
                   if h.field in ("method", "event_date")):
            return  # no clean-up call or liquidation in this report (at most a 不适用 row)
        blocks = {id(h.block) for h in specific}

        def local(name: str) -> list[Hit]:
            found = [h for h in hits.get(name, []) if id(h.block) in blocks or (
                h.block is not None and h.block.family == "liquidation")]
            return found

        method_hit = _first(local("method"))
        date_hit = _first([h for h in local("event_date") if h.value])
        if date_hit is None:
            raise self._missing("liquidation", LIQUIDATION.first_label("event_date"))
        if method_hit is not None and method_hit.value:
            method = _METHODS.get(label_key(method_hit.value))
            if method is None:
                raise fields.bad_value(method_hit, "liquidation_method", ValueError("expected 清仓回购, 全部变现 or 原状分配"))
        elif any("清仓" in h.label for h in specific):
            method, method_hit = "clean_up_call", specific[0]  # 清仓回购日 / 清仓回购价格 name the method
        else:
            raise self._missing("liquidation", LIQUIDATION.first_label("method"))
        values = {name: choose(local(name), LIQUIDATION.fields[name]["kind"], name)[0]
                  for name in ("price_cny", "remaining_pool_principal_cny", "pool_cumulative_default_rate")}
        doc.add("core.liquidation_events", {
            "deal_id": self.meta_values["deal_id"],
            "liquidation_method": method,
            "event_date": _date(_first_date(date_hit.value), "event_date", date_hit),
            **values,
            "source_page": method_hit.line.page,
            "source_row_label": method_hit.label,
        })

    # ── errors
    def _missing(self, family: str, label: str, table: str | None = None) -> DocumentError:
        section = next((s for s in self.layout.sections if s.family == family), None)
        if section is not None:
            start = section.line
            where = start.where.split(" row ")[0]
            return DocumentError(f"{where}: row {label} not found in section {section.title}",
                                 check="missing_row", page=start.pdf_page, field=label)
        first = self.lines[0] if self.lines else None
        where = first.where.split(" row ")[0] if first else "document"
        scope = f"any {table}" if table else "any table of the report"
        return DocumentError(f"{where}: row {label} not found in {scope} (no {SECTION_NAMES[family]} section)",
                             check="missing_row", field=label)


_POOL_COLUMNS = (
    "deal_id", "period_number", "report_date", "collection_period_start", "collection_period_end", "payment_date",
    "pool_balance_begin_cny", "pool_balance_end_cny", "loan_count_end", "principal_collected_cny",
    "interest_collected_cny", "prepayment_cny", "new_default_cny", "cumulative_default_cny",
    "cumulative_default_rate", "delinquent_1_30_cny", "delinquent_31_60_cny", "delinquent_61_90_cny",
    "delinquent_90_plus_cny", "revolving_purchase_cny", "cumulative_revolving_purchase_cny", "recovery_cny",
    "cumulative_recovery_cny", "other_income_cny", "not_applicable_reason", "source_page", "source_table",
    "source_row_label",
)
_MATRIX_FIELDS = {("balance", "begin"): "pool_balance_begin_cny", ("balance", "end"): "pool_balance_end_cny",
                  ("count", "end"): "loan_count_end"}


# ───────────────────────────── helpers ─────────────────────────────
def block_columns(grid: Line, line: Line, refuse: Any) -> dict[int, Cell]:
    return align(line.cells, grid.cells, refuse)


def _tranche_name_cell(text: str) -> bool:
    return tranche_label(text) and not any(k in _NAME_HEADERS for k in label_keys(text))


def _family_rank(block: Block | None, family: str) -> float:
    own = block.family if block is not None else None
    return 0.0 if own == family else 1.0 if own in (None, "basic", "other") else 2.0


def _first(hits: list[Hit] | None) -> Hit | None:
    return hits[0] if hits else None


@functools.lru_cache(maxsize=16384)
def _recovery_column(text: str) -> str | None:
    """本期回收金额 → recovery, 累计回收金额 → cumulative."""
    key = label_key(text)
    return next((column for column, words in _RECOVERY_COLUMNS.items() if any(w in key for w in words)), None)


def _status(line: Line) -> str | None:
    for cell in line.cells[:2]:
        status = _status_of(cell.text)
        if status is not None:
            return status
    return None


@functools.lru_cache(maxsize=16384)
def _status_of(text: str) -> str | None:
    keys = label_keys(text)
    if any(k in fields.TOTALS for k in keys):
        return "total"
    for status, labels in _RECOVERY.items():
        if any(k in labels for k in keys):
            return status
    return None


def _is_date_header(text: str) -> bool:
    key = label_key(text)
    return is_date(text) or key.endswith(("日", "日期")) or "date" in key


def _as_of_columns(block: Block, meta: dict[str, Any]) -> dict[int, str]:
    """Header columns that say when (begin / end), from words or from the dates themselves."""
    heads = block.header.cells
    when: dict[int, str] = {}
    dated: list[tuple[dt.date, int]] = []
    for j, head in enumerate(heads):
        key = label_key(head.text)
        if any(w in key for w in _MATRIX_WORDS["initial"]):
            continue
        if is_date(head.text):
            value = _first_date_value(head.text)
            if value is not None:
                dated.append((value, j))
            continue
        if column_kind(head.text) in ("count", "share", "rate", "note", "seq"):
            continue
        for moment in ("begin", "end"):
            if key in _MATRIX[moment] or any(key.startswith(w) for w in _MATRIX_WORDS[moment]):
                when[j] = moment
                break
    if dated:
        dated.sort()
        start, end = meta.get("collection_period_start"), meta.get("collection_period_end")
        by_date = {d: j for d, j in dated}
        end_col = by_date.get(end) if end in by_date else dated[-1][1]
        begin_col = None
        if start is not None:
            begin_col = by_date.get(start - dt.timedelta(days=1), by_date.get(start))
        if begin_col is None and len(dated) >= 2:
            begin_col = [j for d, j in dated if j != end_col][-1]
        when[end_col] = "end"
        if begin_col is not None and begin_col != end_col:
            when[begin_col] = "begin"
    return when


@functools.lru_cache(maxsize=4096)
def _several_amounts(heads: tuple[str, ...]) -> bool:
    """A header with more than one column a figure could sit under (amounts, or as-of moments)."""
    return sum(1 for h in heads if column_kind(h) == "amount" or _moment(h) or is_date(h)) >= 2


@functools.lru_cache(maxsize=16384)
def _row_kind(text: str) -> str | None:
    """What a row of measures holds: amount (金额, 余额, 未偿本金余额 …), count (笔数, 户数) or rate."""
    keys = label_keys(text)
    if any(k in _MATRIX["count"] for k in keys):
        return "count"
    if any(k in _MATRIX["balance"] for k in keys):
        return "amount"
    kind = column_kind(text)
    return {"share": "rate"}.get(kind or "", kind)


@functools.lru_cache(maxsize=16384)
def _moment(text: str, inside: bool = False) -> str | None:
    """期初 / 本报告期期初 → begin, 期末 / 截至本报告期末 → end, else None. ``inside``: the word may
    sit inside a longer label (资产池期初笔数); otherwise the text is the moment (a row or column
    of as-of figures), so 处置中(截至本期期末未结清) is no moment."""
    key = label_key(text)
    if any(w in key for w in _MATRIX_WORDS["initial"]):
        return None
    if inside:
        found = {moment for moment in ("begin", "end") if any(w in key for w in _MATRIX_WORDS[moment])}
        return found.pop() if len(found) == 1 else None
    for moment in ("begin", "end"):
        if key in _MATRIX[moment] or any(key.startswith(w) for w in _MATRIX_WORDS[moment]):
            return moment
    return None


def _measure_of(field: str | None) -> str | None:
    return {"pool_balance_begin_cny": "balance", "pool_balance_end_cny": "balance",
            "loan_count_end": "count"}.get(field or "")


def _derivable(name: str, seen: set[str]) -> bool:
    """Principal before, paid and after: any one of them follows from the other two."""
    trio = {"principal_before_cny", "principal_paid_cny", "principal_after_cny"}
    return name in trio and len(trio & seen) == 2


_PRINCIPAL = ("principal_before_cny", "principal_paid_cny", "principal_after_cny")


def _derived_principal(values: dict[str, Any]) -> str | None:
    """The one principal figure a bond table leaves out (computed from the other two), if any."""
    missing = [n for n in _PRINCIPAL if n not in values]
    return missing[0] if len(missing) == 1 else None


def _derive_principal(row: dict[str, Any], values: dict[str, Hit]) -> None:
    before, paid, after = (row[n] for n in _PRINCIPAL)
    missing = _derived_principal(values)
    if missing is None:
        return
    if missing == "principal_before_cny" and paid is not None and after is not None:
        row["principal_before_cny"] = paid + after
    elif missing == "principal_paid_cny" and before is not None and after is not None:
        row["principal_paid_cny"] = before - after
    elif missing == "principal_after_cny" and before is not None and paid is not None:
        row["principal_after_cny"] = before - paid


def _tranche_id(text: str, line: Line) -> str:
    """Security code with market suffix (bare 6-digit exchange codes are resolved by the caller
    against the tranches it knows, see pipeline.hooks: the report alone cannot tell .SH/.SZ)."""
    code = fields.security_code(text)
    if code is None:
        raise DocumentError(f"{line.where}: cannot read security_code from {text!r}", check="bad_value",
                            page=line.pdf_page, field="security_code", value=text)
    return code


def _title_parts(text: str) -> tuple[str | None, int | None]:
    """(deal name, period number) from a report title; either may be None. The deal is what
    precedes 受托机构报告 (or its kin), the period what follows it (总第N期, else 第N期)."""
    folded = squash_spaces(fold_width(text)).removesuffix(".pdf").removesuffix(".xlsx")
    at = min((folded.find(w) for w in _TITLE_WORDS if w in folded), default=-1)
    deal = folded[:at] if at > 0 else None
    period = _period_number(folded[at:] if at >= 0 else folded)
    if deal is None or period is None:  # titles in other spellings: the general title reader
        try:
            parsed = parse_report_title(folded)
        except ValueError:
            return deal, period
        deal = deal or (parsed.deal.name if parsed.deal else None)
        period = period if period is not None else parsed.period_number
    return (deal or None), period


@functools.lru_cache(maxsize=16384)
def _period_number(text: str | None) -> int | None:
    """Period from 总第N期, else the last 第N期 not preceded by 年/年度, else a bare number."""
    if not text:
        return None
    text = squash_spaces(fold_width(clean_value(text)))
    for pattern in (_TOTAL_PERIOD, _PERIOD):
        found = pattern.findall(text)
        if found:
            try:
                return parse_chinese_int(found[-1] if pattern is _PERIOD else found[0])
            except ValueError:
                return None
    english = re.search(r"Period\D{0,5}(\d+)", text)
    if english:
        return int(english.group(1))
    return int(text) if text.isdigit() else None


def _first_date(text: str | None) -> str | None:
    if text is None:
        return None
    match = DATE_TOKEN.search(fold_width(text))
    return match.group(0) if match else text


def _first_date_value(text: str) -> dt.date | None:
    token = _first_date(text)
    try:
        return parse_date(token) if token else None
    except ValueError:
        return None


def _date(text: str | None, what: str, hit: Hit) -> dt.date | None:
    if text is None:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise DocumentError(f"{hit.where}: cannot read {what} from {text!r}: {exc}", check="bad_value",
                            page=hit.line.pdf_page, field=what, value=text) from exc


def _check_encoding(lines: list[Line]) -> None:
    """GBK text read with a Western code page (ÊÜÍÐ»ú¹¹…) must not pass as labels that are missing."""
    if any(_CJK.search(cell.text) for line in lines for cell in line.cells):
        return  # stops at the first Chinese character, normally on the cover
    for line, text in ((line, cell.text) for line in lines for cell in line.cells):
        if _LATIN_HIGH.search(text):
            fixed = _unmojibake(text)
            if fixed and _CJK.search(fixed):
                raise DocumentError(
                    f"{line.where}: text is mis-encoded (GBK bytes read as Windows-1252): {text!r} is {fixed!r}",
                    check="encoding", page=line.pdf_page, value=text,
                )


def _unmojibake(text: str) -> str | None:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 255:
                return None
            out.append(ord(ch))
    try:
        return out.decode("gbk")
    except UnicodeDecodeError:
        return None
