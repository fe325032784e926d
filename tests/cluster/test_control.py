"""The cluster's plumbing without starting the cluster: which services a host runs, where
credentials come from, what a client's environment says, and our own process table (real
processes, started and stopped)."""

from __future__ import annotations

import sys

import pytest

from cluster.control import SERVICES, client_environment, cluster_secrets, dask_address, secrets_file, services_for
from cluster.processes import ProcessTable, free_loopback_ports, pid_alive
from settings import Settings


@pytest.fixture
def settings(tmp_path, monkeypatch):
    for name in ("POSTGRES_PASSWORD", "S3_ACCESS_KEY", "S3_SECRET_KEY"):
        monkeypatch.delenv(f"ABS_ETL_SECRET_CLUSTER_{name}", raising=False)
    s = Settings()
    s.paths.data_dir = tmp_path / "data"
    s.cluster.prefect.port = free_loopback_ports(1)[0]   # nothing listens there: no Secret-block lookup
    return s


def test_without_roles_a_host_runs_every_service_in_start_order(settings):
    assert services_for(settings) == list(SERVICES)


def test_roles_give_each_host_its_services_in_start_order(settings):
    settings.cluster.roles = {"db-1": ["prefect-server", "postgres", "s3"], "worker-1": ["dask-worker", "prefect-worker"]}
    assert services_for(settings, "db-1") == ["postgres", "s3", "prefect-server"]
    assert services_for(settings, "worker-1") == ["dask-worker", "prefect-worker"]
    with pytest.raises(KeyError, match="host 'worker-9' has no entry in cluster.roles"):
        services_for(settings, "worker-9")
    settings.cluster.roles = {"db-1": ["postgres", "redis"]}
    with pytest.raises(ValueError, match="unknown services \\['redis'\\]"):
        services_for(settings, "db-1")


def test_credentials_are_generated_once_privately_and_the_environment_wins(settings, monkeypatch):
    first = cluster_secrets(settings, generate=True)
    assert set(first) == {"ABS_ETL_SECRET_CLUSTER_POSTGRES_PASSWORD", "ABS_ETL_SECRET_CLUSTER_S3_ACCESS_KEY",
                          "ABS_ETL_SECRET_CLUSTER_S3_SECRET_KEY"}
    assert len(set(first.values())) == 3 and all(len(v) >= 24 for v in first.values())
    path = secrets_file(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    assert cluster_secrets(settings, generate=True) == first          # read back, not regenerated
    monkeypatch.setenv("ABS_ETL_SECRET_CLUSTER_S3_ACCESS_KEY", "from-the-environment")
    assert cluster_secrets(settings, generate=False)["ABS_ETL_SECRET_CLUSTER_S3_ACCESS_KEY"] == "from-the-environment"


def test_a_host_that_does_not_create_the_cluster_never_invents_credentials(settings):
    with pytest.raises(RuntimeError, match="ABS_ETL_SECRET_CLUSTER_POSTGRES_PASSWORD"):
        cluster_secrets(settings, generate=False)
    assert not secrets_file(settings).exists()


def test_a_client_of_the_cluster_uses_the_lake_the_s3_store_and_its_dask_scheduler(settings):
    settings.cluster.dask.host, settings.cluster.dask.port = "10.0.0.10", 18786
    env = client_environment(settings)
    assert env["ABS_ETL_WAREHOUSE__BACKEND"] == "ducklake" and env["ABS_ETL_RAW_STORE__BACKEND"] == "s3"
    assert env["ABS_ETL_PIPELINE__TASK_RUNNER"] == "dask"
    assert env["ABS_ETL_PIPELINE__DASK_ADDRESS"] == "tcp://10.0.0.10:18786"
    assert env["PREFECT_API_URL"] == f"http://127.0.0.1:{settings.cluster.prefect.port}/api"
    assert not any("SECRET" in k for k in env)
    settings.pipeline.dask_address = "tcp://dask.example:8786"
    assert dask_address(settings) == "tcp://dask.example:8786"


def test_the_process_table_starts_detached_and_stops_the_whole_tree(tmp_path):
    table = ProcessTable(tmp_path)
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); time.sleep(60)"
    record = table.start("sleeper", [sys.executable, "-c", script], env={}, cwd=tmp_path)
    assert record.alive and table.start("sleeper", ["false"], env={}, cwd=tmp_path).pid == record.pid  # idempotent
    from cluster.processes import descendants, wait_until

    children = wait_until("the child process", lambda: descendants(record.pid), 10, 0.1)
    assert table.stop("sleeper", grace_seconds=5) is True
    assert not pid_alive(record.pid) and not any(pid_alive(c) for c in children)
    assert table.read("sleeper") is None and table.stop("sleeper") is False
    assert "starting:" in table.log_path("sleeper").read_text()


def test_free_ports_leave_room_for_seaweedfs_grpc(tmp_path):
    ports = free_loopback_ports(4)
    assert len(set(ports)) == 4 and all(p + 10000 <= 55535 for p in ports)
    assert all(abs(a - b) != 10000 for a in ports for b in ports)
