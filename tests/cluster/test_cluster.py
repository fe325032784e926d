"""The scale-out cluster, for real, on loopback (tests/cluster/conftest.py starts and stops it):
the main job (`abs-etl run` on the seed market) run on a client of the cluster — Prefect server
on PostgreSQL, parsing on the Dask workers (one of them killed mid-run), raw bytes on S3, the
warehouse a DuckLake — equals the single-machine DuckDB warehouse cell by cell and answers every
figure; an analyst reading during the publish only ever sees whole snapshots; a refused run
leaves no snapshot; two deployments picked up by the Prefect workers at once (one of them the
backfill, its graph on Dask) never write together.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from tests.cluster.support import differences, wait_for
from tests.writer_slot_logs import RELEASED, WRITER_LIMIT, hold_interval

# the session fixtures (cluster up, the reference build, the seed run) count against the first test using them
pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(3600)]

REPO = Path(__file__).resolve().parents[2]


def lake(cluster, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
    from warehouse.backends.ducklake import DuckLakeBackend

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in cluster.env.items() if k.startswith("ABS_ETL_SECRET_")})
    try:
        return DuckLakeBackend(cluster.settings()).open_read_only(snapshot)
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def secrets_in_env(cluster, monkeypatch):
    for key, value in cluster.env.items():
        if key.startswith("ABS_ETL_SECRET_"):
            monkeypatch.setenv(key, value)


def snapshots(con) -> list[tuple[int, str | None]]:
    return con.execute("SELECT snapshot_id, commit_message FROM ducklake_snapshots(current_database()) "
                       "ORDER BY snapshot_id").fetchall()


# ── the cluster itself ───────────────────────────────────────────────────────────────────
def test_every_service_is_up_and_listens_on_loopback_only(cluster):
    import psutil

    result = cluster.cli("cluster", "status", "--json")
    rows = json.loads(result.stdout)
    assert [r["service"] for r in rows] == ["postgres", "s3", "prefect-server", "dask-scheduler", "dask-worker-1",
                                            "dask-worker-2", "prefect-worker-1", "prefect-worker-2"]
    assert all(r["running"] and r["ready"] for r in rows), rows
    pids = [r["pid"] for r in rows if r.get("pid")]
    pids.append(int((cluster.root / "state" / "postgres" / "data" / "postmaster.pid").read_text().split()[0]))
    listening = set()
    for pid in pids:
        for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
            listening |= {(c.laddr.ip, c.laddr.port) for c in p.net_connections(kind="inet") if c.status == "LISTEN"}
    assert listening, "no service is listening"
    assert {ip for ip, _ in listening} == {"127.0.0.1"}, sorted(listening)
    secrets = (cluster.root / "state" / "secrets.env")
    assert secrets.stat().st_mode & 0o077 == 0, "generated credentials must be private to their owner"


# ── the seed market through the cluster ──────────────────────────────────────────────────
def test_the_main_job_through_the_cluster_equals_the_single_machine_warehouse(cluster, cluster_seed_run,
                                                                              file_warehouse):
    """`abs-etl run` against the cluster, a Dask worker lost while it parsed: the lake holds what
    the one-machine run published, every document's outcome recorded once."""
    run = cluster_seed_run
    assert run.returncode == 0, run.output[-4000:]
    assert "published" in run.output
    assert run.killed.get("tasks"), "no Dask worker was killed while it parsed (the run ended first)"
    print(f"seed market through the cluster: {run.seconds} s; killed {run.killed['worker']} while it ran "
          f"{len(run.killed['tasks'])} parse task(s)")
    con, reference = lake(cluster), duckdb.connect(str(file_warehouse), read_only=True)
    try:
        assert differences(reference, con) == []
        assert con.execute("SELECT count(*) FROM core.tranche_payments").fetchone()[0] > 1000
        assert con.execute("SELECT count(*) - count(DISTINCT document_id) FROM raw.documents").fetchone()[0] == 0
        assert con.execute("SELECT outcome FROM dq.runs").fetchall() == [("published",)]
    finally:
        con.close()
        reference.close()


def test_parsing_ran_on_the_clusters_dask_workers(cluster, cluster_seed_run):
    """The flow run on the cluster's server shows its parse batches, run by the Dask workers."""
    from distributed import Client

    runs = cluster.api("POST", "/flow_runs/filter", {"flow_runs": {"name": {"like_": "build-warehouse-sample_market"}}})
    assert len(runs) == 1 and runs[0]["state_type"] == "COMPLETED"
    tasks = cluster.api("POST", "/task_runs/filter", {"task_runs": {"flow_run_id": {"any_": [runs[0]["id"]]},
                                                                    "name": {"like_": "parse "}}, "limit": 200})
    assert tasks and all(t["state_type"] == "COMPLETED" for t in tasks), [(t["name"], t["state_type"]) for t in tasks]
    with Client(cluster.env["ABS_ETL_PIPELINE__DASK_ADDRESS"], timeout=30) as client:
        transitions = client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)
    assert transitions >= 3 * len(tasks), "the parse batches did not go through the cluster's Dask scheduler"


def test_the_lake_answers_every_catalogue_figure(cluster, cluster_seed_run):
    from warehouse.figures import check_figure, load_catalogue

    con = lake(cluster)
    try:
        problems = [p for figure in load_catalogue() for p in check_figure(con, figure)]
    finally:
        con.close()
    assert problems == []


def test_raw_bytes_and_lake_files_are_on_the_s3_store_under_their_hashes(cluster, cluster_seed_run, e2e_settings,
                                                                         secrets_in_env):
    from warehouse.backends.endpoints import S3Endpoint

    settings = cluster.settings()
    client = S3Endpoint.from_settings(settings).boto3_client()
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=settings.cluster.s3.bucket)
            for o in page.get("Contents", [])]
    raw = {k.rsplit("/", 1)[1] for k in keys if re.fullmatch(r"raw/sha256/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}", k)}
    local = {p.name for p in (e2e_settings.paths.raw_dir / "sha256").rglob("*") if re.fullmatch(r"[0-9a-f]{64}", p.name)}
    assert raw == local and len(raw) > 1000
    assert any(k.startswith("lake/") and k.endswith(".parquet") for k in keys)


def test_the_cli_reads_the_lake(cluster, cluster_seed_run, file_warehouse, tmp_path):
    status = cluster.cli("status", "--json")
    info = json.loads(status.stdout)
    assert info["backend"] == "ducklake" and info["exists"] and info["path"].startswith("ducklake:postgresql://")
    assert info["last_published_run"]["outcome"] == "published"
    reference = duckdb.connect(str(file_warehouse), read_only=True)
    deals = reference.execute("SELECT count(*) FROM core.deals").fetchone()[0]
    reference.close()
    query = cluster.cli("query", "SELECT count(*) AS n FROM core.deals")
    assert query.returncode == 0 and str(deals) in query.stdout
    figures = cluster.cli("figures", "L-02", "A-15")
    assert figures.returncode == 0 and figures.stdout.count("matches the report") == 2
    report = cluster.cli("report", "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr[-2000:]
    assert len(list((tmp_path / "report").glob("*.png"))) >= 5


# ── readers and refusals ─────────────────────────────────────────────────────────────────
def test_an_analyst_reading_during_the_publish_sees_the_previous_or_the_new_snapshot(cluster, cluster_seed_run):
    """Every read the analyst process made equals the state of one published snapshot (computed
    afterwards by time travel): never a mix of two runs, never a half-written one."""
    from tests.cluster.analyst_reader import QUERY

    cluster.wait_idle()
    con = lake(cluster)
    ids = [s for s, _ in snapshots(con)]
    con.close()
    states = {}
    for snapshot in ids:
        at = lake(cluster, snapshot) if snapshot > 0 else None
        if at is None:
            continue
        try:
            states[snapshot] = tuple(at.execute(QUERY).fetchone())
        except duckdb.Error:  # a snapshot before the tables existed
            pass
        finally:
            at.close()
    reads = cluster_seed_run.reads
    published = [tuple(r) for r in reads if r is not None]
    assert reads[0] is None, "the reader started before anything was published"
    assert published, "the analyst process never saw the published lake"
    first = reads.index(list(published[0]))
    assert all(r is None for r in reads[:first]) and all(r is not None for r in reads[first:])
    assert set(published) <= set(states.values()), f"reads {set(published)} vs snapshots {states}"
    assert published[-1] == states[min(s for s, v in states.items() if v == published[-1])]
    assert published[0][3] > 1000, "the first state the analyst saw is the whole seed market"


def test_a_refused_run_leaves_no_snapshot(cluster, cluster_seed_run, tmp_path):
    """`abs-etl ingest` on a client machine, through the cluster's server and into the lake, with a
    required table nobody loads: refused, and the lake does not move."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "备注.txt").write_text("not a report\n", encoding="utf-8")
    cluster.wait_idle()  # no other run may commit meanwhile (e.g. the marts rebuild a load triggers)
    con = lake(cluster)
    before = snapshots(con)
    con.close()
    client = tmp_path / "client-data"   # this machine's last_run.json
    env = {**cluster.env, "ABS_ETL_PATHS__DATA_DIR": str(client),
           "ABS_ETL_PIPELINE__REQUIRED_TABLES": '["core.table_nobody_loads"]'}
    result = subprocess.run([str(Path(sys.executable).parent / "abs-etl"), "ingest", str(inbox)], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode != 0
    assert "table_nobody_loads" in result.stdout + result.stderr
    con = lake(cluster)
    try:
        assert snapshots(con) == before
        assert con.execute("SELECT count(*) FROM raw.documents WHERE file_name = '备注.txt'").fetchone()[0] == 0
    finally:
        con.close()
    last = json.loads((client / "warehouse" / "last_run.json").read_text())
    assert last["outcome"] == "refused" and "table_nobody_loads" in last["message"]


# ── one writer at a time ─────────────────────────────────────────────────────────────────
def test_two_deployments_triggered_at_once_never_write_together(cluster, cluster_seed_run, tmp_path):
    """Both are started while the test holds the writer slot, so both are running at once on the
    cluster's workers; released, they build and commit one after the other."""
    from prefect.concurrency.sync import concurrency
    from prefect.settings import PREFECT_API_URL, temporary_settings

    inbox_a, inbox_b = tmp_path / "a", tmp_path / "b"
    for inbox, name in ((inbox_a, "drop-a.txt"), (inbox_b, "drop-b.txt")):
        inbox.mkdir()
        (inbox / name).write_text(f"{name}: not a report\n")
    march = datetime(2025, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    os.utime(inbox_b / "drop-b.txt", (march, march))  # inside the backfill's window
    with temporary_settings(updates={PREFECT_API_URL: cluster.api_url}), \
            concurrency(WRITER_LIMIT, occupy=1, strict=True, timeout_seconds=60):
        run_a = cluster.run_deployment("discover_trustee_reports", "discover-trustee-reports-business-hours",
                                       {"source": "inbox", "inbox_paths": [str(inbox_a)], "calendar": "every_day"})
        run_b = cluster.run_deployment("backfill_warehouse", "backfill-warehouse-on-demand",
                                       {"date_from": "2025-03-01", "date_to": "2025-03-31", "source": "inbox",
                                        "inbox_paths": [str(inbox_b)]})
        wait_for("both runs to wait for the writer slot", lambda: all(
            any(l["message"].startswith("another run holds the warehouse writer slot") for l in cluster.logs_of(r))
            for r in (run_a, run_b)), 300, 1.0)
    a, b = cluster.wait_for_run(run_a), cluster.wait_for_run(run_b)
    assert (a["state_type"], b["state_type"]) == ("COMPLETED", "COMPLETED"), cluster.why(a) + cluster.why(b)
    wait_for("both runs' writer-slot logs", lambda: all(any(
        l["message"].startswith(RELEASED) for l in cluster.logs_of(r))
        for r in (run_a, run_b)), 60, 1.0)
    a_on, a_off, a_waited = hold_interval(cluster.logs_of(run_a), run_a)
    b_on, b_off, b_waited = hold_interval(cluster.logs_of(run_b), run_b)
    assert a_waited and b_waited
    first, second = sorted([(a_on, a_off), (b_on, b_off)])
    assert first[1] <= second[0], f"writer slots overlapped: {first} and {second}"
    con = lake(cluster)
    try:
        runs = dict(con.execute("SELECT run_id, started_at FROM dq.runs WHERE run_id IN (SELECT run_id FROM "
                                "raw.documents WHERE file_name IN ('drop-a.txt', 'drop-b.txt'))").fetchall())
        messages = [m for _, m in snapshots(con)]
    finally:
        con.close()
    assert len(runs) == 2, runs
    # each run is one snapshot commit of its own, in the order the runs held the writer slot
    commits = [m for m in messages if m and m.removeprefix("publish run ") in runs]
    assert len(commits) == 2 and commits == [f"publish run {r}" for r in sorted(runs, key=runs.get)]
    # the backfill, deployed from flows/deployments.py and run by a Prefect worker, parsed on Dask
    # (its graph runs in a subflow of an importable module: Dask workers unpickle the flow it names)
    backfill = cluster.api("POST", "/flow_runs/filter", {"flow_runs": {"parent_flow_run_id": {"any_": [run_b]}}})
    parses = cluster.api("POST", "/task_runs/filter", {"task_runs": {
        "flow_run_id": {"any_": [r["id"] for r in backfill]}, "name": {"like_": "parse "}}})
    assert [(t["name"], t["state_type"]) for t in parses] == [("parse document 1–1 of 1", "COMPLETED")]
