"""Financial-leasing ABS (融资租赁 ABS) of the sample market: seed 000, figures L-02 … L-12.

Grain of what this segment adds: core.deals (asset_class ``leasing``; asset_subclass
``corporate_leasing`` 对公租赁 or ``small_micro_leasing`` 小微租赁), core.tranches,
core.deal_labels (特定领域标识), core.credit_enhancements, core.rating_actions (initial ratings
and annual tracking ratings), core.tranche_balances (vendor snapshots at 2024-12-31 and
2025-07-31) and the lessors, their parents, guarantors, plan managers, trusts and rating
agencies in core.institutions. Leasing deals have no trustee-report histories.

Cohorts and how each figure is calibrated (figures copied from seed-figures.md):
- ``y2025``: the 140 deals valued 2025-01-01 … 2025-07-31. Every deal gets its originator,
  venue, type, label set, month and enhancement class first; then amounts are drawn, raked
  (iterative proportional fitting) to the exact margins of L-02/L-03/L-04/L-06/L-07 and to the
  centres of the L-09 share windows, rounded to 万元, and the rounding residuals moved between
  deals that differ in one attribute only — so every margin is exact to the 万元.
  L-04 prints 75.70% / 24.30% although 1,028.68 / 1,358.80 = 75.705%: the exact amounts sit
  inside the rounding windows (对公 1,028.6755, total 1,358.7995 亿元) so all four print.
- ``y2024``: the 128 deals valued 2024-01-01 … 2024-07-31 (YoY bases of L-02, L-03, L-08).
- ``older``: 2021 … 2024-12 deals that make up the stock (L-11) and the tracked tranches
  (L-12). Their sizes are free; those outstanding at 2025-07-31 are scaled so the stock is
  exactly 3,442.96 亿元, with the cent residual on one subordinated tranche.
- L-07: the top 10 are the nine AAA heavy lessors plus one AA+ heavy lessor drawn per seed
  (each with ≥ 5 deals; a check rejects draws where any other originator out-issues one of
  them); 15 originators issue in 2025 Jan–Jul but not in 2024 Jan–Jul (definition: an
  originator with a leasing deal valued 2025-01-01 … 07-31 and none valued 2024-01-01 … 07-31),
  13 of them local industrial lessors (地方产业系) and 2 mid-size ones.
- L-09: each deal's class (relation × rating of its highest-rated enhancer) is drawn among the
  classes its lessor can carry (own rating, parent's rating, a guarantor), steering every class
  towards its target share; raking then makes the shares print exactly. A second, lower-rated
  enhancer (the originator's 差额支付) is added to some deals, never tying the top rating.
- L-08: senior (优先级 = non-subordinated) AAAsf tranches of ``y2025`` are priced at the
  ChinaBond MTN AAA curve (same tenor, value date) plus a drawn spread; their tenors are scaled
  by bisection until the mean curve yield is 1.71%, then coupons are shifted to a mean of
  exactly 2.35% with the extremes pinned at 1.70% and 3.77% — so the mean spread is 64 bp.
  AA+sf: mean 3.42%, range 2.30%–5.00%; 2024 Jan–Jul means 2.81% and 3.95% (−46 / −53 bp).
- L-10: a handful of ``y2025`` 优先B tranches are rated AAsf/AA-sf and sized so the other
  senior issuance (AAAsf + AA+sf) is 98.73%.
- L-11: 687 deals outstanding at 2025-07-31 = the 140 ``y2025`` deals + 547 older ones (the
  maturity of every older deal is drawn on the side of 2025-07-31 it was assigned to).
- L-12: 495 older tranches get a tracking action dated 2025-01 … 07, with exactly the printed
  migration matrix (other tranches are tracked in Aug–Dec, after the window).
- market-year scale adds ~600 more 2025 leasing deals (own RNG stream, numbered after the
  calibrated ones) with tranches, ratings and balances but no tracking histories.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sample_market.world.base import CENT, WAN, World, cny, deal_id_for, month_add, rng_for
from sample_market.world.curves import MTN_AAA, curve_yield

# ───────────────────────── periods and dates ─────────────────────────
PERIOD_2025 = (date(2025, 1, 1), date(2025, 7, 31))
PERIOD_2024 = (date(2024, 1, 1), date(2024, 7, 31))
SNAPSHOT_DATE = date(2025, 7, 31)  # L-11
PRIOR_SNAPSHOT_DATE = date(2024, 12, 31)  # "均较上年末有所增长"
SNAPSHOT_DATES = (PRIOR_SNAPSHOT_DATE, SNAPSHOT_DATE)
WORLD_END = date(2025, 12, 31)
FIRST_CURVE_DATE = date(2023, 1, 2)

# ───────────────────────── figures (seed-figures.md, L) ─────────────────────────
# Amounts in 万元 (1 亿元 = 10,000 万元), chosen inside the printed rounding windows.
DEALS_2025 = 140  # L-02
ISSUED_2025_WAN = 13_587_995  # 1,358.80 亿元 (exactly 1,358.7995, see L-04)
EXCHANGE_DEALS_2025 = 123  # L-03
EXCHANGE_2025_WAN = 12_451_300  # 1,245.13 亿元 (91.63%); interbank 17 deals, 113.67 亿元
CORPORATE_DEALS_2025 = 119  # L-04
CORPORATE_2025_WAN = 10_286_755  # 1,028.68 亿元 (75.70%); 小微 21 deals, 330.12 亿元 (24.30%)
LABELLED_DEALS_2025 = 39  # L-06
LABELLED_2025_WAN = 3_552_700  # 355.27 亿元
TOP10_2025_WAN = 6_258_200  # L-07: 625.82 亿元 = 46.06%
NEW_ORIGINATORS_2025 = 15  # L-07 "about 15"
DEALS_2024 = 128  # L-02 derived: +9.38%
ISSUED_2024_WAN = 11_992_900  # 1,199.29 亿元: +13.30%
EXCHANGE_2024_WAN = 10_634_000  # 1,063.40 亿元: exchange +17.09%
OUTSTANDING_DEALS = 687  # L-11
OUTSTANDING_CNY = Decimal("344296000000.00")  # 3,442.96 亿元

# L-08: coupon targets in bp (mean, pinned min, pinned max); None = range not printed.
COUPON_TARGETS_BP = {
    ("y2025", "AAAsf"): (235, 170, 377),
    ("y2025", "AA+sf"): (342, 230, 500),
    ("y2024", "AAAsf"): (281, None, None),  # 2.35% + 46 bp
    ("y2024", "AA+sf"): (395, None, None),  # 3.42% + 53 bp
}
TARGET_MEAN_CURVE_AAA = Decimal("0.0171")  # 2.35% − 64 bp
LOW_RATED_SENIOR_SHARE = Decimal("0.0127")  # L-10: 1 − 98.73%

# L-09: shares of y2025 issuance by the deal's highest-rated enhancer (relation, rating).
# Relation shares 57.583 / 32.213 / 3.762 (any 93.558) and rating shares 70.90 / 18.01 all
# print as the report does; "none" is the rest.
ENHANCEMENT_SHARES = {
    "gu_AAA": Decimal("0.03762"),
    "rp_AAA": Decimal("0.24003"),
    "rp_AA+": Decimal("0.08210"),
    "orig_AAA": Decimal("0.43135"),
    "orig_AA+": Decimal("0.09800"),
    "orig_AA": Decimal("0.04648"),
}
PRINTED_L09 = {
    ("relation", "originator"): "57.58",
    ("relation", "related_party"): "32.21",
    ("relation", "professional_guarantor"): "3.76",
    ("any", None): "93.56",
    ("rating", "AAA"): "70.90",
    ("rating", "AA+"): "18.01",
}

# L-12: tracking actions in 2025 Jan–Jul, (rating before, rating after) → tranches.
MIGRATION_2025 = {
    ("AAAsf", "AAAsf"): 438,
    ("AA+sf", "AAAsf"): 26,
    ("AA+sf", "AA+sf"): 27,
    ("AAsf", "AAAsf"): 1,
    ("AAsf", "AAsf"): 1,
    ("A+sf", "AA+sf"): 1,
    ("BBB+sf", "AA-sf"): 1,
}

LABELS = ("高端制造", "乡村振兴", "碳中和绿色", "两新", "低空经济", "助力产业升级")
LABEL_WEIGHTS = (0.26, 0.2, 0.28, 0.1, 0.05, 0.11)

# Older cohorts: (first value date, last value date, outstanding at 2025-07-31, matured in
# 2025 Jan–Jul, matured before 2025). 547 older outstanding deals = 687 − 140.
OLDER_COHORTS = (
    (date(2021, 1, 1), date(2021, 12, 31), 28, 10, 162),
    (date(2022, 1, 1), date(2022, 12, 31), 95, 20, 105),
    (date(2023, 1, 1), date(2023, 12, 31), 190, 15, 25),
    (date(2024, 8, 1), date(2024, 12, 31), 110, 0, 0),
)
Y2024_MATURED_2025 = 4  # y2024 deals whose last tranche matures in 2025 Jan–Jul
BULK_DEALS_2025 = 600  # market-year scale

RATING_ORDER = ("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-")

# ───────────────────────── parties ─────────────────────────


@dataclass(frozen=True)
class Lessor:
    """A leasing company (原始权益人/发起机构) with its issuer rating and its parent."""

    full_name: str
    short_name: str
    rating: str
    parent: str | None
    parent_rating: str | None
    province: str
    kind: str  # heavy (top issuers) / mid / fin (金融租赁, credit ABS) / local (产业系)
    abn: bool = False
    small_micro: bool = False


def _lessor(full, short, rating, parent, parent_rating, province, kind, flags=""):
    return Lessor(full, short, rating, parent, parent_rating, province, kind, "abn" in flags, "sm" in flags)


LESSORS: tuple[Lessor, ...] = (
    # heavy issuers: candidates for the top 10
    _lessor("远东国际融资租赁有限公司", "远东租赁", "AAA", "远东宏信有限公司", "AAA", "上海市", "heavy", "abn sm"),
    _lessor("平安国际融资租赁有限公司", "平安租赁", "AAA", "中国平安保险（集团）股份有限公司", "AAA", "上海市", "heavy", "abn sm"),
    _lessor("海通恒信国际融资租赁股份有限公司", "海通恒信", "AAA", "海通证券股份有限公司", "AAA", "上海市", "heavy", "abn sm"),
    _lessor("中电投融和融资租赁有限公司", "融和租赁", "AAA", "国家电力投资集团有限公司", "AAA", "上海市", "heavy", "abn"),
    _lessor("国网国际融资租赁有限公司", "国网租赁", "AAA", "国家电网有限公司", "AAA", "天津市", "heavy", "abn"),
    _lessor("芯鑫融资租赁有限责任公司", "芯鑫租赁", "AAA", "国家集成电路产业投资基金股份有限公司", "AAA", "上海市", "heavy", "abn"),
    _lessor("华润融资租赁有限公司", "华润租赁", "AAA", "华润（集团）有限公司", "AAA", "广东省", "heavy", "abn"),
    _lessor("中交融资租赁有限公司", "中交租赁", "AAA", "中国交通建设集团有限公司", "AAA", "上海市", "heavy", "abn"),
    _lessor("远东宏信（天津）融资租赁有限公司", "宏信天津", "AA+", "远东宏信有限公司", "AAA", "天津市", "heavy", "sm"),
    _lessor("狮桥融资租赁（中国）有限公司", "狮桥租赁", "AA+", None, None, "天津市", "heavy", "sm"),
    _lessor("越秀融资租赁有限公司", "越秀租赁", "AAA", "广州越秀集团股份有限公司", "AAA", "广东省", "heavy", "abn"),
    _lessor("中国康富国际租赁股份有限公司", "康富租赁", "AA+", "中国华电集团有限公司", "AAA", "北京市", "heavy", "abn"),
    # established mid-size lessors
    _lessor("中建投租赁股份有限公司", "中建投租赁", "AA+", "中国建银投资有限责任公司", "AAA", "北京市", "mid"),
    _lessor("中航国际租赁有限公司", "中航租赁", "AAA", "中国航空工业集团有限公司", "AAA", "上海市", "mid", "abn"),
    _lessor("上海电气租赁有限公司", "电气租赁", "AA+", "上海电气控股集团有限公司", "AAA", "上海市", "mid"),
    _lessor("中关村科技租赁股份有限公司", "中关村租赁", "AA+", "中关村发展集团股份有限公司", "AAA", "北京市", "mid", "sm"),
    _lessor("国药控股（中国）融资租赁有限公司", "国药租赁", "AA+", "国药控股股份有限公司", "AAA", "上海市", "mid"),
    _lessor("华能天成融资租赁有限公司", "华能天成", "AAA", "中国华能集团有限公司", "AAA", "北京市", "mid", "abn"),
    _lessor("三峡融资租赁有限公司", "三峡租赁", "AA+", "中国长江三峡集团有限公司", "AAA", "湖北省", "mid"),
    _lessor("中核融资租赁有限公司", "中核租赁", "AA+", "中国核工业集团有限公司", "AAA", "上海市", "mid"),
    _lessor("大唐融资租赁有限公司", "大唐租赁", "AA+", "中国大唐集团有限公司", "AAA", "天津市", "mid"),
    _lessor("中广核国际融资租赁有限公司", "中广核租赁", "AA+", "中国广核集团有限公司", "AAA", "广东省", "mid"),
    _lessor("中远海运租赁有限公司", "中远海运租赁", "AAA", "中国远洋海运集团有限公司", "AAA", "上海市", "mid", "abn"),
    _lessor("招商局通商融资租赁有限公司", "招商局通商", "AAA", "招商局集团有限公司", "AAA", "上海市", "mid", "abn"),
    _lessor("海尔融资租赁股份有限公司", "海尔租赁", "AA+", "海尔集团公司", "AAA", "上海市", "mid", "sm"),
    _lessor("中联重科融资租赁（中国）有限公司", "中联重科租赁", "AA+", "中联重科股份有限公司", "AAA", "天津市", "mid", "sm"),
    _lessor("三一融资租赁有限公司", "三一租赁", "AA+", "三一集团有限公司", "AA+", "湖南省", "mid", "sm"),
    _lessor("北京市文化科技融资租赁股份有限公司", "文科租赁", "AA+", "北京市文化投资发展集团有限责任公司", "AAA", "北京市", "mid"),
    _lessor("安徽兴泰融资租赁有限责任公司", "兴泰租赁", "AA", "合肥兴泰金融控股（集团）有限公司", "AAA", "安徽省", "mid"),
    _lessor("君创国际融资租赁有限公司", "君创租赁", "AA", None, None, "上海市", "mid", "sm"),
    _lessor("鑫桥联合融资租赁有限公司", "鑫桥租赁", "AA", None, None, "陕西省", "mid", "sm"),
    _lessor("华电融资租赁有限公司", "华电租赁", "AA+", "中国华电集团有限公司", "AAA", "天津市", "mid"),
    # financial-leasing companies (金融租赁): interbank credit ABS only
    _lessor("江苏金融租赁股份有限公司", "江苏金租", "AAA", "江苏交通控股有限公司", "AAA", "江苏省", "fin", "sm"),
    _lessor("招银金融租赁有限公司", "招银金租", "AAA", "招商银行股份有限公司", "AAA", "上海市", "fin"),
    _lessor("永赢金融租赁有限公司", "永赢金租", "AAA", "宁波银行股份有限公司", "AAA", "浙江省", "fin", "sm"),
    _lessor("中信金融租赁有限公司", "中信金租", "AAA", "中国中信集团有限公司", "AAA", "天津市", "fin"),
    _lessor("苏银金融租赁股份有限公司", "苏银金租", "AAA", "江苏银行股份有限公司", "AAA", "江苏省", "fin", "sm"),
    _lessor("浙江浙银金融租赁股份有限公司", "浙银金租", "AA+", "浙商银行股份有限公司", "AAA", "浙江省", "fin"),
    # local industrial-state lessors (地方产业系背景租赁公司)
    _lessor("青岛城投融资租赁有限公司", "青岛城投租赁", "AA", "青岛城市建设投资（集团）有限责任公司", "AAA", "山东省", "local"),
    _lessor("湖北省融资租赁有限责任公司", "湖北租赁", "AA+", "湖北省联合发展投资集团有限公司", "AAA", "湖北省", "local"),
    _lessor("山东高速融资租赁有限公司", "山高租赁", "AA+", "山东高速集团有限公司", "AAA", "山东省", "local"),
    _lessor("厦门金圆融资租赁有限公司", "金圆租赁", "AA", "厦门金圆投资集团有限公司", "AAA", "福建省", "local"),
    _lessor("杭州工投融资租赁有限公司", "杭州工投租赁", "AA", "杭州市实业投资集团有限公司", "AAA", "浙江省", "local"),
    _lessor("江西金控融资租赁有限公司", "江西金控租赁", "AA", "江西省金融控股集团有限公司", "AA+", "江西省", "local"),
    _lessor("重庆渝富融资租赁有限公司", "渝富租赁", "AA", "重庆渝富控股集团有限公司", "AAA", "重庆市", "local"),
    _lessor("广西金控融资租赁有限公司", "广西金控租赁", "AA", "广西金融投资集团有限公司", "AA+", "广西壮族自治区", "local"),
    _lessor("陕西金控融资租赁有限公司", "陕西金控租赁", "AA", "陕西金融控股集团有限公司", "AA+", "陕西省", "local"),
    _lessor("中原豫资融资租赁有限公司", "豫资租赁", "AA", "中原豫资投资控股集团有限公司", "AAA", "河南省", "local"),
    _lessor("南京扬子国资融资租赁有限公司", "扬子租赁", "AA", "南京扬子国资投资集团有限责任公司", "AAA", "江苏省", "local"),
    _lessor("无锡财通融资租赁有限公司", "无锡财通租赁", "AA", "无锡市国联发展（集团）有限公司", "AAA", "江苏省", "local"),
    _lessor("常州产投融资租赁有限公司", "常州产投租赁", "AA", "常州投资集团有限公司", "AA+", "江苏省", "local"),
    _lessor("合肥产投融资租赁有限公司", "合肥产投租赁", "AA", "合肥市产业投资控股（集团）有限公司", "AAA", "安徽省", "local"),
    _lessor("深圳市特区建发融资租赁有限公司", "特区建发租赁", "AA", "深圳市特区建设发展集团有限公司", "AAA", "广东省", "local"),
    _lessor("珠海华发融资租赁有限公司", "华发租赁", "AA+", "珠海华发集团有限公司", "AAA", "广东省", "local"),
    _lessor("东莞金控融资租赁有限公司", "东莞金控租赁", "AA", "东莞金融控股集团有限公司", "AA+", "广东省", "local"),
    _lessor("佛山公控融资租赁有限公司", "佛山公控租赁", "AA", "佛山市公用事业控股有限公司", "AA+", "广东省", "local"),
    _lessor("湖南湘投融资租赁有限公司", "湘投租赁", "AA", "湖南湘投控股集团有限公司", "AAA", "湖南省", "local"),
    _lessor("四川发展融资租赁有限公司", "川发租赁", "AA+", "四川发展（控股）有限责任公司", "AAA", "四川省", "local"),
    _lessor("贵阳产控融资租赁有限公司", "贵阳产控租赁", "AA", "贵阳产业发展控股集团有限公司", "AA+", "贵州省", "local"),
    _lessor("云南康旅融资租赁有限公司", "康旅租赁", "AA", "云南省康旅控股集团有限公司", "AA+", "云南省", "local"),
    _lessor("天津泰达融资租赁有限公司", "泰达租赁", "AA", "天津泰达投资控股有限公司", "AAA", "天津市", "local"),
    _lessor("福建海峡融资租赁有限责任公司", "海峡租赁", "AA", "福建省投资开发集团有限责任公司", "AAA", "福建省", "local"),
    _lessor("浙江国贸融资租赁有限公司", "国贸租赁", "AA", "浙江省国际贸易集团有限公司", "AAA", "浙江省", "local"),
    _lessor("安徽交控融资租赁有限公司", "交控租赁", "AA", "安徽省交通控股集团有限公司", "AAA", "安徽省", "local"),
    _lessor("宁波通商融资租赁有限公司", "宁波通商租赁", "AA", "宁波通商控股集团有限公司", "AAA", "浙江省", "local"),
    _lessor("绍兴城投融资租赁有限公司", "绍兴城投租赁", "AA", "绍兴市城市建设投资集团有限公司", "AA+", "浙江省", "local"),
    _lessor("济南产发融资租赁有限公司", "济南产发租赁", "AA", "济南产业发展投资集团有限公司", "AAA", "山东省", "local"),
    _lessor("烟台国丰融资租赁有限公司", "国丰租赁", "AA", "烟台国丰投资控股集团有限公司", "AA+", "山东省", "local"),
    _lessor("洛阳国晟融资租赁有限公司", "国晟租赁", "AA", "洛阳国晟投资控股集团有限公司", "AA+", "河南省", "local"),
    _lessor("宜宾发展融资租赁有限公司", "宜宾发展租赁", "AA", "宜宾发展控股集团有限公司", "AA+", "四川省", "local"),
    _lessor("盐城东方融资租赁有限公司", "盐城东方租赁", "AA", "盐城东方投资开发集团有限公司", "AA+", "江苏省", "local"),
    _lessor("襄阳产投融资租赁有限公司", "襄阳产投租赁", "AA", "襄阳市产业投资集团有限公司", "AA+", "湖北省", "local"),
    _lessor("株洲国投融资租赁有限公司", "株洲国投租赁", "AA", "株洲市国有资本投资运营集团有限公司", "AA+", "湖南省", "local"),
    _lessor("赣州发展融资租赁有限责任公司", "赣州发展租赁", "AA", "赣州发展投资控股集团有限责任公司", "AAA", "江西省", "local"),
    _lessor("成都交子融资租赁有限公司", "交子租赁", "AA", "成都交子金融控股集团有限公司", "AAA", "四川省", "local"),
    _lessor("西安高新融资租赁有限公司", "西安高新租赁", "AA", "西安高新控股有限公司", "AA+", "陕西省", "local"),
    _lessor("青岛海发融资租赁有限公司", "海发租赁", "AA", "青岛海发国有资本投资运营集团有限公司", "AA+", "山东省", "local"),
    _lessor("长沙先导融资租赁有限公司", "先导租赁", "AA", "长沙先导投资控股集团有限公司", "AAA", "湖南省", "local"),
)  # fmt: skip

# Parents that are not plain corporates (institution_type of core.institutions).
PARENT_TYPES = {
    "中国平安保险（集团）股份有限公司": "other",
    "海通证券股份有限公司": "securities_firm",
    "招商银行股份有限公司": "joint_stock_bank",
    "浙商银行股份有限公司": "joint_stock_bank",
    "宁波银行股份有限公司": "city_commercial_bank",
    "江苏银行股份有限公司": "city_commercial_bank",
}
GUARANTORS = (
    ("中合中小企业融资担保股份有限公司", "中合担保"),
    ("深圳市高新投融资担保有限公司", "高新投担保"),
    ("江苏省信用再担保集团有限公司", "江苏再担保"),
    ("重庆三峡融资担保集团股份有限公司", "三峡担保"),
    ("中证信用融资担保有限公司", "中证信用担保"),
)
PLAN_MANAGERS = (
    ("中信证券股份有限公司", "中信证券"),
    ("华泰证券（上海）资产管理有限公司", "华泰资管"),
    ("平安证券股份有限公司", "平安证券"),
    ("中国国际金融股份有限公司", "中金公司"),
    ("招商证券资产管理有限公司", "招商资管"),
    ("国泰君安证券股份有限公司", "国泰君安"),
    ("德邦证券股份有限公司", "德邦证券"),
    ("中信建投证券股份有限公司", "中信建投"),
    ("广发证券资产管理（广东）有限公司", "广发资管"),
)
TRUSTS = (
    ("中国对外经济贸易信托有限公司", "外贸信托"),
    ("华能贵诚信托有限公司", "华能信托"),
    ("上海国际信托有限公司", "上海信托"),
    ("中航信托股份有限公司", "中航信托"),
    ("交银国际信托有限公司", "交银国际信托"),
    ("建信信托有限责任公司", "建信信托"),
)
AGENCIES = (
    ("中诚信国际信用评级有限责任公司", "中诚信国际", 0.28),
    ("联合资信评估股份有限公司", "联合资信", 0.24),
    ("上海新世纪资信评估投资服务有限公司", "上海新世纪", 0.16),
    ("中证鹏元资信评估股份有限公司", "中证鹏元", 0.14),
    ("东方金诚国际信用评估有限公司", "东方金诚", 0.1),
    ("大公国际资信评估有限公司", "大公国际", 0.08),
)
CREDIT_ABS_AGENCY = ("中债资信评估有限责任公司", "中债资信")

# Security-code blocks of this segment (unique across the world: other segments use others).
SH_PREFIX, SZ_PREFIX = "26", "14"  # exchange ABS: 26xxxx.SH, 14xxxx.SZ
ABN_CODE_INFIX, CREDIT_CODE_INFIX = "8", "87"  # 08{yy}8xxxx.IB, {yy}87xxx.IB

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (issue numbers in deal names)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def rating_rank(grade: str) -> int:
    """0 for AAA, larger is worse; works for AAAsf and AAA alike."""
    return RATING_ORDER.index(grade.removesuffix("sf"))


# ───────────────────────── specs ─────────────────────────


@dataclass
class TrancheSpec:
    label: str  # 优先A1 / 优先A / 优先B / 次级
    amount_wan: int
    rating: str | None
    tenor: float = 0.0
    coupon_bp: int | None = None
    amount_cny: Decimal | None = None  # set at the end (may carry the L-11 cent residual)
    start: date | None = None  # start of principal amortisation
    maturity: date | None = None
    code: str | None = None
    payment_dates: list[date] = field(default_factory=list)  # 优先A: quarterly dates before maturity

    @property
    def is_subordinated(self) -> bool:
        return self.label == "次级"

    @property
    def is_amortising(self) -> bool:
        return self.label.startswith("优先A")

    @property
    def tranche_class(self) -> str:
        """优先A… are senior, 优先B mezzanine, 次级 subordinated (the labels _structure gives)."""
        return "subordinated" if self.is_subordinated else "senior" if self.is_amortising else "mezzanine"

    @property
    def seniority_key(self) -> tuple[int, str]:
        """Priority of payment: senior A1, A2 … before mezzanine before subordinated."""
        return ({"senior": 0, "mezzanine": 1, "subordinated": 2}[self.tranche_class], self.label)


@dataclass
class DealSpec:
    idx: int
    cohort: str  # y2025 / y2024 / older / bulk
    lessor: Lessor
    value_date: date | None = None
    market: str = "exchange_abs"
    exchange: str | None = None  # SH / SZ for exchange ABS
    small_micro: bool = False
    labels: tuple[str, ...] = ()
    enhancement: str = "none"
    top10: bool = False
    fate: str = "out"  # out (outstanding at 2025-07-31) / mat25 (matured 2025 Jan–Jul) / early
    amount_wan: int = 0
    weight: float = 1.0  # drawn size before calibration
    agency: tuple[str, str] = AGENCIES[0][:2]
    trustee: tuple[str, str] = PLAN_MANAGERS[0]
    tranches: list[TrancheSpec] = field(default_factory=list)
    guarantor: tuple[str, str] | None = None
    second_enhancer: bool = False
    name: str = ""
    issue_number: int = 0


def _weekday_in(rng, first: date, last: date) -> date:
    """A uniformly drawn weekday between two dates (inclusive)."""
    span = (last - first).days
    for _ in range(100):
        d = first + timedelta(days=rng.randint(0, span))
        if d.weekday() < 5:
            return d
    raise ValueError(f"no weekday between {first} and {last}")


def _previous_weekday(d: date, back: int) -> date:
    while back > 0 or d.weekday() >= 5:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            back -= 1
    return d


def _years_after(d: date, years: float) -> date:
    return d + timedelta(days=round(years * 365.25))


def _pct(part: int | Decimal, whole: int | Decimal) -> str:
    """Percentage printed with two decimals, half away from zero (as DuckDB rounds)."""
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _counts(rng, total: int, n: int, base: int, weights=None) -> list[int]:
    """Split ``total`` into ``n`` counts, each at least ``base`` (multinomial on the rest)."""
    out = [base] * n
    weights = weights or [rng.random() + 0.3 for _ in range(n)]
    for _ in range(total - base * n):
        out[rng.choices(range(n), weights=weights)[0]] += 1
    return out


# ───────────────────────── rosters ─────────────────────────


@dataclass
class Roster:
    """Who issues in which period (L-07)."""

    top10: list[Lessor]
    heavy_other: list[Lessor]
    common: list[Lessor]  # non-heavy originators issuing in both Jan–Jul periods
    new: list[Lessor]  # only 2025 Jan–Jul
    old_only: list[Lessor]  # only 2024 Jan–Jul
    spare: list[Lessor]  # never in either Jan–Jul period


def draw_roster(rng) -> Roster:
    heavy = [x for x in LESSORS if x.kind == "heavy"]
    fin = [x for x in LESSORS if x.kind == "fin"]
    mid = [x for x in LESSORS if x.kind == "mid"]
    local = [x for x in LESSORS if x.kind == "local"]
    # the AAA heavies plus one AA+ heavy: the self-enhanced AAA share of L-09 (43%) needs them
    top10 = [x for x in heavy if x.rating == "AAA"] + rng.sample([x for x in heavy if x.rating != "AAA"], 1)
    top10 = rng.sample(top10, len(top10))
    heavy_other = [x for x in heavy if x not in top10]
    fin = rng.sample(fin, len(fin))
    mid = rng.sample(mid, len(mid))
    local = rng.sample(local, len(local))
    new = local[:13] + mid[:2]
    rest = local[13:] + mid[2:]
    rest = rng.sample(rest, len(rest))
    old_only = rest[:7] + fin[3:4]
    common = fin[:3] + rest[7:42]
    spare = rest[42:] + fin[4:]
    return Roster(top10, heavy_other, common, new, old_only, spare)


# ───────────────────────── enhancement classes (L-09) ─────────────────────────


def feasible_enhancements(lessor: Lessor) -> list[str]:
    """Classes a lessor's deal can fall in: its own rating, its parent's, or a guarantor."""
    out = ["none", f"orig_{lessor.rating}"]
    if lessor.parent_rating:
        out.append(f"rp_{lessor.parent_rating}")
    if lessor.rating != "AAA":
        out.append("gu_AAA")
    return out


def _assign_enhancements(rng, deals: list[DealSpec], total: float) -> None:
    """Each deal (random order) goes to the feasible class that most needs it: the largest
    ratio of what the class still lacks to what eligible deals are left to fill it. This keeps
    every class near its target share, so raking only nudges sizes."""
    targets = {k: float(v) * total for k, v in ENHANCEMENT_SHARES.items()}
    targets["none"] = total - sum(targets.values())
    feasible = {d.idx: feasible_enhancements(d.lessor) for d in deals}
    supply = defaultdict(float)
    for d in deals:
        for k in feasible[d.idx]:
            supply[k] += d.weight
    filled = defaultdict(float)
    for d in rng.sample(deals, len(deals)):
        options = feasible[d.idx]
        d.enhancement = max(options, key=lambda k: ((targets[k] - filled[k]) / supply[k], -options.index(k)))
        filled[d.enhancement] += d.weight
        for k in options:
            supply[k] -= d.weight
            supply[k] = max(supply[k], 1e-9)


def enhancement_figures(deals: list[DealSpec]) -> dict[tuple[str, str | None], str]:
    """L-09 as printed from a list of deals (their class = highest-rated enhancer)."""
    total = sum(d.amount_wan for d in deals)
    by_rel, by_rating = defaultdict(int), defaultdict(int)
    names = {"orig": "originator", "rp": "related_party", "gu": "professional_guarantor"}
    for d in deals:
        if d.enhancement == "none":
            continue
        rel, grade = d.enhancement.split("_")
        by_rel[names[rel]] += d.amount_wan
        by_rating[grade] += d.amount_wan
    out = {("relation", k): _pct(v, total) for k, v in by_rel.items()}
    out.update({("rating", k): _pct(v, total) for k, v in by_rating.items()})
    out[("any", None)] = _pct(sum(by_rel.values()), total)
    return out


# ───────────────────────── amounts: raking and exact repair ─────────────────────────


def rake(weights: list[float], margins: list[tuple[list, dict]], iterations: int = 400) -> list[float]:
    """Iterative proportional fitting of positive weights to several categorical margins."""
    x = list(weights)
    for _ in range(iterations):
        worst = 0.0
        for levels, targets in margins:
            sums = defaultdict(float)
            for i, lv in enumerate(levels):
                sums[lv] += x[i]
            for lv, target in targets.items():
                if sums[lv] <= 0:
                    raise ValueError(f"margin level {lv!r} has no deals")
                worst = max(worst, abs(sums[lv] / target - 1))
            for i, lv in enumerate(levels):
                x[i] *= targets[lv] / sums[lv]
        if worst < 1e-13:
            break
    return x


def round_to_targets(
    deals: list[DealSpec], raked: list[float], total: int, binary: dict[str, tuple[list[bool], int]]
) -> None:
    """Round raked amounts to 万元 and make the total and each binary margin exact by moving
    the residual between two deals that differ in that attribute only."""
    amounts = [max(1, round(x)) for x in raked]
    biggest = max(range(len(deals)), key=lambda i: (amounts[i], -i))
    amounts[biggest] += total - sum(amounts)
    names = list(binary)
    for name in names:
        flags, target = binary[name]
        residual = target - sum(a for a, f in zip(amounts, flags) if f)
        if residual == 0:
            continue
        others = [n for n in names if n != name]

        def key(i, others=others):
            return tuple(binary[n][0][i] for n in others)

        best = None
        groups: dict[tuple, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        for i in range(len(deals)):
            groups[key(i)][0 if flags[i] else 1].append(i)
        for k in sorted(groups):
            ins, outs = groups[k]
            if ins and outs:
                a = max(ins, key=lambda i: (amounts[i], -i))
                b = max(outs, key=lambda i: (amounts[i], -i))
                if best is None or min(amounts[a], amounts[b]) > min(amounts[best[0]], amounts[best[1]]):
                    best = (a, b)
        if best is None:
            raise ValueError(f"cannot repair margin {name}: no pair of deals differing in it alone")
        amounts[best[0]] += residual
        amounts[best[1]] -= residual
    for deal, amount in zip(deals, amounts):
        deal.amount_wan = amount


# ───────────────────────── cohorts ─────────────────────────


def _draw_size(rng, mean_yi: float, sd: float = 0.45) -> float:
    """A deal size in 万元 (lognormal around ``mean_yi`` 亿元)."""
    return mean_yi * 10_000 * math.exp(rng.gauss(-sd * sd / 2, sd))


def _assign_month_dates(rng, deals: list[DealSpec], year: int, base: int) -> None:
    """Spread deals over Jan–Jul (at least ``base`` a month) on weekdays."""
    weights = [0.15, 0.08, 0.16, 0.14, 0.14, 0.19, 0.14]
    counts = _counts(rng, len(deals), 7, base, weights)
    order = rng.sample(range(len(deals)), len(deals))
    pos = 0
    for month, n in enumerate(counts, start=1):
        last = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
        for i in order[pos : pos + n]:
            deals[i].value_date = _weekday_in(rng, date(year, month, 1), last)
        pos += n


def _pick_markets(rng, deals: list[DealSpec], interbank: int) -> None:
    """金融租赁 deals are credit ABS; ABN deals are drawn among ABN issuers up to ``interbank``."""
    for d in deals:
        d.market = "credit_abs" if d.lessor.kind == "fin" else "exchange_abs"
    credit = sum(d.market == "credit_abs" for d in deals)
    candidates = [d for d in deals if d.lessor.abn]
    need = interbank - credit
    if need < 0 or need > len(candidates):
        raise ValueError("cannot place the interbank deals")
    for d in rng.sample(candidates, need):
        d.market = "abn"
    for d in deals:
        if d.market == "exchange_abs":
            d.exchange = "SH" if rng.random() < 0.62 else "SZ"


def _pick_labels(rng, deals: list[DealSpec], n: int) -> None:
    """``n`` labelled deals (corporate and local lessors a little likelier), 1–3 labels each."""
    pool = list(deals)
    chosen = []
    for _ in range(n):
        weights = [(0.6 if d.small_micro else 1.0) * (1.3 if d.lessor.kind == "local" else 1.0) for d in pool]
        pick = rng.choices(range(len(pool)), weights=weights)[0]
        chosen.append(pool.pop(pick))
    for d in chosen:
        k = rng.choices((1, 2, 3), weights=(0.62, 0.31, 0.07))[0]
        labels: list[str] = []
        while len(labels) < k:
            label = rng.choices(LABELS, weights=LABEL_WEIGHTS)[0]
            if label not in labels:
                labels.append(label)
        d.labels = tuple(sorted(labels, key=LABELS.index))


def build_y2025(rng, roster: Roster, start_idx: int) -> list[DealSpec]:
    """The 140 deals of 2025 Jan–Jul with every L-02 … L-07 and L-09 margin exact."""
    for _attempt in range(200):
        deals: list[DealSpec] = []
        top_counts = [5 + c for c in _counts(rng, 2, 10, 0)]
        for lessor, n in zip(roster.top10, top_counts):
            deals += [DealSpec(0, "y2025", lessor, top10=True) for _ in range(n)]
        for lessor in roster.heavy_other:
            deals.append(DealSpec(0, "y2025", lessor))
        new_twice = set(rng.sample(range(len(roster.new)), 2))
        for i, lessor in enumerate(roster.new):
            deals += [DealSpec(0, "y2025", lessor) for _ in range(2 if i in new_twice else 1)]
        remaining = DEALS_2025 - len(deals)
        multi = [x for x in roster.common if x.kind != "fin"]
        twice = set(rng.sample(range(len(multi)), remaining - len(roster.common)))
        for lessor in roster.common:
            n = 2 if lessor.kind != "fin" and multi.index(lessor) in twice else 1
            deals += [DealSpec(0, "y2025", lessor) for _ in range(n)]
        assert len(deals) == DEALS_2025, len(deals)
        for i, d in enumerate(deals):
            d.idx = start_idx + i
        # type: 21 small-micro deals among lessors that originate small-micro leases
        candidates = [d for d in deals if d.lessor.small_micro]
        weights = [4.0 if d.top10 else 1.0 for d in candidates]
        for _ in range(DEALS_2025 - CORPORATE_DEALS_2025):  # big small-micro pools: mostly top issuers
            i = rng.choices(range(len(candidates)), weights=weights)[0]
            candidates.pop(i).small_micro = True
            weights.pop(i)
        try:
            _pick_markets(rng, deals, DEALS_2025 - EXCHANGE_DEALS_2025)
        except ValueError:
            continue
        _pick_labels(rng, deals, LABELLED_DEALS_2025)
        _assign_month_dates(rng, deals, 2025, 8)
        for d in deals:  # means close to the targets, so raking only nudges
            mean = 11.0 if d.top10 else (5.5 if d.lessor in roster.new else 8.0)
            mean = 6.5 if d.market != "exchange_abs" else mean
            mean *= (1.6 if d.small_micro else 1.0) * (1.15 if d.labels else 1.0)
            d.weight = min(max(_draw_size(rng, mean, 0.35), 20_000), 400_000 if d.top10 else 130_000)
        _assign_enhancements(rng, deals, float(ISSUED_2025_WAN))
        try:
            _calibrate_y2025_amounts(deals)
        except ValueError:
            continue
        if _y2025_ok(deals, roster):
            return deals
    raise RuntimeError("could not calibrate the 2025 leasing deals")


def _calibrate_y2025_amounts(deals: list[DealSpec]) -> None:
    total = float(ISSUED_2025_WAN)
    enh_targets = {k: float(v) * total for k, v in ENHANCEMENT_SHARES.items()}
    enh_targets["none"] = total - sum(enh_targets.values())
    exch = [d.market == "exchange_abs" for d in deals]
    corp = [not d.small_micro for d in deals]
    lab = [bool(d.labels) for d in deals]
    top = [d.top10 for d in deals]

    def binary(flags, target):
        return (flags, {True: float(target), False: total - float(target)})

    margins = [
        binary(exch, EXCHANGE_2025_WAN),
        binary(corp, CORPORATE_2025_WAN),
        binary(lab, LABELLED_2025_WAN),
        binary(top, TOP10_2025_WAN),
        ([d.enhancement for d in deals], enh_targets),
    ]
    raked = rake([d.weight for d in deals], margins)
    round_to_targets(
        deals,
        raked,
        ISSUED_2025_WAN,
        {
            "exchange": (exch, EXCHANGE_2025_WAN),
            "corporate": (corp, CORPORATE_2025_WAN),
            "labelled": (lab, LABELLED_2025_WAN),
            "top10": (top, TOP10_2025_WAN),
        },
    )


def _y2025_ok(deals: list[DealSpec], roster: Roster) -> bool:
    """Plausible sizes, the top 10 really on top, and L-09 printing as the report does."""
    if any(not 5_000 <= d.amount_wan <= 600_000 for d in deals):
        return False
    by_lessor = defaultdict(int)
    for d in deals:
        by_lessor[d.lessor.full_name] += d.amount_wan
    top = [by_lessor[x.full_name] for x in roster.top10]
    others = [v for k, v in by_lessor.items() if k not in {x.full_name for x in roster.top10}]
    if min(top) <= max(others):
        return False
    figures = enhancement_figures(deals)
    return all(figures.get(k) == v for k, v in PRINTED_L09.items())


def build_y2024(rng, roster: Roster, start_idx: int) -> list[DealSpec]:
    """The 128 deals of 2024 Jan–Jul: total 1,199.29 and exchange 1,063.40 亿元 exactly."""
    for _attempt in range(200):
        deals: list[DealSpec] = []
        heavy = roster.top10 + roster.heavy_other
        for lessor, n in zip(heavy, _counts(rng, 50, len(heavy), 3)):
            deals += [DealSpec(0, "y2024", lessor) for _ in range(n)]
        others = roster.common + roster.old_only
        multi = [x for x in others if x.kind != "fin"]
        twice = set(rng.sample(range(len(multi)), DEALS_2024 - len(deals) - len(others)))
        for lessor in others:
            n = 2 if lessor.kind != "fin" and multi.index(lessor) in twice else 1
            deals += [DealSpec(0, "y2024", lessor) for _ in range(n)]
        assert len(deals) == DEALS_2024, len(deals)
        for i, d in enumerate(deals):
            d.idx = start_idx + i
        for d in deals:
            d.small_micro = d.lessor.small_micro and rng.random() < 0.4
        try:
            _pick_markets(rng, deals, rng.randint(14, 17))
        except ValueError:
            continue
        _pick_labels(rng, deals, rng.randint(24, 32))
        _assign_month_dates(rng, deals, 2024, 8)
        for d in deals:
            d.weight = _draw_size(rng, 10.0 if d.lessor.kind == "heavy" else 7.5)
            d.enhancement = rng.choice(feasible_enhancements(d.lessor))
        exch = [d.market == "exchange_abs" for d in deals]
        total = float(ISSUED_2024_WAN)
        raked = rake([d.weight for d in deals], [(exch, {True: float(EXCHANGE_2024_WAN), False: total - EXCHANGE_2024_WAN})])
        try:
            round_to_targets(deals, raked, ISSUED_2024_WAN, {"exchange": (exch, EXCHANGE_2024_WAN)})
        except ValueError:
            continue
        if all(5_000 <= d.amount_wan <= 600_000 for d in deals):
            matured = rng.sample([d for d in deals if d.value_date <= date(2024, 4, 30)], Y2024_MATURED_2025)
            for d in matured:
                d.fate = "mat25"
            return deals
    raise RuntimeError("could not calibrate the 2024 leasing deals")


def build_older(rng, roster: Roster, start_idx: int) -> list[DealSpec]:
    """2021 … 2024-12 deals outside the two Jan–Jul windows: free sizes, drawn fates."""
    pool = [x for x in LESSORS if x not in roster.new]
    weights = [{"heavy": 4.0, "mid": 2.0, "fin": 0.8, "local": 0.6}[x.kind] for x in pool]
    deals: list[DealSpec] = []
    idx = start_idx
    for first, last, n_out, n_mat25, n_early in OLDER_COHORTS:
        fates = ["out"] * n_out + ["mat25"] * n_mat25 + ["early"] * n_early
        fates = rng.sample(fates, len(fates))
        cohort_pool, cohort_weights = pool, weights
        if first.year == 2024:  # a few of 2025's "new" originators first issued in late 2024
            cohort_pool = pool + roster.new[:3]
            cohort_weights = weights + [0.6] * 3
        for fate in fates:
            lessor = rng.choices(cohort_pool, weights=cohort_weights)[0]
            d = DealSpec(idx, "older", lessor, fate=fate)
            idx += 1
            d.value_date = _weekday_in(rng, first, last)
            if fate == "mat25":  # must be able to mature in 2025 H1
                d.value_date = _weekday_in(rng, first, min(last, date(2024, 6, 30)))
            if fate == "early":
                d.value_date = _weekday_in(rng, first, min(last, date(2023, 10, 31)))
            d.small_micro = lessor.small_micro and rng.random() < 0.35
            if lessor.kind == "fin":
                d.market = "credit_abs"
            elif lessor.abn and rng.random() < 0.15:
                d.market = "abn"
            else:
                d.market = "exchange_abs"
                d.exchange = "SH" if rng.random() < 0.62 else "SZ"
            if first.year >= 2023 and rng.random() < 0.18:
                d.labels = (rng.choices(LABELS[:3], weights=LABEL_WEIGHTS[:3])[0],)
            d.enhancement = rng.choice(feasible_enhancements(lessor))
            d.amount_wan = round(_draw_size(rng, 9.0 if lessor.kind == "heavy" else 7.0))
            deals.append(d)
    return deals


def build_bulk(rng, start_idx: int) -> list[DealSpec]:
    """market-year: more 2025 leasing deals, drawn freely (no calibration, no histories)."""
    weights = [{"heavy": 4.0, "mid": 2.0, "fin": 0.8, "local": 1.0}[x.kind] for x in LESSORS]
    deals = []
    for i in range(BULK_DEALS_2025):
        lessor = rng.choices(LESSORS, weights=weights)[0]
        d = DealSpec(start_idx + i, "bulk", lessor)
        d.value_date = _weekday_in(rng, date(2025, 1, 1), date(2025, 12, 31))
        d.small_micro = lessor.small_micro and rng.random() < 0.35
        if lessor.kind == "fin":
            d.market = "credit_abs"
        elif lessor.abn and rng.random() < 0.15:
            d.market = "abn"
        else:
            d.market, d.exchange = "exchange_abs", ("SH" if rng.random() < 0.62 else "SZ")
        if rng.random() < 0.25:
            d.labels = (rng.choice(LABELS),)
        d.enhancement = rng.choice(feasible_enhancements(lessor))
        d.amount_wan = round(_draw_size(rng, 8.0))
        deals.append(d)
    return deals


# ───────────────────────── tranches ─────────────────────────


def _structure(rng, deal: DealSpec) -> None:
    """Tranche labels and amounts (万元): 优先A[1-3], maybe 优先B, 次级."""
    n_a = rng.choices((1, 2, 3), weights=(0.1, 0.7, 0.2))[0]
    has_b = rng.random() < 0.75
    total = deal.amount_wan
    sub = max(100, round(total * rng.uniform(0.06, 0.12) if deal.small_micro else total * rng.uniform(0.04, 0.1)))
    b = max(100, round(total * rng.uniform(0.03, 0.07))) if has_b else 0
    senior_a = total - sub - b
    if n_a == 1:
        a_amounts = [senior_a]
        labels = ["优先A"]
    else:
        shares = [rng.uniform(0.3, 0.5)] + ([rng.uniform(0.15, 0.25)] if n_a == 3 else [])
        a_amounts = [round(senior_a * s) for s in shares]
        a_amounts.append(senior_a - sum(a_amounts))
        labels = [f"优先A{i}" for i in range(1, n_a + 1)]
    deal.tranches = [TrancheSpec(lab, amt, "AAAsf") for lab, amt in zip(labels, a_amounts)]
    if has_b:
        deal.tranches.append(TrancheSpec("优先B", b, "AA+sf"))
    deal.tranches.append(TrancheSpec("次级", sub, None))


def _senior_a(deal: DealSpec) -> list[TrancheSpec]:
    return [t for t in deal.tranches if t.is_amortising]


def _resize_b(deal: DealSpec, new_b: int) -> None:
    """Change the 优先B amount, taking the difference from the last 优先A tranche."""
    b = next(t for t in deal.tranches if t.label == "优先B")
    last_a = _senior_a(deal)[-1]
    last_a.amount_wan -= new_b - b.amount_wan
    b.amount_wan = new_b
    if last_a.amount_wan <= 0:
        raise ValueError("优先B too large for its deal")


def calibrate_low_rated(rng, deals: list[DealSpec]) -> None:
    """L-10: rate a few 2025 优先B tranches AAsf/AA-sf, sized to 1.27% of senior issuance."""
    senior = sum(t.amount_wan for d in deals for t in d.tranches if not t.is_subordinated)
    target = int((Decimal(senior) * LOW_RATED_SENIOR_SHARE).to_integral_value(ROUND_HALF_UP))
    candidates = [d for d in deals if any(t.label == "优先B" for t in d.tranches)]
    candidates.sort(key=lambda d: (d.top10, d.lessor.rating == "AAA", rng.random()))
    chosen, capacity = [], 0
    for d in candidates:
        chosen.append(d)
        capacity += d.amount_wan
        if capacity * 0.1 >= target:
            break
    if capacity * 0.15 < target:
        raise ValueError("not enough 优先B tranches for L-10")
    shares = [target * d.amount_wan / capacity for d in chosen]
    amounts = [math.floor(s) for s in shares]
    for i in sorted(range(len(chosen)), key=lambda i: amounts[i] - shares[i])[: target - sum(amounts)]:
        amounts[i] += 1
    for n, (d, amount) in enumerate(zip(chosen, amounts)):
        _resize_b(d, amount)
        b = next(t for t in d.tranches if t.label == "优先B")
        b.rating = "AA-sf" if n % 4 == 3 else "AAsf"


def _draw_a_tenors(rng, n_a: int) -> list[float]:
    """Base expected tenors (years) of 2025 优先A tranches before the L-08 tenor scaling."""
    if n_a == 1:
        return [rng.uniform(0.9, 2.4)]
    if n_a == 2:
        return [rng.uniform(0.3, 1.1), rng.uniform(1.3, 2.8)]
    return [rng.uniform(0.3, 0.9), rng.uniform(1.1, 2.0), rng.uniform(2.1, 3.3)]


def set_y2025_tenors(rng, world: World, deals: list[DealSpec]) -> None:
    """L-08: scale 2025 优先A tenors so the mean MTN AAA yield at them is 1.71% (→ 64 bp)."""
    base = {id(t): tenor for d in deals for t, tenor in zip(_senior_a(d), _draw_a_tenors(rng, len(_senior_a(d))))}

    def scaled(t: TrancheSpec, s: float) -> float:
        return round(max(0.2, base[id(t)] * s), 2)

    cache: dict[tuple[date, float], Decimal] = {}

    def mean_at(s: float) -> Decimal:
        total = Decimal(0)
        pairs = [(d.value_date, scaled(t, s)) for d in deals for t in _senior_a(d)]
        for key in pairs:
            if key not in cache:
                cache[key] = curve_yield(world, MTN_AAA, key[0], Decimal(str(key[1])))
            total += cache[key]
        return total / len(pairs)

    lo, hi = 0.4, 2.5
    if not mean_at(lo) < TARGET_MEAN_CURVE_AAA < mean_at(hi):
        raise RuntimeError("MTN AAA curve cannot give the L-08 spread at plausible tenors")
    for _ in range(60):
        mid = (lo + hi) / 2
        if mean_at(mid) < TARGET_MEAN_CURVE_AAA:
            lo = mid
        else:
            hi = mid
    s = (lo + hi) / 2
    for d in deals:
        for t in _senior_a(d):
            t.tenor = scaled(t, s)
        last = _senior_a(d)[-1].tenor
        for t in d.tranches:
            if t.label == "优先B":
                last = t.tenor = round(last + rng.uniform(0.08, 0.3), 2)
        d.tranches[-1].tenor = round(last + rng.uniform(0.05, 0.35), 2)


def set_tenors_to_fate(rng, deal: DealSpec) -> None:
    """Older and 2024 deals: draw the final maturity on the side of 2025-07-31 its fate says,
    then place the tranche maturities under it."""
    v = deal.value_date
    if deal.fate == "out":
        first, last = max(date(2025, 8, 20), _years_after(v, 1.3)), _years_after(v, 5.0)
    elif deal.fate == "mat25":
        first, last = max(date(2025, 1, 6), _years_after(v, 0.9)), date(2025, 7, 25)
    else:
        first, last = _years_after(v, 1.0), min(date(2024, 12, 20), _years_after(v, 4.0))
    if first > last:
        raise ValueError(f"deal valued {v} cannot have fate {deal.fate}")
    end = first + timedelta(days=rng.randint(0, (last - first).days))
    span = (end - v).days / 365.25
    sub_tenor = round(span, 2)
    tenor = sub_tenor
    for t in reversed(deal.tranches[:-1]):
        if t.label == "优先B":
            tenor = t.tenor = round(tenor - rng.uniform(0.02, 0.2), 2)
    a = _senior_a(deal)
    last_a = round(tenor - rng.uniform(0.05, 0.25), 2)
    if len(a) == 1:
        a[0].tenor = last_a
    else:
        a1 = round(last_a * rng.uniform(0.25, 0.45), 2)
        a[0].tenor = a1
        if len(a) == 3:
            a[1].tenor = round(a1 + (last_a - a1) * rng.uniform(0.4, 0.7), 2)
        a[-1].tenor = last_a
    deal.tranches[-1].tenor = sub_tenor


def set_schedule(deal: DealSpec) -> None:
    """Maturity dates from tenors; 优先A tranches amortise one after the other."""
    start = deal.value_date
    for t in deal.tranches:
        t.maturity = _years_after(deal.value_date, t.tenor)
        if t.is_amortising:
            t.start = start
            start = t.maturity
            months = max(1, (t.maturity.year - t.start.year) * 12 + t.maturity.month - t.start.month)
            n = max(1, round(months / 3))
            t.payment_dates = [month_add(t.start, 3 * j) for j in range(1, n)]
        else:
            t.start = t.maturity


def balance_on(t: TrancheSpec, value_date: date, on: date) -> Decimal:
    """Outstanding principal on ``on``: 优先A pay down quarterly from their start to their
    expected maturity, 优先B and 次级 are repaid at expected maturity."""
    amount = t.amount_cny
    if on < value_date or on >= t.maturity:
        return Decimal("0.00")
    if not t.is_amortising or on < t.start:
        return amount
    n = len(t.payment_dates) + 1
    paid = bisect.bisect_right(t.payment_dates, on)
    return cny(amount * (n - paid) / n)


# ───────────────────────── coupons (L-08) ─────────────────────────

SPREAD_BP = {"AAAsf": (62, 20), "AA+sf": (175, 45), "AAsf": (245, 50), "AA-sf": (290, 55), "A+sf": (330, 60), "BBB+sf": (430, 70)}


def _base_yield(world: World, v: date, tenor: float) -> Decimal:
    """MTN AAA at the tranche's tenor; before 2023 the first curve date plus a vintage premium."""
    if v >= FIRST_CURVE_DATE:
        return curve_yield(world, MTN_AAA, v, Decimal(str(tenor)))
    premium = Decimal("0.0045") if v.year == 2021 else Decimal("0.0025")
    return curve_yield(world, MTN_AAA, FIRST_CURVE_DATE, Decimal(str(tenor))) + premium


def draw_coupons(rng, world: World, deals: list[DealSpec]) -> None:
    """Curve at the tranche's tenor plus a spread: one draw per deal (originator and pool
    quality) scaled by the tranche's grade, plus a few bp of tranche noise — so coupons rise
    with tenor and fall with rating inside a deal."""
    for d in deals:
        quality = rng.gauss(0, 1)
        for t in d.tranches:
            if t.rating is None:
                continue
            mean, sd = SPREAD_BP[t.rating]
            mean += 15 if d.lessor.kind == "local" else 0
            mean += 8 if d.small_micro else 0
            spread = max(5.0, mean + sd * quality + rng.gauss(0, 4))
            t.coupon_bp = round(float(_base_yield(world, d.value_date, t.tenor)) * 10_000 + spread)


def calibrate_mean_bp(rng, values: list[int], mean: int, lo: int | None, hi: int | None) -> list[int]:
    """Shift integer bp coupons to an exact mean; pin the minimum and maximum when printed."""
    n = len(values)
    floor_, cap = (lo + 1, hi - 1) if lo is not None else (mean - 120, mean + 250)
    shift = round((n * mean - sum(values)) / n)
    out = [min(max(x + shift, floor_), cap) for x in values]
    pinned: list[int] = []
    if lo is not None:
        i_min = min(range(n), key=lambda i: (out[i], i))
        i_max = max(range(n), key=lambda i: (out[i], -i))
        out[i_min], out[i_max] = lo, hi
        pinned = [i_min, i_max]
    residual = n * mean - sum(out)
    order = [i for i in rng.sample(range(n), n) if i not in pinned]
    while residual:
        moved = False
        for i in order:
            step = 1 if residual > 0 else -1
            if floor_ <= out[i] + step <= cap:
                out[i] += step
                residual -= step
                moved = True
                if residual == 0:
                    break
        if not moved:
            raise ValueError("cannot reach the mean coupon inside the range")
    return out


def calibrate_coupons(rng, deals: list[DealSpec]) -> None:
    for (cohort, rating), (mean, lo, hi) in COUPON_TARGETS_BP.items():
        tranches = [t for d in deals if d.cohort == cohort for t in d.tranches if t.rating == rating and not t.is_subordinated]
        values = calibrate_mean_bp(rng, [t.coupon_bp for t in tranches], mean, lo, hi)
        for t, v in zip(tranches, values):
            t.coupon_bp = v


# ───────────────────────── stock (L-11) ─────────────────────────


def set_cny_amounts(deals: list[DealSpec]) -> None:
    for d in deals:
        for t in d.tranches:
            t.amount_cny = (Decimal(t.amount_wan) * WAN).quantize(CENT)
        d.amount_wan = sum(t.amount_wan for t in d.tranches)


def stock_on(deals: list[DealSpec], on: date) -> tuple[int, Decimal]:
    """(deals outstanding, outstanding principal) on a date."""
    count, total = 0, Decimal(0)
    for d in deals:
        balances = [balance_on(t, d.value_date, on) for t in d.tranches]
        if any(balances):
            count += 1
            total += sum(balances)
    return count, total


def calibrate_stock(deals: list[DealSpec]) -> None:
    """Scale older outstanding deals so the 2025-07-31 stock is 3,442.96 亿元 to the cent."""
    fixed = [d for d in deals if d.cohort in ("y2025", "y2024")]
    free = [d for d in deals if d.cohort == "older" and d.fate == "out"]
    _, fixed_stock = stock_on(fixed, SNAPSHOT_DATE)
    _, free_stock = stock_on(free, SNAPSHOT_DATE)
    factor = (OUTSTANDING_CNY - fixed_stock) / free_stock
    if not Decimal("0.5") < factor < Decimal("2"):
        raise RuntimeError(f"older leasing deals would need scaling by {factor}")
    for d in free:
        for t in d.tranches:
            t.amount_wan = max(100, int((t.amount_wan * factor).to_integral_value(ROUND_HALF_UP)))
    set_cny_amounts(free)
    _, free_stock = stock_on(free, SNAPSHOT_DATE)
    residual = OUTSTANDING_CNY - fixed_stock - free_stock
    holder = max(free, key=lambda d: (d.tranches[-1].amount_wan, -d.idx))
    holder.tranches[-1].amount_cny += residual  # 次级 is outstanding in full until the end


# ───────────────────────── ratings (L-10, L-12) ─────────────────────────


def force_low_rated_older(rng, deals: list[DealSpec]) -> None:
    """Older outstanding deals carry the rare 优先B grades that the L-12 matrix needs."""
    def b_outstanding(d: DealSpec) -> bool:
        return any(t.label == "优先B" and _years_after(d.value_date, t.tenor) > SNAPSHOT_DATE + timedelta(days=30) for t in d.tranches)

    candidates = [d for d in deals if d.cohort == "older" and d.fate == "out" and d.value_date.year in (2022, 2023) and b_outstanding(d)]
    picks = rng.sample(candidates, 4)
    for d, grade in zip(picks, ("A+sf", "BBB+sf", "AAsf", "AAsf")):
        next(t for t in d.tranches if t.label == "优先B").rating = grade
    for d in deals:
        if d.cohort in ("older", "y2024", "bulk") and d not in picks:
            for t in d.tranches:
                if t.label == "优先B" and rng.random() < 0.05:
                    t.rating = "AAsf" if rng.random() < 0.8 else "AA-sf"


@dataclass
class Tracking:
    month: int
    day: int
    new_rating: str | None = None  # set for the tranches tracked in 2025 Jan–Jul


def plan_tracking(rng, deals: list[DealSpec]) -> dict[int, Tracking]:
    """L-12: pick exactly the tranches tracked in 2025 Jan–Jul and their new ratings; every
    other rated tranche of an older deal is tracked in Aug–Dec each year."""
    plan: dict[int, Tracking] = {}
    eligible: dict[str, list[tuple[DealSpec, TrancheSpec]]] = defaultdict(list)
    for d in deals:
        if d.cohort not in ("older", "y2024"):
            continue
        for t in d.tranches:
            if t.rating is None:
                continue
            plan[id(t)] = Tracking(rng.randint(8, 12), rng.randint(1, 28))
            if t.maturity > SNAPSHOT_DATE and d.value_date + timedelta(days=180) <= date(2025, 7, 20):
                eligible[t.rating].append((d, t))
    wanted: dict[str, list[str]] = defaultdict(list)
    for (before, after), n in MIGRATION_2025.items():
        wanted[before] += [after] * n
    for before, afters in sorted(wanted.items()):
        pool = eligible[before]
        if len(pool) < len(afters):
            raise RuntimeError(f"only {len(pool)} outstanding {before} tranches for L-12")
        picked = rng.sample(pool, len(afters))
        picked.sort(key=lambda dt: (dt[0].value_date, dt[0].idx))  # seasoned ones are upgraded
        upgrades = sorted(afters, key=lambda r: rating_rank(r))
        for (d, t), after in zip(picked, upgrades):
            earliest = d.value_date + timedelta(days=180)
            first_month = earliest.month if earliest.year == 2025 else 1
            month = rng.choices(range(first_month, 8), weights=[1 if m < 5 else 3 for m in range(first_month, 8)])[0]
            day = rng.randint(min(earliest.day, 28) if month == first_month and earliest.year == 2025 else 1, 28)
            plan[id(t)] = Tracking(month, day, after)
    return plan


# ───────────────────────── names and codes ─────────────────────────


def assign_names(deals: list[DealSpec]) -> None:
    """Issue numbers by value date within (series, vintage, programme); calibrated deals come
    first so that market-year extras never renumber them."""
    groups: dict[tuple, list[DealSpec]] = defaultdict(list)
    for d in deals:
        groups[(d.lessor.short_name, d.value_date.year, d.market)].append(d)
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda d: (d.cohort == "bulk", d.value_date, d.idx))
        for n, d in enumerate(members, start=1):
            d.issue_number = n
            d.name = deal_name(d)


def deal_name(d: DealSpec) -> str:
    series, year, n = d.lessor.short_name, d.value_date.year, cn_number(d.issue_number)
    green = "绿色" if "碳中和绿色" in d.labels else ""
    suffix = "（碳中和）" if "碳中和绿色" in d.labels else ("（乡村振兴）" if "乡村振兴" in d.labels else "")
    if d.market == "abn":
        return f"{series}{year}年度第{n}期{green}资产支持票据{suffix}"
    if d.market == "credit_abs":
        return f"{series}{year}年第{n}期{green}租赁资产支持证券{suffix}"
    return f"{series}{year}年第{n}期{green}资产支持专项计划{suffix}"


def deal_short_name(d: DealSpec) -> str:
    if d.market == "abn":
        return f"{str(d.value_date.year)[2:]}{d.lessor.short_name}ABN{d.issue_number:03d}"
    return f"{d.lessor.short_name}{d.value_date.year}-{d.issue_number}"


def assign_codes(rng, deals: list[DealSpec], used: set[str]) -> None:
    """Consecutive codes per deal in value-date order: 26xxxx.SH / 14xxxx.SZ for exchange ABS,
    08{yy}8xxxx.IB for ABN and {yy}87xxx.IB for credit ABS."""
    counters: dict[tuple, int] = {}
    for d in sorted(deals, key=lambda d: (d.cohort == "bulk", d.value_date, d.idx)):
        yy = f"{d.value_date.year % 100:02d}"
        for t in d.tranches:
            while True:
                if d.market == "exchange_abs":
                    key = (d.exchange,)
                    counters[key] = counters.get(key, rng.randint(0, 400)) + rng.choice((1, 1, 1, 2))
                    prefix = SH_PREFIX if d.exchange == "SH" else SZ_PREFIX
                    code = f"{prefix}{counters[key] % 10_000:04d}.{d.exchange}"
                elif d.market == "abn":
                    key = ("abn", yy)
                    counters[key] = counters.get(key, rng.randint(0, 300)) + 1
                    code = f"08{yy}{ABN_CODE_INFIX}{counters[key] % 10_000:04d}.IB"
                else:
                    key = ("credit", yy)
                    counters[key] = counters.get(key, rng.randint(0, 100)) + 1
                    code = f"{yy}{CREDIT_CODE_INFIX}{counters[key] % 1_000:03d}.IB"
                if code not in used:
                    break
            used.add(code)
            t.code = code


def tranche_short_name(d: DealSpec, t: TrancheSpec) -> str:
    sub = "次" if t.is_subordinated else t.label.removeprefix("优先")
    return f"{d.lessor.short_name[:2]}{d.value_date.year % 100:02d}{d.issue_number}{sub}"


# ───────────────────────── rows ─────────────────────────


def _pool_fields(rng, d: DealSpec) -> dict:
    amount = Decimal(d.amount_wan) * WAN
    pool = cny(amount * Decimal(str(round(rng.uniform(1.0, 1.12), 4))))
    if d.small_micro:
        loans = rng.randint(1_500, 30_000)
        borrowers = max(1, round(loans * rng.uniform(0.85, 1.0)))
        term = rng.uniform(24, 42)
        pool_rate = rng.uniform(0.065, 0.11)
    else:
        loans = rng.randint(12, 320)
        borrowers = max(1, round(loans * rng.uniform(0.55, 1.0)))
        term = rng.uniform(36, 66)
        pool_rate = rng.uniform(0.045, 0.075) - (0.006 if d.value_date.year >= 2025 else 0)
    revolving = d.small_micro and rng.random() < 0.3
    return {
        "initial_pool_balance_cny": pool,
        "pool_loan_count": loans,
        "pool_borrower_count": borrowers,
        "avg_balance_per_loan_cny": cny(pool / loans),
        "avg_balance_per_borrower_cny": cny(pool / borrowers),
        "wa_contract_term_months": Decimal(str(round(term, 2))),
        "wa_remaining_term_months": Decimal(str(round(term * rng.uniform(0.55, 0.85), 2))),
        "wa_pool_rate": Decimal(str(round(pool_rate, 4))),
        "wa_overdue_months": None,
        "expected_gross_recovery_rate": None,
        "is_revolving": revolving,
        "revolving_period_months": rng.choice((6, 9, 12)) if revolving else None,
    }


def _enhancer_rows(institution, rng, d: DealSpec, deal_id: str, originator_id: str) -> list[dict]:
    """The deal's enhancers; the class's enhancer is the only one with the top rating."""
    if d.enhancement == "none":
        return []
    rel, grade = d.enhancement.split("_")
    rows = []
    if rel == "orig":
        rows.append((originator_id, "shortfall_payment", "originator", d.lessor.rating))
    elif rel == "rp":
        parent_id = institution(d.lessor.parent, PARENT_TYPES.get(d.lessor.parent, "corporate"))
        rows.append((parent_id, rng.choice(("shortfall_payment", "guarantee")), "related_party", grade))
    else:
        full, short = d.guarantor
        gid = institution(full, "financing_guarantor", short)
        rows.append((gid, "guarantee", "professional_guarantor", grade))
    if rel != "orig" and d.second_enhancer and rating_rank(d.lessor.rating) > rating_rank(grade):
        rows.append((originator_id, "shortfall_payment", "originator", d.lessor.rating))
    return [
        {"deal_id": deal_id, "enhancer_id": eid, "enhancement_kind": kind, "enhancer_relation": relation, "enhancer_rating": rating}
        for eid, kind, relation, rating in rows
    ]


def emit(world: World, rng, deals: list[DealSpec], plan: dict[int, Tracking]) -> None:
    agencies = {full: world.add_institution(full, "rating_agency", short) for full, short, _ in AGENCIES}
    full, short = CREDIT_ABS_AGENCY
    agencies[full] = world.add_institution(full, "rating_agency", short)
    short_names = world.extras.setdefault("security_short_names", {})
    ids: dict[str, str] = {}

    def institution(full: str, kind: str, short: str | None = None, **extra) -> str:
        if full not in ids:  # add_institution scans the aliases; call it once per name
            ids[full] = world.add_institution(full, kind, short, **extra)
        return ids[full]

    for d in sorted(deals, key=lambda d: d.idx):
        lessor = d.lessor
        originator_id = institution(lessor.full_name, "lessor", lessor.short_name, parent_group=lessor.parent, province=lessor.province)
        trustee_id = institution(d.trustee[0], "securities_firm" if d.market == "exchange_abs" else "trust", d.trustee[1])
        deal_id = deal_id_for(d.name)
        end = max(t.maturity for t in d.tranches)
        legal = month_add(end, rng.choice((24, 36)))
        issue_date = _previous_weekday(d.value_date, rng.randint(1, 5))
        enhancers = _enhancer_rows(institution, rng, d, deal_id, originator_id)
        world.add(
            "core.deals",
            {
                "deal_id": deal_id,
                "deal_name_zh": d.name,
                "deal_short_name": deal_short_name(d),
                "series_name": d.lessor.short_name,
                "vintage_year": d.value_date.year,
                "issue_number": d.issue_number,
                "market": d.market,
                "asset_class": "leasing",
                "asset_subclass": "small_micro_leasing" if d.small_micro else "corporate_leasing",
                "is_public_offering": d.market == "credit_abs" or (d.market == "abn" and rng.random() < 0.5),
                "originator_id": originator_id,
                "asset_provider_id": originator_id,
                "trustee_id": trustee_id,
                "issue_date": issue_date,
                "value_date": d.value_date,
                "legal_maturity_date": legal,
                "deal_amount_cny": sum(t.amount_cny for t in d.tranches),
                **_pool_fields(rng, d),
                "has_external_enhancement": bool(enhancers),
            },
        )
        for label in d.labels:
            world.add("core.deal_labels", {"deal_id": deal_id, "label": label})
        for row in enhancers:
            world.add("core.credit_enhancements", row)
        agency_id = agencies[d.agency[0]]
        priority = sorted({t.seniority_key for t in d.tranches})
        for t in d.tranches:
            short_names[t.code] = tranche_short_name(d, t)
            world.add(
                "core.tranches",
                {
                    "tranche_id": t.code,
                    "deal_id": deal_id,
                    "security_code": t.code,
                    "tranche_name": t.label,
                    "tranche_class": t.tranche_class,
                    "seniority_rank": priority.index(t.seniority_key) + 1,
                    "amount_cny": t.amount_cny,
                    "coupon_rate": None if t.coupon_bp is None else Decimal(t.coupon_bp) / 10_000,
                    "coupon_type": None if t.is_subordinated else "fixed",
                    "issue_price_per_100": Decimal("100.0000"),
                    "amortisation": "pass_through" if t.is_amortising else "bullet",
                    "expected_maturity_date": t.maturity,
                    "legal_maturity_date": legal,
                    "expected_tenor_years": Decimal(str(t.tenor)),
                    "initial_rating": t.rating,
                    "initial_rating_agency_id": agency_id if t.rating else None,
                    "is_externally_placed": False if t.is_subordinated else None,
                    "originator_retained_share": Decimal(1) if t.is_subordinated else None,
                    "period_return_rate": None,
                    "delisting_date": t.maturity if t.maturity <= WORLD_END else None,
                },
            )
            for on in SNAPSHOT_DATES:
                balance = balance_on(t, d.value_date, on)
                if balance > 0:
                    world.add("core.tranche_balances", {"tranche_id": t.code, "as_of_date": on, "outstanding_cny": balance})
            if t.rating:
                _rating_rows(world, d, t, agency_id, issue_date, plan.get(id(t)))


def _rating_rows(world: World, d: DealSpec, t: TrancheSpec, agency_id: str, issue_date: date, tracking: Tracking | None) -> None:
    """Initial rating at issue; yearly tracking while outstanding, up to 2025-07-31."""
    world.add(
        "core.rating_actions",
        {"tranche_id": t.code, "agency_id": agency_id, "action_date": issue_date, "action_type": "initial", "rating_before": None, "rating_after": t.rating},
    )
    if tracking is None:
        return
    for year in range(d.value_date.year + 1, 2026):
        on = _previous_weekday(date(year, tracking.month, tracking.day) + timedelta(days=1), 1)
        if on <= d.value_date + timedelta(days=150) or on >= t.maturity or on > SNAPSHOT_DATE:
            continue
        after, kind = t.rating, "affirm"
        if year == 2025 and tracking.new_rating:
            after = tracking.new_rating
            kind = "affirm" if after == t.rating else "upgrade"
        world.add(
            "core.rating_actions",
            {"tranche_id": t.code, "agency_id": agency_id, "action_date": on, "action_type": kind, "rating_before": t.rating, "rating_after": after},
        )


# ───────────────────────── build ─────────────────────────


def _parties(rng, deals: list[DealSpec]) -> None:
    for d in deals:
        if d.market == "credit_abs":
            d.agency = CREDIT_ABS_AGENCY
        else:
            full, short, _ = rng.choices(AGENCIES, weights=[w for *_, w in AGENCIES])[0]
            d.agency = (full, short)
        d.trustee = rng.choice(PLAN_MANAGERS if d.market == "exchange_abs" else TRUSTS)
        d.guarantor = rng.choice(GUARANTORS) if d.enhancement == "gu_AAA" else None
        d.second_enhancer = rng.random() < 0.4


def build(world: World) -> None:
    rng = rng_for(world.seed, "leasing")
    roster = draw_roster(rng)
    y2025 = build_y2025(rng, roster, 0)
    y2024 = build_y2024(rng, roster, 1000)
    older = build_older(rng, roster, 2000)
    deals = y2025 + y2024 + older
    for d in deals:
        _structure(rng, d)
    calibrate_low_rated(rng, y2025)
    set_y2025_tenors(rng, world, y2025)
    for d in y2024 + older:
        set_tenors_to_fate(rng, d)
    force_low_rated_older(rng, deals)
    draw_coupons(rng, world, deals)
    calibrate_coupons(rng, deals)
    for d in deals:
        set_schedule(d)
    set_cny_amounts(deals)
    calibrate_stock(deals)
    plan = plan_tracking(rng, deals)
    _parties(rng, deals)
    if world.scale == "market-year":
        bulk_rng = rng_for(world.seed, "leasing-bulk")
        bulk = build_bulk(bulk_rng, 10_000)
        for d in bulk:
            _structure(bulk_rng, d)
            d.fate = "out"
            for t, tenor in zip(_senior_a(d), _draw_a_tenors(bulk_rng, len(_senior_a(d)))):
                t.tenor = round(tenor, 2)
            last = _senior_a(d)[-1].tenor
            for t in d.tranches[len(_senior_a(d)) :]:
                last = t.tenor = round(last + bulk_rng.uniform(0.05, 0.3), 2)
            set_schedule(d)
        draw_coupons(bulk_rng, world, bulk)
        set_cny_amounts(bulk)
        _parties(bulk_rng, bulk)
        deals += bulk
    assign_names(deals)
    used = world.extras.setdefault("security_codes", set())
    assign_codes(rng_for(world.seed, "leasing-codes"), deals, used)
    emit(world, rng, deals, plan)
    world.extras["leasing"] = {
        "periods": {"2025": PERIOD_2025, "2024": PERIOD_2024},
        "snapshot_dates": SNAPSHOT_DATES,
        "deal_ids_2025": sorted(deal_id_for(d.name) for d in y2025),
        "top10_originators": sorted(x.full_name for x in roster.top10),
        "new_originators": sorted(x.full_name for x in roster.new),
    }
