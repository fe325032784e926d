"""A polite client asks a real site one request at a time whatever the caller's threads do;
only with ``in_flight`` (the loopback sample market) are several requests out at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sources.http import HttpClient, HttpSettings
from sources.polite import Politeness, PoliteClient


class _Counting(BaseHTTPRequestHandler):
    lock = threading.Lock()
    now = 0
    most = 0

    def do_GET(self):  # noqa: N802 - the stdlib's name
        cls = type(self)
        with cls.lock:
            cls.now += 1
            cls.most = max(cls.most, cls.now)
        time.sleep(0.05)
        with cls.lock:
            cls.now -= 1
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Counting.now = _Counting.most = 0
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("in_flight, most", [(1, 1), (4, 4)])
def test_requests_at_once_never_exceed_in_flight(server, in_flight, most):
    client = PoliteClient("test", HttpClient(HttpSettings()), Politeness(0, 0, in_flight=in_flight))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: client.get(f"{server}/doc/{i}").content, range(16)))
    assert answers == [b"ok"] * 16
    assert _Counting.most == most


def test_spaced_requests_cannot_be_sent_at_once():
    with pytest.raises(ValueError, match="in_flight > 1 needs no interval"):
        Politeness(min_interval_seconds=1.5, in_flight=4)
    with pytest.raises(ValueError, match="at least 1"):
        Politeness(0, 0, in_flight=0)
