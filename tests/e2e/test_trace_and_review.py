"""`abs-etl trace` and `abs-etl review` on the warehouse the pipeline published from the seed
market's real documents (PDF trustee reports, XLSX exports): provenance reaches the page and the
line as printed, cited pages are drawn with their cells boxed, and the review of 2025 is written
from this warehouse with its sources."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from reports.trace import Tracer
from warehouse.figures import load_catalogue

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue()


@pytest.fixture(scope="module")
def published(seed_run):
    con = duckdb.connect(seed_run["published_path"], read_only=True)
    yield con
    con.close()


def cli(e2e_settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ABS_ETL_PATHS__DATA_DIR": str(e2e_settings.paths.data_dir), "COLUMNS": "80"}
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("figure", CATALOGUE, ids=[f.id for f in CATALOGUE])
def test_every_figure_traces_to_documents(published, figure):
    trace = Tracer(published).trace_figure(figure, printed=False)
    assert trace.untraced == [], f"{figure.id}: marts without lineage {trace.untraced}"
    assert trace.citations, f"{figure.id}: no rows behind it"
    assert trace.documents, f"{figure.id}: no documents behind it"
    assert all(trace.documents[c.document_id].outcome == "loaded" for c in trace.citations if c.document_id)


def test_trustee_report_rows_read_back_as_printed(published):
    """S-10's cumulative default rates come from trustee reports (credit ABS), the period tables
    of 资产管理报告 (exchange ABS) and 资产运营报告 (ABN): each cited PDF line is the row label
    followed by the number the warehouse holds."""
    figure = next(f for f in CATALOGUE if f.id == "S-10")
    trace = Tracer(published).trace_figure(figure)
    pdf_rows = [c for c in trace.citations if trace.documents[c.document_id].file_format == "pdf"]
    assert len(pdf_rows) > 20
    assert {trace.documents[c.document_id].doc_type for c in pdf_rows} == {
        "trustee_report", "asset_management_report", "abn_operating_report"}
    checked = 0
    for c in pdf_rows:
        assert c.page is not None and c.as_printed, c
        if c.row_label != "期末资产池余额":
            continue
        balance = published.execute(
            "SELECT pool_balance_end_cny FROM core.pool_performance WHERE deal_id = ? AND grain = ? AND period_number = ?",
            [c.key["deal_id"], c.key["grain"], c.key["period_number"]]).fetchone()[0]
        printed = re.search(r"期末资产池余额\s*([\d,]+\.\d{2})", c.as_printed)
        assert printed, c.as_printed
        assert Decimal(printed.group(1).replace(",", "")) == balance
        checked += 1
    assert checked > 10


def test_trace_cli_renders_pdf_pages_with_boxes(e2e_settings, seed_run, tmp_path):
    result = cli(e2e_settings, "trace", "S-10", "--render", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert all(sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) <= 80 for line in lines if not line.startswith("wrote"))
    assert "trustee_report · pdf" in result.stdout and "as printed: 期末资产池余额" in result.stdout
    pngs = sorted(tmp_path.glob("*.png"))
    assert pngs
    from PIL import Image

    with Image.open(pngs[0]) as image:
        rgb = image.convert("RGB")
        red = sum(1 for r, g, b in rgb.getdata() if r > 200 and g < 60 and b < 60)
        assert rgb.size[0] > 1000 and red > 200  # the page at 144 dpi, the cited cells outlined


def test_trace_cli_renders_workbook_rows_as_html(e2e_settings, seed_run, tmp_path):
    result = cli(e2e_settings, "trace", "L-02", "--render", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cnabs_export · xlsx" in result.stdout or "issuance_export · xlsx" in result.stdout
    pages = sorted(tmp_path.glob("*.html"))
    assert pages
    text = pages[0].read_text(encoding="utf-8")
    assert text.count('class="cited"') >= 1 and "<th>" in text


def test_trace_a_bare_key_and_a_revision(e2e_settings, published):
    revised = published.execute("""
        SELECT p.deal_id, p.period_number, d.document_id, d.supersedes_document_id
        FROM core.pool_performance p JOIN raw.documents d USING (document_id)
        WHERE d.supersedes_document_id IS NOT NULL LIMIT 1""").fetchone()
    assert revised, "the seed market revises some trustee reports"
    deal_id, period, document_id, old = revised
    result = cli(e2e_settings, "trace", f"core.pool_performance:deal_id={deal_id},period_number={period}")
    assert result.returncode == 0, result.stderr[-3000:]
    flat = re.sub(r"\s+", "", result.stdout)
    assert document_id in flat and f"revises{old[:12]}" in flat
    old_outcome = published.execute("SELECT outcome, superseded_by_document_id FROM raw.documents WHERE document_id = ?",
                                    [old]).fetchone()
    assert old_outcome == ("superseded", document_id)
    bare = cli(e2e_settings, "trace", deal_id)
    assert bare.returncode == 0 and "core.deals" in bare.stdout and deal_id in re.sub(r"\s+", "", bare.stdout)
    mart = cli(e2e_settings, "trace", f"marts.pool_performance_by_mob:deal_id={deal_id},period_number={period}")
    assert mart.returncode == 0 and document_id in re.sub(r"\s+", "", mart.stdout)


def test_review_of_2025_from_the_pipeline_warehouse(e2e_settings, seed_run, tmp_path):
    from reports.browser import BrowserMissing, find_chromium

    try:
        find_chromium()
        pdf = []
    except BrowserMissing:
        pdf = ["--no-pdf"]
    started = time.perf_counter()
    result = cli(e2e_settings, "review", "--period", "2025", "--out", str(tmp_path), *pdf)
    seconds = time.perf_counter() - started
    print(f"review of the seed warehouse for 2025: {seconds:.1f} s (command, including interpreter start)")
    assert result.returncode == 0, result.stderr[-3000:]
    text = (tmp_path / "review.html").read_text(encoding="utf-8")
    s01 = next(f for f in CATALOGUE if f.id == "S-01").expected
    plain = re.sub(r"<[^>]+>", "", text)
    assert f"小微贷款ABS共发行{s01['deals']}单，同比增长{s01['deals_yoy'] * 100:.2f}%" in plain
    assert re.search(r"来源文档 \d+ 份（[^）]*offering_circular", plain) or re.search(r"来源文档 \d+ 份", plain)
    assert "来源文档 0 份" not in plain
    if not pdf:
        assert (tmp_path / "review.pdf").read_bytes()[:5] == b"%PDF-"
