"""The per-document entry point: a venue family's report in a layout its own parser does not
know is read by the label-driven trustee-report reader before it is quarantined."""

from __future__ import annotations

import pytest

from pipeline.hooks import parse_document
from tests.transforms.parse.handmade import PAGE_W, Pdf
from tests.transforms.parse.test_unseen_trustee_reports import HUIXIANG, huixiang_first_report
from transforms.parse.base import DocumentError
from transforms.parse.detect import detect_doc_type
from warehouse.rawstore import StoredDocument


def stored(name: str) -> StoredDocument:
    return StoredDocument(source="inbox", source_doc_id=name, sha256="0" * 64, url=None, title=None, file_name=name,
                          published_at=None, doc_type_hint=None, size_bytes=0, first_seen_at="", last_seen_at="",
                          path=None)


def test_an_operating_report_in_an_unseen_layout_is_read_as_a_trustee_report():
    name, data = f"{HUIXIANG}信托资产运营报告（第1期）.pdf", huixiang_first_report()
    assert detect_doc_type(data, name) == "abn_operating_report"  # its own parser is tried first
    parsed = parse_document(stored(name), data, None)
    assert parsed.doc_type == "trustee_report"
    assert parsed.tables["core.pool_performance"] and parsed.tables["core.tranche_payments"]


def test_neither_reader_reading_it_quarantines_with_both_reasons():
    """A title page and nothing else: no figures for either reader."""
    pdf = Pdf(footer="第{n}页")
    pdf.line(HUIXIANG, x=PAGE_W / 2, size=15, align="c", gap=24)
    pdf.line("信托资产运营报告（第2期）", x=PAGE_W / 2, size=15, align="c", gap=50)
    name, data = f"{HUIXIANG}信托资产运营报告（第2期）.pdf", pdf.bytes(f"{HUIXIANG}信托资产运营报告")
    with pytest.raises(DocumentError, match="read as a trustee report: ") as caught:
        parse_document(stored(name), data, None)
    assert caught.value.check != "parser_crash"


def test_one_parse_reads_a_workbook_and_opens_a_pdf_once(monkeypatch):
    """The screen, the type detection and the parser share their readings of one document (the
    workbook was read twice, the PDF opened three times); each caller still gets rows of its own."""
    from pathlib import Path

    import pypdfium2

    from transforms.parse import xlsx_cells
    from transforms.parse.one_read import one_read_per_parse

    reads, opens = [], []
    read_workbook, open_pdf = xlsx_cells._read_workbook, pypdfium2.PdfDocument
    monkeypatch.setattr(xlsx_cells, "_read_workbook", lambda data: reads.append(1) or read_workbook(data))
    monkeypatch.setattr(pypdfium2, "PdfDocument", lambda data, *a, **k: opens.append(1) or open_pdf(data, *a, **k))

    curve = (Path(__file__).resolve().parents[1] / "fixtures" / "real_world" / "chinabond_govt_curve_2016.xlsx").read_bytes()
    parsed = parse_document(stored("chinabond_govt_curve_2016.xlsx"), curve, None)
    assert parsed.doc_type == "yield_curve" and len(parsed.tables["core.yield_curves"]) > 4000
    assert len(reads) == 1
    parsed = parse_document(stored(f"{HUIXIANG}信托资产运营报告（第1期）.pdf"), huixiang_first_report(), None)
    assert parsed.tables["core.pool_performance"] and len(opens) == 1

    with one_read_per_parse(curve):
        first, second = xlsx_cells.read_workbook(curve), xlsx_cells.read_workbook(curve)
    assert len(reads) == 2 and first == second
    first[0][1][0].append("changed by one caller")
    assert first != second
