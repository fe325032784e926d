"""The chart report: built from a real (small) warehouse, every chart a real PNG, the page offline."""

from __future__ import annotations

import html
import re

import duckdb
import pytest
from PIL import Image

from warehouse.marts import apply_marts
from reports.charts import CHARTS, build_report, has_marts, open_with_marts

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report_dir(truth_db, tmp_path_factory):
    apply_marts(truth_db)
    out = tmp_path_factory.mktemp("report")
    written = build_report(truth_db, out)
    return out, written


def test_writes_one_png_per_chart_and_the_page(report_dir):
    out, written = report_dir
    assert [p.name for p in written] == [c.file_name for c in CHARTS] + ["index.html"]
    assert all(p.parent == out and p.is_file() for p in written)
    assert len({c.file_name for c in CHARTS}) == len(CHARTS) == 10
    assert len({c.title for c in CHARTS}) == len(CHARTS)


@pytest.mark.parametrize("chart", CHARTS, ids=lambda c: c.file_name.removesuffix(".png"))
def test_chart_is_a_real_non_trivial_png(report_dir, chart):
    out, _ = report_dir
    path = out / chart.file_name
    assert path.read_bytes()[:8] == PNG_MAGIC
    with Image.open(path) as image:
        image.load()
        assert image.format == "PNG"
        width, height = image.size
        assert width >= 400 and height >= 300
        colours = image.convert("RGB").getcolors(maxcolors=width * height)
    # a drawn chart (text, bars, lines, antialiasing) — not a blank or flat-colour canvas
    assert len(colours) >= 50
    dominant = max(count for count, _ in colours)
    assert dominant < 0.97 * width * height


def test_page_references_every_chart_and_its_title(report_dir):
    out, _ = report_dir
    page = (out / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', page)
    assert sources == [c.file_name for c in CHARTS]  # relative, in order
    for chart in CHARTS:
        assert html.escape(chart.title) in page
        assert html.escape(chart.caption) in page
        assert "Source: " in chart.caption and re.search(r"\b(marts|core)\.[a-z_]+", chart.caption)


def test_page_is_offline(report_dir):
    out, _ = report_dir
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "<link" not in page.lower()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "@import" not in page and "url(" not in page


def test_notes_come_from_the_warehouse(report_dir, truth_db):
    """The note under the leasing chart states what the warehouse holds, not a typed-in figure."""
    out, _ = report_dir
    page = (out / "index.html").read_text(encoding="utf-8")
    deals, amount = truth_db.execute(
        "SELECT sum(deals), sum(amount_yi) FROM marts.issuance_by_month "
        "WHERE asset_class = 'leasing' AND period_year = 2025 AND month_number <= 7"
    ).fetchone()
    assert f"Jan–Jul 2025: {deals} deals, {float(amount):,.2f} 亿元" in page


def test_same_warehouse_same_bytes(report_dir, truth_db, tmp_path):
    out, written = report_dir
    again = build_report(truth_db, tmp_path)
    for first, second in zip(written, again):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_read_only_warehouse_without_marts_gets_them_in_memory(truth_db, tmp_path):
    path = tmp_path / "no_marts.duckdb"
    truth_db.execute(f"ATTACH '{path}' AS no_marts")
    try:
        truth_db.execute("COPY FROM DATABASE memory TO no_marts")
        truth_db.execute("DROP SCHEMA IF EXISTS no_marts.marts CASCADE")
    finally:
        truth_db.execute("DETACH no_marts")
    before = path.read_bytes()

    plain = duckdb.connect(str(path), read_only=True)
    try:
        assert not has_marts(plain)
    finally:
        plain.close()
    con = open_with_marts(path)
    try:
        assert has_marts(con)
        deals = con.execute("SELECT count(*) FROM marts.deal_facts").fetchone()[0]
        assert deals == truth_db.execute("SELECT count(*) FROM core.deals").fetchone()[0]
    finally:
        con.close()
    assert path.read_bytes() == before  # never written
