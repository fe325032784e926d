"""中国货币网 (chinamoney.com.cn) notice search, as the sample market serves it for ABN
资产运营报告 (interbank ``.IB`` asset-backed notes).

The site lets a client in only after a browser-like warm-up, and every step checks the one
before it:

``GET /chinese/qwjsn/``
    The full-text search page. Sets the cookies the APIs want (``AlteonP10``, ``lss``,
    ``apache``, ``ags``, ``_ulta_id``).
``POST /lss/rest/cm-s-account/getLT`` (form ``type=0``)
    A token: ``{"head": {"rep_code": "200"}, "data": {"UT": …, "sign": "…\\n"}}``. Without the
    cookies: 403. A token serves ``TOKEN_USES`` searches, then the search answers
    ``rep_code`` ``9001`` (令牌已失效) and the client fetches a new one.
``POST /ses/rest/cm-u-notice-ses-cn/query``
    Parameters in the query string or as a form: ``text`` (every space-separated word must be
    in the title), ``field=title``, ``sort=date``, ``date=all``, ``start`` / ``end``
    (``YYYY-MM-DD``, inclusive), ``pageIndex``, ``pageSize`` (1..999, default 15),
    ``infoLevel`` (= UT) and ``sign`` (the token, newline stripped), ``channelIdStr``,
    ``nodeLevel``, ``public``; cursor paging: ``op=top`` for the first page, then ``op=next``
    with ``searchAfter`` = the previous answer's ``sortNext`` joined by commas. Newest first.
    Answer ``{"head", "data": {"result": {"total", "pageIndex", "pageSize", "pageItems",
    "sortPrev", "sortNext", …}}, "records"}``; each item ``id, title`` (the search words
    wrapped in ``<font color='red'>``), ``releaseDate`` (epoch ms), ``dealPath`` (detail page),
    ``paths`` (attachment paths with the date in them; empty for some notices, whose detail
    page names the ``contentId``). Without the cookies, or without a ``Referer`` from the
    search page: 403 ("全站 403").
``GET /chinese/zqfxgg/<YYYYMMDD>/<id>.html``
    The detail page; its download link carries ``contentId``.
``GET /dqs/cm-s-notice-query/fileDownLoad.do?mode=open&contentId=<id>&priority=0``
    The file (cookies required), or a soft-ban 404. A file's own path answers 404: only the
    gateway serves it.

Requests sooner than the house minimum interval after the previous one are refused with 403,
as the real site blocks fast clients.
"""

from __future__ import annotations

import hashlib
import html
from urllib.parse import parse_qs

from sample_market.venues.base import (
    HTML_TYPE,
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

CHANNEL = "chinamoney"
WARM_UP_PATH = "/chinese/qwjsn/"
TOKEN_PATH = "/lss/rest/cm-s-account/getLT"
SEARCH_PATH = "/ses/rest/cm-u-notice-ses-cn/query"
DOWNLOAD_PATH = "/dqs/cm-s-notice-query/fileDownLoad.do"
DETAIL_PREFIX = "/chinese/zqfxgg/"
COOKIE_NAMES = ("AlteonP10", "lss", "apache", "ags", "_ulta_id")
TOKEN_USES = 25
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 15, 999
TOKEN_EXPIRED = "9001"


class ChinamoneyVenue:
    """The catalogue of chinamoney notices, the cookies and tokens it issued, its routes."""

    def __init__(self, entries: list, sizes: dict[str, int]):
        self.notices = publications(entries, CHANNEL, sizes)
        self.selections = Selections()
        self.by_content_id = {content_id(p): p for p in self.notices}
        self.details = {detail_path(p): p for p in self.notices}

    def route(self, request: Request, ctx: Context) -> Answer | None:
        path = request.path
        if path not in (WARM_UP_PATH, TOKEN_PATH, SEARCH_PATH, DOWNLOAD_PATH) and not path.startswith(DETAIL_PREFIX):
            return None
        if ctx.rules.too_fast(CHANNEL):
            ctx.count("too_fast")
            return forbidden()
        if path == WARM_UP_PATH:
            return self.warm_up(ctx)
        if not ctx.rules.has_session(request.cookies().get("lss")):
            ctx.count("no_session")
            return forbidden()
        if path == TOKEN_PATH:
            return self.token(ctx) if request.method == "POST" else forbidden()
        if path == SEARCH_PATH:
            if request.method != "POST" or "/chinese/qwjsn" not in request.header("Referer"):
                return forbidden()
            return self.search(request, ctx)
        if path == DOWNLOAD_PATH:
            publication = self.by_content_id.get(request.query.get("contentId", ""))
            return not_found() if publication is None else file_answer(publication, ctx)
        publication = self.details.get(path)
        return not_found() if publication is None else Answer(200, detail_html(publication), HTML_TYPE)

    # -- session and token ------------------------------------------------------------------

    def warm_up(self, ctx: Context) -> Answer:
        serial = ctx.rules.new_serial()
        session = hashlib.sha256(f"session|{serial}".encode()).hexdigest()[:32]
        ctx.rules.open_session(session)
        cookies = [f"{name}={session if name == 'lss' else hashlib.md5(f'{name}{serial}'.encode()).hexdigest()[:16]}"
                   "; Path=/" for name in COOKIE_NAMES]
        page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>全文检索-中国货币网</title></head>"
                "<body><div id=\"qwjsn\">全文检索</div></body></html>").encode("utf-8")
        return Answer(200, page, HTML_TYPE, {"Set-Cookie": cookies})

    def token(self, ctx: Context) -> Answer:
        serial = ctx.rules.new_serial()
        ut = hashlib.sha256(f"ut|{serial}".encode()).hexdigest()[:24]
        sign = hashlib.sha256(f"sign|{serial}".encode()).hexdigest()
        ctx.rules.issue_token((ut, sign), TOKEN_USES)
        return json_answer({"head": _head("200"), "data": {"UT": ut, "sign": sign + "\n"}})

    # -- search -----------------------------------------------------------------------------

    def search(self, request: Request, ctx: Context) -> Answer:
        params = dict(request.query)
        form = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
        spent = ctx.rules.spend_token((params.get("infoLevel", ""), params.get("sign", "").strip()))
        if not spent:
            code, message = (TOKEN_EXPIRED, "令牌已失效，请重新获取") if spent is False else ("401", "无效的令牌")
            return json_answer({"head": _head(code, message), "data": None, "records": []})
        try:
            start = parse_day(params.get("start", ""), end=False)
            end = parse_day(params.get("end", ""), end=True)
            page_size = min(MAX_PAGE_SIZE, max(1, int(params.get("pageSize") or DEFAULT_PAGE_SIZE)))
            page_index = max(1, int(params.get("pageIndex") or 1))
        except ValueError as exc:
            return json_answer({"head": _head("400", f"参数错误: {exc}"), "data": None, "records": []})
        words = [w for w in params.get("text", "").split() if w]
        rows, after_key = self.selections.get((tuple(words), start, end),
                                              lambda: _selection(self.notices, words, start, end))
        op = params.get("op", "top")
        if op == "next":
            position = after_key.get(params.get("searchAfter", ""))
            if position is None:
                return json_answer({"head": _head("400", "searchAfter 无效"), "data": None, "records": []})
            if ctx.dup_page:  # the page before again, as a busy index sometimes answers
                ctx.count("dup_page")
                position = max(0, position - page_size)
            chunk = rows[position:position + page_size]
        else:
            chunk = page_slice(rows, page_index, page_size, ctx)
        items = [notice_item(p, words) for p in chunk]
        result = {
            "total": len(rows), "duration": 3, "birth": 0, "pageIndex": page_index, "pageSize": page_size,
            "pageItems": items, "queryItems": None, "queryId": hashlib.md5(repr(params).encode()).hexdigest()[:16],
            "sortPrev": sort_key(chunk[0]) if chunk else [], "sortNext": sort_key(chunk[-1]) if chunk else [],
            "info": None,
        }
        return json_answer({"head": _head("200"), "data": {"result": result}, "records": []})


def _head(code: str, message: str = "") -> dict:
    return {"version": "2.0", "provider": "CFETS", "req_code": "0", "rep_code": code, "rep_message": message,
            "ts": 0, "producer": ""}


def content_id(p: Publication) -> str:
    return str(int(p.token("content", 10), 16) % 10**9)


def _selection(notices: list[Publication], words: list[str], start, end) -> tuple[list[Publication], dict[str, int]]:
    """The notices a search matches, and where a page after each one's sort key starts."""
    rows = [p for p in notices if all(w in p.title for w in words)
            and (start is None or p.published_at >= start) and (end is None or p.published_at <= end)]
    after_key: dict[str, int] = {}
    for i, p in enumerate(rows):
        after_key.setdefault(",".join(sort_key(p)), i + 1)   # the first match, as a scan finds it
    return rows, after_key


def sort_key(p: Publication) -> list[str]:
    return [str(int(p.published_at.timestamp() * 1000)), p.source_doc_id]


def detail_path(p: Publication) -> str:
    return f"{DETAIL_PREFIX}{p.beijing:%Y%m%d}/{p.source_doc_id}.html"


def has_paths(p: Publication) -> bool:
    """One notice in five (by id) lists no attachment path: its detail page names the file."""
    number = int(p.source_doc_id) if p.source_doc_id.isdigit() else int(p.token("paths", 4), 16)
    return number % 5 != 0


def notice_item(p: Publication, words: list[str]) -> dict:
    title = html.escape(p.title, quote=False)
    for word in words:
        title = title.replace(html.escape(word, quote=False), f"<font color='red'>{html.escape(word, quote=False)}</font>")
    day = p.beijing
    paths = [f"/dqs/fe/Info/{day:%Y/%m/%d}/{content_id(p)}.pdf"] if has_paths(p) else []
    return {"id": p.source_doc_id, "title": title, "releaseDate": int(p.published_at.timestamp() * 1000),
            "dealPath": detail_path(p), "paths": paths}


def detail_html(p: Publication) -> bytes:
    link = f"{DOWNLOAD_PATH}?mode=open&amp;contentId={content_id(p)}&amp;priority=0"
    page = (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(p.title)}</title></head><body>"
        f"<div class=\"article-title\">{html.escape(p.title)}</div>"
        f"<div class=\"article-time\">{p.beijing:%Y-%m-%d %H:%M}</div>"
        f"<div class=\"article-attach\"><a href=\"{link}\" target=\"_blank\">{html.escape(p.file_name)}</a></div>"
        "</body></html>"
    )
    return page.encode("utf-8")
