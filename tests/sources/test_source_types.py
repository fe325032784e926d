"""Shared source types: entries, cursor, safe file names."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name


def entry(doc_id: str, at: datetime) -> ListingEntry:
    return ListingEntry("test", doc_id, f"title {doc_id}", at)


AT = datetime(2025, 11, 19, 17, 57, 50, tzinfo=SHANGHAI)


def test_entry_times_must_be_aware_and_end_in_shanghai():
    with pytest.raises(ValueError, match="timezone-aware"):
        entry("a", datetime(2025, 11, 19, 9, 0))
    utc = entry("a", datetime(2025, 11, 19, 9, 57, 50, tzinfo=timezone.utc))
    assert utc.published_at == AT and utc.published_at.tzinfo is SHANGHAI
    assert hash(ListingEntry("s", "x", "t", AT, extra={"k": [1]}))  # extra does not break hashing


def test_cursor_json_round_trip():
    cursor = Cursor(AT, ("854841384:P020251119646709475115.pdf", "常星-1"))

    text = cursor.to_json()
    assert Cursor.from_json(text) == cursor
    assert Cursor.from_json(text).published_at.tzinfo is SHANGHAI
    assert "常星-1" in text
    assert Cursor.from_json(None) == Cursor.from_json("") == Cursor()
    assert Cursor.from_json(Cursor().to_json()) == Cursor()


def test_cursor_keeps_ids_of_the_latest_instant_only():
    cursor = Cursor().advance([entry("old", AT - timedelta(hours=1)), entry("a", AT), entry("b", AT)])

    assert cursor == Cursor(AT, ("a", "b"))
    assert cursor.advance([entry("c", AT)]).seen_ids == ("a", "b", "c")
    assert cursor.advance([entry("d", AT + timedelta(seconds=1))]) == Cursor(AT + timedelta(seconds=1), ("d",))
    assert cursor.advance([]) == cursor


def test_cursor_newness():
    cursor = Cursor(AT, ("a",))

    assert not cursor.is_new(entry("a", AT))
    assert cursor.is_new(entry("b", AT))
    assert not cursor.is_new(entry("c", AT - timedelta(seconds=1)))
    assert cursor.is_new(entry("a", AT + timedelta(seconds=1)))
    assert Cursor().is_new(entry("a", AT))


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期).pdf", "常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期).pdf"),
        ("工元乐居2021年第七期（第49期）.pdf", "工元乐居2021年第七期（第49期）.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("..", "unnamed"),
        ("", "unnamed"),
        (None, "unnamed"),
        (".bashrc", "bashrc"),
        ("a\x00b\x1fc\n.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ('a<b>:c"d|e?f*.pdf', "a_b__c_d_e_f_.pdf"),
        ("CON.pdf", "_CON.pdf"),
        ("report.pdf. . ", "report.pdf"),
    ],
)
def test_safe_file_name(raw, safe):
    assert safe_file_name(raw) == safe


def test_safe_file_name_caps_utf8_length_and_keeps_extension():
    long_name = "受托机构报告" * 40 + ".pdf"
    safe = safe_file_name(long_name, max_bytes=100)

    assert len(safe.encode("utf-8")) <= 100
    assert safe.endswith(".pdf") and safe.startswith("受托机构报告")
    assert safe_file_name("x" * 300).startswith("x") and len(safe_file_name("x" * 300)) == 180
