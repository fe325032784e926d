"""The raw store keeps bytes by content and remembers where they came from."""

from __future__ import annotations

import hashlib

import pytest

from warehouse.rawstore import RawStore


def test_bytes_are_stored_once_by_hash_and_indexed_by_source_id(tmp_path):
    store = RawStore(tmp_path)
    data = "受托机构报告".encode() * 10
    a = store.put(data, source="s", source_doc_id="1", title="a", file_name="../../etc/passwd")
    b = store.put(data, source="s", source_doc_id="2", title="b")
    assert a.sha256 == b.sha256 == hashlib.sha256(data).hexdigest()
    assert a.path == b.path and a.path.read_bytes() == data
    assert a.path.is_relative_to(tmp_path / "sha256")  # outside names never become paths
    assert store.has_source_doc("s", "1") and not store.has_source_doc("s", "3")
    assert [d.source_doc_id for d in store.all()] == ["1", "2"]
    assert store.read(a.sha256) == data


def test_index_survives_a_new_store_object(tmp_path):
    RawStore(tmp_path).put(b"x", source="s", source_doc_id="1")
    assert RawStore(tmp_path).has_source_doc("s", "1")


def test_corrupt_file_is_detected(tmp_path):
    store = RawStore(tmp_path)
    doc = store.put(b"original", source="s", source_doc_id="1")
    doc.path.write_bytes(b"tampered")
    with pytest.raises(IOError, match="corrupt"):
        store.read(doc.sha256)


def test_path_for_refuses_non_hashes(tmp_path):
    with pytest.raises(ValueError):
        RawStore(tmp_path).path_for("../../x")
