"""Backfill a date range: the wiring that turns a normal run into "reprocess [from, to]".

A backfill run is an ordinary run of the job's graph (``flows.build_warehouse.run_graph``)
with three changes:

- each source lists the window only (``WindowedSource``): entries published from ``date_from``
  00:00 to ``date_to`` 24:00 Beijing time, whatever the source's cursor says;
- documents already in the raw store and published in the window are offered again
  (``stored_in_window``), so a wiped or restored warehouse is rebuilt from the kept bytes
  even when the source no longer lists them;
- the incremental cursors are put back as they were (``restore_cursors``): the daily
  cadence keeps reading from where it was, a backfill never makes it skip anything.

It is idempotent because everything downstream is keyed: a document whose bytes the
warehouse registered is a duplicate (never parsed twice), rows merge on their table's key.
Running the same backfill twice fetches and loads nothing the second time.

No Prefect here: ``flows.deployments.backfill_warehouse`` wires it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import duckdb

from pipeline.fetch import write_cursors
from sources.base import Cursor, ListingEntry, Source
from transforms.normalise.dates import MARKET_TIMEZONE
from warehouse.rawstore import RawStore, StoredDocument


@dataclass(frozen=True)
class Window:
    """Publish times from ``date_from`` 00:00 up to (not including) the day after ``date_to``."""

    date_from: date
    date_to: date

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise ValueError(f"backfill window is empty: {self.date_from} is after {self.date_to}")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time(0), MARKET_TIMEZONE)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time(0), MARKET_TIMEZONE)

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.date_from} to {self.date_to}"


@dataclass
class WindowedSource:
    """A source that lists only the window; remembers the cursor it was given (to restore it)."""

    inner: Source
    window: Window
    cursor_before: Cursor | None = None
    was_asked: bool = False
    listed: int = 0

    @property
    def name(self) -> str:
        return self.inner.name

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        self.cursor_before, self.was_asked = cursor, True
        for entry in self.inner.list_new(Cursor(published_at=self.window.start)):
            if self.window.contains(entry.published_at):
                self.listed += 1
                yield entry

    def download(self, entry: ListingEntry) -> bytes:
        return self.inner.download(entry)


@dataclass
class BackfillPlan:
    window: Window
    sources: list[WindowedSource]
    replayed: list[StoredDocument] = field(default_factory=list)

    def notes(self) -> list[str]:
        listed = ", ".join(f"{s.name}: {s.listed}" for s in self.sources) or "none"
        return [f"window {self.window} ({MARKET_TIMEZONE.key} publish times)",
                f"entries listed by the sources in the window — {listed}",
                f"{len(self.replayed)} documents in the raw store were published in the window "
                "(those the warehouse already registered are duplicates and load nothing)",
                "incremental cursors restored: the regular schedules are unaffected"]


def plan_backfill(sources: list[Source], store: RawStore, window: Window) -> BackfillPlan:
    return BackfillPlan(window, [WindowedSource(s, window) for s in sources], stored_in_window(store, window))


def stored_in_window(store: RawStore, window: Window) -> list[StoredDocument]:
    """Raw-store documents whose publish time falls in the window, oldest first."""
    out = []
    for doc in store.all():
        if not doc.published_at:
            continue
        moment = datetime.fromisoformat(doc.published_at)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=MARKET_TIMEZONE)
        if window.contains(moment):
            out.append(doc)
    return out


def restore_cursors(plan: BackfillPlan):
    """An ``after_load`` step that puts every windowed source's cursor back as it was."""

    def step(con: duckdb.DuckDBPyConnection) -> None:
        asked = [s for s in plan.sources if s.was_asked]
        keep = {s.name: s.cursor_before for s in asked if s.cursor_before and s.cursor_before.published_at}
        write_cursors(con, keep)
        for s in asked:
            if s.name not in keep:  # the source had never been read: no cursor, as before
                con.execute("DELETE FROM raw.fetch_cursors WHERE source = ?", [s.name])

    return step


def parse_day(value: Any) -> date:
    """A date from a ``date`` or ``YYYY-MM-DD`` text (CLI and deployment parameters)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
