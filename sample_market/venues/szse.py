"""Shenzhen Stock Exchange (深交所) announcement list and its static download host, as the
sample market serves them for exchange ABS on SZSE (``.SZ`` codes).

``POST /api/disc/announcement/annList?random=<float>`` (www.szse.cn)
    JSON body: ``channelCode`` (list; ``bondinfoNotice_disc`` 债券信息公告 lists ours, other
    channels nothing), ``smallCategoryId`` (list; ``013904`` 债券付息公告 holds 收益分配报告/公告,
    ``013903`` 债券定期公告 holds 资产管理报告, ``013999`` 债券其它公告 everything else; empty =
    all), ``bigCategoryId`` (ignored), ``seDate: [from, to]`` (``YYYY-MM-DD``, inclusive, by
    publish time), ``stock: [code]``, ``searchKey: [keyword]``, ``pageSize`` (1..50, default
    30), ``pageNum`` (1-based). Answer ``{"announceCount": N, "data": [...]}``, newest first,
    each item ``id, annId, title, content, publishTime, attachPath, attachFormat, attachSize,
    secCode[], secName[], bigCategoryId, smallCategoryId, channelCode``.
    The site wants what its own page sends: ``Content-Type: application/json`` and
    ``X-Request-Type: ajax``; without them it answers 403. A body that is not a JSON object
    answers 400.
``GET /download/disc/disk03/finalpage/<YYYY-MM-DD>/<uuid>.PDF`` (disc.static.szse.cn)
    The file behind ``attachPath``, or a soft-ban 404.
"""

from __future__ import annotations

import json
import uuid

from sample_market.venues.base import (
    Answer,
    Context,
    Publication,
    Request,
    Selections,
    file_answer,
    forbidden,
    json_answer,
    not_found,
    page_slice,
    parse_day,
    publications,
)

CHANNEL = "szse"
LIST_PATH = "/api/disc/announcement/annList"
DOWNLOAD_PREFIX = "/download"
ATTACH_PREFIX = "/disc/disk03/finalpage/"
CHANNEL_CODE = "bondinfoNotice_disc"
CATEGORIES = {"income_distribution": "013904", "asset_management_report": "013903"}
OTHER_CATEGORY = "013999"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 30, 50


class SzseVenue:
    """The catalogue of SZSE announcements and the routes that answer for them."""

    def __init__(self, entries: list, sizes: dict[str, int]):
        self.announcements = publications(entries, CHANNEL, sizes)
        self.selections = Selections()
        self.files = {DOWNLOAD_PREFIX + attach_path(p): p for p in self.announcements}

    def route(self, request: Request, ctx: Context) -> Answer | None:
        if request.path == LIST_PATH:
            if request.method != "POST":
                return Answer(405, b'{"message":"Method Not Allowed"}', "application/json", {"Allow": "POST"})
            if request.header("X-Request-Type").lower() != "ajax" or "json" not in request.header("Content-Type"):
                return forbidden()
            if ctx.rules.too_fast(CHANNEL):
                ctx.count("too_fast")
                return Answer(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                              "text/html;charset=UTF-8", {"Retry-After": "1"})
            return self.listing(request, ctx)
        if request.path.startswith(DOWNLOAD_PREFIX + ATTACH_PREFIX):
            if ctx.rules.too_fast(CHANNEL):
                ctx.count("too_fast")
                return Answer(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>",
                              "text/html;charset=UTF-8", {"Retry-After": "1"})
            publication = self.files.get(request.path)
            return not_found() if publication is None else file_answer(publication, ctx)
        return None

    def listing(self, request: Request, ctx: Context) -> Answer:
        try:
            body = json.loads(request.body.decode("utf-8") or "{}")
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
            page_num = max(1, int(body.get("pageNum") or 1))
            page_size = min(MAX_PAGE_SIZE, max(1, int(body.get("pageSize") or DEFAULT_PAGE_SIZE)))
            dates = list(body.get("seDate") or ["", ""]) + ["", ""]
            start, end = parse_day(str(dates[0] or ""), end=False), parse_day(str(dates[1] or ""), end=True)
        except (ValueError, TypeError) as exc:
            return json_answer({"message": f"参数错误: {exc}"}, status=400)
        channels = set(body.get("channelCode") or [])
        categories = set(body.get("smallCategoryId") or [])
        stocks = {str(s) for s in body.get("stock") or []}
        keywords = [str(k) for k in body.get("searchKey") or [] if str(k).strip()]
        key = (frozenset(channels), frozenset(categories), start, end, frozenset(stocks), tuple(keywords))
        rows = self.selections.get(key, lambda: [
            p for p in self.announcements
            if (not channels or CHANNEL_CODE in channels)
            and (not categories or category(p) in categories)
            and (start is None or p.published_at >= start) and (end is None or p.published_at <= end)
            and (not stocks or stocks & set(p.codes))
            and all(k in p.title for k in keywords)])
        chunk = page_slice(rows, page_num, page_size, ctx)
        return json_answer({"announceCount": len(rows), "data": [announcement_row(p) for p in chunk]})


def category(p: Publication) -> str:
    return CATEGORIES.get(p.category, OTHER_CATEGORY)


def attach_path(p: Publication) -> str:
    """``/disc/disk03/finalpage/2025-12-19/8c0f…-….PDF``: a uuid derived from the bytes' hash."""
    ident = uuid.UUID(p.token("szse", 32))
    return f"{ATTACH_PREFIX}{p.beijing:%Y-%m-%d}/{ident}.PDF"


def announcement_row(p: Publication) -> dict:
    """One item with the keys SZSE's list answer has."""
    return {
        "id": str(uuid.UUID(p.token("szse-id", 32))),
        "annId": int(p.source_doc_id) if p.source_doc_id.isdigit() else p.source_doc_id,
        "title": p.title,
        "content": "",
        "publishTime": p.beijing.strftime("%Y-%m-%d %H:%M:%S"),
        "attachPath": attach_path(p),
        "attachFormat": "PDF",
        "attachSize": max(1, p.size // 1024),
        "secCode": list(p.codes),
        "secName": list(p.abbrs),
        "bondType": None,
        "bigIndustryCode": None,
        "bigCategoryId": None,
        "smallCategoryId": category(p),
        "channelCode": CHANNEL_CODE,
    }
