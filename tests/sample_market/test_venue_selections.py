"""A venue answers every page of a listing from one scan of its catalogue (a market year's SSE
listing is 637 pages over 15,908 publications: a scan per page made serving it quadratic)."""

from __future__ import annotations

import json

from sample_market.venues.base import Context, HouseRules, Request, Selections
from sample_market.venues.sse import SQL_ID, SseVenue
from tests.sources.venues.conftest import VenueMarket, exchange_reports


class CountedScans(list):
    """The venue's publications, counting how often something walks through all of them."""

    scans = 0

    def __iter__(self):
        CountedScans.scans += 1
        return super().__iter__()


def _page(venue: SseVenue, page: int, **filters: str) -> dict:
    query = {"sqlId": SQL_ID, "pageHelp.pageNo": str(page), "pageHelp.pageSize": "5", **filters}
    request = Request("GET", "/commonSoaQuery.do", query, b"", {}, "http://127.0.0.1")
    ctx = Context(read=lambda p: b"", dup_page=False, shuffle_seed=None, count=lambda *keys: None,
                  rules=HouseRules(0, 0, seed=1))
    return json.loads(venue.listing(request, ctx).body)


def test_paging_through_a_listing_scans_the_catalogue_once_per_filter(tmp_path):
    market = VenueMarket(tmp_path, "sse")
    exchange_reports(market, 30, "123456", "1")
    venue = SseVenue(market.entries, {e.rel_path: 1 for e in market.entries})
    every = list(venue.bulletins)
    venue.bulletins = CountedScans(every)
    CountedScans.scans = 0

    pages = [_page(venue, n) for n in range(1, 9)]
    assert CountedScans.scans == 1
    listed = [row["url"] for page in pages for row in page["result"]]
    assert len(listed) == len(every) == pages[0]["pageHelp"]["total"] == 36
    assert len(set(listed)) == len(listed)            # every publication once, in pages of 5

    titled = [_page(venue, n, title="资产管理报告") for n in (1, 2, 3)]
    assert CountedScans.scans == 2                    # a new filter is a new scan, once
    assert titled[0]["pageHelp"]["total"] == 15
    assert all("资产管理报告" in row["title"] for page in titled for row in page["result"])
    assert [row["title"] for row in _page(venue, 1)["result"]] == [row["title"] for row in pages[0]["result"]]
    assert CountedScans.scans == 2


def test_selections_compute_once_per_key_and_forget_beyond_their_size():
    calls: list[tuple] = []
    selections = Selections()

    def select(key):
        return lambda: calls.append(key) or [key]

    assert selections.get(("a",), select(("a",))) == [("a",)]
    assert selections.get(("a",), select(("a",))) == [("a",)]
    assert calls == [("a",)]
    for n in range(Selections.SIZE):
        selections.get((n,), select((n,)))
    selections.get(("a",), select(("a",)))            # forgotten when the cache filled up
    assert calls.count(("a",)) == 2
