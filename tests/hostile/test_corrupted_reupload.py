"""A corrupted re-upload of a report the warehouse already loaded is quarantined as a document,
and the good version stays loaded: an impossible date, a negative balance, and a unit changed
from 元 to 万元 without the figures changing."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from tests.hostile.fingerprint import core_fingerprint
from tests.hostile.reupload import corruptions, xlsx_report

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def good_report(seed_world, seed_data):
    report = xlsx_report(seed_world)
    con = duckdb.connect(str(seed_data / "warehouse" / "abs_warehouse.duckdb"), read_only=True)
    try:
        end, payment_date, document_id = con.execute(
            "SELECT pool_balance_end_cny, payment_date, document_id FROM core.pool_performance "
            "WHERE deal_id = ? AND period_number = ?", [report.deal_id, report.period]).fetchone()
    finally:
        con.close()
    return report, end, payment_date, document_id


@pytest.mark.parametrize("kind", ["impossible date", "negative balance", "unit changed from 元 to 万元, values unchanged"])
def test_corrupted_reupload_is_quarantined_and_the_good_version_stays(kind, good_report, seed_copy, tmp_path):
    report, end, payment_date, good_id = good_report
    printed_end = format(end.normalize(), "f")
    day = f"{payment_date.year}年{payment_date.month}月{payment_date.day}日"
    (case,) = [c for c in corruptions(report, printed_end, day) if c.kind == kind]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"{report.title}.xlsx").write_bytes(case.data)
    settings = Settings()
    settings.paths.data_dir = seed_copy
    published = seed_copy / "warehouse" / "abs_warehouse.duckdb"
    before = core_fingerprint(published)

    summary = run_job(settings, [InboxSource([inbox])], flow_name="ingest")

    assert summary["outcome"] == "published", summary["message"]
    con = duckdb.connect(summary["published_path"], read_only=True)
    try:
        outcome, reason = con.execute("SELECT outcome, outcome_reason FROM raw.documents WHERE source = 'inbox'").fetchone()
        good = con.execute("SELECT outcome, superseded_by_document_id FROM raw.documents WHERE document_id = ?",
                           [good_id]).fetchone()
        loaded_from = con.execute("SELECT DISTINCT document_id FROM core.pool_performance WHERE deal_id = ? "
                                  "AND period_number = ?", [report.deal_id, report.period]).fetchall()
    finally:
        con.close()
    assert outcome == "quarantined"
    assert all(fragment in reason for fragment in case.reason), reason
    assert good == ("loaded", None)
    assert loaded_from == [(good_id,)]
    assert core_fingerprint(published) == before
