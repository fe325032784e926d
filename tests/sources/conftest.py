"""A loopback imitation of ChinaBond for the connector tests (real HTTP on 127.0.0.1).

It serves the REAL listing (tests/fixtures/real_world/chinabond_trustee_report_listing_2025-11-19.json)
through the older form API and, in camelCase without appendixIds, through the current JSON
API; detail pages whose links point at the attachments; attachment bytes; annual curve
downloads; and scripted misbehaviour (429, 5xx, dropped connections, truncated bodies,
block pages) for the HTTP client tests.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from sources.http import HttpClient, HttpSettings
from tests.fixtures import REAL_WORLD

CHINABOND_ORIGIN = "https://www.chinabond.com.cn"
LISTING_FILE = "chinabond_trustee_report_listing_2025-11-19.json"
CURVE_FILE = "chinabond_govt_curve_2016.xlsx"
GOVT_CURVE_ID = "2c9081e50a2f9606010a3068cae70001"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CURVE_ERROR_PAGE = "<html><head><title>提示</title></head><body>系统繁忙，暂无数据</body></html>"


def attachment_bytes(docid: int | str) -> bytes:
    """Deterministic fake PDF bytes for one disclosure (the connector never parses them)."""
    return f"%PDF-1.4\n% abs-etl loopback attachment {docid}\n%%EOF\n".encode()


@dataclass
class Action:
    """One scripted answer: ok | status | drop | truncate | block."""

    kind: str
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    content_type: str = "application/octet-stream"


@dataclass
class MarketState:
    """What the server serves; tests change it between runs."""

    rows: list[dict]
    base_url: str = ""
    rewrite_host: bool = True
    overlap: int = 0
    reverse_pages: bool = False
    shuffle_seed: int | None = None
    ignore_page_num: bool = False
    scripts: dict[str, list[Action]] = field(default_factory=dict)
    curves: dict[tuple[str, int], bytes] = field(default_factory=dict)
    hits: Counter = field(default_factory=Counter)
    requests: list[tuple[str, str, bytes, dict]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def served_rows(self) -> list[dict]:
        """The listing as published, with the detail-page host pointing at this server."""
        if not self.rewrite_host:
            return [dict(row) for row in self.rows]
        return [{**row, "DOCPUBURL": row["DOCPUBURL"].replace(CHINABOND_ORIGIN, self.base_url)} for row in self.rows]

    def page(self, rows: list[dict], page_num: int, page_size: int) -> list[dict]:
        """One page, with the configured misbehaviour (shifted, reversed, shuffled, stuck)."""
        page_num = 1 if self.ignore_page_num else page_num
        n_pages = max(1, -(-len(rows) // page_size))
        if self.reverse_pages and 1 <= page_num <= n_pages:
            page_num = n_pages - page_num + 1
        start = max(0, (page_num - 1) * page_size - (self.overlap if page_num > 1 else 0))
        chunk = rows[start:start + page_size] if page_num >= 1 else []
        if self.shuffle_seed is not None:
            random.Random(self.shuffle_seed * 1000 + page_num).shuffle(chunk)
        return chunk

    def files(self) -> dict[str, bytes]:
        """URL path -> bytes of every attachment named in the listing."""
        out = {}
        for row in self.rows:
            directory = urlsplit(row["DOCPUBURL"]).path.rsplit("/", 1)[0]
            for item in row["appendixIds"].split(","):
                out[f"{directory}/{item.split('=')[1]}"] = attachment_bytes(row["docid"])
        return out

    def detail_pages(self) -> dict[str, dict]:
        """URL path of each detail page -> its row."""
        return {urlsplit(row["DOCPUBURL"]).path: row for row in self.rows}


def camel_row(row: dict) -> dict:
    """The current API's spelling of a row: camelCase keys and appendixIds null."""
    return {
        "docId": row["docid"],
        "docTitle": row["DocTitle"],
        "shengXiaoShiJian": row["ShengXiaoShiJian"],
        "docPubUrl": row["DOCPUBURL"],
        "appendixIds": None,
        "faXingNianFen": row["FaXingNianFen"],
        "faXingRenId": row["FaXingRenId"],
        "originDocId": row["OriginDocId"],
        "subDocTitle": "",
    }


def detail_html(row: dict) -> str:
    """A detail page like ChinaBond's: navigation links plus the attachment links."""
    links = []
    for i, item in enumerate(row["appendixIds"].split(",")):
        _, stored, original = item.split("=", 2)
        href = f"./{stored}" if int(row["docid"]) % 2 == 0 else stored
        text = original[:-4] if (int(row["docid"]) + i) % 3 == 0 else original
        links.append(f'<p><a href="{href}" target="_blank">{text}</a></p>')
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        f"{row['DocTitle']}</title></head><body>"
        "<a href='/index.html'>首页</a> <a href='javascript:void(0)'>打印</a>"
        f"<h1>{row['DocTitle']}</h1><div class='attachments'>{''.join(links)}</div></body></html>"
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # one send per response: avoids Nagle/delayed-ACK stalls on loopback
    state: MarketState

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._route(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._route(self.rfile.read(length))

    def _route(self, body: bytes) -> None:
        path = urlsplit(self.path).path
        with self.state.lock:
            self.state.hits[path] += 1
            self.state.requests.append((self.command, self.path, body, dict(self.headers)))
        if path in self.state.scripts:
            return self._scripted(path)
        if path == "/cbiw/trs/getDocsByConditions":
            return self._form_listing(body)
        if path == "/cbiw/trs/getContentByConditions":
            return self._json_listing(body)
        if path == "/cbweb-mn/yc/downYearBzqx":
            return self._curve()
        if path in self.state.detail_pages():
            return self._send(200, detail_html(self.state.detail_pages()[path]).encode(), "text/html; charset=utf-8")
        files = self.state.files()
        if path in files:
            return self._send(200, files[path], "application/pdf")
        self._send(404, b"<html><body>404</body></html>", "text/html")

    def _form_listing(self, body: bytes) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        rows = self.state.served_rows()
        if form.get("childChnlName") != "付息兑付与行权公告" or form.get("parentChnlId") != "948":
            rows = []
        size = min(int(form["pageSize"]), 100)
        chunk = self.state.page(rows, int(form["pageNum"]), size)
        answer = {"success": True, "data": {"data": {"list": chunk, "total": len(rows)}}}
        self._send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json;charset=UTF-8")

    def _json_listing(self, body: bytes) -> None:
        query = json.loads(body)
        rows = [camel_row(row) for row in self.state.served_rows()]
        start = query.get("queryParam", {}).get("startDate") or ""
        rows = [row for row in rows if row["shengXiaoShiJian"][:10] >= start]
        if query.get("childChnlDesc") != "付息兑付与行权公告" or query.get("parentChnlName") != "zqzl_zjzzczj":
            rows = []
        chunk = self.state.page(rows, int(query["pageNum"]), min(int(query["pageSize"]), 100))
        answer = {"success": True, "code": "200", "msg": "", "data": {"list": chunk, "total": len(rows)}}
        self._send(200, json.dumps(answer, ensure_ascii=False).encode(), "application/json;charset=UTF-8")

    def _curve(self) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        data = self.state.curves.get((query.get("ycDefId", ""), int(query.get("year", "0"))))
        if data is None:
            return self._send(200, CURVE_ERROR_PAGE.encode(), "text/html;charset=UTF-8")
        self._send(200, data, XLSX_TYPE)

    def _scripted(self, path: str) -> None:
        with self.state.lock:
            queue = self.state.scripts[path]
            action = queue.pop(0) if len(queue) > 1 else queue[0]
        if action.kind == "drop":
            self.close_connection = True
            return
        if action.kind == "truncate":
            return self._send(200, action.body, action.content_type, cut=len(action.body) // 2)
        if action.kind == "block":
            page = "<html><head><title>访问受限</title></head><body>您的访问受限，请稍后再试</body></html>"
            return self._send(action.status, page.encode(), "text/html; charset=utf-8")
        self._send(action.status, action.body, action.content_type, action.headers)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None, cut: int | None = None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body if cut is None else body[:cut])
        self.wfile.flush()


class LoopbackMarket:
    """A running server and its state; ``base_url`` is what a connector is pointed at.

    Tests reach the helpers through the fixture (``market.Action``, ``market.attachment_bytes``)
    rather than importing this module, whose name other test folders share.
    """

    Action = Action
    attachment_bytes = staticmethod(attachment_bytes)
    CURVE_ERROR_PAGE = CURVE_ERROR_PAGE

    def __init__(self, rows: list[dict]):
        self.state = MarketState(rows=[dict(row) for row in rows])
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.state.base_url = self.base_url
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> LoopbackMarket:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def url(self, path: str) -> str:
        return self.base_url + path

    def script(self, path: str, *actions: Action) -> str:
        """Queue answers for a path (the last one repeats); returns the path's URL."""
        self.state.scripts[path] = list(actions)
        return self.url(path)


class FakeTime:
    """Sleep that only records, and a clock that moves by what was slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def real_listing() -> list[dict]:
    return json.loads((REAL_WORLD / LISTING_FILE).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def real_curve_xlsx() -> bytes:
    return (REAL_WORLD / CURVE_FILE).read_bytes()


@pytest.fixture
def market(real_listing):
    with LoopbackMarket(real_listing) as running:
        yield running


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def http(fake_time):
    """A real HttpClient with short timeouts and a recorded (not slept) backoff."""
    settings = HttpSettings(connect_timeout=2, read_timeout=5, max_attempts=5, max_total_seconds=300)
    client = HttpClient(settings, sleep=fake_time.sleep, clock=fake_time.clock, rng=random.Random(7))
    yield client
    client.close()
