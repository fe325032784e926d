"""The backfill wiring without Prefect: the window, windowed listing, raw-store replay and the
cursors put back (flows/backfill.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest

from flows.backfill import Window, WindowedSource, parse_day, plan_backfill, restore_cursors, stored_in_window
from pipeline.fetch import read_cursors, write_cursors
from sources.base import Cursor, ListingEntry
from warehouse.rawstore import RawStore

SH = ZoneInfo("Asia/Shanghai")


class FakeSource:
    """Lists fixed entries newer than the cursor, like a real connector."""

    name = "fake_listing"

    def __init__(self, moments):
        self.entries = [ListingEntry(source="fake", source_doc_id=f"doc-{i}", title=f"doc {i}", published_at=m)
                        for i, m in enumerate(moments)]
        self.asked_with: list[Cursor] = []

    def list_new(self, cursor=None):
        cursor = cursor or Cursor()
        self.asked_with.append(cursor)
        yield from (e for e in self.entries if cursor.is_new(e))

    def download(self, entry):
        return entry.source_doc_id.encode()


def test_the_window_is_whole_beijing_days_both_ends_included():
    w = Window(date(2025, 3, 1), date(2025, 3, 31))
    assert w.start == datetime(2025, 3, 1, tzinfo=SH) and w.end == datetime(2025, 4, 1, tzinfo=SH)
    assert w.contains(datetime(2025, 3, 31, 23, 59, 59, tzinfo=SH))
    assert not w.contains(datetime(2025, 3, 31, 16, 0, tzinfo=ZoneInfo("UTC")))   # 1 April 00:00 in Beijing
    assert w.contains(datetime(2025, 2, 28, 16, 0, tzinfo=ZoneInfo("UTC")))       # 1 March 00:00 in Beijing
    with pytest.raises(ValueError, match="empty"):
        Window(date(2025, 3, 2), date(2025, 3, 1))
    assert parse_day("2025-03-01") == parse_day(datetime(2025, 3, 1, 8)) == date(2025, 3, 1)


def test_a_windowed_source_lists_the_window_whatever_the_cursor_says():
    inner = FakeSource([datetime(2025, 2, 27, tzinfo=SH), datetime(2025, 3, 1, tzinfo=SH),
                        datetime(2025, 3, 15, 12, tzinfo=SH), datetime(2025, 4, 1, tzinfo=SH)])
    windowed = WindowedSource(inner, Window(date(2025, 3, 1), date(2025, 3, 31)))
    stored_cursor = Cursor(datetime(2025, 6, 1, tzinfo=SH))          # the daily runs are far beyond March
    assert [e.source_doc_id for e in windowed.list_new(stored_cursor)] == ["doc-1", "doc-2"]
    assert windowed.name == "fake_listing" and windowed.cursor_before == stored_cursor and windowed.listed == 2
    assert inner.asked_with[-1].published_at == datetime(2025, 3, 1, tzinfo=SH)


def test_cursors_are_put_back_after_the_backfill_loaded(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw")
    con.execute("CREATE TABLE raw.fetch_cursors (source VARCHAR PRIMARY KEY, cursor_json VARCHAR NOT NULL, "
                "updated_at TIMESTAMPTZ NOT NULL)")
    before = Cursor(datetime(2025, 6, 1, tzinfo=SH), ("x",))
    read_before = FakeSource([datetime(2025, 3, 2, tzinfo=SH)])
    never_read = FakeSource([datetime(2025, 3, 2, tzinfo=SH)])
    never_read.name = "new_listing"
    plan = plan_backfill([read_before, never_read], RawStore(tmp_path / "raw"), Window(date(2025, 3, 1), date(2025, 3, 31)))
    list(plan.sources[0].list_new(before))
    list(plan.sources[1].list_new(Cursor()))
    # what fetch_new would write after taking the March entries
    write_cursors(con, {"fake_listing": before.advance([]), "new_listing": Cursor().advance(never_read.entries)})
    restore_cursors(plan)(con)
    assert read_cursors(con) == {"fake_listing": before}


def test_raw_store_documents_published_in_the_window_are_offered_again(tmp_path):
    store = RawStore(tmp_path / "raw")
    for i, moment in enumerate([datetime(2025, 2, 28, 23, tzinfo=SH), datetime(2025, 3, 9, tzinfo=SH),
                                datetime(2025, 4, 1, tzinfo=SH)]):
        store.put(f"bytes {i}".encode(), source="inbox", source_doc_id=f"d{i}", published_at=moment.isoformat())
    store.put(b"no time", source="inbox", source_doc_id="undated")
    assert [d.source_doc_id for d in stored_in_window(store, Window(date(2025, 3, 1), date(2025, 3, 31)))] == ["d1"]
