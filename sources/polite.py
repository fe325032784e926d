"""Politeness for the exchange disclosure sites: one request at a time, spaced out, and a
clear stop when the site says no.

SSE, SZSE and chinamoney throttle clients that ask too fast (403, 429, 451, 访问受限 pages,
and on static hosts a "soft-ban" 404 for a file that exists). ``PoliteClient`` wraps the
project's ``HttpClient`` (which already retries with backoff) and adds, per site:

* a minimum interval between requests plus random jitter, and one request at a time
  (a lock: concurrency 1, whatever the caller's threads do; only the loopback sample market,
  which is ours to load, is asked more at once: ``Politeness.in_flight``);
* a longer wait and a retry when a listed file answers 404 (soft ban), a few times;
* ``SiteBlockedError`` when the site keeps refusing after the client's retries — naming the
  site, the URL, the status and what to do — instead of a bare HTTP error deep in a run.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from sources.http import FetchError, HttpClient

log = logging.getLogger(__name__)

BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36"
)
"""What the sites' own pages send; the project's User-Agent names itself unless a site needs this."""

REFUSING_STATUSES = frozenset({403, 429, 451})


class SiteBlockedError(FetchError):
    """The site refused us (403/429/451 or block pages) through every retry: stop and slow down."""

    def __init__(self, site: str, cause: FetchError, advice: str):
        self.site, self.advice = site, advice
        super().__init__(cause.url, cause.attempts, cause.last_status, "blocked", cause.detail)
        status = cause.last_status if cause.last_status is not None else "a block page"
        self.args = (f"{site} is refusing our requests ({status} after {cause.attempts} attempt(s)) at "
                     f"{cause.url}: {advice}",)


@dataclass(frozen=True)
class Politeness:
    """How gently to ask one site. The defaults suit the real sites; the sample-market run and
    tests pass faster values."""

    min_interval_seconds: float = 1.5
    jitter_seconds: float = 1.0
    soft_ban_retries: int = 3
    soft_ban_wait_seconds: float = 30.0
    in_flight: int = 1   # requests at once: one for a real site; our own loopback market takes more

    def __post_init__(self) -> None:
        if self.min_interval_seconds < 0 or self.jitter_seconds < 0 or self.soft_ban_wait_seconds < 0:
            raise ValueError("politeness intervals must not be negative")
        if self.soft_ban_retries < 0:
            raise ValueError("soft_ban_retries must not be negative")
        if self.in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        if self.in_flight > 1 and (self.min_interval_seconds or self.jitter_seconds):
            raise ValueError("requests spaced out go one at a time: in_flight > 1 needs no interval and no jitter")


class PoliteClient:
    """An ``HttpClient`` used by one site at a time, at most one request in flight."""

    def __init__(self, site: str, http: HttpClient, politeness: Politeness, *, advice: str = "",
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None):
        self.site, self.http, self.politeness = site, http, politeness
        self.advice = advice or (f"wait before the next run, raise sources.{site}.min_interval_seconds, "
                                 "or fetch from another network")
        self._sleep, self._clock, self._rng = sleep, clock, rng or random.Random()
        self._lock = threading.Semaphore(politeness.in_flight)
        self._last: float | None = None
        self.soft_bans = 0

    @property
    def session(self) -> requests.Session:
        return self.http.session

    def request(self, method: str, url: str, *, soft_ban_404: bool = False, **kwargs) -> requests.Response:
        """Send politely; ``soft_ban_404`` treats a 404 as a soft ban (for files a listing named)."""
        retries = self.politeness.soft_ban_retries if soft_ban_404 else 0
        for attempt in range(retries + 1):
            try:
                with self._lock:
                    self._space_out()
                    try:
                        return self.http.request(method, url, **kwargs)
                    finally:
                        self._last = self._clock()
            except FetchError as exc:
                if exc.last_status == 404 and attempt < retries:
                    self.soft_bans += 1
                    wait = self.politeness.soft_ban_wait_seconds * (attempt + 1)
                    log.warning("%s: %s answered 404 for a listed file (soft ban?): waiting %.0f s, retry %d of %d",
                                self.site, url, wait, attempt + 1, retries)
                    self._sleep(wait)
                    continue
                if exc.last_status in REFUSING_STATUSES or exc.reason == "blocked":
                    raise SiteBlockedError(self.site, exc, self.advice) from exc
                if exc.last_status == 404 and soft_ban_404:
                    raise FetchError(exc.url, exc.attempts + retries, 404, "soft_ban_or_missing",
                                     f"still 404 after {retries} soft-ban retries: the site is refusing "
                                     "downloads or withdrew the file") from exc
                raise
        raise AssertionError("unreachable")

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def _space_out(self) -> None:
        """Sleep until the minimum interval (plus jitter) since the last request has passed."""
        if self._last is None:
            return
        gap = self.politeness.min_interval_seconds + self._rng.uniform(0, self.politeness.jitter_seconds)
        wait = self._last + gap - self._clock()
        if wait > 0:
            self._sleep(wait)
