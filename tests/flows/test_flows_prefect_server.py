"""Operating abs-etl with a real Prefect server (loopback, temporary PREFECT_HOME): deploy from
prefect.yaml, run deployments through a real `process` worker, read what they left through the
API; one writer at a time; backfill idempotency; failure notifications through a block.

One server, one deploy and one worker for the whole session (tests/flows/conftest.py).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.writer_slot_logs import RELEASED, WRITER_LIMIT, hold_interval

pytestmark = pytest.mark.slow

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPO = str(Path(__file__).resolve().parents[2])
DEPLOYMENTS = {
    "ingest-market-data-daily": "ingest_market_data",
    "discover-trustee-reports-business-hours": "discover_trustee_reports",
    "ingest-amc-bonds-daily": "ingest_amc_bonds",
    "discover-exchange-disclosures-business-hours": "discover_exchange_disclosures",
    "reconcile-warehouse-weekly": "reconcile_warehouse",
    "backfill-warehouse-on-demand": "backfill_warehouse",
}


# ── deploy ───────────────────────────────────────────────────────────────────────────────
def test_every_deployment_of_prefect_yaml_is_on_the_server(deployed):
    server = deployed.server
    assert deployed.names == DEPLOYMENTS
    pool = server.api("GET", "/work_pools/abs-etl-process")
    assert pool["type"] == "process"
    limit = server.api("GET", f"/v2/concurrency_limits/{WRITER_LIMIT}")
    assert (limit["limit"], limit["active"]) == (1, True)
    for name, flow in DEPLOYMENTS.items():
        d = server.deployment(flow, name)
        assert d["work_pool_name"] == "abs-etl-process" and "abs-etl" in d["tags"], name
        assert d["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": REPO}}], name
        for schedule in d["schedules"]:
            assert schedule["schedule"]["timezone"] == "Asia/Shanghai", name


def test_the_scheduler_plans_runs_at_beijing_times(deployed):
    """Crons in Asia/Shanghai: 18:30 market data, 09/12/15/18 h trustee reports, 19:00 AMC bonds,
    Saturday 03:00 reconciliation — checked on the runs the server's scheduler created."""
    if not deployed.scheduled:
        log = (deployed.server.logs / "server.log").read_text(errors="replace")
        hint = ("SQLAlchemy 2.1 breaks Prefect 3.8's scheduler (\"Can't evaluate bulk DML statement\" in the "
                "server log): pin SQLAlchemy>=2.0,<2.1") if "bulk DML" in log else "see the server log"
        pytest.fail(f"the scheduler created no runs within 30 s — {hint}: {deployed.server.logs / 'server.log'}")
    times: dict[str, set[tuple[int, int, int]]] = {}
    for run in deployed.scheduled:
        local = datetime.fromisoformat(run["expected_start_time"].replace("Z", "+00:00")).astimezone(SHANGHAI)
        times.setdefault(run["deployment"], set()).add((local.hour, local.minute, local.isoweekday()))
    assert {(h, m) for h, m, _ in times["ingest-market-data-daily"]} == {(18, 30)}
    assert {(h, m) for h, m, _ in times["discover-trustee-reports-business-hours"]} <= {(9, 0), (12, 0), (15, 0), (18, 0)}
    assert {(h, m) for h, m, _ in times["ingest-amc-bonds-daily"]} == {(19, 0)}
    assert {(h, m) for h, m, _ in times["discover-exchange-disclosures-business-hours"]} <= {
        (8, 30), (12, 30), (17, 30), (20, 30)}
    assert times["reconcile-warehouse-weekly"] == {(3, 0, 6)}
    params = {r["deployment"]: r["parameters"] for r in deployed.scheduled}
    assert params["ingest-market-data-daily"] == {"calendar": "exchange"}
    assert params["discover-trustee-reports-business-hours"] == {"calendar": "business"}


# ── a real run through the worker ────────────────────────────────────────────────────────
def test_a_deployment_run_completes_through_the_worker_and_leaves_its_artifacts(deployed, first_run):
    server = deployed.server
    run = first_run.flow_run
    assert run["state_type"] == "COMPLETED", f"{run['state_name']}: {run['state']['message']}"
    day = server.iso(run["expected_start_time"]).astimezone(SHANGHAI).date()
    assert run["name"] == f"discover-trustee-reports-inbox-{day}"

    artifacts = server.artifacts_of(first_run.flow_run_id)
    assert {"warehouse-run-summary", "warehouse-dq-results"} <= set(artifacts)
    summary = artifacts["warehouse-run-summary"]
    assert summary["type"] == "markdown"
    text = summary["data"]
    for expected in ("# Trustee reports: published", "## Documents by outcome", "| quarantined | 1 |",
                     "| **fetched** | **1** |", "## Rows loaded by table", "## Data quality", "checks passed",
                     "1 documents quarantined", "| writer_slot_wait_s |", "| validate_s |"):
        assert expected in text, f"{expected!r} missing from the summary:\n{text}"
    dq = artifacts["warehouse-dq-results"]
    rows = json.loads(dq["data"]) if isinstance(dq["data"], str) else dq["data"]
    assert {r["check"] for r in rows} >= {"tranches_sum_to_deal", "pool_balance_roll_forward"}
    assert all(r["success"] for r in rows)

    # the build itself ran as the build_warehouse subflow, with its progress artifact
    children = server.api("POST", "/flow_runs/filter",
                          {"flow_runs": {"parent_flow_run_id": {"any_": [first_run.flow_run_id]}}})
    assert [(c["name"], c["state_type"]) for c in children] == [("build-warehouse-inbox", "COMPLETED")]
    child_artifacts = server.artifacts_of(children[0]["id"])
    assert child_artifacts["build-warehouse-progress"]["data"] == 100

    # task runs say what they work on
    tasks = server.api("POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": [first_run.flow_run_id]}}})
    names = {t["name"] for t in tasks}
    assert "materialize raw: documents, fetch_cursors" in names
    assert "materialize dq: runs, results, quarantine" in names

    # and the warehouse the worker published says the same (in the temporary data dir)
    published = server.data_dir / "warehouse" / "abs_warehouse.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        docs = con.execute("SELECT file_name, outcome FROM raw.documents").fetchall()
    finally:
        con.close()
    assert docs == [("周报备注.txt", "quarantined")]


def test_warehouse_tables_are_reported_as_assets_with_their_lineage(deployed, first_run):
    server = deployed.server

    def materializations():
        found = server.api("POST", "/events/filter", {"filter": {
            "event": {"prefix": ["prefect.asset.materialization.succeeded"]},
            "related": {"id": [f"prefect.flow-run.{first_run.flow_run_id}"]}}, "limit": 50})
        events = {e["resource"]["prefect.resource.id"]: e for e in found["events"]}
        return events if len(events) >= 5 else None

    events = server.wait_for("the asset materialization events", materializations, 60, 1.0)
    assert set(events) == {"duckdb://raw.documents", "duckdb://raw.fetch_cursors",
                           "duckdb://dq.runs", "duckdb://dq.results", "duckdb://dq.quarantine"}

    def upstream(key):
        return {r["prefect.resource.id"] for r in events[key]["related"] if r["prefect.resource.role"] == "asset"}

    assert upstream("duckdb://raw.documents") == {"source://inbox"}
    assert upstream("duckdb://dq.quarantine") == {"duckdb://raw.documents"}
    assert events["duckdb://raw.documents"]["payload"]["rows"] == 1
    assert events["duckdb://raw.documents"]["resource"]["prefect.resource.name"] == "raw.documents"
    assert "原始文档登记表" in events["duckdb://raw.documents"]["resource"]["prefect.asset.description"]


def test_a_run_scheduled_on_a_holiday_ends_skipped_with_the_reason(deployed, worker):
    """National Day 2025-10-01, 18:30 Beijing time: the market-data run exits at once."""
    server = deployed.server
    deployment = server.deployment("ingest_market_data", "ingest-market-data-daily")
    at = datetime(2025, 10, 1, 18, 30, tzinfo=SHANGHAI).isoformat()
    run = server.api("POST", f"/deployments/{deployment['id']}/create_flow_run",
                     {"state": {"type": "SCHEDULED", "name": "Scheduled", "state_details": {"scheduled_time": at}}})
    finished = server.wait_for_run(run["id"])
    assert (finished["state_type"], finished["state_name"]) == ("COMPLETED", "Skipped")
    assert "2025-10-01 (Wednesday) is a public holiday in China (National Day)" in finished["state"]["message"]
    assert finished["name"] == "ingest-market-data-sample_market-2025-10-01"
    # the flow run's own logs arrive in batches, possibly just after its final state
    server.wait_for("the skip reason in the run's logs", lambda: any(
        log["message"].startswith("skipping this run: 2025-10-01") for log in server.logs_of(run["id"])), 30, 1.0)
    assert not server.artifacts_of(run["id"]), "a skipped run publishes nothing"


# ── one writer at a time ─────────────────────────────────────────────────────────────────
def test_two_runs_started_at_once_never_build_the_warehouse_together(deployed, worker, tmp_path):
    """A trustee-report run and a backfill are started together while the test holds the writer
    slot, so both are certainly running at the same time; released, they build one after the other."""
    from prefect.concurrency.sync import concurrency

    server = deployed.server
    inbox_a, inbox_b = tmp_path / "a", tmp_path / "b"
    inbox_a.mkdir(), inbox_b.mkdir()
    (inbox_a / "note-a.txt").write_text("first drop\n")
    (inbox_b / "note-b.txt").write_text("second drop\n")
    march = datetime(2025, 3, 10, 9, 0, tzinfo=SHANGHAI).timestamp()
    os.utime(inbox_b / "note-b.txt", (march, march))

    with server.client_settings(), concurrency(WRITER_LIMIT, occupy=1, strict=True, timeout_seconds=30):
        run_a = server.run_deployment("discover_trustee_reports", "discover-trustee-reports-business-hours",
                                      {"source": "inbox", "inbox_paths": [str(inbox_a)], "calendar": "every_day"})
        run_b = server.run_deployment("backfill_warehouse", "backfill-warehouse-on-demand",
                                      {"date_from": "2025-03-01", "date_to": "2025-03-31", "source": "inbox",
                                       "inbox_paths": [str(inbox_b)]})

        def both_waiting():
            return all(any(l["message"].startswith("another run holds the warehouse writer slot")
                           for l in server.logs_of(r)) for r in (run_a, run_b))

        server.wait_for("both runs to be running and waiting for the writer slot", both_waiting, 180, 1.0)
        released_by_test = datetime.now().astimezone()

    a, b = server.wait_for_run(run_a), server.wait_for_run(run_b)
    assert (a["state_type"], b["state_type"]) == ("COMPLETED", "COMPLETED"), (a["state"], b["state"])

    def slots_logged():  # a run's last log batch may reach the server just after its final state
        return all(any(l["message"].startswith(RELEASED)
                       for l in server.logs_of(r)) for r in (run_a, run_b))

    server.wait_for("both runs' writer-slot logs", slots_logged, 60, 1.0)
    a_on, a_off, a_waited = hold_interval(server.logs_of(run_a), run_a)
    b_on, b_off, b_waited = hold_interval(server.logs_of(run_b), run_b)
    assert a_waited and b_waited
    assert min(a_on, b_on) >= released_by_test - timedelta(seconds=2)
    first, second = sorted([(a_on, a_off), (b_on, b_off)])
    assert first[1] <= second[0], f"writer slots overlapped: {first} and {second}"
    # both runs really overlapped in time: each was running while the other held the slot
    assert server.iso(a["start_time"]) < second[0] and server.iso(b["start_time"]) < second[0]

    assert b["name"] == "backfill-warehouse-2025-03-01-to-2025-03-31"
    published = server.data_dir / "warehouse" / "abs_warehouse.duckdb"
    con = duckdb.connect(str(published), read_only=True)
    try:
        files = {r[0] for r in con.execute("SELECT file_name FROM raw.documents").fetchall()}
        flows = {r[0] for r in con.execute("SELECT flow_name FROM dq.runs").fetchall()}
    finally:
        con.close()
    assert {"note-a.txt", "note-b.txt"} <= files
    assert {"build_warehouse", "backfill_warehouse"} <= flows


# ── backfill, in process against the same server ────────────────────────────────────────
@pytest.fixture
def local_data(deployed, tmp_path, monkeypatch):
    """In-process flow runs against the session server, with their own temporary data dir."""
    from settings import get_settings

    monkeypatch.setenv("ABS_ETL_PATHS__DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ABS_ETL_PIPELINE__LOCK_TIMEOUT_SECONDS", "300")
    get_settings.cache_clear()
    with deployed.server.client_settings():
        yield tmp_path / "data"
    get_settings.cache_clear()


def _drop(folder: Path, name: str, text: str, when: datetime) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def _registry(data_dir: Path) -> tuple[list[tuple], list[tuple], int]:
    con = duckdb.connect(str(data_dir / "warehouse" / "abs_warehouse.duckdb"), read_only=True)
    try:
        docs = con.execute("SELECT document_id, file_name, outcome FROM raw.documents ORDER BY 2").fetchall()
        cursors = con.execute("SELECT source, cursor_json FROM raw.fetch_cursors ORDER BY 1").fetchall()
        quarantined = con.execute("SELECT count(*) FROM dq.quarantine").fetchone()[0]
    finally:
        con.close()
    return docs, cursors, quarantined


def test_backfill_reprocesses_a_date_range_idempotently_and_leaves_cursors_alone(local_data, tmp_path):
    from typer.testing import CliRunner

    from flows.cli import app
    from flows.deployments import backfill_warehouse, discover_trustee_reports

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _drop(inbox, "feb.txt", "February", datetime(2025, 2, 20, 10, tzinfo=SHANGHAI))
    _drop(inbox, "mar-first.txt", "March 1st, just after midnight in Beijing", datetime(2025, 3, 1, 0, 5, tzinfo=SHANGHAI))
    _drop(inbox, "mar-last.txt", "March 31st, late evening", datetime(2025, 3, 31, 23, 30, tzinfo=SHANGHAI))
    _drop(inbox, "may.txt", "May", datetime(2025, 5, 1, 10, tzinfo=SHANGHAI))

    first = backfill_warehouse(date_from="2025-03-01", date_to="2025-03-31", source="inbox", inbox_paths=[str(inbox)])
    assert first["outcome"] == "published" and first["documents_fetched"] == 2
    docs, cursors, quarantined = _registry(local_data)
    assert [d[1] for d in docs] == ["mar-first.txt", "mar-last.txt"]
    assert cursors == [], "a backfill must not move the incremental cursors"

    # the same backfill again, this time from the command line
    again = CliRunner().invoke(app, ["backfill", "--from", "2025-03-01", "--to", "2025-03-31", "--source", "inbox",
                                     "--inbox", str(inbox)])
    assert again.exit_code == 0, again.output
    assert "published — 0 documents: 0 loaded" in " ".join(again.output.split())
    assert _registry(local_data) == (docs, cursors, quarantined), "the second backfill changed the warehouse"

    # the regular cadence still finds everything outside the window, and nothing twice
    regular = discover_trustee_reports(source="inbox", inbox_paths=[str(inbox)], calendar="every_day")
    assert regular["documents_fetched"] == 2
    docs_after, cursors_after, _ = _registry(local_data)
    assert [d[1] for d in docs_after] == ["feb.txt", "mar-first.txt", "mar-last.txt", "may.txt"]
    assert [c[0] for c in cursors_after] == ["inbox"]


# ── the weekly reconciliation, in process ──────────────────────────────────────────────
def test_the_weekly_reconciliation_passes_then_fails_on_an_unregistered_document(local_data, tmp_path):
    from flows.deployments import ReconciliationFailed, discover_trustee_reports, reconcile_warehouse
    from warehouse.rawstore import RawStore

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "note.txt").write_text("not a report\n")
    discover_trustee_reports(source="inbox", inbox_paths=[str(inbox)], calendar="every_day")
    assert reconcile_warehouse()["failed"] == 0

    RawStore(local_data / "raw").put(b"fetched by a run that never published", source="inbox", source_doc_id="orphan",
                                     title="orphan")
    with pytest.raises(ReconciliationFailed, match="raw.documents:raw_store_documents_registered"):
        reconcile_warehouse()


# ── failure notifications ────────────────────────────────────────────────────────────────
class _Webhook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_failed_run_is_notified_through_the_notification_block(local_data):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    from flows.deployments import backfill_warehouse

    _Webhook.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    block = CustomWebhookNotificationBlock(
        name="abs-etl failures", url=f"http://127.0.0.1:{httpd.server_port}/hook",
        json_data={"subject": "{{subject}}", "text": "{{body}}"})
    block.save("abs-etl-failures", overwrite=True)
    try:
        with pytest.raises(ValueError, match="backfill window is empty"):
            backfill_warehouse(date_from="2025-03-31", date_to="2025-03-01", source="inbox")
        received = _Webhook.received
        assert len(received) == 1
        assert received[0]["subject"] == "abs-etl: backfill_warehouse run backfill-warehouse-2025-03-31-to-2025-03-01 Failed"
        text = received[0]["text"]
        assert "Reason: " in text and "backfill window is empty: 2025-03-31 is after 2025-03-01" in text
        assert "Open in the Prefect UI: http://127.0.0.1:" in text and "/runs/flow-run/" in text
    finally:
        httpd.shutdown()
        CustomWebhookNotificationBlock.delete("abs-etl-failures")
