"""HttpClient against a real loopback server that misbehaves on cue (sleep is recorded, not slept)."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from sources.http import (
    USER_AGENT,
    BlockedError,
    FetchError,
    HttpClient,
    HttpSettings,
    UnexpectedContentError,
    parse_retry_after,
)

PDF = b"%PDF-1.7\n" + b"0123456789" * 500 + b"\n%%EOF\n"


def ok(market, body=PDF, content_type="application/pdf"):
    return market.Action("ok", 200, body, content_type=content_type)


def status(market, code, **headers):
    return market.Action("status", code, b"<html><body>error</body></html>", headers, "text/html")


def test_429_with_retry_after_seconds_then_200(market, http, fake_time):
    url = market.script("/f/429", status(market, 429, **{"Retry-After": "3"}), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert fake_time.sleeps == [3.0]
    assert market.state.hits["/f/429"] == 2
    assert http.stats.as_dict()["retries"] == {"rate_limited": 1}


def test_retry_after_as_http_date_is_honoured(market, http, fake_time):
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=40), usegmt=True)
    url = market.script("/f/date", status(market, 503, **{"Retry-After": when}), ok(market))

    assert http.get(url).content == PDF
    assert 30 <= fake_time.sleeps[0] <= 40


def test_retry_after_is_capped(market, fake_time):
    client = HttpClient(HttpSettings(max_retry_after=15), sleep=fake_time.sleep, clock=fake_time.clock)
    url = market.script("/f/cap", status(market, 429, **{"Retry-After": "86400"}), ok(market))

    assert client.get(url).status_code == 200
    assert fake_time.sleeps == [15.0]


@pytest.mark.parametrize("code", [403, 451])
def test_other_throttling_statuses_are_retried(market, http, code):
    url = market.script(f"/f/{code}", status(market, code), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert http.stats.retries["rate_limited"] == 1


def test_500_and_503_then_200_back_off_with_full_jitter(market, http, fake_time):
    url = market.script("/f/5xx", status(market, 500), status(market, 503), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert len(fake_time.sleeps) == 2
    assert 0 <= fake_time.sleeps[0] <= 1.0 and 0 <= fake_time.sleeps[1] <= 2.0
    assert http.stats.retries == {"server_error": 2}


def test_dropped_connection_then_200(market, http):
    url = market.script("/f/drop", market.Action("drop"), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert http.stats.retries == {"connection": 1}


def test_truncated_body_is_retried(market, http):
    url = market.script("/f/cut", market.Action("truncate", body=PDF, content_type="application/pdf"), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert http.stats.retries == {"truncated": 1}
    assert market.state.hits["/f/cut"] == 2


def test_block_page_with_status_200_is_retried(market, http):
    url = market.script("/f/block", market.Action("block"), market.Action("block"), ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert http.stats.retries == {"blocked": 2}


def test_block_page_is_detected_even_without_an_expectation(market, http):
    url = market.script("/f/block-any", market.Action("block"), ok(market, b'{"success": true}', "application/json"))

    assert http.get(url).json() == {"success": True}
    assert http.stats.retries == {"blocked": 1}


def test_html_where_a_pdf_was_expected_is_retried(market, http):
    loading = ok(market, b"<!DOCTYPE html><html><body>loading</body></html>", "text/html")
    url = market.script("/f/html", loading, ok(market))

    assert http.get(url, expect="pdf").content == PDF
    assert http.stats.retries == {"unexpected_content": 1}


def test_html_where_json_was_expected_is_retried(market, http):
    busy = ok(market, b"<html><body>busy</body></html>", "text/html")
    url = market.script("/f/json", busy, ok(market, b"[1, 2]", "application/json"))

    assert http.post(url, data={"a": "1"}, expect="json").json() == [1, 2]


def test_wrong_content_without_content_retries_fails_at_once(market, http):
    url = market.script("/f/once", ok(market, b"<html><body>no data</body></html>", "text/html"))

    with pytest.raises(UnexpectedContentError) as caught:
        http.get(url, expect="xlsx", retry_content=False)
    assert caught.value.attempts == 1
    assert "no data" in str(caught.value)
    assert market.state.hits["/f/once"] == 1


def test_permanent_failure_names_url_and_attempts(market, http, fake_time):
    url = market.script("/f/down", status(market, 503))

    with pytest.raises(FetchError) as caught:
        http.get(url)
    error = caught.value
    assert (error.url, error.attempts, error.last_status, error.reason) == (url, 5, 503, "server_error")
    assert url in str(error) and "5 attempt(s)" in str(error)
    assert market.state.hits["/f/down"] == 5
    assert len(fake_time.sleeps) == 4
    assert http.stats.as_dict()["failures"] == 1


def test_permanent_block_raises_blocked_error(market, http):
    url = market.script("/f/blocked", market.Action("block"))

    with pytest.raises(BlockedError) as caught:
        http.get(url, expect="pdf")
    assert caught.value.attempts == 5 and caught.value.reason == "blocked"


def test_client_errors_are_not_retried(market, http):
    with pytest.raises(FetchError) as caught:
        http.get(market.url("/no/such/file.pdf"))
    assert (caught.value.attempts, caught.value.last_status) == (1, 404)
    assert market.state.hits["/no/such/file.pdf"] == 1


def test_total_time_budget_bounds_the_retries(market, fake_time):
    settings = HttpSettings(max_attempts=10, max_total_seconds=250)
    client = HttpClient(settings, sleep=fake_time.sleep, clock=fake_time.clock)
    url = market.script("/f/slow", status(market, 429, **{"Retry-After": "100"}))

    with pytest.raises(FetchError, match="time budget") as caught:
        client.get(url)
    assert caught.value.attempts == 3
    assert fake_time.sleeps == [100.0, 100.0]


def test_read_timeout_is_retried(market, fake_time):
    settings = HttpSettings(read_timeout=0.2, max_attempts=2)
    client = HttpClient(settings, sleep=fake_time.sleep, clock=fake_time.clock, rng=random.Random(1))
    original = market.state.page

    def slow_page(*args):
        time.sleep(0.6)
        return original(*args)

    market.state.page = slow_page
    with pytest.raises(FetchError) as caught:
        client.post(market.url("/cbiw/trs/getDocsByConditions"), data={"pageNum": 1, "pageSize": 1})
    assert caught.value.reason == "timeout" and caught.value.attempts == 2
    assert client.stats.retries == {"timeout": 1}


def test_default_user_agent_names_the_project(market, http):
    http.get(market.script("/f/ua", ok(market)))

    headers = market.state.requests[-1][3]
    assert headers["User-Agent"] == USER_AGENT and "abs-etl" in USER_AGENT


def test_real_time_is_the_default():
    client = HttpClient()
    assert client._sleep is time.sleep and client._clock is time.monotonic
    client.close()


def test_parse_retry_after():
    now = datetime(2025, 11, 19, 8, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 19 Nov 2025 08:01:30 GMT", now=now) == 90.0
    assert parse_retry_after("Wed, 19 Nov 2025 07:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
