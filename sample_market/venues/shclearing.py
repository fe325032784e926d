"""上海清算所 (shclearing.com.cn) bulletin search, article pages and download gateway, as the
sample market serves them for ABN 资产运营报告 (the registrar and paying agent of asset-backed
notes posts the reports chinamoney carries).

``POST /shchapp/web/clientDisclosureQuery/queryNewBulletinList`` (form)
    ``bondName`` (every space-separated word must be in the title; empty = every bulletin),
    ``limit`` (1..100, default 20), ``start`` (offset, 0-based). Newest first. Answer
    ``{"root": [{"publishDate", "title", "url"}], "totalCount": N, "success": true}``;
    ``publishDate`` is ``YYYY-MM-DD HH:MM:SS`` (Beijing), ``url`` the article page (relative).
    The site wants ``X-Requested-With: XMLHttpRequest`` and a ``Referer`` from its own search
    page (``/sy/qwjs/``); without them it answers 403.
``GET /xxpl/fxpl/abn/<YYYYMM>/t<YYYYMMDD>_<seq>.html``
    The article page: title, date, and the attachments as the site's script states them,
    ``var fileNames = './P0….pdf;;…'`` and ``var descNames = '<original name>;;…'``.
``GET /wcm/shch/pages/client/download/download.jsp?FileName=P0….pdf``
    The download gateway: the file, when the Referer is an article page of the site; 403
    without it. The attachment's own path (``/xxpl/fxpl/abn/<YYYYMM>/P0….pdf``) answers 404,
    as the real site's direct links do.

"高频访问会返回 404/429 软封禁": a request sooner than the house minimum interval after the
previous one is answered 429 on the search, a 404 on the gateway; the gateway also answers
soft-ban 404s at ``soft_ban_rate``. The ABN column of the real site is not known
(``exchange-disclosure.md`` §5.3): the article path's ``abn`` is this imitation's, and the
connector follows whatever ``url`` the search gives.
"""

from __future__ import annotations

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
    publications,
)

CHANNEL = "shclearing"
SEARCH_PATH = "/shchapp/web/clientDisclosureQuery/queryNewBulletinList"
SEARCH_PAGE = "/sy/qwjs/"
ARTICLE_PREFIX = "/xxpl/fxpl/abn/"
GATEWAY_PATH = "/wcm/shch/pages/client/download/download.jsp"
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


class ShclearingVenue:
    """The catalogue of Shanghai Clearing bulletins and the routes that answer for them."""

    def __init__(self, entries: list, sizes: dict[str, int]):
        self.bulletins = publications(entries, CHANNEL, sizes)
        self.selections = Selections()
        self.articles = {article_path(p): p for p in self.bulletins}
        self.files = {file_name(p): p for p in self.bulletins}

    def route(self, request: Request, ctx: Context) -> Answer | None:
        path = request.path
        if path != SEARCH_PATH and path != GATEWAY_PATH and not path.startswith(ARTICLE_PREFIX):
            return None
        if path == SEARCH_PATH:
            if request.method != "POST" or request.header("X-Requested-With") != "XMLHttpRequest" \
                    or SEARCH_PAGE not in request.header("Referer"):
                return forbidden()
            if ctx.rules.too_fast(CHANNEL):
                ctx.count("too_fast")
                return Answer(429, b"<html><body><h1>429 Too Many Requests</h1></body></html>", HTML_TYPE)
            return self.search(request, ctx)
        if ctx.rules.too_fast(CHANNEL):  # pages and files: the soft ban is a 404
            ctx.count("too_fast")
            return not_found()
        if path == GATEWAY_PATH:
            if ARTICLE_PREFIX not in request.header("Referer"):
                return forbidden()
            publication = self.files.get(request.query.get("FileName", ""))
            return not_found() if publication is None else file_answer(publication, ctx)
        publication = self.articles.get(path)
        return not_found() if publication is None else Answer(200, article_html(publication), HTML_TYPE)

    def search(self, request: Request, ctx: Context) -> Answer:
        params = dict(request.query)
        form = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
        try:
            limit = min(MAX_LIMIT, max(1, int(params.get("limit") or DEFAULT_LIMIT)))
            start = max(0, int(params.get("start") or 0))
        except ValueError as exc:
            return json_answer({"success": False, "msg": f"参数错误: {exc}", "root": [], "totalCount": 0})
        words = [w for w in params.get("bondName", "").split() if w]
        rows = self.selections.get(tuple(words),
                                   lambda: [p for p in self.bulletins if all(w in p.title for w in words)])
        chunk = page_slice(rows, start // limit + 1, limit, ctx) if start % limit == 0 else rows[start:start + limit]
        return json_answer({"success": True, "totalCount": len(rows), "root": [bulletin_row(p) for p in chunk]})


def file_name(p: Publication) -> str:
    """The content system's attachment name: ``P0`` + the day + a number from the bytes' hash."""
    return f"P0{p.beijing:%Y%m%d}{int(p.token('shclearing-file', 10), 16) % 10**12:012d}.pdf"


def article_path(p: Publication) -> str:
    return f"{ARTICLE_PREFIX}{p.beijing:%Y%m}/t{p.beijing:%Y%m%d}_{int(p.token('shclearing-seq', 8), 16) % 10**7}.html"


def bulletin_row(p: Publication) -> dict:
    return {"publishDate": p.beijing.strftime("%Y-%m-%d %H:%M:%S"), "title": p.title, "url": article_path(p)}


def article_html(p: Publication) -> bytes:
    files, names = f"./{file_name(p)}", p.file_name.replace("'", "’")
    page = (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(p.title)}-上海清算所</title></head><body>"
        f"<div class=\"title\">{html.escape(p.title)}</div>"
        f"<div class=\"date\">{p.beijing:%Y-%m-%d}</div>"
        "<div class=\"attachments\" id=\"fj\"></div>"
        "<script type=\"text/javascript\">\n"
        f"var fileNames = '{files}';\nvar descNames = '{html.escape(names, quote=False)}';\n"
        "var _arr = fileNames.split(';;');\n"
        "</script></body></html>"
    )
    return page.encode("utf-8")
