"""HttpClient obeys the environment as requests reads it (proxies, NO_PROXY, .netrc): what a
user behind a proxy relies on; the loopback sample market's session reads none of it."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sources.http import HttpClient, HttpSettings

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy",
                   "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC")


@pytest.fixture
def recorder(monkeypatch):
    """A loopback server that answers every GET and records its request line and Authorization."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the handler's API
            seen.append((self.path, self.headers.get("Authorization")))
            body = b"%PDF-1.7\n%%EOF\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_requests_go_through_the_proxy_the_environment_names(recorder, monkeypatch):
    address, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", address)
    with HttpClient() as client:
        for _ in range(2):
            assert client.get("http://abs-etl.invalid/report.pdf", expect="pdf").status_code == 200
    assert [path for path, _ in seen] == ["http://abs-etl.invalid/report.pdf"] * 2  # absolute URI: a proxy request


def test_no_proxy_still_bypasses_the_proxy(recorder, monkeypatch):
    address, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with HttpClient() as client:
        assert client.get(f"{address}/direct.pdf", expect="pdf").status_code == 200
    assert seen == [("/direct.pdf", None)]


def test_netrc_credentials_are_sent_to_their_host(recorder, monkeypatch, tmp_path):
    address, seen = recorder
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login reader password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    with HttpClient() as client:
        client.get(f"{address}/a.pdf")
        client.get(f"{address}/b.pdf")
    expected = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    assert seen == [("/a.pdf", expected), ("/b.pdf", expected)]


def test_the_loopback_session_reads_no_proxy_from_the_environment(recorder, monkeypatch):
    """The sample market's session: a proxy named in the environment is not used for 127.0.0.1
    (nor is the environment read per request, which cost ~0.5 ms of CPU a download)."""
    from pipeline.sources import pooled_session

    address, seen = recorder
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with HttpClient(HttpSettings(max_attempts=1), session=pooled_session(4, loopback=True)) as client:
        assert client.get(f"{address}/loopback.pdf", expect="pdf").status_code == 200
    assert seen == [("/loopback.pdf", None)]
