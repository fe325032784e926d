"""Figures handed over as printed and typed by the batch as polars columns give the same Parquet
as the parsers typing them cell by cell — and a figure that does not read still quarantines its
document, naming page, column and text.

Real PDFs of the high-volume families (the sample market's renderers over the seed world, in
several layouts and units) and a real ChinaBond yield-curve download go through
``pipeline.batches.BatchRows`` twice: once parsed with
cells typed per cell (what a direct call gives), once with cells deferred (what a parse worker's
batch gives). The two batch files must be equal row for row, column for column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

from pipeline.batches import DECIDING_META, BatchRows, BatchSpec
from pipeline.hooks import ParseContext
from sample_market.documents import abn_operating_report as abn_render
from sample_market.documents import asset_management_report as annual_render
from sample_market.documents.exchange_layout import LAYOUTS
from sample_market.documents.trustee_report import TEMPLATES, reports_from_tables, render_trustee_report
from tests.transforms.parse.exchange_cases import annual_reports, deals_of, exchange_world, operating_reports
from transforms.normalise.frames import Raw, defer_cells, deferring
from transforms.parse.abn_operating_report import parse_abn_operating_report
from transforms.parse.asset_management_report import parse_asset_management_report
from transforms.parse.base import DocumentError, ParsedDocument
from transforms.parse.trustee_report import parse_trustee_report
from transforms.parse.yield_curve import parse_yield_curve
from warehouse.load import polars_schemas
from warehouse.migrate import apply_migrations
from warehouse.rawstore import StoredDocument, sha256_hex
from warehouse.tables import RULES

TABLES = ("core.pool_performance", "core.tranche_payments")


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> dict[str, dict[str, pl.DataType]]:
    con = duckdb.connect(str(tmp_path_factory.mktemp("warehouse") / "w.duckdb"))
    apply_migrations(con)
    out = polars_schemas(con, RULES)
    con.close()
    return out


def _documents() -> list[tuple[str, bytes, Any]]:
    """(name, PDF bytes, parser) for every family whose figures go as printed, in several layouts."""
    docs = []
    for index, report in enumerate(operating_reports()[:12]):
        layout = LAYOUTS[index % len(LAYOUTS)]
        docs.append((f"abn {index}", abn_render.render_abn_operating_report(report, layout, names={}),
                     parse_abn_operating_report))
    for index, layout in enumerate(LAYOUTS):
        for report in annual_reports(layout)[index::len(LAYOUTS)][:3]:
            docs.append((f"annual {index}", annual_render.render_asset_management_report(report, layout),
                         parse_asset_management_report))
    world = exchange_world()
    trustee = list(reports_from_tables(world.tables, deals_of(world, "credit_abs")))
    for index, report in enumerate(trustee[:: max(1, len(trustee) // 12)][:12]):
        template = TEMPLATES[index % len(TEMPLATES)]
        docs.append((f"trustee {template}", render_trustee_report(report, template, "pdf"),
                     lambda data: parse_trustee_report(data, file_name="report.pdf")))
    return docs


@pytest.fixture(scope="module")
def documents():
    return _documents()


def _stored(data: bytes, tmp: Path) -> StoredDocument:
    digest = sha256_hex(data)
    return StoredDocument("sample", digest[:12], digest, None, None, "report.pdf", "2026-01-01T00:00:00+08:00",
                          None, len(data), "", "", tmp / digest)


def _parse(parser, data: bytes, deferred: bool) -> ParsedDocument:
    defer_cells(deferred)
    try:
        return parser(data)
    finally:
        defer_cells(False)


def _batch(tmp: Path, name: str, schemas) -> BatchRows:
    spec = BatchSpec(name, name, (), ParseContext(), tmp / name, schemas)
    rows = BatchRows(spec)
    defer_cells(False)  # the test parses itself, in the mode each case asks for
    return rows


def _written(files: dict[str, tuple[str, tuple[str, ...]]], table: str) -> pl.DataFrame:
    return pl.read_parquet(files[table][0]).sort("document_id", "_seq")


def _printed_cells(parsed: ParsedDocument) -> list[tuple[str, str, Raw]]:
    return [(table, column, value) for table, rows in parsed.tables.items() for row in rows
            for column, value in row.items() if isinstance(value, Raw)]


def test_deferred_figures_give_the_same_batch_files(documents, schemas, tmp_path):
    typed, printed = _batch(tmp_path, "typed", schemas), _batch(tmp_path, "printed", schemas)
    deferred_columns: set[tuple[str, str]] = set()
    for name, data, parser in documents:
        stored = _stored(data, tmp_path)
        typed.keep(stored, _parse(parser, data, deferred=False))
        raw = _parse(parser, data, deferred=True)
        assert not _printed_cells(_parse(parser, data, deferred=False)), name
        deferred_columns |= {(table, column) for table, column, _ in _printed_cells(raw)}
        printed.keep(stored, raw)
    typed_files, typed_misfits = typed.write()
    printed_files, printed_misfits = printed.write()
    assert typed_misfits == printed_misfits == {}
    # every high-volume figure column of both tables went through the expressions
    assert {("core.tranche_payments", c) for c in ("principal_before_cny", "principal_paid_cny",
                                                   "principal_after_cny", "interest_paid_cny")} <= deferred_columns
    assert {("core.pool_performance", c) for c in ("pool_balance_begin_cny", "pool_balance_end_cny",
                                                   "cumulative_default_rate", "payment_date")} <= deferred_columns
    for table in TABLES:
        expected, got = _written(typed_files, table), _written(printed_files, table)
        assert got.schema == expected.schema
        assert got.height == expected.height > 20
        assert got.equals(expected), table
    assert not deferring()


def test_the_run_keeps_of_a_document_only_what_it_decides_with(documents, schemas, tmp_path):
    """42,855 of these stay in the run's process until the load: its type, the meta that decides
    its outcome, the names it declares; the rest of the parser's meta and its rows stay here."""
    name, data, parser = next(d for d in documents if d[0].startswith("trustee"))
    parsed = _parse(parser, data, deferred=False)
    assert {"report_key", "is_revision", "deal_name", "payment_date"} <= set(parsed.meta)
    kept = _batch(tmp_path, "kept", schemas).keep(_stored(data, tmp_path), parsed)
    assert kept == {"doc_type": "trustee_report", "meta": {k: parsed.meta[k] for k in DECIDING_META}}


def _one_printed(documents, family: str, column: str) -> tuple[bytes, Any, ParsedDocument, dict]:
    name, data, parser = next(d for d in documents if d[0].startswith(family))
    parsed = _parse(parser, data, deferred=True)
    row = next(r for rows in parsed.tables.values() for r in rows if isinstance(r.get(column), Raw))
    return data, parser, parsed, row


@pytest.mark.parametrize(("family", "column", "text", "check", "says"), [
    ("abn", "pool_balance_end_cny", "12,3x4.00", "bad_value", "is not a number"),
    ("annual", "cumulative_default_rate", "2.5", "bad_value", "is not a rate"),  # above 1 without a % sign
    ("annual", "payment_date", "2025-02-30", "bad_value", "is not a date"),
    ("trustee", "principal_paid_cny", "1,000.00万元万元", "bad_value", "is not a number"),
    ("abn", "pool_balance_end_cny", "(1,000.00)", "implausible_value", "cannot be below zero"),
    ("abn", "pool_balance_end_cny", "1" * 19, "bad_value", "does not fit Decimal(precision=20, scale=2)"),
])
def test_a_figure_that_does_not_read_quarantines_its_document(documents, schemas, tmp_path, family, column, text,
                                                               check, says):
    data, parser, parsed, row = _one_printed(documents, family, column)
    row[column] = row[column]._replace(text=text)
    batch = _batch(tmp_path, "bad", schemas)
    other_name, other_data, other_parser = next(d for d in documents if d[0].startswith(family) and d[1] != data)
    batch.keep(_stored(data, tmp_path), parsed)
    batch.keep(_stored(other_data, tmp_path), _parse(other_parser, other_data, deferred=True))
    files, misfits = batch.write()
    error = misfits[sha256_hex(data)]
    assert error["check"] == check and error["field"] == column and says in error["reason"]
    assert error["page"] is not None
    if check == "bad_value":
        assert f"page {error['page']}" in error["reason"]
        assert error["value"] == text and repr(text) in error["reason"]
    else:  # the same error as for a figure the parser typed (pipeline.plausibility)
        assert error["value"] == "-1000.00"
    for table, (path, _) in files.items():  # none of its rows are written; the rest of the batch stays
        kept = set(pl.read_parquet(path)["document_id"])
        assert sha256_hex(data) not in kept and sha256_hex(other_data) in kept, table


def test_a_null_marker_is_a_null_not_a_misfit(documents, schemas, tmp_path):
    data, parser, parsed, row = _one_printed(documents, "abn", "prepayment_cny")
    row["prepayment_cny"] = row["prepayment_cny"]._replace(text="不适用")
    batch = _batch(tmp_path, "null", schemas)
    batch.keep(_stored(data, tmp_path), parsed)
    files, misfits = batch.write()
    assert misfits == {}
    assert _written(files, "core.pool_performance")["prepayment_cny"].to_list() == [None]


def test_the_per_cell_page_is_named_when_the_figure_stands_elsewhere(documents, schemas, tmp_path):
    data, parser, parsed, row = _one_printed(documents, "abn", "interest_collected_cny")
    row["interest_collected_cny"] = row["interest_collected_cny"]._replace(text="abc", page=7)
    batch = _batch(tmp_path, "page", schemas)
    batch.keep(_stored(data, tmp_path), parsed)
    _, misfits = batch.write()
    assert misfits[sha256_hex(data)]["page"] == 7


def test_a_real_yield_curve_download_gives_the_same_batch_file(schemas, tmp_path):
    """ChinaBond's 2016 annual download (4,116 points, rates as text): the batch types every
    收益率(%) cell as a column, and the file equals the per-cell one point for point."""
    path = Path(__file__).parents[2] / "fixtures" / "real_world" / "chinabond_govt_curve_2016.xlsx"
    data = path.read_bytes()
    parse = lambda data: parse_yield_curve(data, file_name=path.name)  # noqa: E731
    typed, printed = _batch(tmp_path, "typed", schemas), _batch(tmp_path, "printed", schemas)
    typed.keep(_stored(data, tmp_path), _parse(parse, data, deferred=False))
    raw = _parse(parse, data, deferred=True)
    assert len(_printed_cells(raw)) > 4_000
    printed.keep(_stored(data, tmp_path), raw)
    (typed_files, typed_misfits), (printed_files, printed_misfits) = typed.write(), printed.write()
    assert typed_misfits == printed_misfits == {}
    expected, got = _written(typed_files, "core.yield_curves"), _written(printed_files, "core.yield_curves")
    assert got.height == expected.height > 4_000 and got.equals(expected)


def test_a_printed_figure_for_a_text_column_is_a_parser_crash(documents, schemas, tmp_path):
    data, parser, parsed, row = _one_printed(documents, "abn", "pool_balance_end_cny")
    row["source_table"] = Raw("二、资产池情况")
    batch = _batch(tmp_path, "crash", schemas)
    with pytest.raises(DocumentError, match="core.pool_performance.source_table") as caught:
        batch.keep(_stored(data, tmp_path), parsed)
    assert caught.value.check == "parser_crash" and batch.rows == {}
