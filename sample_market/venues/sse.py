"""Shanghai Stock Exchange (上交所) bond-announcement list and static files, as the sample
market serves them for exchange ABS on SSE (``.SH`` codes).

``GET /commonSoaQuery.do`` (query.sse.com.cn)
    ``sqlId=BS_ZQ_GGLL`` (anything else answers ``actionErrors``), ``bondType`` (a comma list;
    ``CORPORATE_ASSET_BOND_BULLETIN`` = 企业资产支持证券 lists our announcements, other types
    list nothing), ``sseDate`` / ``sseDateEnd`` (``YYYY-MM-DD[ HH:MM:SS]``, inclusive, by
    publish time), ``securityCode``, ``title`` (a keyword), ``orgBulletinType``, paging
    ``isPagination=true``, ``pageHelp.pageNo`` (1-based), ``pageHelp.pageSize`` (1..100,
    default 25). Newest first (``order=sseDate|desc,…``). With ``jsonCallBack=<name>`` the
    answer is JSONP, ``<name>({...})``, as the site's own page asks for it. Rows sit in both
    ``result`` and ``pageHelp.data`` with the keys crawlers saw (``securityCode``,
    ``securityAbbr``, ``title``, ``sseDate``, ``createTime``, ``url``, ``bulletinId``,
    ``orgBulletinType`` …); ``url`` is relative to static.sse.com.cn.
    The site checks the ``Referer``: without one naming sse.com.cn (or this server) it
    answers 403.
``GET /disclosure/bond/announcement/asset/c/new/<YYYY-MM-DD>/<code>_<YYYYMMDD>_<rand>.pdf``
    The file (static.sse.com.cn), or a soft-ban 404.

Bulletin type codes are the sample market's own (SSE's are not published): ``1705``
收益分配公告, ``1702`` 定期报告, ``1799`` 其他公告.
"""

from __future__ import annotations

import json
import re

from sample_market.venues.base import (
    Answer,
    Context,
    Publication,
    Request,
    Selections,
    file_answer,
    forbidden,
    not_found,
    page_slice,
    parse_day,
    publications,
)

CHANNEL = "sse"
LIST_PATH = "/commonSoaQuery.do"
FILE_PREFIX = "/disclosure/bond/announcement/asset/c/new/"
SQL_ID = "BS_ZQ_GGLL"
BOND_TYPE = "CORPORATE_ASSET_BOND_BULLETIN"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 25, 100
BULLETIN_TYPES = {
    "income_distribution": ("1705", "收益分配公告"),
    "asset_management_report": ("1702", "定期报告"),
}
OTHER_TYPE = ("1799", "其他公告")
JSONP_TYPE = "text/javascript;charset=UTF-8"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]{0,63}$")


class SseVenue:
    """The catalogue of SSE announcements and the routes that answer for them."""

    def __init__(self, entries: list, sizes: dict[str, int]):
        self.bulletins = publications(entries, CHANNEL, sizes)
        self.selections = Selections()
        self.files = {file_path(p): p for p in self.bulletins}

    def route(self, request: Request, ctx: Context) -> Answer | None:
        if request.path == LIST_PATH:
            if not _referer_ok(request):
                return forbidden()
            if ctx.rules.too_fast(CHANNEL):
                ctx.count("too_fast")
                return forbidden()
            return self.listing(request, ctx)
        if request.path.startswith(FILE_PREFIX):
            if ctx.rules.too_fast(CHANNEL):
                ctx.count("too_fast")
                return forbidden()
            publication = self.files.get(request.path)
            return not_found() if publication is None else file_answer(publication, ctx)
        return None

    def listing(self, request: Request, ctx: Context) -> Answer:
        q = request.query
        callback = q.get("jsonCallBack", "").strip()
        try:
            if q.get("sqlId") != SQL_ID:
                raise ValueError(f"sqlId {q.get('sqlId')!r} 不存在")
            page_no = max(1, int(q.get("pageHelp.pageNo") or q.get("pageHelp.beginPage") or 1))
            page_size = min(MAX_PAGE_SIZE, max(1, int(q.get("pageHelp.pageSize") or DEFAULT_PAGE_SIZE)))
            start = parse_day(q.get("sseDate", ""), end=False)
            end = parse_day(q.get("sseDateEnd", ""), end=True)
        except ValueError as exc:
            return _jsonp({"actionErrors": [str(exc)], "result": [], "pageHelp": {"data": [], "total": 0}}, callback)
        bond_types = {t.strip() for t in q.get("bondType", "").split(",") if t.strip()}
        key = (frozenset(bond_types), start, end, *(q.get(k, "").strip() for k in FILTERS))
        rows = self.selections.get(key, lambda: [p for p in self.bulletins if _matches(p, q, bond_types, start, end)])
        chunk = page_slice(rows, page_no, page_size, ctx) if q.get("isPagination", "true") != "false" else rows
        data = [bulletin_row(p) for p in chunk]
        page_count = max(1, -(-len(rows) // page_size))
        answer = {
            "actionErrors": [], "actionMessages": [], "errorMessage": None, "errorType": None, "fieldErrors": {},
            "isPagination": q.get("isPagination", "true"), "jsonCallBack": callback or None, "locale": "zh_CN",
            "pageHelp": {"beginPage": page_no, "cacheSize": 1, "data": data, "endDate": None, "endPage": None,
                         "objectResult": None, "pageCount": page_count, "pageNo": page_no, "pageSize": page_size,
                         "searchDate": None, "sort": None, "startDate": None, "total": len(rows)},
            "result": data, "securityCode": q.get("securityCode", ""), "texts": None, "type": q.get("type", ""),
            "validateCode": "",
        }
        return _jsonp(answer, callback)


def _referer_ok(request: Request) -> bool:
    referer = request.header("Referer")
    return "sse.com.cn" in referer or (bool(referer) and referer.startswith(request.origin))


FILTERS = ("securityCode", "title", "orgBulletinType")
"""The query fields ``_matches`` reads besides the dates and bond types (a selection's key)."""


def _matches(p: Publication, q: dict[str, str], bond_types: set[str], start, end) -> bool:
    if bond_types and BOND_TYPE not in bond_types:
        return False
    if start is not None and p.published_at < start:
        return False
    if end is not None and p.published_at > end:
        return False
    code = q.get("securityCode", "").strip()
    if code and code not in p.codes:
        return False
    keyword = q.get("title", "").strip()
    if keyword and keyword not in p.title:
        return False
    wanted = q.get("orgBulletinType", "").strip()
    return not wanted or wanted == bulletin_type(p)[0]


def bulletin_type(p: Publication) -> tuple[str, str]:
    return BULLETIN_TYPES.get(p.category, OTHER_TYPE)


def file_path(p: Publication) -> str:
    """``/disclosure/bond/announcement/asset/c/new/2025-12-19/270736_20251219_AB12.pdf``."""
    day = p.beijing
    code = p.codes[0] if p.codes else "000000"
    return f"{FILE_PREFIX}{day:%Y-%m-%d}/{code}_{day:%Y%m%d}_{p.token('sse', 4).upper()}.pdf"


def bulletin_row(p: Publication) -> dict:
    """One row with the keys SSE's list answer has."""
    kind, desc = bulletin_type(p)
    day = p.beijing
    path = file_path(p)
    return {
        "bondType": BOND_TYPE,
        "bulletinHeading": "",
        "bulletinId": p.source_doc_id,
        "bulletinType": kind,
        "bulletinYear": str(day.year),
        "createTime": day.strftime("%Y-%m-%d %H:%M:%S"),
        "fileName": path.rsplit("/", 1)[-1],
        "keyWord": "",
        "orgBulletinId": p.token("org", 10),
        "orgBulletinType": kind,
        "orgBulletinTypeDesc": desc,
        "orgFileType": "PDF",
        "securityAbbr": p.abbrs[0] if p.abbrs else "",
        "securityCode": p.codes[0] if p.codes else "",
        "sseDate": day.strftime("%Y-%m-%d"),
        "title": p.title,
        "url": path,
    }


def _jsonp(payload: dict, callback: str) -> Answer:
    text = json.dumps(payload, ensure_ascii=False)
    if callback and _CALLBACK.match(callback):
        return Answer(200, f"{callback}({text})".encode("utf-8"), JSONP_TYPE)
    return Answer(200, text.encode("utf-8"), "application/json;charset=UTF-8")
