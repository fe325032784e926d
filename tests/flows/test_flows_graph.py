"""The main job is a Prefect graph: each stage a task run a data engineer can read, time and
retry, parse batches mapped over the task runner — a local process pool by default, an
existing Dask cluster with ``pipeline.task_runner = "dask"`` — and both runners build the same
warehouse from the same documents."""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest

pytestmark = pytest.mark.slow

SEED = 20251231


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> Path:
    """Real generated documents for a small inbox: the AMC registry and what uses its names,
    offering documents of four deals and their trustee reports, a curve download."""
    from sample_market.generate import ensure_generated

    cache = os.environ.get("ABS_ETL_E2E_SAMPLE_CACHE")
    market = Path(cache) if cache else ensure_generated(tmp_path_factory.mktemp("market") / "m", scale="seed", seed=SEED)
    inbox = tmp_path_factory.mktemp("inbox")
    picks = [*sorted((market / "vendor" / "amc").glob("地方AMC*"))[:6]]
    picks += [market / "vendor" / "amc" / n for n in ("地方AMC名单.csv", "地方AMC牌照变动.csv", "地方AMC主体评级.xlsx")]
    for deal in sorted(p for p in (market / "issuance").iterdir() if (market / "reports" / p.name).exists())[:4]:
        picks += sorted(deal.glob("*")) + sorted((market / "reports" / deal.name).glob("*"))[:6]
    picks += sorted((market / "market" / "curves").glob("*"))[:1]
    for i, path in enumerate(p for p in dict.fromkeys(picks) if "broken" not in p.name):
        target = inbox / f"{i:03d}-{path.name}"
        shutil.copy2(path, target)
    return inbox


@pytest.fixture
def in_process(prefect_server, tmp_path, monkeypatch):
    """In-process flow runs against the session server, with their own data dir."""
    from settings import get_settings

    def use(name: str, **env: str) -> Path:
        data = tmp_path / name
        monkeypatch.setenv("ABS_ETL_PATHS__DATA_DIR", str(data))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return data

    # as on a worker: the server's address in the environment, which task-runner processes inherit
    monkeypatch.setenv("PREFECT_API_URL", prefect_server.api_url)
    with prefect_server.client_settings():
        yield use
    get_settings.cache_clear()


def tables(path: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [f"core.{t}" for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'core' ORDER BY 1").fetchall()]
        out = {n: con.execute(f"SELECT * FROM {n}").pl() for n in names}
        out["raw.documents"] = con.execute("SELECT document_id, doc_type, outcome, outcome_reason FROM raw.documents").pl()
        return {n: f.sort(f.columns, nulls_last=True) for n, f in out.items()}
    finally:
        con.close()


def task_names(server, flow_run_id: str, parse_batches: int) -> list[str]:
    """Names of the run's completed task runs, once the server has recorded the publish and
    ``parse_batches`` parse batches (task states arrive as events, which a busy server records
    a little later)."""
    seen: list[str] = []

    def completed() -> list[str] | None:
        runs = server.api("POST", "/task_runs/filter", {"flow_runs": {"id": {"any_": [flow_run_id]}}, "limit": 200})
        seen[:] = sorted(f"{r['name']} ({r['state_type']})" for r in runs)
        names = sorted(r["name"] for r in runs if r["state_type"] == "COMPLETED")
        done = any(n.startswith("publish build") for n in names)
        return names if done and sum(n.startswith("parse ") for n in names) >= parse_batches else None

    try:
        return server.wait_for(f"the task runs of flow run {flow_run_id}", completed, 240, 2.0)
    except BaseException:
        print("task runs the server recorded:", seen)
        raise


def _kind(path: Path) -> str:
    from pipeline.job import document_kind
    from warehouse.rawstore import StoredDocument

    return document_kind(StoredDocument("inbox", path.name, "0" * 64, None, path.stem, path.name, None, None, 0,
                                        "", "", path))


def test_the_build_is_a_graph_of_named_stage_tasks(prefect_server, in_process, drop):
    from flows.build_warehouse import build_warehouse

    data = in_process("process", ABS_ETL_PIPELINE__MAX_WORKERS="2", ABS_ETL_PIPELINE__BATCH_SIZE="10")
    state = build_warehouse(source="inbox", inbox_paths=[str(drop)], return_state=True)
    summary = state.result()
    assert summary["outcome"] == "published", summary.get("message")
    fetched = summary["documents_fetched"]
    assert fetched == len(list(drop.iterdir()))
    assert summary["documents"]["quarantined"] == 0, summary["message"]
    batches = sum(-(-n // 10) for n in Counter(_kind(p) for p in drop.iterdir()).values())
    names = task_names(prefect_server, str(state.state_details.flow_run_id), batches)
    for expected in ("list inbox", f"fetch inbox: {fetched} documents", "freeze the names",
                     f"resolve codes and decide outcomes of {fetched} documents", "stage core.tranche_payments",
                     "stage core.amcs", "validate", "load into the build", "audit the build", "publish build",
                     "open build"):
        assert any(n.startswith(expected) for n in names), f"no task run {expected!r} in {names}"
    parses = [n for n in names if n.startswith("parse ")]
    # inbox files are batched by the family their names suggest (the reports' names suggest none)
    assert any(n.startswith("parse document 1–10 of ") for n in parses), parses
    assert any(n.startswith("parse document 11–20 of ") for n in parses), parses  # batches of 10
    assert any(n.startswith("parse amc_registry 1–") for n in parses), parses     # the reference phase
    # the licence events, saved under a registry's name, parse again against the frozen names
    assert "parse amc_registry (with reference names) 1–1 of 1" in parses, parses
    counted = sum(int(n.split(" of ")[0].split("–")[1].replace(",", "")) - int(n.split(" of ")[0].split(" ")[-1]
                  .split("–")[0]) + 1 for n in parses if "(with reference names)" not in n)
    assert counted == fetched  # every document in exactly one batch (a reference re-parse aside)
    assert (data / "warehouse" / "abs_warehouse.duckdb").exists()
    assert not list((data / "warehouse" / "builds").glob("work-*")), "the batch files outlived the run"


def test_the_graph_ends_its_sources_after_the_last_download_and_before_the_load(prefect_server, in_process, drop):
    """``build_warehouse`` ends the sample market's server through ``sources_done``: the graph
    calls it once, when every document is stored and nothing is published yet."""
    from prefect import flow

    from flows.build_warehouse import run_graph
    from settings import get_settings
    from sources.inbox import InboxSource
    from warehouse.rawstore import RawStore

    data = in_process("sources-done")
    seen: list[tuple[int, bool]] = []

    @flow(name="graph_with_sources_done")
    def graph() -> dict:
        settings = get_settings()
        return run_graph(settings, [InboxSource([drop])], source="inbox", flow_name="build_warehouse",
                         sources_done=lambda: seen.append((len(RawStore(settings.paths.raw_dir).all()),
                                                           (data / "warehouse" / "last_run.json").exists())))

    summary = graph()
    assert summary["outcome"] == "published", summary.get("message")
    assert seen == [(len(list(drop.iterdir())), False)]


def test_a_dask_cluster_runs_the_same_graph_and_builds_the_same_warehouse(prefect_server, in_process, drop, monkeypatch):
    from distributed import LocalCluster

    from flows.build_warehouse import build_warehouse

    # every Dask worker reports to the same Prefect server (without it each starts its own):
    # the cluster's worker processes inherit PREFECT_API_URL from the fixture's environment
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        on_dask = in_process("dask", ABS_ETL_PIPELINE__TASK_RUNNER="dask",
                             ABS_ETL_PIPELINE__DASK_ADDRESS=cluster.scheduler_address, ABS_ETL_PIPELINE__BATCH_SIZE="10")
        state = build_warehouse(source="inbox", inbox_paths=[str(drop)], return_state=True)
        dask_summary = state.result()
        on_the_cluster = set(cluster.scheduler.task_prefixes)
    assert dask_summary["outcome"] == "published", dask_summary.get("message")
    assert any("parse" in prefix for prefix in on_the_cluster), on_the_cluster  # the batches ran on Dask
    names = task_names(prefect_server, str(state.state_details.flow_run_id), 1)
    assert any(n.startswith("parse document") for n in names), names

    on_pool = in_process("pool", ABS_ETL_PIPELINE__MAX_WORKERS="1", ABS_ETL_PIPELINE__BATCH_SIZE="200")
    monkeypatch.delenv("ABS_ETL_PIPELINE__TASK_RUNNER")
    from settings import get_settings

    get_settings.cache_clear()
    pool_summary = build_warehouse(source="inbox", inbox_paths=[str(drop)])
    assert pool_summary["documents"] == dask_summary["documents"]
    a, b = tables(on_dask / "warehouse" / "abs_warehouse.duckdb"), tables(on_pool / "warehouse" / "abs_warehouse.duckdb")
    assert set(a) == set(b)
    for name in a:
        assert a[name].equals(b[name]), f"{name} differs between the Dask and the process-pool run"
