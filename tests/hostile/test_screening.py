"""The screening before parsing, case by case, in-process (the whole-corpus ingest is
test_hostile_ingest): every hostile kind gets its reason, limits come from configuration,
and the real documents of the sample market pass untouched."""

from __future__ import annotations

import pickle

import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO

import pytest

from pipeline.limits import LimitExceeded, screen_document
from settings import Limits, Settings
from sources.http import BodyTooLargeError, HttpClient, HttpSettings
from sources.inbox import InboxFileTooLarge, InboxSource
from tests.hostile.corpus import (
    BILLION_LAUGHS, CORPUS, fonts_pdf, html_page, image_pdf, object_stream_pdf, pdf_bomb, real_workbook, replace_part, text_pdf,
    xlsx_bomb,
)
from transforms.parse.base import DocumentError
from transforms.parse.trustee_report import parse_trustee_report
from transforms.parse.xlsx_cells import XlsxError, read_workbook
from transforms.sniff import json_depth, sniff, xml_prolog_has_dtd

LIMITS = Limits()
MB = 1 << 20
CONTENT_CASES = [c for c in CORPUS if not c.reason[0].startswith("unrecognised")]


@pytest.mark.parametrize("case", CONTENT_CASES, ids=[c.kind for c in CONTENT_CASES])
def test_each_hostile_kind_is_refused_with_its_reason(case):
    with pytest.raises(DocumentError) as caught:
        screen_document(case.make(), LIMITS)
    for fragment in case.reason:
        assert fragment in str(caught.value)


def test_limits_come_from_configuration(monkeypatch):
    monkeypatch.setenv("ABS_ETL_LIMITS__MAX_PDF_PAGES", "2000")
    monkeypatch.setenv("ABS_ETL_LIMITS__MAX_UNCOMPRESSED_MB", "1000")
    monkeypatch.setenv("ABS_ETL_LIMITS__MAX_COMPRESSION_RATIO", "1000")
    monkeypatch.setenv("ABS_ETL_LIMITS__MAX_DOCUMENT_MB", "0.3")
    limits = Settings().limits
    assert screen_document(text_pdf(1500), limits).kind == "pdf"  # 1,500 pages are allowed now
    assert screen_document(xlsx_bomb(300), Limits(max_uncompressed_mb=1000, max_compression_ratio=1000)).kind == "xlsx"
    with pytest.raises(LimitExceeded, match=r"document is 0\.4 MB, over the 0\.3 MB limit \(limits\.max_document_mb\)"):
        screen_document(image_pdf(400_000), limits)


def test_limit_error_names_limit_value_and_what_the_document_had():
    with pytest.raises(LimitExceeded) as caught:
        screen_document(text_pdf(30), Limits(max_pdf_pages=20))
    assert str(caught.value) == "PDF has 30 pages, over the 20-page limit (limits.max_pdf_pages)"
    assert caught.value.check == "limits.max_pdf_pages" and caught.value.limit == 20


def test_pdf_bomb_is_caught_with_bounded_memory():
    import resource

    bomb = pdf_bomb(400)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(LimitExceeded, match="decompression bomb"):
        screen_document(bomb, LIMITS)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50, f"screening the bomb grew the process by {grown_mb:.0f} MB"


def test_a_bomb_in_a_font_program_is_caught():
    """Font programs are inflated only when their worst case could pass the budget; this one can."""
    from transforms.sniff import pdf_facts

    facts = pdf_facts(pdf_bomb(30, in_font=True), 20 * MB)
    assert facts.over_budget and facts.has_text
    with pytest.raises(LimitExceeded, match="decompression bomb"):
        screen_document(pdf_bomb(300, in_font=True), LIMITS)


def test_fonts_are_measured_when_their_worst_case_passes_the_budget():
    """Twenty 4 KB font programs could inflate to 80 MB by deflate's bound: over a 1 MB budget,
    so they are inflated, and found to be 80 KB; a 40 KB budget they really pass."""
    from transforms.sniff import pdf_facts

    document = fonts_pdf(20, 4096)
    assert not pdf_facts(document, MB).over_budget
    assert pdf_facts(document, 40_000).over_budget
    assert screen_document(document, Limits(max_uncompressed_mb=1)).kind == "pdf"


def test_text_pdf_and_small_workbook_pass():
    assert screen_document(text_pdf(3), LIMITS).kind == "pdf"
    assert screen_document(object_stream_pdf(b""), LIMITS).kind == "pdf"  # compressed objects, xref stream
    assert screen_document(real_workbook(), LIMITS).kind == "xlsx"
    assert screen_document("证券代码,余额\n1,2\n".encode("gb18030"), LIMITS).encoding == "gb18030"
    assert screen_document(b'{"data": [[1, 2]]}', LIMITS).kind == "json"


def test_sample_market_documents_pass_screening(seed_data):
    """Every document of the seed market that should load passes; the broken ones it refuses are
    refused for the reason the market expects (truncated or corrupt, no text layer)."""
    import polars as pl

    from sample_market.generate import ensure_generated
    from tests.hostile.conftest import SEED

    market = ensure_generated(seed_data / "sample_market", scale="seed", seed=SEED)
    expected = pl.read_parquet(market / "expected_outcomes.parquet")
    wrong = []
    for row in expected.iter_rows(named=True):
        try:
            screen_document((market / row["rel_path"]).read_bytes(), LIMITS)
        except DocumentError as exc:
            if row["expected_outcome"] != "quarantined" or row["expected_reason"].lower() not in str(exc).lower():
                wrong.append((row["rel_path"], row["expected_outcome"], str(exc)))
    assert len(expected) > 1000 and not wrong, wrong[:5]


def test_json_depth_counts_without_recursion():
    assert json_depth(b"[" * 200_000 + b"]" * 200_000) == 200_000
    assert json_depth(b'{"a": "[[[[", "b": [{"c": 1}]}') == 3
    assert json_depth(b'["\\"[[[", [1]]') == 2


def test_xml_readers_refuse_dtds_before_expanding_entities():
    workbook = replace_part(real_workbook(), "xl/sharedStrings.xml", BILLION_LAUGHS)
    with pytest.raises(XlsxError, match="DTD"):
        read_workbook(workbook)
    with pytest.raises(DocumentError, match="DTD"):
        parse_trustee_report(workbook)
    assert xml_prolog_has_dtd(b'<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE x [<!ENTITY a "b">]><x/>')
    assert not xml_prolog_has_dtd(b'<?xml version="1.0"?><sst><si><t>&lt;!DOCTYPE&gt;</t></si></sst>')


def test_sniffer_is_the_format_source_for_parsers_and_registry():
    from transforms.parse.tabular import sniff_format

    assert sniff_format(html_page("访问受限")) == "html"
    assert sniff_format(real_workbook()[:3000]) == "broken_zip"
    assert sniff(real_workbook()).file_format == "xlsx" and sniff(b"a,b\n1,2\n").file_format == "csv"


class _Big(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        if self.path == "/declared":
            self.send_header("Content-Length", str(8 << 20))
        self.end_headers()
        try:
            for _ in range(8):
                self.wfile.write(b"%PDF-1.7\n" + b"0" * ((1 << 20) - 9))
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("path", ["/declared", "/chunked"])
def test_http_refuses_bodies_over_the_limit_while_streaming(path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Big)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        client = HttpClient(HttpSettings(max_body_mb=2, max_attempts=3))
        with pytest.raises(BodyTooLargeError, match=r"over the 2 MB limit \(limits\.max_document_mb\)") as caught:
            client.get(f"http://127.0.0.1:{server.server_address[1]}{path}", expect="pdf")
        assert caught.value.attempts == 1  # never retried
        assert client.stats.bytes_received == 0
    finally:
        server.shutdown()
        server.server_close()


def test_inbox_refuses_files_over_the_limit_without_reading_them(tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as fh:
        fh.truncate(3 << 20)
    source = InboxSource([tmp_path], max_document_mb=2)
    entry = next(iter(source.list_new()))
    with pytest.raises(InboxFileTooLarge, match=r"big\.pdf is 3\.0 MB, over the 2 MB limit"):
        source.download(entry)


def test_zip_sizes_are_read_from_the_central_directory_only():
    bomb = xlsx_bomb(250)
    with zipfile.ZipFile(BytesIO(bomb)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 250 << 20
    with pytest.raises(LimitExceeded, match=r"xlsx inflates to 250\.0 MB"):
        screen_document(bomb, LIMITS)


def test_parse_context_carries_the_run_limits():
    from pipeline.limits import limits_in

    from pipeline.hooks import ParseContext

    assert limits_in({"limits": Limits(max_pdf_pages=3)}).max_pdf_pages == 3
    context = pickle.loads(pickle.dumps(ParseContext({"a": "b"}, Limits(max_pdf_pages=3))))  # as a worker gets it
    assert limits_in(context).max_pdf_pages == 3 and dict(context.aliases) == {"a": "b"}
    assert limits_in(ParseContext()) == Settings().limits  # a worker without them reads the configured ones


def test_ascii85_streams_decode_exactly_as_the_standard_library_reads_them():
    """The screen decodes ASCII85 streams with numpy (the stdlib decoder was a third of the
    parse time of an exchange report); it must agree with ``base64.a85decode`` on valid text,
    wrapped text, every final-group length and garbage alike."""
    import base64
    import random

    from transforms.sniff import a85decode

    rng = random.Random(20261207)
    for n in [*range(0, 12), *(rng.randint(12, 4000) for _ in range(60))]:
        data = rng.randbytes(n)
        for encoded in (base64.a85encode(data), base64.a85encode(data, wrapcol=75), base64.a85encode(data, foldspaces=False)):
            assert a85decode(encoded) == data
    for _ in range(3000):
        text = bytes(rng.choice(b"!#$%&uvz{~ AB\t\x7f5") for _ in range(rng.randint(0, 13)))
        try:
            expected = base64.a85decode(text)
        except ValueError:
            with pytest.raises(ValueError):
                a85decode(text)
        else:
            assert a85decode(text) == expected
