"""Where the published warehouse and the raw store live, behind one small interface.

A *backend* gives a run the same four moves whatever the storage (write–audit–publish):

    with backend.writer_lock(timeout):       # one writer at a time (file lock / PostgreSQL advisory lock)
        build = backend.start_build(run_id)  # a private build: a file copy, or an open lake transaction
        con = build.connect()                # write and audit through this connection
        build.publish()                      # one atomic step: rename, or one DuckLake snapshot commit
        # … or build.discard() on refusal or failure: nothing becomes visible

and readers ``backend.open_read_only()``: a read-only connection on which ``raw``, ``core``,
``marts`` and ``dq`` resolve unqualified, so marts, figures, reports and ``abs-etl query`` run
unchanged on either backend.

- ``duckdb`` (:mod:`warehouse.backends.duckdb_file`): today's single DuckDB file, history as file copies.
- ``ducklake`` (:mod:`warehouse.backends.ducklake`): PostgreSQL catalog + Parquet files on S3,
  history as DuckLake snapshots (time travel).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import duckdb

from settings import Settings


class Build(ABC):
    """One run's private build; becomes visible only through :meth:`publish`."""

    @abstractmethod
    def connect(self) -> duckdb.DuckDBPyConnection:
        """The build's connection (the same one on every call, owned by the build)."""

    @abstractmethod
    def publish(self) -> str:
        """Make the build the published warehouse in one atomic step; returns what was published."""

    @abstractmethod
    def discard(self) -> None:
        """Throw the build away; readers never saw any of it."""

    def __str__(self) -> str:  # recorded in dq.runs.build_path
        return self.label

    label: str = ""


class Backend(ABC):
    """Where the published warehouse lives (see the module docstring)."""

    name: str

    @abstractmethod
    def writer_lock(self, timeout_seconds: float = 0) -> AbstractContextManager[None]:
        """Hold the single-writer lock; raises ``warehouse.publish.WarehouseBusy`` after the timeout."""

    @abstractmethod
    def start_build(self, run_id: str) -> Build:
        """A build holding the published warehouse's content, migrations applied (under the lock)."""

    @abstractmethod
    def open_read_only(self) -> duckdb.DuckDBPyConnection:
        """The published warehouse, read-only; ``FileNotFoundError`` when nothing is published yet."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether anything has been published."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What ``abs-etl status`` prints: where, when, tables with row counts, migrations, last run."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where readers find it (a file path or the lake's catalog and data path), without secrets."""

    def build_and_publish(self, run_id: str, write: Callable[[duckdb.DuckDBPyConnection], None],
                          audit: Callable[[duckdb.DuckDBPyConnection], None], *, lock_timeout_seconds: float = 0) -> str:
        """Lock, build, write, audit, publish — or discard on any exception (``audit`` raises
        ``PublishRefused``)."""
        with self.writer_lock(lock_timeout_seconds):
            build = self.start_build(run_id)
            try:
                con = build.connect()
                write(con)
                audit(con)
                return build.publish()
            except BaseException:
                build.discard()
                raise


def open_backend(settings: Settings) -> Backend:
    """The backend ``warehouse.backend`` names."""
    if settings.warehouse.backend == "ducklake":
        from warehouse.backends.ducklake import DuckLakeBackend

        return DuckLakeBackend(settings)
    from warehouse.backends.duckdb_file import DuckDBFileBackend

    return DuckDBFileBackend(settings)


def open_published(settings: Settings) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse of the configured backend."""
    return open_backend(settings).open_read_only()


def open_published_or_none(settings: Settings, file_path=None) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to what is published, or None when nothing is yet (for readers that
    report on a run). With the ``duckdb`` backend ``file_path`` may name a specific file."""
    if settings.warehouse.backend == "duckdb" and file_path is not None:
        from pathlib import Path

        return duckdb.connect(str(file_path), read_only=True) if Path(file_path).exists() else None
    try:
        return open_backend(settings).open_read_only()
    except FileNotFoundError:
        return None


def open_raw_store(settings: Settings):
    """The raw store ``raw_store.backend`` names: local folder or S3-compatible bucket."""
    if settings.raw_store.backend == "s3":
        from warehouse.rawstore_s3 import S3RawStore

        return S3RawStore.from_settings(settings)
    from warehouse.rawstore import RawStore

    return RawStore(settings.paths.raw_dir)


def rows_by_table(con: duckdb.DuckDBPyConnection, database: str | None = None) -> list[dict[str, Any]]:
    """Row counts of the warehouse's tables (raw, core, marts, dq) on a read-only connection."""
    where = "AND database_name = current_database()" if database is None else f"AND database_name = '{database}'"
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal "
        f"AND schema_name IN ('raw', 'core', 'marts', 'dq') {where} ORDER BY schema_name, table_name").fetchall()
    return [{"table": f"{s}.{t}", "rows": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0]}
            for s, t in tables]


__all__ = ["Backend", "Build", "open_backend", "open_published", "open_published_or_none", "open_raw_store",
           "rows_by_table"]
