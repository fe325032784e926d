"""Deal names and report titles to series, vintage, issue, asset class, market and period.

A deal name packs its identity into one string: `建鑫2021年第六期不良资产支持证券` is series
建鑫, vintage 2021, sixth issue of that year, NPL, credit ABS. ABN names put the issuer company
first (`…有限公司2024年度东裕3号京东白条第二期定向资产支持票据`), exchange ABS names put the
plan manager before a dash (`天风-分期乐5期资产支持专项计划`). Report titles append the
report's period number in many spellings (`（第30期）`, `-第75期`, `2025年第4期（总第4期）`);
the issue number inside the deal name (`2025年第一期`) must never be read as the period.
Fields the text does not state stay None rather than being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from transforms.normalise.text import fold_width, parse_chinese_int, squash_spaces

NUM = r"[0-9]+|[一二三四五六七八九十百零〇两]+"
YEAR = r"(?:19|20)\d{2}"

# name_zh is the label shown to analysts; keywords are matched in the deal name, in order.
ASSET_CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "npl": ("不良资产", ("不良资产", "不良贷款", "不良")),
    "residential_mortgage": ("个人住房抵押贷款", ("个人住房抵押贷款", "个人住房贷款", "住房抵押贷款", "住房公积金贷款", "RMBS")),
    "auto_loan": ("个人汽车抵押贷款", ("个人汽车抵押贷款", "个人汽车贷款", "汽车抵押贷款", "汽车贷款", "汽车分期", "车贷")),
    "credit_card": ("信用卡分期", ("信用卡",)),
    "consumer_loan": ("个人消费贷款", ("个人消费贷款", "消费贷款", "消费信贷", "消费金融", "白条")),
    "micro_enterprise_loan": ("微小企业贷款", ("微小企业贷款",)),
    "small_micro_loan": ("小微企业贷款", ("小微企业贷款", "小微贷款", "小微")),
    "corporate_loan": ("企业贷款", ("对公贷款", "企业贷款", "公司贷款", "CLO")),
    "leasing": ("融资租赁", ("融资租赁", "租赁资产", "租赁")),
    "supply_chain": ("供应链", ("供应链金融", "供应链")),
    "accounts_receivable": ("应收账款", ("应收账款", "保理合同债权", "保理")),
    "microcredit": ("小额贷款", ("小额贷款",)),
    "real_estate": ("持有型不动产/CMBS", ("持有型不动产", "不动产", "类REITs", "REITs", "CMBS", "商业地产", "商业物业", "商业资产")),
    "infrastructure": ("基础设施", ("消费基础设施", "基础设施", "数据中心")),
}  # fmt: skip

# Originator types that imply the asset when the name itself does not say (tier 2).
_ORIGINATOR_TYPES: tuple[tuple[str, str], ...] = (
    ("融资租赁", "leasing"),
    ("租赁", "leasing"),
    ("商业保理", "accounts_receivable"),
    ("保理", "accounts_receivable"),
    ("小额贷款", "microcredit"),
    ("消费金融", "consumer_loan"),
    ("汽车金融", "auto_loan"),
)
# Policy labels that say little about the asset and are weaker than the originator (tier 3).
_WEAK_ASSET_WORDS: tuple[tuple[str, str], ...] = (("普惠", "small_micro_loan"),)

# Labels in names that are neither series nor asset (green, policy and listing tags).
LABEL_WORDS: tuple[str, ...] = (
    "中小微企业融资支持", "中小微企业融资", "助力民营企业", "科技创新", "乡村振兴", "碳中和", "可续发型",
    "债券通", "绿色", "普惠", "定向", "系列",
)  # fmt: skip

# Asset words that end a programme name and are not part of it (`众鑫应收账款` → `众鑫`).
# Leasing words stay: `广汽租赁`, `远东租赁` are the brands themselves; so does `数据中心`.
_KEEP_IN_NAMES = frozenset({"融资租赁", "租赁资产", "租赁", "数据中心"})
_STRIPPABLE_ASSET_WORDS = sorted(
    (k for _, words in ASSET_CLASSES.values() for k in words if k not in _KEEP_IN_NAMES), key=len, reverse=True
)

MarketHint = Literal["credit_abs", "abn", "exchange_abs"]

_PRODUCT = re.compile(
    r"(?P<abn>定向资产支持商业票据|定向资产支持票据|资产支持商业票据|资产支持票据|ABN)"
    r"|(?P<exchange_abs>资产支持专项计划|专项计划)"
    r"|(?P<credit_abs>信贷资产支持证券|不良资产支持证券|资产证券化信托|证券化信托)"
    r"|(?P<generic>资产支持证券)"
)
_CREDIT_WORDS = re.compile(r"贷款|不良|信用卡|信贷")
_COMPANY = re.compile(r"^(.+?(?:股份有限公司|有限责任公司|有限公司))(?=.)")
_BANK = re.compile(r"^((?:中国)?[^\d\-]{1,8}?银行(?:股份有限公司)?)(?=[^\d])")
_DASH = re.compile(r"(?<![0-9])-")
_PAREN = re.compile(r"\(([^()]*)\)")

_YEAR_ISSUE = re.compile(rf"(?P<year>{YEAR})年度?第(?P<issue>{NUM})期(?!次)")
_YEAR_DASH_ISSUE = re.compile(rf"(?<!\d)(?P<year>{YEAR})-(?P<issue>\d{{1,2}})(?!\d)")
_YEAR_WORD = re.compile(rf"(?<!\d)(?P<year>{YEAR})年度?")
_YEAR_BARE = re.compile(rf"(?<!\d)(?P<year>{YEAR})(?=[^\d年])")
_ISSUE = re.compile(rf"第?(?P<issue>{NUM})期(?!次|间)")
_SHELF = re.compile(r"^(.*?\d+号)")
_ONLY_SHELF = re.compile(r"^[\d一二三四五六七八九十]*号?$")


@dataclass(frozen=True)
class DealName:
    """What a deal's full name states about it; None where the name is silent."""

    name: str
    series: str | None
    vintage_year: int | None
    issue_number: int | None
    asset_class: str | None
    market_hint: MarketHint | None
    is_npl: bool
    originator: str | None = None
    managers: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Issue:
    """Where the vintage and issue number sit inside the programme text."""

    vintage_year: int | None
    issue_number: int | None
    prefix: str
    between: str
    after: str


_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})
_LEADING_BRACKETS = re.compile(r"^(?:\([^()]*\))+")


def _clean(text: str) -> str:
    """Folded, space-free text with every bracket as `()`: one spelling for the regexes below."""
    return squash_spaces(fold_width(text or "")).translate(_BRACKETS)


def parse_deal_name(text: str) -> DealName:
    """Parse a deal's full name (项目名称 / 产品全称, or the deal part of a report title)."""
    deal, _ = _parse_deal(text)
    return deal


def _parse_deal(text: str) -> tuple[DealName, int]:
    """Deal fields plus the index in the cleaned text where the deal name ends."""
    cleaned = _clean(text)
    if not cleaned:
        raise ValueError("deal name is empty")
    product = _PRODUCT.search(cleaned)
    body = cleaned[: product.start()] if product else cleaned
    end = product.end() if product else len(cleaned)
    tail = cleaned[end:]
    originator, rest = _split_originator(body)
    segments = _DASH.split(rest)
    managers, programme = tuple(s for s in segments[:-1] if s), segments[-1]
    issue = _find_issue(programme)
    product_word = product.group(0) if product else ""
    asset = _asset_class(rest + product_word + "".join(_PAREN.findall(tail)), originator)
    tags = _tags(body + product_word, tail)
    deal = DealName(
        name=cleaned[:end],
        series=_series(issue, managers),
        vintage_year=issue.vintage_year,
        issue_number=issue.issue_number,
        asset_class=asset,
        market_hint=_market_hint(product, body),
        is_npl=asset == "npl",
        originator=originator,
        managers=managers,
        tags=tags,
    )
    return deal, end


def _without_labels(text: str) -> tuple[str, list[str]]:
    """Remove label words (longest first, so `中小微企业融资支持` goes whole) and list them."""
    found = []
    for label in sorted(LABEL_WORDS, key=len, reverse=True):
        if label in text:
            found.append(label)
            text = text.replace(label, "")
    return text, found


def _tags(words: str, tail: str) -> tuple[str, ...]:
    """Green, policy and placement labels (`绿色`, `碳中和`, `定向`, `债券通` …), each once.

    Brackets count only after the product word: inside the name they hold places of
    incorporation (`立根融资租赁(上海)有限公司`).
    """
    text = words + tail
    _, labels = _without_labels(text)
    bracketed = [t for t in _PAREN.findall(tail) if t]
    in_order = sorted(dict.fromkeys(t for t in labels + bracketed if t != "系列"), key=text.find)
    return tuple(in_order)


def _split_originator(body: str) -> tuple[str | None, str]:
    """Peel an issuer/originator company (`…有限公司`) or bank prefix off the front."""
    for pattern in (_COMPANY, _BANK):
        match = pattern.match(body)
        if match:
            return match.group(1), body[match.end() :]
    return None, body


def _find_issue(programme: str) -> _Issue:
    """Locate vintage year and issue number; keep the text around them for the series."""
    for pattern in (_YEAR_ISSUE, _YEAR_DASH_ISSUE):
        match = pattern.search(programme)
        if match:
            year, issue = int(match["year"]), parse_chinese_int(match["issue"])
            return _Issue(year, issue, programme[: match.start()], "", programme[match.end() :])
    year_match = _YEAR_WORD.search(programme) or _YEAR_BARE.search(programme)
    if year_match is None:
        issue_match = _ISSUE.search(programme)
        if issue_match is None:
            return _Issue(None, None, programme, "", "")
        number = parse_chinese_int(issue_match["issue"])
        return _Issue(None, number, programme[: issue_match.start()], "", programme[issue_match.end() :])
    year = int(year_match["year"])
    issue_match = _ISSUE.search(programme, year_match.end())
    if issue_match is None:
        return _Issue(year, None, programme[: year_match.start()], programme[year_match.end() :], "")
    return _Issue(
        vintage_year=year,
        issue_number=parse_chinese_int(issue_match["issue"]),
        prefix=programme[: year_match.start()],
        between=programme[year_match.end() : issue_match.start()],
        after=programme[issue_match.end() :],
    )


def _series(issue: _Issue, managers: tuple[str, ...]) -> str | None:
    """Series = the name before the vintage; else the programme named after the year or issue."""
    for manager in managers:
        if manager.endswith("系列"):
            return manager[: -len("系列")]
    for candidate in (issue.prefix, issue.between, issue.after):
        name = _programme_name(candidate)
        if name:
            return name
    return None


def _programme_name(text: str) -> str | None:
    """Drop labels and trailing asset words; cut after a shelf number (`东裕3号秋裕京东白条` → `东裕3号`)."""
    name, _ = _without_labels(_PAREN.sub("", text))
    name = _strip_trailing_asset_words(name)
    shelf = _SHELF.match(name)
    if shelf:
        name = shelf.group(1)
    name = name.strip("-")
    return None if _ONLY_SHELF.fullmatch(name) else name


def _strip_trailing_asset_words(name: str) -> str:
    """`众鑫应收账款` → `众鑫`, `荟璟供应链金融` → `荟璟`; repeated until nothing changes."""
    changed = True
    while changed:
        changed = False
        for keyword in _STRIPPABLE_ASSET_WORDS:
            if name.endswith(keyword):
                name, changed = name[: -len(keyword)], True
                break
    return name


def _asset_class(deal_words: str, originator: str | None) -> str | None:
    """Asset words in the name first, then the originator's type, then weak policy labels.

    Policy labels are removed first: `中小微企业融资支持` is a programme tag, not a claim
    that the pool holds small-business loans.
    """
    without_labels, _ = _without_labels(deal_words)
    for code, (_, keywords) in ASSET_CLASSES.items():
        if any(k in without_labels for k in keywords):
            return code
    for word, code in _ORIGINATOR_TYPES:
        if originator and word in originator:
            return code
    for word, code in _WEAK_ASSET_WORDS:
        if word in deal_words:
            return code
    return None


def _market_hint(product: re.Match[str] | None, body: str) -> MarketHint | None:
    """Market from the product word; a bare `资产支持证券` is credit ABS only after loan words."""
    if product is None:
        return None
    if product.lastgroup == "generic":
        return "credit_abs" if _CREDIT_WORDS.search(body) else None
    return product.lastgroup  # type: ignore[return-value]


# --------------------------------------------------------------------------- report titles

ReportKind = Literal[
    "trustee_report",
    "distribution_report",
    "asset_management_report",
    "rating_report",
    "issuance",
    "clean_up_call",
    "liquidation_report",
    "other",
]

_REPORT_KINDS: tuple[tuple[str, str], ...] = (
    ("trustee_report", r"受托机构(?:月度|季度|半年度|年度)?报告|受托报告|资产运营报告"),
    ("distribution_report", r"收益分配报告|兑付报告"),
    ("asset_management_report", r"资产管理报告"),
    ("rating_report", r"跟踪评级报告|评级报告"),
    ("issuance", r"发行说明书|发行公告|发行文件|发行情况|发行结果|募集说明书|计划说明书"),
    ("clean_up_call", r"清仓回购"),
    ("liquidation_report", r"清算报告"),
)
_REVISION = re.compile(r"更正|更新|修订|修正|以此为准|替换")
_ENGLISH = re.compile(r"英文版|英文|ENGLISH", re.IGNORECASE)
_PERIOD_TOTAL = re.compile(rf"总第(?P<n>{NUM})期")
_PERIOD_IN_YEAR = re.compile(rf"(?P<year>{YEAR})年度?第(?P<n>{NUM})期")
_PERIOD_PLAIN = re.compile(rf"(?<![年度总])第(?P<n>{NUM})期(?!次)")
_REPORT_MONTH = re.compile(rf"(?P<year>{YEAR})年(?P<month>\d{{1,2}})月(?!\d)")


@dataclass(frozen=True)
class ReportTitle:
    """A disclosure title: the deal it belongs to and which report of that deal it is."""

    deal: DealName
    period_number: int | None
    period_in_year: int | None
    report_kind: ReportKind
    report_month: str | None
    is_revision: bool
    is_english: bool

    @property
    def series(self) -> str | None:
        return self.deal.series

    @property
    def vintage_year(self) -> int | None:
        return self.deal.vintage_year

    @property
    def issue_number(self) -> int | None:
        return self.deal.issue_number

    @property
    def asset_class(self) -> str | None:
        return self.deal.asset_class


def parse_report_title(text: str) -> ReportTitle:
    """Parse a report title; the period is read only after the deal name, so `2025年第一期` stays the issue."""
    cleaned = _clean(text)
    body = _LEADING_BRACKETS.sub("", cleaned)  # `【更正】…` prefixes belong to the report
    kind, kind_start = _report_kind(body)
    deal, end = _parse_deal(body[:kind_start] if kind_start is not None else body)
    region = body[end:]
    total, in_year, plain = (p.search(region) for p in (_PERIOD_TOTAL, _PERIOD_IN_YEAR, _PERIOD_PLAIN))
    period = total or plain or in_year
    month = _REPORT_MONTH.search(region)
    return ReportTitle(
        deal=deal,
        period_number=parse_chinese_int(period["n"]) if period else None,
        period_in_year=parse_chinese_int(in_year["n"]) if in_year else None,
        report_kind=kind,  # type: ignore[arg-type]
        report_month=f"{month['year']}-{int(month['month']):02d}" if month else None,
        is_revision=bool(_REVISION.search(cleaned)),
        is_english=bool(_ENGLISH.search(cleaned)),
    )


def _report_kind(cleaned: str) -> tuple[str, int | None]:
    """The earliest report-kind keyword and where it starts; `other` when none is present."""
    hits = [(m.start(), kind) for kind, pattern in _REPORT_KINDS if (m := re.search(pattern, cleaned))]
    if not hits:
        return "other", None
    start, kind = min(hits)
    return kind, start
