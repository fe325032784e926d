"""The ``duckdb`` backend: one DuckDB file, published by an atomic rename (``warehouse.publish``).

A build is a copy of the published file under ``builds/``; publishing checkpoints it and
renames it over the published path, keeping ``publish.keep_builds`` earlier versions in
``history/``. Readers open the published file read-only and keep the version they opened.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import duckdb

from settings import Settings
from warehouse.backends import Backend, Build
from warehouse.publish import WarehouseLayout, discard_build, publish_build, start_build, writer_lock


class FileBuild(Build):
    def __init__(self, layout: WarehouseLayout, path: Path, keep_history: int, memory_mb: int = 0) -> None:
        self.layout, self.path, self.keep_history = layout, path, keep_history
        self.memory_mb = memory_mb
        self.label = str(path)
        self._con: duckdb.DuckDBPyConnection | None = None

    def connect(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            # DuckDB's buffer pool defaults to 80 % of the machine; a build's is bounded (beyond
            # it DuckDB spills to disk), so the run's memory does not grow with the warehouse
            config = {"memory_limit": f"{self.memory_mb}MB"} if self.memory_mb else {}
            self._con = duckdb.connect(str(self.path), config=config)
        return self._con

    def _close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def publish(self) -> str:
        self._close()
        return str(publish_build(self.layout, self.path, self.keep_history))

    def discard(self) -> None:
        self._close()
        discard_build(self.path)


class DuckDBFileBackend(Backend):
    name = "duckdb"

    def __init__(self, settings: Settings) -> None:
        self.layout = WarehouseLayout(settings.paths.warehouse_dir)
        self.keep_history = settings.publish.keep_builds
        self.memory_mb = settings.pipeline.build_memory_mb

    @property
    def location(self) -> str:
        return str(self.layout.published)

    def writer_lock(self, timeout_seconds: float = 0) -> AbstractContextManager[None]:
        return writer_lock(self.layout, timeout_seconds)

    def start_build(self, run_id: str) -> FileBuild:
        return FileBuild(self.layout, start_build(self.layout, run_id), self.keep_history, self.memory_mb)

    def exists(self) -> bool:
        return self.layout.published.exists()

    def open_read_only(self) -> duckdb.DuckDBPyConnection:
        from warehouse.status import open_read_only

        return open_read_only(self.layout.published)

    def describe(self) -> dict[str, Any]:
        from warehouse.status import describe

        return {"backend": self.name, **describe(self.layout)}
