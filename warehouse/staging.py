"""The tables a build is about to load, kept as one Parquet file each in the build's work folder.

A run stages every table (its loaded documents' rows, codes resolved, newest wins per key),
then validates and loads them. Held as a dict of frames, every table stayed in the run's
process from the first staged table to the last loaded one — the run's memory then grew with
the number of documents. ``StagedTables`` is the same mapping of table → frame with no frame
in memory: a frame is read when asked for and written when assigned, so the validate and load
steps hold one table at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping, Sequence
from pathlib import Path

import polars as pl


SLICE_ROWS = 20_000
"""Rows of a staged table read at a time by ``slices`` (the load merges a table that many rows a
transaction; at a market year tranche payments are 101,513 rows, pool performance 34,387 rows
of 40-odd columns)."""


def table_slices(frames: MutableMapping[str, pl.DataFrame], table: str, rows: int = SLICE_ROWS) -> Iterator[pl.DataFrame]:
    """A table of ``frames`` ``rows`` at a time: read slice by slice when staged, else sliced."""
    if isinstance(frames, StagedTables):
        yield from frames.slices(table, rows)
        return
    frame = frames[table]
    for start in range(0, frame.height, rows):
        yield frame.slice(start, rows)


def staged_columns(frames: MutableMapping[str, pl.DataFrame], table: str,
                   columns: Sequence[str]) -> pl.DataFrame | None:
    """These columns of a table of ``frames`` (only they are read when it is staged); None when
    the table is absent or lacks one of them."""
    if isinstance(frames, StagedTables):
        return frames.read(table, columns) if set(columns) <= set(frames.columns(table)) else None
    frame = frames.get(table)
    return frame.select(columns) if frame is not None and set(columns) <= set(frame.columns) else None


class StagedTables(MutableMapping[str, pl.DataFrame]):
    """table → frame, each frame a Parquet file in ``folder`` (read on access, written on assignment).

    Iterating, ``items()`` and ``pop`` read one table at a time; ``height`` and ``read`` with
    columns answer without reading the whole table. Tables may be reassigned while iterating
    (the gate filters them where they lie)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._heights: dict[str, int] = {}

    def _path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"

    def __getitem__(self, table: str) -> pl.DataFrame:
        if table not in self._heights:
            raise KeyError(table)
        return pl.read_parquet(self._path(table))

    def read(self, table: str, columns: Sequence[str] | None = None) -> pl.DataFrame | None:
        """The table (only ``columns`` of it, when given), or None when it is not staged."""
        if table not in self._heights:
            return None
        return pl.read_parquet(self._path(table), columns=list(columns) if columns is not None else None)

    def columns(self, table: str) -> list[str]:
        return list(pl.read_parquet_schema(self._path(table))) if table in self._heights else []

    def height(self, table: str) -> int:
        return self._heights[table]

    def slices(self, table: str, rows: int = SLICE_ROWS) -> Iterator[pl.DataFrame]:
        """The table ``rows`` at a time, each read on its own."""
        for start in range(0, self._heights[table], rows):
            yield pl.scan_parquet(self._path(table)).slice(start, rows).collect()

    def __setitem__(self, table: str, frame: pl.DataFrame) -> None:
        path = self._path(table)
        part = path.with_name(path.name + ".part")
        # lz4 and no statistics: a work file read once or twice, written at disk speed; row
        # groups of ``SLICE_ROWS``, so that ``slices`` reads a slice's rows and no others
        frame.write_parquet(part, compression="lz4", statistics=False, row_group_size=SLICE_ROWS)
        os.replace(part, path)
        self._heights[table] = frame.height

    def __delitem__(self, table: str) -> None:
        del self._heights[table]
        self._path(table).unlink(missing_ok=True)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._heights))  # a snapshot: tables may be rewritten meanwhile

    def __len__(self) -> int:
        return len(self._heights)

    def __repr__(self) -> str:
        return f"StagedTables({str(self.folder)!r}: {', '.join(f'{t} {n}' for t, n in self._heights.items())})"


__all__ = ["SLICE_ROWS", "StagedTables", "staged_columns", "table_slices"]
