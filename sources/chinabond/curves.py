"""ChinaBond yield curves (中债收益率曲线): one annual xlsx per curve and year.

``GET {base}/cbweb-mn/yc/downYearBzqx?year=YYYY&ycDefId=<curve id>`` returns the year's
standard-tenor yields (日期, 标准期限说明, 标准期限(年), 收益率(%)). Errors arrive as short HTML
pages with status 200; they are reported at once, not retried in a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Iterable, Iterator
from urllib.parse import urlencode

from sources.base import SHANGHAI, Cursor, ListingEntry, safe_file_name
from sources.http import HttpClient, UnexpectedContentError

SOURCE = "chinabond_curves"
DEFAULT_BASE_URL = "https://yield.chinabond.com.cn"
DOWNLOAD_PATH = "/cbweb-mn/yc/downYearBzqx"


@dataclass(frozen=True)
class CurveDef:
    """A ChinaBond curve: our short key, its Chinese name and ChinaBond's ``ycDefId``."""

    key: str
    name_cn: str
    curve_id: str


CURVES: tuple[CurveDef, ...] = (
    CurveDef("govt", "中债国债收益率曲线", "2c9081e50a2f9606010a3068cae70001"),
    CurveDef("mtn_aaa", "中债中短期票据收益率曲线(AAA)", "2c9081880fa9d507010fb8505b393fe7"),
    CurveDef("mtn_aa", "中债中短期票据收益率曲线(AA)", "2c9081e50a2f9606010a30acdae40176"),
    CurveDef("corp_aaa", "中债企业债收益率曲线(AAA)", "2c9081e50a2f9606010a309f4af50111"),
    CurveDef("corp_aa_plus", "中债企业债收益率曲线(AA+)", "2c908188138b62cd01139a2ee6b51e25"),
)
"""Curve ids as published by ChinaBond (see shared/reference/real-world-formats.md)."""

CURVES_BY_KEY = {curve.key: curve for curve in CURVES}


class CurveDownloadError(UnexpectedContentError):
    """ChinaBond answered with an error page instead of the curve's xlsx."""


def curve_url(base_url: str, curve: CurveDef, year: int) -> str:
    """The annual download URL of one curve."""
    query = urlencode({"year": year, "ycDefId": curve.curve_id})
    return f"{base_url.rstrip('/')}{DOWNLOAD_PATH}?{query}"


class CurveSource:
    """Yields one entry per (curve, year) in ``years``; ``download`` returns the xlsx bytes.

    A finished year is published once (its ``published_at`` is the next New Year), so the
    cursor skips it on later runs; the running year is "as of now" and is fetched every
    run (the raw store keeps only changed bytes). To backfill, list with an empty cursor.
    """

    def __init__(
        self,
        years: Iterable[int],
        *,
        curves: Iterable[CurveDef | str] = CURVES,
        base_url: str = DEFAULT_BASE_URL,
        http: HttpClient | None = None,
        now: Callable[[], datetime] | None = None,
        name: str = SOURCE,
    ):
        self.years = tuple(sorted(set(years)))
        self.curves = tuple(CURVES_BY_KEY[c] if isinstance(c, str) else c for c in curves)
        self.base_url = base_url
        self.http = http or HttpClient()
        self.name = name
        self._now = now or (lambda: datetime.now(SHANGHAI))

    def list_new(self, cursor: Cursor | None = None) -> Iterator[ListingEntry]:
        """Entries for every configured curve and year that the cursor has not taken yet."""
        cursor = cursor or Cursor()
        now = self._now().astimezone(SHANGHAI)
        for curve in self.curves:
            for year in self.years:
                if year > now.year:
                    continue
                entry = self._entry(curve, year, now)
                if cursor.is_new(entry):
                    yield entry

    def download(self, entry: ListingEntry) -> bytes:
        """The xlsx bytes; an HTML error page raises ``CurveDownloadError`` naming curve and year."""
        try:
            return self.http.get(entry.download_url, expect="xlsx", retry_content=False).content
        except UnexpectedContentError as exc:
            what = f"{entry.extra.get('curve_name')} {entry.extra.get('year')}"
            raise CurveDownloadError(exc.url, exc.attempts, exc.last_status, "curve_error_page",
                                     f"no xlsx for {what}: {exc.detail}") from exc

    def _entry(self, curve: CurveDef, year: int, now: datetime) -> ListingEntry:
        """A finished year is as of the next New Year; the running year is as of now."""
        year_end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
        return ListingEntry(
            source=SOURCE,
            source_doc_id=f"{curve.curve_id}:{year}",
            title=f"{curve.name_cn} {year}",
            published_at=min(year_end, now),
            page_url=None,
            download_url=curve_url(self.base_url, curve, year),
            file_name=safe_file_name(f"{curve.name_cn}_{year}.xlsx"),
            doc_type_hint="yield_curve",
            extra={"curve_key": curve.key, "curve_id": curve.curve_id, "curve_name": curve.name_cn,
                   "year": year, "is_complete_year": year_end <= now},
        )
