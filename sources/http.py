"""A polite, stubborn HTTP client for disclosure sites.

Real disclosure sites throttle (403/429/451), fail (5xx), drop connections, cut bodies short
and serve "访问受限" pages with status 200. ``HttpClient`` retries all of these with
exponential backoff and full jitter, within a bounded number of attempts and a bounded
total time, and counts every retry by reason so run summaries can show it.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import requests

from settings import over_limit_text
from transforms.sniff import json_depth, looks_like_html, sniff

log = logging.getLogger(__name__)

USER_AGENT = "abs-etl/0.1 (open data platform for China structured finance; source connectors)"

RATE_LIMIT_STATUSES = frozenset({403, 429, 451})
RETRY_STATUSES = RATE_LIMIT_STATUSES | {408, 425}

BLOCK_MARKERS = (
    "访问受限", "访问被拒绝", "访问过于频繁", "请求过于频繁", "地址被禁止", "access denied",
)
"""Text of the block pages that throttling sites serve with status 200."""

EXPECTED_KINDS = ("pdf", "xlsx", "json", "html")
MAX_JSON_DEPTH = 512
"""Deeper JSON is not an API answer (listings nest 4 levels); refused before ``json.loads``."""


class FetchError(Exception):
    """A request that did not succeed within its attempts; says where, how often and why."""

    def __init__(self, url: str, attempts: int, last_status: int | None, reason: str, detail: str = ""):
        self.url, self.attempts, self.last_status = url, attempts, last_status
        self.reason, self.detail = reason, detail
        status = last_status if last_status is not None else "none"
        message = f"{reason}: {url} failed after {attempts} attempt(s), last status {status}"
        super().__init__(f"{message}: {detail}" if detail else message)


class BlockedError(FetchError):
    """The site kept serving a block page (rate limiting dressed as a normal page)."""


class UnexpectedContentError(FetchError):
    """The body is not what the caller asked for (e.g. an HTML error page instead of a PDF)."""


class BodyTooLargeError(FetchError):
    """The body is larger than ``limits.max_document_mb``: refused while streaming, never retried."""


class _Failure(Exception):
    """Internal: one attempt failed; ``retryable`` says whether another try may help."""

    def __init__(
        self,
        reason: str,
        status: int | None = None,
        detail: str = "",
        wait: float | None = None,
        retryable: bool = True,
    ):
        super().__init__(detail or reason)
        self.reason, self.status, self.detail = reason, status, detail
        self.wait, self.retryable = wait, retryable


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts and retry budget; the defaults suit a throttling government site."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 6
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_retry_after: float = 120.0
    max_total_seconds: float = 600.0
    user_agent: str = USER_AGENT
    max_body_mb: float | None = None  # limits.max_document_mb: larger bodies are refused while streaming


@dataclass
class FetchStats:
    """What the client did, for run summaries: requests, bytes, retries by reason, failures."""

    requests: int = 0
    bytes_received: int = 0
    failures: int = 0
    retries: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self, size: int) -> None:
        with self._lock:
            self.requests += 1
            self.bytes_received += size

    def count_retry(self, reason: str) -> None:
        with self._lock:
            self.retries[reason] += 1

    def count_failure(self) -> None:
        with self._lock:
            self.failures += 1

    def as_dict(self) -> dict:
        """Plain data for a Prefect artifact or a log line."""
        with self._lock:
            return {
                "requests": self.requests,
                "bytes_received": self.bytes_received,
                "failures": self.failures,
                "retries": dict(self.retries),
                "retries_total": sum(self.retries.values()),
            }


class HttpClient:
    """``requests.Session`` with timeouts, bounded retries and content checks.

    ``sleep``, ``rng`` and ``clock`` exist so tests can run fast; real time is the default.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.settings = settings or HttpSettings()
        self.session = session or requests.Session()
        if self.session.headers.get("User-Agent", "").startswith("python-requests"):
            self.session.headers["User-Agent"] = self.settings.user_agent
        self.stats = FetchStats()
        self._sleep, self._rng, self._clock = sleep, rng or random.Random(), clock

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        expect: str | None = None,
        retry_content: bool = True,
        **kwargs,
    ) -> requests.Response:
        """Send until a good response arrives or the budget is spent; then raise ``FetchError``.

        ``expect`` ("pdf", "xlsx", "json", "html") checks the body, because sites answer
        errors with status 200. ``retry_content=False`` fails at once on a wrong body that is
        not a block page (an error page that retrying will not change).
        """
        if expect is not None and expect not in EXPECTED_KINDS:
            raise ValueError(f"expect must be one of {EXPECTED_KINDS}, got {expect!r}")
        kwargs.setdefault("timeout", (self.settings.connect_timeout, self.settings.read_timeout))
        start, attempt = self._clock(), 0
        while True:
            attempt += 1
            try:
                return self._attempt(method, url, expect, kwargs)
            except _Failure as failure:
                if not failure.retryable or (failure.reason == "unexpected_content" and not retry_content):
                    self._give_up(url, attempt, failure)
                self._wait_or_give_up(url, attempt, failure, start)

    def _attempt(self, method: str, url: str, expect: str | None, kwargs: dict) -> requests.Response:
        """One try: send, classify the outcome, return the response or raise ``_Failure``."""
        try:
            response = self.session.request(method, url, stream=True, **kwargs)
            try:
                self._read_body(response)
            finally:
                response.close()
        except requests.Timeout as exc:
            raise _Failure("timeout", detail=str(exc)) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise _Failure("truncated", detail=str(exc)) from exc
        except (requests.ConnectionError, requests.exceptions.ContentDecodingError) as exc:
            raise _Failure("connection", detail=str(exc)) from exc
        self.stats.count_request(len(response.content))
        _check_status(response)
        _check_length(response)
        _check_body(response, expect)
        return response

    def _read_body(self, response: requests.Response) -> None:
        """Read the body in chunks, stopping as soon as it is over ``max_body_mb`` (a declared
        Content-Length over the limit is refused before reading anything)."""
        limit = self.settings.max_body_mb
        if limit is None:
            response.content  # noqa: B018 - reads the body into the response
            return
        cap = int(limit * (1 << 20))
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap and not response.headers.get("Content-Encoding"):
            raise _Failure("too_large", response.status_code, _too_large(limit, f"Content-Length says "
                                                                          f"{int(declared) / (1 << 20):,.1f} MB"),
                           retryable=False)
        body = bytearray()
        for chunk in response.iter_content(1 << 16):
            body += chunk
            if len(body) > cap:
                raise _Failure("too_large", response.status_code,
                               _too_large(limit, f"body passed {cap / (1 << 20):,.1f} MB while streaming"),
                               retryable=False)
        response._content = bytes(body)

    def _wait_or_give_up(self, url: str, attempt: int, failure: _Failure, start: float) -> None:
        """Sleep before the next attempt, unless attempts or total time are used up."""
        if attempt >= self.settings.max_attempts:
            self._give_up(url, attempt, failure)
        delay = self._delay(attempt, failure.wait)
        if self._clock() - start + delay > self.settings.max_total_seconds:
            self._give_up(url, attempt, failure, "total time budget exhausted")
        self.stats.count_retry(failure.reason)
        log.info("retrying %s in %.1fs after %s (attempt %d)", url, delay, failure.reason, attempt)
        self._sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Full-jitter backoff, or the server's Retry-After (capped) when it gave one."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.settings.max_retry_after)
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    def _give_up(self, url: str, attempt: int, failure: _Failure, note: str = "") -> None:
        """Raise the public error that matches the last failure."""
        self.stats.count_failure()
        detail = "; ".join(part for part in (failure.detail, note) if part)
        error = {"blocked": BlockedError, "unexpected_content": UnexpectedContentError,
                 "too_large": BodyTooLargeError}.get(failure.reason, FetchError)
        raise error(url, attempt, failure.status, failure.reason, detail) from failure


def _check_status(response: requests.Response) -> None:
    """Retry throttling and server errors; fail at once on other client errors."""
    status = response.status_code
    if status < 400:
        return
    if status in RETRY_STATUSES or status >= 500:
        reason = "rate_limited" if status in RATE_LIMIT_STATUSES else "server_error"
        if _is_block_page(response):
            reason = "blocked"
        wait = parse_retry_after(response.headers.get("Retry-After"))
        raise _Failure(reason, status, f"HTTP {status}", wait)
    raise _Failure("http_error", status, f"HTTP {status}", retryable=False)


def _check_length(response: requests.Response) -> None:
    """A body shorter than its Content-Length was cut off on the way: retry it."""
    declared = response.headers.get("Content-Length")
    if not declared or response.headers.get("Content-Encoding") or response.request.method == "HEAD":
        return
    if declared.isdigit() and int(declared) != len(response.content):
        detail = f"got {len(response.content)} of {declared} bytes"
        raise _Failure("truncated", response.status_code, detail)


def _check_body(response: requests.Response, expect: str | None) -> None:
    """Catch block pages and bodies of the wrong kind that arrive with status 200."""
    body = response.content
    if expect not in (None, "html") and body_matches(body, expect):
        return
    if _is_block_page(response):
        raise _Failure("blocked", response.status_code, f"block page: {_snippet(body)}")
    if expect is None or body_matches(body, expect):
        return
    detail = f"expected {expect}, got {response.headers.get('Content-Type', '?')}: {_snippet(body)}"
    raise _Failure("unexpected_content", response.status_code, detail)


def body_matches(body: bytes, expect: str) -> bool:
    """Is the body the kind asked for? Decided by the pipeline's one sniffer (``transforms.sniff``);
    JSON must also parse, after its nesting was counted over the bytes (no RecursionError)."""
    kind = sniff(body).kind
    if expect == "pdf":
        return kind == "pdf"
    if expect == "xlsx":
        return kind in ("xlsx", "xls", "zip")  # a broken zip is caught by the length check or retried
    if expect == "json":
        if kind != "json" or json_depth(body, stop_at=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            return False
        try:
            json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return False
        return True
    if expect == "html":
        return looks_like_html(body)
    return True


def _is_block_page(response: requests.Response) -> bool:
    """A short markup page that says access is restricted, in UTF-8 or GB18030."""
    body = response.content
    content_type = response.headers.get("Content-Type", "").lower()
    if not (looks_like_html(body) or "html" in content_type or "text/plain" in content_type):
        return False
    head = body[:65536]
    texts = (head.decode("utf-8", errors="ignore"), head.decode("gb18030", errors="ignore"))
    return any(marker in text.lower() for text in texts for marker in BLOCK_MARKERS)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


def _too_large(limit_mb: float, had: str) -> str:
    return over_limit_text("max_document_mb", limit_mb, f"document too large ({had})")


def _snippet(body: bytes, limit: int = 160) -> str:
    """The start of a body as one readable line, for error messages."""
    text = body[:2048].decode("utf-8", errors="replace")
    return " ".join(text.split())[:limit]
