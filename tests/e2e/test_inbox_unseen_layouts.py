"""A new small-micro ABN's documents in layouts the sample market never makes, dropped into the
inbox as a user would: its 发行说明书, its 簿记建档发行结果公告 (one tranche per page) and its first
资产运营报告 (sections named 第一部分…, no 信托名称 row). Earlier these were quarantined with
"no section '基本信息'" and "row 信托名称 not found in section 信托基本信息"; all three must load
and the warehouse must hold the figures printed in them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import duckdb
import pytest

from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from tests.transforms.parse.test_unseen_announcements import HUIXIANG, huixiang_offering, huixiang_results
from tests.transforms.parse.test_unseen_trustee_reports import huixiang_first_report
from transforms.normalise.ids import deal_id_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def inbox_run(tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    files = []
    for name, data in ((f"{HUIXIANG}发行说明书（摘要）.pdf", huixiang_offering()),
                       (f"{HUIXIANG}簿记建档发行结果公告.pdf", huixiang_results()),
                       (f"{HUIXIANG}信托资产运营报告（第1期）.pdf", huixiang_first_report())):
        path = inbox / name
        path.write_bytes(data)
        files.append(path)
    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("unseen-data")
    summary = run_job(settings, [InboxSource(files)], flow_name="ingest")
    con = duckdb.connect(summary["published_path"], read_only=True)
    yield summary, con
    con.close()


def test_every_document_loads(inbox_run):
    summary, con = inbox_run
    assert summary["outcome"] == "published", summary["message"]
    rows = con.execute("SELECT doc_type, outcome, outcome_reason FROM raw.documents ORDER BY doc_type").fetchall()
    assert rows == [("issuance_results", "loaded", None), ("offering_circular", "loaded", None),
                    ("trustee_report", "loaded", None)]


def test_the_warehouse_holds_the_printed_figures(inbox_run):
    _, con = inbox_run
    deal_id = deal_id_for(HUIXIANG)
    assert con.execute("SELECT market, asset_class, deal_amount_cny FROM core.deals WHERE deal_id = ?",
                       [deal_id]).fetchone() == ("abn", "small_micro_loan", D("950000000.00"))
    assert con.execute(
        "SELECT tranche_id, tranche_class, amount_cny FROM core.tranches WHERE deal_id = ? ORDER BY seniority_rank",
        [deal_id]).fetchall() == [("082580123.IB", "senior", D("800000000.00")),
                                  ("082580124.IB", "mezzanine", D("50000000.00")),
                                  ("082580125.IB", "subordinated", D("100000000.00"))]
    assert con.execute(
        "SELECT period_number, payment_date, pool_balance_begin_cny, pool_balance_end_cny, loan_count_end "
        "FROM core.pool_performance WHERE deal_id = ?", [deal_id]).fetchall() == [
        (1, dt.date(2025, 9, 26), D("950000000.00"), D("853412345.67"), 11876)]
    assert con.execute(
        "SELECT p.tranche_id, p.principal_paid_cny, p.principal_after_cny FROM core.tranche_payments p "
        "JOIN core.tranches t USING (tranche_id) WHERE p.deal_id = ? ORDER BY t.seniority_rank", [deal_id]).fetchall() == [
        ("082580123.IB", D("95171450.00"), D("704828550.00")),
        ("082580124.IB", D("0.00"), D("50000000.00")),
        ("082580125.IB", D("0.00"), D("100000000.00"))]
