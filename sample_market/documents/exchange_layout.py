"""How an exchange-ABS or ABN document is laid out: the knobs one securities firm or trust
company turns, and how numbers and dates come out under them.

Every renderer of these families (``income_distribution``, ``asset_management_report``,
``abn_operating_report``) takes an ``ExchangeLayout``; the catalogue picks one per manager
(a manager keeps its template across deals and periods) and the layout fuzzer can hand any
other. The spellings the knobs choose between are the sample market's own vocabulary
(``SPELLINGS``), taken from real documents where they were seen (see
``../shared/reference/real-spellings.md`` §5) — never from the parsers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from sample_market.documents.render import Num, render_pdf

CENT = Decimal("0.01")
WAN, YI = Decimal(10_000), Decimal(100_000_000)
CN_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class ExchangeLayout:
    """One manager's template. Defaults are the 白鹭-style 收益分配报告 of the real templates."""

    date_style: str = "chinese"          # chinese 2025年7月31日 | spaced 2025 年 7 月 31 日 | iso 2025-07-31 | nopad 2025-7-31
    heading_space: bool = False          # "一、 分配对象" (a space after 、, as in the text layer of S14)
    title_style: str = "report"          # report …第N期收益分配报告 | notice …第N期收益分配的公告 | year_total …2025年第k期(总第N期)收益分配的公告
    tranche_table: str = "bailu"         # bailu | zhonggang | huabei: column sets of the real templates
    scale_unit: str = "万元"              # unit of 剩余规模 in the tranche table: 万元 | 亿元
    code_suffix: bool = True             # 270551.SH, or the bare 270551
    plan_style: str = "equation"         # equation 每份…=X元 | wei 每份…为X元 | table: a per-unit table
    schedule_table: bool = True          # the principal schedule (兑付日期 × 本金兑付比例)
    amount_unit: str = "元"               # annual / operating report tables: 元 | 万元 (6 decimals: exact)
    section_style: str = "jie"           # annual report chapters: jie 第三节 | cn 三、
    history_scope: str = "year"          # annual report period table: year (the report's periods) | all
    percent_places: int = 2

    def with_(self, **changes) -> ExchangeLayout:
        return dataclasses.replace(self, **changes)

    # ── numbers ──
    def date(self, value: dt.date | None) -> str:
        if value is None:
            return "-"
        if self.date_style == "iso":
            return value.isoformat()
        if self.date_style == "nopad":
            return f"{value.year}-{value.month}-{value.day}"
        if self.date_style == "spaced":
            return f"{value.year} 年 {value.month} 月 {value.day} 日"
        return f"{value.year}年{value.month}月{value.day}日"

    def amount(self, value: Decimal | None, unit: str | None = None) -> Num:
        """Money in the layout's unit; 万元 keeps 6 decimals so no cent is lost."""
        unit = unit or self.amount_unit
        if value is None:
            return Num("-", None)
        if unit == "万元":
            shown = (Decimal(value) / WAN).quantize(Decimal("0.000001"))
            return Num(f"{shown:,.6f}", shown)
        shown = Decimal(value).quantize(CENT)
        return Num(f"{shown:,.2f}", shown)

    def scale(self, value: Decimal) -> Num:
        """剩余规模 in 万元 or 亿元, 2 decimals, as the real tables print it (rounded)."""
        divisor = YI if self.scale_unit == "亿元" else WAN
        shown = (Decimal(value) / divisor).quantize(CENT)
        return Num(f"{shown:,.2f}", shown)

    def percent(self, value: Decimal | None, places: int | None = None) -> str:
        if value is None:
            return "-"
        places = self.percent_places if places is None else places
        return f"{Decimal(value) * 100:.{places}f}%"

    def exact_percent(self, value: Decimal | None) -> str:
        """A fraction as a percent with every digit it has (at least 2 places)."""
        if value is None:
            return "-"
        pct = (Decimal(value) * 100).normalize()
        places = max(2, -pct.as_tuple().exponent) if pct.as_tuple().exponent < 0 else 2
        return f"{pct:.{places}f}%"

    def heading(self, number: int, text: str) -> str:
        return f"{cn_number(number)}、{' ' if self.heading_space else ''}{text}"

    def chapter(self, number: int, text: str) -> str:
        if self.section_style == "jie":
            return f"第{cn_number(number)}节 {text}"
        return self.heading(number, text)

    def code(self, security_code: str) -> str:
        return security_code if self.code_suffix else security_code.split(".")[0]


def cn_number(n: int) -> str:
    """一 … 九十九."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + ("" if ones == 0 else CN_DIGITS[ones])


def finish_pdf(items: list, title: str, running: str, footer: str, variant: str) -> bytes:
    """The PDF of the items; ``image_only`` makes the key-figures page a scan, ``truncated`` cuts
    the bytes (what a broken first upload looks like)."""
    pdf = render_pdf(items, title, running, footer, "image_only" if variant == "image_only" else "normal")
    return pdf[: len(pdf) * 3 // 5] if variant == "truncated" else pdf


def garbled(cell: Num) -> Num:
    """The printed amount with an OCR-style letter O for its second digit (1,2O4.00)."""
    digit = next(i for i, ch in enumerate(cell.text) if ch.isdigit() and i > 0)
    return Num(cell.text[:digit] + "O" + cell.text[digit + 1:], None)


def per_unit(value: Decimal | None) -> str:
    return "-" if value is None else f"{Decimal(value):.4f}"


def pick(options: tuple, *parts: object):
    """A stable choice among options for a manager or deal (same input, same choice)."""
    digest = hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()
    return options[int(digest[:8], 16) % len(options)]


LAYOUTS: tuple[ExchangeLayout, ...] = (
    ExchangeLayout(),
    ExchangeLayout(title_style="notice", tranche_table="zhonggang", scale_unit="亿元", code_suffix=False,
                   plan_style="wei", date_style="spaced", heading_space=True, amount_unit="万元",
                   section_style="cn", history_scope="all"),
    ExchangeLayout(title_style="year_total", tranche_table="huabei", scale_unit="亿元", plan_style="table",
                   date_style="nopad", schedule_table=False, heading_space=True, percent_places=4),
    ExchangeLayout(title_style="report", tranche_table="zhonggang", scale_unit="万元", plan_style="equation",
                   date_style="iso", amount_unit="万元", code_suffix=False, history_scope="all"),
)
"""The templates the catalogue rotates through, one per manager; ``draw_exchange_layout`` any other."""

KNOBS: dict[str, tuple] = {
    "date_style": ("chinese", "spaced", "iso", "nopad"),
    "heading_space": (False, True),
    "title_style": ("report", "notice", "year_total"),
    "tranche_table": ("bailu", "zhonggang", "huabei"),
    "scale_unit": ("万元", "亿元"),
    "code_suffix": (True, False),
    "plan_style": ("equation", "wei", "table"),
    "schedule_table": (True, False),
    "amount_unit": ("元", "万元"),
    "section_style": ("jie", "cn"),
    "history_scope": ("year", "all"),
    "percent_places": (2, 4),
}
"""Every value each knob of ``ExchangeLayout`` takes (the templates are points of this space)."""


def draw_exchange_layout(rng) -> ExchangeLayout:
    """A layout drawn at random from ``KNOBS`` (``rng`` a ``random.Random``: a seed replays it),
    the way the layout fuzzer draws trustee-report and announcement layouts."""
    return ExchangeLayout(**{name: rng.choice(values) for name, values in KNOBS.items()})
