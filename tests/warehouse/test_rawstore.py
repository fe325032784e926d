"""The raw store keeps bytes by content and remembers where they came from."""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import sys
from pathlib import Path

import pytest

from warehouse.rawstore import _SCHEMA, RawStore


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


def test_a_file_cut_short_before_sync_is_fetched_again(tmp_path):
    """Documents become durable at ``sync`` (once per download), not one fsync each: a file a
    power cut left short or missing is not taken for stored."""
    store = RawStore(tmp_path)
    kept = store.put(b"complete report", source="s", source_doc_id="1")
    cut = store.put(b"report cut short", source="s", source_doc_id="2")
    gone = store.put(b"report never written", source="s", source_doc_id="3")
    store.sync()
    cut.path.write_bytes(b"report cut")
    gone.path.unlink()
    assert store.has_source_doc("s", "1") and kept.path.read_bytes() == b"complete report"
    assert not store.has_source_doc("s", "2") and not store.has_source_doc("s", "3")
    again = store.put(b"report cut short", source="s", source_doc_id="2")  # the next download
    assert store.has_source_doc("s", "2") and store.read(again.sha256) == b"report cut short"


def test_a_new_store_keeps_bytes_one_folder_level_under_their_hash(tmp_path):
    store = RawStore(tmp_path)
    doc = store.put(b"report", source="s", source_doc_id="1")
    assert doc.path == tmp_path / "sha256" / doc.sha256[:2] / doc.sha256
    assert RawStore(tmp_path).path_for(doc.sha256) == doc.path          # the layout is the store's, kept
    assert pickle.loads(pickle.dumps(store)).path_for(doc.sha256) == doc.path   # as a parse worker gets it


def test_a_store_written_before_the_one_level_layout_is_read_and_written_as_it_was(tmp_path):
    """A store of the two-level layout (``sha256/ab/cd/<hash>``, no layout in its index) keeps it."""
    data = b"an older report"
    sha = hashlib.sha256(data).hexdigest()
    legacy = tmp_path / "sha256" / sha[:2] / sha[2:4] / sha
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(data)
    con = sqlite3.connect(tmp_path / "index.sqlite")
    con.executescript(_SCHEMA.split("CREATE TABLE IF NOT EXISTS store_layout")[0])
    con.execute("INSERT INTO fetched VALUES ('s', '1', ?, NULL, 't', 'f.pdf', NULL, NULL, ?, 'x', 'x')", [sha, len(data)])
    con.commit()
    con.close()

    store = RawStore(tmp_path)
    assert store.has_source_doc("s", "1") and store.get("s", "1").path == legacy and store.read(sha) == data
    newer = store.put(b"a newer report", source="s", source_doc_id="2")
    assert newer.path == tmp_path / "sha256" / newer.sha256[:2] / newer.sha256[2:4] / newer.sha256
    assert newer.path.read_bytes() == b"a newer report"
    assert RawStore(tmp_path).get("s", "2").path == newer.path


def test_an_empty_store_of_the_old_schema_takes_the_new_layout(tmp_path):
    con = sqlite3.connect(tmp_path / "index.sqlite")
    con.executescript(_SCHEMA.split("CREATE TABLE IF NOT EXISTS store_layout")[0])
    con.close()
    doc = RawStore(tmp_path).put(b"x", source="s", source_doc_id="1")
    assert doc.path.parent.parent == tmp_path / "sha256"


def test_a_stored_document_keeps_its_path_as_a_shared_folder_and_its_hash(tmp_path):
    """A run holds one per fetched document: not a ``Path`` each (≈ 375 B with its parts), one
    folder ``Path`` per fan-out folder and the hash string the document has anyway."""
    store = RawStore(tmp_path)
    docs = [store.put(f"report {i}".encode(), source="s", source_doc_id=str(i)) for i in range(600)]
    assert len({id(d.path.folder) for d in docs}) == len({d.sha256[:2] for d in docs}) < 600
    assert all(d.path.name is d.sha256 for d in docs)
    doc = docs[7]
    assert doc.path == store.path_for(doc.sha256) and str(doc.path) == str(store.path_for(doc.sha256))
    assert hash(doc.path) == hash(store.get("s", "7").path) == hash(store.path_for(doc.sha256))
    assert doc == store.get("s", "7")
    assert doc.path.read_bytes() == Path(doc.path).read_bytes() == b"report 7" and doc.path.exists()
    assert doc.path.stat().st_size == 8 and doc.path.parent == store.path_for(doc.sha256).parent
    again = pickle.loads(pickle.dumps(doc))        # as a parse worker gets it
    assert again == doc and again.path.read_bytes() == b"report 7"


def test_a_pickled_document_keeps_no_utf8_copy_of_its_names(tmp_path):
    """Sending a document to a parse worker must not grow it: pickling a str makes CPython keep
    its UTF-8 encoding inside it for good (≈ 200 B a document, for the whole run)."""
    doc = RawStore(tmp_path).put(b"report", source="s", source_doc_id="1", title="受托机构报告（第1期）" * 3,
                                 file_name="受托机构报告（第1期）.pdf")
    sizes = (sys.getsizeof(doc.title), sys.getsizeof(doc.file_name))
    again = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert (sys.getsizeof(doc.title), sys.getsizeof(doc.file_name)) == sizes
    assert again == doc and again.title == "受托机构报告（第1期）" * 3
