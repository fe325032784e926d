"""A private PostgreSQL cluster in the state folder: Prefect's database and the DuckLake catalog.

Debian's server binaries (``/usr/lib/postgresql/<v>/bin``) are installed by
``scripts/cluster-deps.sh`` when missing and possible. PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` system user (``runuser``); the state folder must be
reachable by that user. It listens on ``cluster.bind`` over TCP only (no Unix socket: test paths
are too long for one), password authentication (scram-sha-256) from ``cluster.postgres.allow_from``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cluster.processes import wait_until

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class PostgresUnavailable(RuntimeError):
    """PostgreSQL server binaries are missing and could not be installed here."""


def find_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
                        if p.parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def ensure_binaries(install: bool = True) -> Path:
    """The folder holding initdb and pg_ctl, installing Debian's package when missing and possible."""
    bindir = find_bindir()
    if bindir is None and install:
        result = subprocess.run(["bash", str(PROJECT_ROOT / "scripts" / "cluster-deps.sh")],
                                capture_output=True, text=True, timeout=900)
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable((result.stderr or result.stdout).strip() or "cluster-deps.sh could not install PostgreSQL")
    if bindir is None:
        raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    return bindir


@dataclass
class PrivatePostgres:
    data_dir: Path
    log_path: Path
    bind: str
    port: int
    superuser: str
    allow_from: list[str]

    @property
    def os_user(self) -> str | None:
        """The unprivileged user the server runs as (``postgres`` when we are root)."""
        return "postgres" if os.geteuid() == 0 else None

    def _run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        if self.os_user:
            argv = ["runuser", "-u", self.os_user, "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, **kwargs)

    def _own(self, path: Path) -> None:
        if self.os_user:
            entry = pwd.getpwnam(self.os_user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _check_reachable(self) -> None:
        if not self.os_user:
            return
        for parent in reversed(self.data_dir.parents):
            if parent.exists() and not os.stat(parent).st_mode & 0o001:
                raise PostgresUnavailable(
                    f"PostgreSQL runs as the user {self.os_user!r}, who cannot enter {parent} (mode "
                    f"{oct(os.stat(parent).st_mode & 0o777)}): choose a cluster.state_dir it can reach")

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def init(self, bindir: Path, password: str) -> None:
        """initdb with the superuser and its password; allow password logins from allow_from."""
        if self.initialised:
            return
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._check_reachable()
        self._own(self.data_dir.parent)
        self.data_dir.parent.chmod(0o700)
        fd, pwfile = tempfile.mkstemp(dir=self.data_dir.parent, prefix=".pw-")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(password + "\n")
            self._own(Path(pwfile))
            result = self._run([str(bindir / "initdb"), "-D", str(self.data_dir), "-U", self.superuser,
                                f"--pwfile={pwfile}", "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                                "-E", "UTF8", "--locale=C.UTF-8"], timeout=180)
        finally:
            Path(pwfile).unlink(missing_ok=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {result.stderr.strip() or result.stdout.strip()}")
        with open(self.data_dir / "pg_hba.conf", "a") as hba:
            for network in self.allow_from:
                hba.write(f"host all all {network} scram-sha-256\n")

    def running(self, bindir: Path) -> bool:
        return self.initialised and self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "status"],
                                              timeout=30).returncode == 0

    def start(self, bindir: Path) -> None:
        if self.running(bindir):
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self._own(self.log_path)
        options = f"-c listen_addresses={self.bind} -p {self.port} -c unix_socket_directories='' -c max_connections=200"
        result = self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path),
                            "-o", options, "-w", "-t", "90", "start"], timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {result.stderr.strip() or result.stdout.strip()}; "
                               f"log {self.log_path}")

    def stop(self, bindir: Path) -> bool:
        if not self.running(bindir):
            return False
        self._run([str(bindir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"], timeout=90)
        return True


def connect(host: str, port: int, user: str, password: str, database: str = "postgres"):
    import psycopg

    return psycopg.connect(host=host, port=port, user=user, password=password, dbname=database,
                           autocommit=True, connect_timeout=10)


def wait_ready(host: str, port: int, user: str, password: str, timeout: float = 60, log: Path | None = None) -> None:
    def ok() -> bool:
        with connect(host, port, user, password) as conn:
            return conn.execute("SELECT 1").fetchone()[0] == 1

    wait_until(f"PostgreSQL on {host}:{port}", ok, timeout, log=log)


def ensure_databases(host: str, port: int, user: str, password: str, names: list[str]) -> list[str]:
    """Create the databases that do not exist yet; returns those created."""
    from psycopg import sql

    created = []
    with connect(host, port, user, password) as conn:
        have = {r[0] for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
        for name in names:
            if name not in have:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                created.append(name)
    return created
