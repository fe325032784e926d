"""Imitations of the exchange-ABS and ABN disclosure sites the sample market publishes on.

Each module imitates one site closely enough that the real connector (``sources.sse``,
``sources.szse``, ``sources.chinamoney``, ``sources.shclearing``) runs against it unchanged: its list API and paging,
its download paths, the headers, cookies and tokens it insists on, and its push-back (403,
429, soft-ban 404). The server routes a request to the venues before its ChinaBond routes.

| channel (manifest) | site | what the sample market puts there |
|---|---|---|
| ``sse`` | 上交所 ``commonSoaQuery.do`` + static.sse.com.cn | exchange ABS (.SH): 收益分配报告/公告, 资产管理报告 |
| ``szse`` | 深交所 ``api/disc/announcement/annList`` + disc.static.szse.cn | exchange ABS (.SZ): the same families |
| ``chinamoney`` | 中国货币网 notice search + fileDownLoad.do | ABN 资产运营报告 |
| ``shclearing`` | 上海清算所 queryNewBulletinList + article pages + download.jsp | the same ABN 资产运营报告, a day later |

Manifest lines of these channels carry extra keys: ``security_codes`` and ``security_abbrs``
(lists, first = the code a listing shows) and ``category`` (the document family).
"""

from __future__ import annotations

from sample_market.venues.base import Answer, Context, HouseRules, Request
from sample_market.venues.chinamoney import ChinamoneyVenue
from sample_market.venues.shclearing import ShclearingVenue
from sample_market.venues.sse import SseVenue
from sample_market.venues.szse import SzseVenue

VENUE_CHANNELS = ("sse", "szse", "chinamoney", "shclearing")


class Venues:
    """Every venue's catalogue, built once per manifest version."""

    def __init__(self, entries: list, sizes: dict[str, int]):
        self.sites = (SseVenue(entries, sizes), SzseVenue(entries, sizes), ChinamoneyVenue(entries, sizes),
                      ShclearingVenue(entries, sizes))

    def route(self, request: Request, ctx: Context) -> Answer | None:
        """The answer of the venue that owns the path, or None (not a venue path)."""
        for site in self.sites:
            answer = site.route(request, ctx)
            if answer is not None:
                return answer
        return None


__all__ = ["VENUE_CHANNELS", "Venues", "Answer", "Context", "HouseRules", "Request"]
