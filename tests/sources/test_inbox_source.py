"""The inbox source on a real folder tree."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime

import pytest

from sources.base import SHANGHAI, Cursor, Source
from sources.inbox import InboxChangedError, InboxSource

T0 = datetime(2025, 11, 19, 9, 0, tzinfo=SHANGHAI).timestamp()


def drop(path, data: bytes, mtime: float = T0):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def inbox(tmp_path):
    root = tmp_path / "inbox"
    drop(root / "常星2023年第一期受托机构报告（第30期）.pdf", b"%PDF report 30", T0)
    drop(root / "2025-11" / "wind_export.xlsx", b"PK\x03\x04 wind", T0 + 60)
    drop(root / "2025-11" / "deep" / "curve.csv", "日期,收益率\n".encode("gb18030"), T0 + 120)
    drop(root / ".DS_Store", b"junk")
    drop(root / "~$wind_export.xlsx", b"owner lock")
    drop(root / "download.pdf.part", b"half")
    drop(root / "notes.tmp", b"tmp")
    drop(root / ".hidden" / "secret.pdf", b"%PDF hidden")
    return root


def test_folders_are_walked_and_hidden_or_temp_files_skipped(inbox):
    entries = list(InboxSource([inbox]).list_new())

    assert [e.file_name for e in entries] == ["常星2023年第一期受托机构报告（第30期）.pdf", "wind_export.xlsx", "curve.csv"]
    assert [e.title for e in entries] == ["常星2023年第一期受托机构报告（第30期）", "wind_export", "curve"]
    assert all(e.source == "inbox" and e.doc_type_hint is None for e in entries)


def test_ids_are_content_hashes_and_times_are_mtimes(inbox):
    entries = {e.file_name: e for e in InboxSource([inbox]).list_new()}

    report = entries["常星2023年第一期受托机构报告（第30期）.pdf"]
    assert report.source_doc_id == hashlib.sha256(b"%PDF report 30").hexdigest()
    assert report.published_at == datetime(2025, 11, 19, 9, 0, tzinfo=SHANGHAI)
    assert report.published_at.tzinfo is SHANGHAI
    assert entries["wind_export.xlsx"].published_at == datetime(2025, 11, 19, 9, 1, tzinfo=SHANGHAI)


def test_same_bytes_under_two_names_are_one_document(inbox):
    drop(inbox / "copy of report.pdf", b"%PDF report 30", T0 + 300)
    entries = list(InboxSource([inbox]).list_new())

    ids = [e.source_doc_id for e in entries]
    assert len(ids) == len(set(ids)) == 3


def test_download_reads_bytes_and_refuses_changed_files(inbox):
    source = InboxSource([inbox])
    entry = next(e for e in source.list_new() if e.file_name == "wind_export.xlsx")

    assert source.download(entry) == b"PK\x03\x04 wind"
    (inbox / "2025-11" / "wind_export.xlsx").write_bytes(b"PK\x03\x04 edited")
    with pytest.raises(InboxChangedError):
        source.download(entry)


def test_cursor_second_run_empty_then_only_new_drops(inbox):
    source = InboxSource([inbox])
    cursor = Cursor().advance(source.list_new())

    assert list(source.list_new(cursor)) == []
    drop(inbox / "later.pdf", b"%PDF later", T0 + 3600)
    drop(inbox / "same-second.pdf", b"%PDF same second as the last", T0 + 120)
    fresh = list(source.list_new(cursor))
    assert sorted(e.file_name for e in fresh) == ["later.pdf", "same-second.pdf"]


def test_single_files_and_missing_paths(inbox, tmp_path):
    source = InboxSource([inbox / "2025-11" / "wind_export.xlsx", inbox / "~$wind_export.xlsx", tmp_path / "nope"])

    assert [e.file_name for e in source.list_new()] == ["wind_export.xlsx"]
    assert isinstance(source, Source)
