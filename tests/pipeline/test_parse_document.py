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
