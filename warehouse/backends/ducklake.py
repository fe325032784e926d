"""The ``ducklake`` backend: a DuckLake with its catalog in the cluster's PostgreSQL and its
Parquet files under ``warehouse.lake_data_path`` (usually ``s3://…`` on the cluster's store).

Write–audit–publish on a lake:

- **one writer**: a PostgreSQL advisory lock held on its own connection for the whole build
  (any host; released by the server if the holder dies), named in ``WarehouseBusy``;
- **write and audit in one transaction**: the build is a DuckDB connection with the lake
  attached and a transaction open from ``start_build`` on — schema changes, merges, marts and
  the run's quality rows all happen inside it;
- **publish = one snapshot commit**: the keys the DDL declares are checked (DuckLake has no
  primary keys), the commit carries the run id as its message, and readers move from the
  previous snapshot to the new one at once. ``discard`` rolls back: a refused or failed run
  leaves no snapshot, and no reader ever saw its rows;
- **history** is DuckLake's snapshots: ``ATTACH … (SNAPSHOT_VERSION n)`` or
  ``SELECT … FROM core.deals AT (VERSION => n)`` reads the warehouse as a run left it.

Readers on any machine attach the same catalog read-only (:meth:`DuckLakeBackend.open_read_only`).
"""

from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Iterator

import duckdb

from settings import Settings
from warehouse.backends import Backend, Build, rows_by_table
from warehouse.backends.endpoints import POSTGRES_PASSWORD, PostgresEndpoint, S3Endpoint, required_secret
from warehouse.backends.extensions import connect_with_lake_extensions
from warehouse.load import OPEN_TRANSACTION
from warehouse.backends.lake_schema import declared_keys, duplicate_keys, migrate_lake, reference_schema
from warehouse.publish import PublishRefused, WarehouseBusy, WarehouseLayout, read_last_run, writer_lock

WRITER_LOCK_KEY = 0x4AB5E7C0  # pg_advisory_lock key of the warehouse writer (one writer per catalog database)


@lru_cache(maxsize=1)
def _keys() -> dict[str, list[str]]:
    reference = reference_schema()
    try:
        return declared_keys(reference)
    finally:
        reference.close()


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class LakeBuild(Build):
    """A lake connection inside one open transaction: the run's private view of the lake."""

    def __init__(self, backend: "DuckLakeBackend", con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.backend, self._con, self.run_id = backend, con, run_id
        self.label = f"{backend.location} (transaction of run {run_id})"

    def connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise RuntimeError(f"the lake build of run {self.run_id} is already published or discarded")
        return self._con

    def publish(self) -> str:
        con = self.connect()
        problems = duplicate_keys(con, _keys())
        if problems:
            raise PublishRefused("keys the schema declares are not unique: " + "; ".join(problems[:5]))
        alias = self.backend.alias
        con.execute(f"CALL {alias}.set_commit_message('abs-etl', ?, extra_info => ?)",
                    [f"publish run {self.run_id}", json.dumps({"run_id": self.run_id})])
        con.execute("COMMIT")
        snapshot = con.execute("SELECT max(snapshot_id) FROM ducklake_snapshots(?)", [alias]).fetchone()[0]
        con.close()
        self._con = None
        return f"{self.backend.location} snapshot {snapshot}"

    def discard(self) -> None:
        if self._con is None:
            return
        try:
            self._con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # no transaction left open (it failed): nothing was committed
        finally:
            self._con.close()
            self._con = None


class DuckLakeBackend(Backend):
    name = "ducklake"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.postgres = PostgresEndpoint.from_settings(settings)
        self.s3 = S3Endpoint.from_settings(settings)
        self.database = settings.cluster.postgres.lake_database
        self.data_path = settings.warehouse.lake_data_path
        self.alias = settings.warehouse.lake_alias
        self.catalog_file = settings.warehouse.lake_catalog  # a DuckDB catalog file instead of PostgreSQL
        self.layout = WarehouseLayout(settings.paths.warehouse_dir)  # this machine's last_run.json, refused-run dq

    @property
    def location(self) -> str:
        catalog = self.catalog_file or self.postgres.describe(self.database)
        return f"ducklake:{catalog} data {self.data_path}"

    # ── connections ──────────────────────────────────────────────────────────────────────
    def _secrets(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.data_path.startswith("s3://"):
            con.execute(self.s3.duckdb_secret_sql())
        if self.catalog_file:
            return
        pg = self.postgres
        con.execute(
            f"CREATE OR REPLACE TEMPORARY SECRET abs_etl_catalog (TYPE postgres, HOST {_lit(pg.host)}, PORT {pg.port}, "
            f"DATABASE {_lit(self.database)}, USER {_lit(pg.user)}, PASSWORD {_lit(required_secret(POSTGRES_PASSWORD))})")

    def attach(self, *, read_only: bool, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with the lake attached as ``warehouse.lake_alias`` and in use."""
        con = connect_with_lake_extensions()
        try:
            self._secrets(con)
            options = [f"DATA_PATH {_lit(self.data_path)}"]
            if self.catalog_file:
                metadata = _lit(f"ducklake:{self.catalog_file}")
            else:
                metadata = _lit(f"ducklake:postgres:dbname={self.database}")
                options += ["METADATA_SCHEMA 'ducklake'", "METADATA_PARAMETERS MAP {'SECRET': 'abs_etl_catalog'}"]
            if read_only:
                options.append("READ_ONLY")
            if snapshot is not None:
                options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
            con.execute(f"ATTACH {metadata} AS {self.alias} ({', '.join(options)})")
            con.execute(f"USE {self.alias}")
        except BaseException:
            con.close()
            raise
        return con

    # ── write–audit–publish ──────────────────────────────────────────────────────────────
    @contextmanager
    def writer_lock(self, timeout_seconds: float = 0, poll_seconds: float = 0.5) -> Iterator[None]:
        if self.catalog_file:  # one machine: the warehouse folder's file lock
            with writer_lock(self.layout, timeout_seconds):
                yield
            return
        import psycopg

        holder = f"abs-etl writer pid {os.getpid()} on {socket.gethostname()} since " \
                 f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}"
        conn = psycopg.connect(self.postgres.libpq(self.database), autocommit=True,
                               application_name=holder[:63], connect_timeout=30)
        deadline = time.monotonic() + timeout_seconds
        try:
            while not conn.execute("SELECT pg_try_advisory_lock(%s::bigint)", [WRITER_LOCK_KEY]).fetchone()[0]:
                if time.monotonic() >= deadline:
                    row = conn.execute(
                        "SELECT a.application_name, a.client_addr FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                        "WHERE l.locktype = 'advisory' AND l.granted AND l.objid::bigint = %s", [WRITER_LOCK_KEY]
                    ).fetchone()
                    who = f"{row[0]} ({row[1] or 'local'})" if row else "another process"
                    raise WarehouseBusy(f"the lake {self.location} is being built by {who}; waited "
                                        f"{timeout_seconds:.0f} s — try again when it has finished")
                time.sleep(poll_seconds)
            yield
        finally:
            conn.close()  # ends the session: PostgreSQL releases the advisory lock

    def start_build(self, run_id: str) -> LakeBuild:
        con = self.attach(read_only=False)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(f"SET VARIABLE {OPEN_TRANSACTION} = true")  # the loader's writes join this transaction
            migrate_lake(con, self.alias)
        except BaseException:
            con.close()
            raise
        return LakeBuild(self, con, run_id)

    # ── readers ──────────────────────────────────────────────────────────────────────────
    def open_read_only(self, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
        try:
            con = self.attach(read_only=True, snapshot=snapshot)
        except duckdb.Error as exc:
            raise FileNotFoundError(f"nothing is published in the lake at {self.location} yet ({exc})") from exc
        published = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'core'",
                                [self.alias]).fetchone()[0]
        if not published:
            con.close()
            raise FileNotFoundError(f"nothing is published in the lake at {self.location} yet: run `abs-etl run` first")
        return con

    def exists(self) -> bool:
        try:
            self.open_read_only().close()
            return True
        except FileNotFoundError:
            return False

    def snapshots(self, con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
        rows = con.execute(
            "SELECT snapshot_id, snapshot_time, commit_message FROM ducklake_snapshots(?) "
            "ORDER BY snapshot_id DESC LIMIT ?", [self.alias, int(limit)]).fetchall()
        return [{"snapshot_id": s, "at": t.isoformat(timespec="seconds"), "message": m} for s, t, m in rows]

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {"backend": self.name, "path": self.location, "exists": False,
                                "last_run": read_last_run(self.layout)}
        try:
            con = self.open_read_only()
        except FileNotFoundError as exc:
            info["problem"] = str(exc)
            return info
        try:
            info["exists"] = True
            info["snapshots"] = self.snapshots(con)
            info["snapshot_id"] = info["snapshots"][0]["snapshot_id"]
            info["built_at"] = info["snapshots"][0]["at"]
            info["size_bytes"] = int(con.execute(
                "SELECT coalesce(sum(file_size_bytes + delete_file_size_bytes), 0) FROM ducklake_table_info(?)",
                [self.alias]).fetchone()[0])
            info["tables"] = rows_by_table(con)
            info["views"] = [f"{s}.{v}" for s, v in con.execute(
                "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = current_database() "
                "AND schema_name = 'marts' ORDER BY 1, 2").fetchall()]
            info["migrations"] = [r[0] for r in con.execute("SELECT version FROM main.schema_migrations ORDER BY 1").fetchall()]
            last = con.execute("SELECT run_id, outcome, finished_at, message FROM dq.runs ORDER BY started_at DESC LIMIT 1").fetchone()
            info["last_published_run"] = dict(zip(("run_id", "outcome", "finished_at", "message"), last)) if last else None
        finally:
            con.close()
        return info
