"""Runs on top of the published seed warehouse: one more deal through the inbox moves the
affected figures by exactly that deal; a revised report that breaks a reconciliation is refused
and the published warehouse stays exactly as it was."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from datetime import date
from decimal import Decimal

import duckdb
import pytest

from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from warehouse.figures import load_catalogue, run_figure
from warehouse.publish import PublishRefused, WarehouseLayout

pytestmark = pytest.mark.slow
YI = Decimal(100_000_000)


def copy_of_published(seed_run, e2e_settings, tmp_path) -> Settings:
    """A private copy of the seed run's raw store and warehouse, to run more jobs on."""
    settings = Settings()
    settings.paths.data_dir = tmp_path / "data"
    for part in ("raw", "warehouse"):
        shutil.copytree(e2e_settings.paths.data_dir / part, settings.paths.data_dir / part)
    return settings


def published_file(settings: Settings):
    return WarehouseLayout(settings.paths.warehouse_dir).published


def answers(path, ids) -> dict[str, list[dict]]:
    """Each figure's rows as dicts, from the catalogue's own queries."""
    con = duckdb.connect(str(path), read_only=True)
    catalogue = {f.id: f for f in load_catalogue()}
    out = {}
    for i in ids:
        columns, rows = run_figure(con, catalogue[i])
        out[i] = [dict(zip(columns, r)) for r in rows]
    con.close()
    return out


@pytest.fixture(scope="module")
def seed_world():
    from sample_market.world import build_world

    return build_world("seed", 20251231)


def test_one_more_deal_changes_the_figures_by_exactly_that_deal(seed_run, e2e_settings, seed_world, tmp_path):
    from sample_market.documents.issuance_export import render_issuance_export

    settings = copy_of_published(seed_run, e2e_settings, tmp_path)
    before = answers(published_file(settings), ["L-02", "L-04", "S-01", "A-10"])
    template = next(d for d in seed_world.rows("core.deals")
                    if d["asset_class"] == "leasing" and d["asset_subclass"] == "corporate_leasing"
                    and d["value_date"].year == 2025)
    agency = next(t["initial_rating_agency_id"] for t in seed_world.rows("core.tranches")
                  if t["deal_id"] == template["deal_id"] and t["initial_rating_agency_id"])
    name = "测试租赁2025年第九期资产支持专项计划"
    from transforms.normalise.ids import deal_id_for

    new_deal = {**template, "deal_id": deal_id_for(name), "deal_name_zh": name, "deal_short_name": "25测试9",
                "series_name": "测试租赁", "issue_number": 9, "market": "exchange_abs",
                "value_date": date(2025, 5, 20), "issue_date": date(2025, 5, 15),
                "deal_amount_cny": Decimal("500000000.00"), "has_external_enhancement": False}
    tranches = [
        {"tranche_id": "269901.SH", "deal_id": new_deal["deal_id"], "security_code": "269901.SH", "tranche_name": "优先A",
         "tranche_class": "senior", "seniority_rank": 1, "amount_cny": Decimal("450000000.00"),
         "coupon_rate": Decimal("0.0230"), "coupon_type": "fixed", "issue_price_per_100": Decimal("100"),
         "amortisation": "pass_through", "expected_maturity_date": date(2027, 5, 20),
         "legal_maturity_date": template["legal_maturity_date"], "expected_tenor_years": Decimal("2.0"),
         "initial_rating": "AAAsf", "initial_rating_agency_id": agency},
        {"tranche_id": "269902.SH", "deal_id": new_deal["deal_id"], "security_code": "269902.SH", "tranche_name": "次级",
         "tranche_class": "subordinated", "seniority_rank": 2, "amount_cny": Decimal("50000000.00"),
         "issue_price_per_100": Decimal("100"), "amortisation": "pass_through",
         "expected_maturity_date": date(2028, 5, 20), "legal_maturity_date": template["legal_maturity_date"],
         "expected_tenor_years": Decimal("3.0")},
    ]
    drop = tmp_path / "inbox"
    drop.mkdir()
    (drop / "新增项目_发行明细.xlsx").write_bytes(
        render_issuance_export([new_deal], tranches, seed_world.rows("core.institutions")))
    summary = run_job(settings, [InboxSource([drop])], flow_name="ingest")
    assert summary["outcome"] == "published" and summary["documents"]["loaded"] == 1, summary["message"]

    after = answers(published_file(settings), ["L-02", "L-04", "S-01", "A-10"])
    b2, a2 = before["L-02"][0], after["L-02"][0]
    assert a2["deals"] == b2["deals"] + 1
    assert Decimal(str(a2["amount_yi"])) - Decimal(str(b2["amount_yi"])) == Decimal("5.00")
    assert (a2["deals_2024"], a2["amount_2024_yi"]) == (b2["deals_2024"], b2["amount_2024_yi"])
    by_type_before = {r["asset_subclass"]: r for r in before["L-04"]}
    by_type_after = {r["asset_subclass"]: r for r in after["L-04"]}
    assert by_type_after["corporate_leasing"]["deals"] == by_type_before["corporate_leasing"]["deals"] + 1
    assert (Decimal(str(by_type_after["corporate_leasing"]["amount_yi"]))
            - Decimal(str(by_type_before["corporate_leasing"]["amount_yi"]))) == Decimal("5.00")
    assert by_type_after["small_micro_leasing"]["amount_yi"] == by_type_before["small_micro_leasing"]["amount_yi"]
    # figures of other segments do not move
    assert after["S-01"] == before["S-01"] and after["A-10"] == before["A-10"]


def test_revision_that_breaks_a_reconciliation_is_refused(seed_run, e2e_settings, seed_world, tmp_path):
    from sample_market.documents.trustee_report import (
        render_trustee_report, report_title, reports_from_tables, template_for_trustee,
    )

    settings = copy_of_published(seed_run, e2e_settings, tmp_path)
    published = published_file(settings)
    before = hashlib.sha256(published.read_bytes()).hexdigest()
    npl = {d["deal_id"] for d in seed_world.rows("core.deals") if d["asset_class"] == "npl"}
    deal_id = sorted(set(seed_world.extras["trustee_report_deals"]) - npl)[0]  # NPL pools have no roll-forward
    report = next(iter(reports_from_tables(seed_world.tables, [deal_id])))
    wrong = dataclasses.replace(report, pool={**report.pool,
                                              "pool_balance_end_cny": report.pool["pool_balance_end_cny"] + 100})
    title = report_title(report.deal_name, report.period_number, report.report_date, revision="更正")
    drop = tmp_path / "inbox"
    drop.mkdir()
    (drop / f"{title}.pdf").write_bytes(
        render_trustee_report(wrong, template_for_trustee(report.trustee_name), "pdf", "revised"))

    with pytest.raises(PublishRefused, match="pool_balance_roll_forward"):
        run_job(settings, [InboxSource([drop])], flow_name="ingest")
    assert hashlib.sha256(published.read_bytes()).hexdigest() == before
    con = duckdb.connect(str(published), read_only=True)  # the old build is still published and readable
    assert con.execute("SELECT count(*) FROM core.pool_performance WHERE deal_id = ?", [deal_id]).fetchone()[0] > 0
    con.close()
    from warehouse.publish import WarehouseLayout, read_last_run

    last = read_last_run(WarehouseLayout(settings.paths.warehouse_dir))
    assert last["outcome"] == "refused" and "pool_balance_roll_forward" in last["message"]


def test_a_refused_runs_checks_join_the_history_of_the_next_publish(tmp_path):
    """The quality rows of a refused build are not lost: they are published with the next build."""
    settings = Settings()
    settings.paths.data_dir = tmp_path / "data"
    settings.pipeline.required_tables = ["core.deals"]   # a note alone loads no deal: refused
    drop = tmp_path / "inbox"
    drop.mkdir()
    (drop / "note.txt").write_text("not a document we know\n")

    with pytest.raises(PublishRefused, match=r"core\.deals is empty"):
        run_job(settings, [InboxSource([drop])], run_id="refused-run")
    assert not published_file(settings).exists()
    (drop / "note2.txt").write_text("another\n")
    settings.pipeline.required_tables = []
    run_job(settings, [InboxSource([drop])], run_id="next-run")
    con = duckdb.connect(str(published_file(settings)), read_only=True)
    assert con.execute("SELECT run_id, outcome FROM dq.runs ORDER BY run_id").fetchall() == [
        ("next-run", "published"), ("refused-run", "refused")]
    assert con.execute("SELECT expectation, success FROM dq.results WHERE run_id = 'refused-run' "
                       "AND suite_name = 'required_tables'").fetchall() == [("required(core.deals)", False)]
    con.close()
    assert not list((settings.paths.warehouse_dir / "dq_pending").glob("*"))
