"""Names that come from outside (listings, inbox file names) never form a path outside the raw
store, and never steer a download to another directory or host."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from pipeline.fetch import fetch_new
from sources.base import SHANGHAI, safe_file_name
from sources.chinabond.listing import ChinaBondListing, ChinaBondListingSettings, attachment_links, parse_appendix_ids
from sources.http import HttpClient, HttpSettings
from sources.inbox import InboxSource
from warehouse.rawstore import RawStore

HOSTILE_NAMES = ["../../etc/passwd", "/etc/passwd", "..", "a\x00b.pdf", "报告\n第二行.pdf", "..\\..\\boot.ini",
                 "C:\\Windows\\system32\\x.xlsx", "%2e%2e%2fsecret.pdf", "x'); DROP TABLE core.deals; --.xlsx"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_outside_names_become_one_harmless_component(name):
    safe = safe_file_name(name)
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe and "\n" not in safe
    assert safe not in ("", ".", "..") and not safe.startswith(".")


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_raw_store_paths_depend_only_on_content(tmp_path):
    store_root, outside = tmp_path / "store", tmp_path / "outside"
    outside.mkdir()
    store = RawStore(store_root)
    before = _files(tmp_path)
    for i, name in enumerate(HOSTILE_NAMES):
        stored = store.put(f"doc {i}".encode(), source="../../x", source_doc_id=name, file_name=name, title=name)
        assert stored.path.resolve().is_relative_to((store_root / "sha256").resolve())
    created = _files(tmp_path) - before
    assert created and all(p.resolve().is_relative_to(store_root.resolve()) for p in created)
    assert not any(outside.iterdir())
    with pytest.raises(ValueError):
        store.path_for("../" * 21 + "etc/passwd")


def test_inbox_skips_links_out_of_the_inbox(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the warehouse")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "real.csv").write_text("a,b\n")
    (inbox / "link.csv").symlink_to(secret)
    assert [Path(e.extra["path"]).name for e in InboxSource([inbox]).list_new()] == ["real.csv"]


# ───────────────────────────── a hostile listing over loopback ─────────────────────────────
BASE_DIR = "/xxpl/2025/11/"


class _HostileListing(BaseHTTPRequestHandler):
    requested: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        page = int(parse_qs(self.rfile.read(length).decode()).get("pageNum", ["1"])[0])
        rows = [] if page > 1 else [
            {"docid": "1", "docTitle": "报告", "docPubTime": "2025-11-19 10:00:00", "docPubUrl": BASE_DIR + "t1.html",
             "appendixIds": "11=../../../etc/passwd=passwd.pdf,12=..=up.pdf,13=%2e%2e%2fsecret.pdf=s.pdf,"
                            "14=/etc/shadow=shadow.pdf,15=ok.pdf=好.pdf"},
            {"docid": "2", "docTitle": "公告", "docPubTime": "2025-11-19 11:00:00", "docPubUrl": BASE_DIR + "t2.html",
             "appendixIds": ""},
        ]
        self._send(json.dumps({"success": True, "data": {"data": {"list": rows}}}).encode(), "application/json")

    def do_GET(self):  # noqa: N802
        type(self).requested.append(self.path)
        if self.path.endswith("t2.html"):
            html = ('<a href="../../../../etc/passwd.pdf">上级</a><a href="http://169.254.169.254/x.pdf">外站</a>'
                    '<a href="%2e%2e/%2e%2e/boot.pdf">编码</a><a href="fine.pdf">正常</a>')
            self._send(f"<html><body>{html}</body></html>".encode(), "text/html")
        else:
            self._send(b"%PDF-1.7\n%%EOF\n", "application/pdf")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_listing_attachments_with_dotdot_never_leave_the_listing_directory(tmp_path):
    _HostileListing.requested = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileListing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        listing = ChinaBondListing(ChinaBondListingSettings(base_url=base, page_size=50),
                                   http=HttpClient(HttpSettings(max_attempts=1)))
        store = RawStore(tmp_path / "store")
        report = fetch_new([listing], store, {})
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(_HostileListing.requested) == [BASE_DIR + "fine.pdf", BASE_DIR + "ok.pdf", BASE_DIR + "t2.html"]
    assert sorted(s.file_name for s in report.stored) == ["好.pdf", "正常.pdf"]
    assert all(p.resolve().is_relative_to((tmp_path / "store").resolve()) for p in _files(tmp_path))


def test_listing_helpers_refuse_unsafe_names_and_other_hosts():
    page = "https://www.chinabond.com.cn/xxpl/2025/11/t1.html"
    assert [a.stored_name for a in parse_appendix_ids("1=..=a.pdf,2=%2e%2e=b.pdf,3=x\ny.pdf=c.pdf,4=ok.pdf=d", page)] \
        == ["ok.pdf"]
    links = attachment_links('<a href="//evil.example/a.pdf">a</a><a href="/other/b.pdf">b</a>', page)
    assert [a.url for a in links] == ["https://www.chinabond.com.cn/other/b.pdf"]
    assert datetime(2025, 1, 1, tzinfo=SHANGHAI)  # listing times stay tz-aware (ListingEntry refuses naive)
