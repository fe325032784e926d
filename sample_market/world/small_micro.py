"""Segment S: small & micro loan ABS (小微贷款 ABS), calendar 2025 with 2024 (YoY) and the 2023
deals still outstanding at end-2024 — seed 001 (联合资信, 2025 年小微贷款 ABS 回顾与展望).

Every deal has ``asset_class = 'small_micro_loan'``; "issued in year Y" means ``value_date`` (起息日)
in Y. Figures calibrated exactly for any seed (IDs of ``seed-figures.md``) and how:

* S-01/S-02 — issuance is planned in *cells* (market × asset-provider group) whose deal counts and
  amounts are fixed constants (``CELLS_2025``/``CELLS_2024``); inside a cell the split between
  deals is drawn. 2025: 268 deals, 2,698.13 亿元; 2024: 250 deals, 2,365.82 亿元 (ABN 78 / 768.67,
  exchange 160 / 949.43, credit ABS 12 / 647.72: the YoY rates print +60.26 %, +40.80 % …).
* S-03 — originators (``originator_id``): 30 in 2025 = 4 banks + 12 trusts + 14 others. Trust
  deals (207) get their trust from a shuffled quota; amounts inside the cells are then fitted by
  iterative proportional fitting so that 外贸信托 467.86, 华鑫信托 362.90, 华能信托 327.82 and the
  non-trust, non-bank originators 368.96 亿元 hold exactly (trusts in all 1,742.72). The ten bank
  deals are the credit-ABS cell (586.45), 建设银行's seven 飞驰建普 deals 496.19 亿元 (18.39 %).
* S-04/S-05 — asset providers (``asset_provider_id``; institution types private_bank,
  internet_platform, the four commercial-bank types, financing_guarantor, micro_lender,
  pc_insurer). 网商银行 935.00 (2024: 540.00), 平安担保 158.54 (310.32), 美团 129.50 (227.00);
  private banks in ABN 705.98 = 65.23 % of ABN. First-time providers (no deal before 2025): 恒丰银行,
  渤海银行, 杭州联合农商行, 蚂蚁, 滴滴, 字节, 腾讯, 厦门恒鑫小贷; every other 2025 provider also issued in
  2024. The 2024 provider-type totals also reproduce the report's type YoY (+56.53 %, +26.08 %,
  −10.01 %, −48.91 %).
* S-06 — AAAsf coupons are ``curve_yield(MTN AAA, value date, tenor)`` plus a market spread and
  noise, in whole bp; the simple means over 2025 AAAsf tranches with expected tenor ≤ 1.5 years are
  then set to 1.79 % / 1.99 % / 2.04 % (credit ABS / ABN / exchange) by ±1 bp nudges.
* S-07 — 943 tranches: 354 AAAsf, 213 AA+sf, 94 lower (AA-sf 8, A+sf 8, Asf 36, A-sf 5, BBB+sf 14,
  BBBsf 23), 282 unrated (268 次级 + 14 unrated 次优级). Rated-bucket totals (AA+sf 75.32, lower
  40.91, unrated 264.00 亿元) are fixed; AAAsf = deal − the rest = 2,317.90.
* S-08 — pool data per deal; credit-ABS ``wa_pool_rate`` weighted by ``initial_pool_balance_cny``
  is 4.11 %; five non-credit deals have no pool rate (263 with data).
* S-09 — ``core.tranche_balances`` at 2024-12-31 and 2025-12-31: 2,034.98 and 2,243.36 亿元.
  Sampled deals take their balances from their payment histories. The others amortise by a model
  (full during the revolving period, then ((T − t)/(T − A))^(γκ) to a final date T, sequential:
  seniors first); 2024 deals use a fixed κ (``KAPPA_2024``), κ of the 2023 deals is solved for
  the end-2024 total and κ of the 2025 deals for the end-2025 total; the last cents go on one
  deal. Tranche expected maturities are the payment dates on which the model repays them.
* S-10/S-11 — 23 sampled deals (``SAMPLE_SLOTS``: 10 public credit ABS, 13 private exchange/ABN,
  17 of them revolving) get monthly ``core.pool_performance`` and ``core.tranche_payments`` from
  their first payment to the last payment date in 2025. Cumulative default rates follow
  L·(1 − e^(−(m−3)/τ)) by months on book m (τ: banks 22, platforms 8, others 11, so banks sit below
  platforms at every age); one platform deal ends at exactly 1.72 %, two young deals at 0.00 %,
  and two scale factors fix the end-2024 mean 0.74 % and the end-2025 mean 0.94 %. Revolving
  multiples (cumulative revolving purchases / initial pool) are 3.67 (amortising after 12
  revolving periods), 1.01 (two periods) and group sums giving means 2.13 (banks), 2.41
  (platforms), 2.19 (all 17).
* S-11 — 194 revolving 2025 deals: all 7 飞驰建普, 11 of the 28 deals of other non-trust,
  non-platform originators, 176 of the 230 deals with trust or internet-platform originators.

Market-year adds ~600 further 2025 deals drawn from the same cells (no histories, balances by
the amortisation model); they change the values but keep every definition computable.
"""

from __future__ import annotations

import calendar
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sample_market.world.base import RATING_AGENCIES, World, cny, deal_id_for, month_add, rate, rng_for

SEGMENT = "small_micro"
ASSET_CLASS = "small_micro_loan"
YEAR = 2025
END_2024 = date(2024, 12, 31)
END_2025 = date(2025, 12, 31)
MTN_AAA = "2c9081880fa9d507010fb8505b393fe7"

UNIT_CNY = 1_000_000  # deal amounts are whole 0.01 亿元 (百万元)
WAN_CENTS = 1_000_000  # tranche amounts are whole 万元; 1 万元 = 1,000,000 cents
UNIT_WAN = 100  # 0.01 亿元 = 100 万元


def units(amount_yi: str) -> int:
    """亿元 printed with two decimals → whole units of 0.01 亿元."""
    return int(Decimal(amount_yi) * 100)


# ─────────────────────────── institutions ───────────────────────────
# key → (full name, institution type, short name, aliases, province)
INSTITUTIONS: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    # private banks (民营银行)
    "mybank": ("浙江网商银行股份有限公司", "private_bank", "网商银行", ("网商",), "浙江"),
    "xwbank": ("四川新网银行股份有限公司", "private_bank", "新网银行", (), "四川"),
    "zbbank": ("武汉众邦银行股份有限公司", "private_bank", "众邦银行", (), "湖北"),
    "ylbank": ("吉林亿联银行股份有限公司", "private_bank", "亿联银行", (), "吉林"),
    # internet platforms (互联网平台)
    "meituan": ("北京三快在线科技有限公司", "internet_platform", "美团", ("美团金融",), "北京"),
    "jd": ("京东科技控股股份有限公司", "internet_platform", "京东", ("京东科技",), "北京"),
    "dxm": ("度小满科技（北京）有限公司", "internet_platform", "度小满", (), "北京"),
    "qifu": ("上海淇毓信息科技有限公司", "internet_platform", "奇富", ("奇富科技", "360数科"), "上海"),
    "ant": ("蚂蚁科技集团股份有限公司", "internet_platform", "蚂蚁", ("蚂蚁集团",), "浙江"),
    "didi": ("北京小桔科技有限公司", "internet_platform", "滴滴", ("滴滴出行",), "北京"),
    "bytedance": ("北京字节跳动科技有限公司", "internet_platform", "字节", ("字节跳动",), "北京"),
    "tencent": ("深圳市腾讯计算机系统有限公司", "internet_platform", "腾讯", (), "广东"),
    # commercial banks (商业银行)
    "ccb": ("中国建设银行股份有限公司", "state_owned_bank", "建设银行", ("建行", "中国建设银行"), "北京"),
    "psbc": ("中国邮政储蓄银行股份有限公司", "state_owned_bank", "邮储银行", ("中国邮政储蓄银行",), "北京"),
    "citic": ("中信银行股份有限公司", "joint_stock_bank", "中信银行", (), "北京"),
    "cmbc": ("中国民生银行股份有限公司", "joint_stock_bank", "民生银行", (), "北京"),
    "ceb": ("中国光大银行股份有限公司", "joint_stock_bank", "光大银行", (), "北京"),
    "hfb": ("恒丰银行股份有限公司", "joint_stock_bank", "恒丰银行", (), "山东"),
    "cbhb": ("渤海银行股份有限公司", "joint_stock_bank", "渤海银行", (), "天津"),
    "hzurcb": ("杭州联合农村商业银行股份有限公司", "rural_commercial_bank", "杭州联合农商行", ("杭州联合银行",), "浙江"),
    "tailong": ("浙江泰隆商业银行股份有限公司", "city_commercial_bank", "泰隆银行", ("浙江泰隆商业银行",), "浙江"),
    # financing guarantor, micro-lenders, P&C insurers
    "pingan": ("平安融资担保（天津）有限公司", "financing_guarantor", "平安担保", ("平安融资担保",), "天津"),
    "hengxin": ("厦门恒鑫小额贷款有限公司", "micro_lender", "厦门恒鑫小贷", ("恒鑫小贷",), "福建"),
    "xiaoyudian": ("重庆小雨点小额贷款有限公司", "micro_lender", "小雨点小贷", ("小雨点",), "重庆"),
    "sankuai": ("重庆三快小额贷款有限公司", "micro_lender", "三快小贷", (), "重庆"),
    "antmicro": ("重庆蚂蚁小微小额贷款有限公司", "micro_lender", "蚂蚁小微小贷", (), "重庆"),
    "zhongan": ("众安在线财产保险股份有限公司", "pc_insurer", "众安保险", ("众安",), "上海"),
    "sunshine": ("阳光财产保险股份有限公司", "pc_insurer", "阳光财险", (), "北京"),
}

# key → (full name, short name); the series suffix each trust gives its programmes
TRUSTS: dict[str, tuple[str, str, str]] = {
    "fotic": ("中国对外经济贸易信托有限公司", "外贸信托", "惠益"),
    "huaxin": ("华鑫国际信托有限公司", "华鑫信托", "鑫享"),
    "hngc": ("华能贵诚信托有限公司", "华能信托", "华瑞"),
    "avic": ("中航信托股份有限公司", "中航信托", "航信"),
    "bairui": ("百瑞信托有限责任公司", "百瑞信托", "百泽"),
    "ccbt": ("建信信托有限责任公司", "建信信托", "建盈"),
    "bocomt": ("交银国际信托有限公司", "交银国际信托", "交盈"),
    "gdxl": ("光大兴陇信托有限责任公司", "光大兴陇信托", "兴陇"),
    "yntrust": ("云南国际信托有限公司", "云南信托", "云帆"),
    "cofco": ("中粮信托有限责任公司", "中粮信托", "粮信"),
    "sitic": ("上海国际信托有限公司", "上海信托", "沪享"),
    "xmitic": ("厦门国际信托有限公司", "厦门信托", "鹭岛"),
}
BIG_TRUSTS = ("fotic", "huaxin", "hngc")
FREE_TRUSTS = tuple(k for k in TRUSTS if k not in BIG_TRUSTS)

# Plan managers (计划管理人) of exchange ABS: key → (full name, short name used in deal names)
MANAGERS: dict[str, tuple[str, str]] = {
    "citics": ("中信证券股份有限公司", "中信证券"),
    "htam": ("华泰证券（上海）资产管理有限公司", "华泰资管"),
    "cicc": ("中国国际金融股份有限公司", "中金公司"),
    "pasec": ("平安证券股份有限公司", "平安证券"),
    "gtjaam": ("上海国泰君安证券资产管理有限公司", "国君资管"),
    "cmsam": ("招商证券资产管理有限公司", "招商资管"),
    "tebon": ("德邦证券股份有限公司", "德邦证券"),
    "tfzq": ("天风证券股份有限公司", "天风证券"),
    "dfzq": ("东方证券股份有限公司", "东方证券"),
    "csc": ("中信建投证券股份有限公司", "中信建投"),
}

AGENCY_WEIGHTS = (0.10, 0.25, 0.30, 0.08, 0.10, 0.10, 0.07)

# Asset-provider groups: the cells of the issuance plan
PROVIDER_GROUP = {
    "mybank": "mybank", "xwbank": "other_pb", "zbbank": "other_pb", "ylbank": "other_pb",
    "meituan": "meituan", "jd": "other_plat", "dxm": "other_plat", "qifu": "other_plat",
    "ant": "other_plat", "didi": "other_plat", "bytedance": "other_plat", "tencent": "other_plat",
    "pingan": "pingan", "hengxin": "micro_pc", "xiaoyudian": "micro_pc", "zhongan": "micro_pc",
    "sunshine": "micro_pc", "ccb": "ccb", "hfb": "other_bank", "cbhb": "other_bank",
    "hzurcb": "other_bank", "psbc": "other_bank", "citic": "other_bank", "cmbc": "other_bank",
    "ceb": "other_bank", "tailong": "other_bank",
}  # fmt: skip

# Brand used in series names (series = brand + originator suffix)
BRAND = {
    "mybank": "网商", "xwbank": "新网", "zbbank": "众邦", "ylbank": "亿联", "meituan": "美团",
    "jd": "京东", "dxm": "度小满", "qifu": "奇富", "ant": "蚂蚁", "didi": "滴滴", "bytedance": "字节",
    "tencent": "腾讯", "pingan": "平安", "hengxin": "恒鑫", "xiaoyudian": "小雨点", "zhongan": "众安",
    "sunshine": "阳光", "tailong": "泰隆",
}  # fmt: skip
OWN_SUFFIX = "融通"  # series suffix when the provider (or its micro-lender) is the originator
BANK_SERIES = {
    "ccb": "飞驰建普", "hfb": "恒享", "cbhb": "渤盈", "hzurcb": "联农惠", "psbc": "邮享",
    "citic": "信融", "cmbc": "民享", "ceb": "光融", "tailong": "泰享",
}  # fmt: skip

# ─────────────────────────── figures (seed-figures.md, S) ───────────────────────────
# 2025 plan: (market, provider, originator or "trust", deals). Originator counts give the 30
# originators of S-03; provider counts give S-04/S-05.
PLAN_2025: tuple[tuple[str, str, str, int], ...] = (
    ("credit_abs", "ccb", "ccb", 7), ("credit_abs", "hfb", "hfb", 1),
    ("credit_abs", "cbhb", "cbhb", 1), ("credit_abs", "hzurcb", "hzurcb", 1),
    ("abn", "mybank", "mybank", 12), ("abn", "mybank", "trust", 38),
    ("exchange_abs", "mybank", "trust", 28),
    ("abn", "xwbank", "xwbank", 2), ("abn", "xwbank", "trust", 2), ("abn", "ylbank", "trust", 4),
    ("exchange_abs", "xwbank", "xwbank", 1), ("exchange_abs", "zbbank", "zbbank", 2),
    ("exchange_abs", "xwbank", "trust", 5), ("exchange_abs", "zbbank", "trust", 5),
    ("exchange_abs", "ylbank", "trust", 5),
    ("abn", "meituan", "trust", 8), ("exchange_abs", "meituan", "sankuai", 4),
    ("exchange_abs", "meituan", "trust", 11),
    ("abn", "jd", "jd", 3), ("abn", "didi", "didi", 1), ("abn", "tencent", "tencent", 1),
    ("abn", "jd", "trust", 10), ("abn", "dxm", "trust", 5), ("abn", "qifu", "trust", 4),
    ("abn", "ant", "trust", 5), ("abn", "didi", "trust", 2), ("abn", "bytedance", "trust", 2),
    ("abn", "tencent", "trust", 2),
    ("exchange_abs", "jd", "jd", 7), ("exchange_abs", "dxm", "dxm", 5),
    ("exchange_abs", "qifu", "qifu", 4), ("exchange_abs", "didi", "didi", 1),
    ("exchange_abs", "bytedance", "bytedance", 1), ("exchange_abs", "ant", "antmicro", 2),
    ("exchange_abs", "jd", "trust", 10), ("exchange_abs", "dxm", "trust", 5),
    ("exchange_abs", "qifu", "trust", 4), ("exchange_abs", "ant", "trust", 3),
    ("exchange_abs", "didi", "trust", 2), ("exchange_abs", "bytedance", "trust", 2),
    ("exchange_abs", "tencent", "trust", 2),
    ("abn", "pingan", "trust", 14), ("exchange_abs", "pingan", "pingan", 2),
    ("exchange_abs", "pingan", "trust", 12),
    ("abn", "zhongan", "zhongan", 1), ("abn", "xiaoyudian", "trust", 4),
    ("abn", "zhongan", "trust", 3), ("abn", "sunshine", "trust", 2),
    ("exchange_abs", "hengxin", "hengxin", 2), ("exchange_abs", "hengxin", "trust", 2),
    ("exchange_abs", "xiaoyudian", "trust", 4), ("exchange_abs", "zhongan", "trust", 2),
)  # fmt: skip

# 2025 cell amounts (亿元): market totals 1,082.30 / 1,029.38 / 586.45 (S-02); providers 网商 935.00,
# other private banks 167.00, 美团 129.50, other platforms 661.00, 平安担保 158.54, micro-lenders and
# P&C insurers 60.64, banks 586.45 (S-04/S-05); private banks in ABN 640.00 + 65.98 = 705.98.
CELLS_2025: dict[tuple[str, str], str] = {
    ("abn", "mybank"): "640.00", ("exchange_abs", "mybank"): "295.00",
    ("abn", "other_pb"): "65.98", ("exchange_abs", "other_pb"): "101.02",
    ("abn", "meituan"): "45.00", ("exchange_abs", "meituan"): "84.50",
    ("abn", "other_plat"): "230.00", ("exchange_abs", "other_plat"): "431.00",
    ("abn", "pingan"): "70.00", ("exchange_abs", "pingan"): "88.54",
    ("abn", "micro_pc"): "31.32", ("exchange_abs", "micro_pc"): "29.32",
    ("credit_abs", "ccb"): "496.19", ("credit_abs", "other_bank"): "90.26",
}  # fmt: skip
# S-03 originator columns of the fitting (亿元); the other nine trusts take the remainder 584.14
ORIGINATOR_TOTALS_2025 = {"fotic": "467.86", "huaxin": "362.90", "hngc": "327.82", "non_trust": "368.96"}
TRUST_DEALS_2025 = {"fotic": (46, 54), "huaxin": (37, 43), "hngc": (32, 37)}  # drawn deal counts

# 2024 cells: (market, group, provider deal counts, 亿元). Markets 768.67 / 949.43 / 647.72; 网商
# 540.00, 美团 227.00, 平安担保 310.32, private banks 704.02, platforms 626.98, commercial banks 651.68
# (credit 647.72 + one 泰隆银行 ABN of 3.96), micro-lenders and insurers 72.82.
CELLS_2024: tuple[tuple[str, str, dict[str, int], str], ...] = (
    ("abn", "mybank", {"mybank": 35}, "380.00"),
    ("abn", "other_pb", {"xwbank": 2, "zbbank": 1, "ylbank": 2}, "40.00"),
    ("abn", "meituan", {"meituan": 6}, "40.00"),
    ("abn", "other_plat", {"jd": 6, "dxm": 3, "qifu": 3}, "110.00"),
    ("abn", "pingan", {"pingan": 15}, "150.00"),
    ("abn", "micro_pc", {"xiaoyudian": 2, "zhongan": 1, "sunshine": 1}, "44.71"),
    ("abn", "other_bank", {"tailong": 1}, "3.96"),
    ("exchange_abs", "mybank", {"mybank": 25}, "160.00"),
    ("exchange_abs", "other_pb", {"xwbank": 7, "zbbank": 7, "ylbank": 6}, "124.02"),
    ("exchange_abs", "meituan", {"meituan": 30}, "187.00"),
    ("exchange_abs", "other_plat", {"jd": 22, "dxm": 15, "qifu": 13}, "289.98"),
    ("exchange_abs", "pingan", {"pingan": 30}, "160.32"),
    ("exchange_abs", "micro_pc", {"xiaoyudian": 3, "zhongan": 2}, "28.11"),
    ("credit_abs", "ccb", {"ccb": 8}, "532.40"),
    ("credit_abs", "other_bank", {"psbc": 1, "citic": 1, "cmbc": 1, "ceb": 1}, "115.32"),
)
# 2023 cells: not a seed figure; amounts are drawn around these (亿元). No 飞驰建普 in 2023: its 2023
# deals belong to the micro-enterprise segment.
CELLS_2023: tuple[tuple[str, str, dict[str, int], float], ...] = (
    ("abn", "mybank", {"mybank": 20}, 220.0),
    ("abn", "other_pb", {"xwbank": 2, "zbbank": 2}, 30.0),
    ("abn", "meituan", {"meituan": 8}, 60.0),
    ("abn", "other_plat", {"jd": 6, "dxm": 4}, 70.0),
    ("abn", "pingan", {"pingan": 14}, 140.0),
    ("exchange_abs", "mybank", {"mybank": 30}, 250.0),
    ("exchange_abs", "other_pb", {"xwbank": 6, "zbbank": 6, "ylbank": 6}, 110.0),
    ("exchange_abs", "meituan", {"meituan": 35}, 250.0),
    ("exchange_abs", "other_plat", {"jd": 25, "dxm": 15, "qifu": 12}, 330.0),
    ("exchange_abs", "pingan", {"pingan": 35}, 300.0),
    ("exchange_abs", "micro_pc", {"xiaoyudian": 4, "zhongan": 2}, 30.0),
    ("credit_abs", "other_bank", {"psbc": 2, "citic": 2, "cmbc": 2, "ceb": 2}, 260.0),
)
OWN_ORIGINATOR = {"meituan": "sankuai", "ant": "antmicro"}  # providers that originate via a micro-lender

# S-07: 2025 tranche counts and bucket amounts (万元)
AAA_TRANCHES = 354
AA_PLUS_TRANCHES = 213
LOWER_RATINGS = (("AA-sf", 8), ("A+sf", 8), ("Asf", 36), ("A-sf", 5), ("BBB+sf", 14), ("BBBsf", 23))
UNRATED_MEZZ = 14
AA_PLUS_WAN = 753_200  # 75.32 亿元
LOWER_WAN = 409_100  # 40.91 亿元 (2,434.13 − 2,317.90 − 75.32)
UNRATED_WAN = 2_640_000  # 264.00 亿元 (2,698.13 − 2,434.13)
RATING_ORDER = ("AAAsf", "AA+sf", "AAsf", "AA-sf", "A+sf", "Asf", "A-sf", "BBB+sf", "BBBsf")

# S-06: simple-mean coupon (bp) of 2025 AAAsf tranches with expected tenor ≤ 1.5 years
AAA_SHORT_MEAN_BP = {"credit_abs": 179, "abn": 199, "exchange_abs": 204}
MARKET_SPREAD_BP = {"credit_abs": 5, "abn": 22, "exchange_abs": 27}
CREDIT_POOL_RATE = Decimal("0.0411")  # S-08, weighted by initial pool balance
POOL_RATE_MISSING = 5  # S-08: 263 of 268 deals have pool-rate data

# S-09: outstanding (亿元) via core.tranche_balances
OUTSTANDING = {END_2024: "2034.98", END_2025: "2243.36"}

# S-11 revolving quotas in 2025: (group → revolving deals)
REVOLVING_2025 = {"bank": 7, "trust_or_platform": 176, "other": 11}

# S-10/S-11 sample: (key, vintage, value month, kind, market, provider groups, revolving)
SAMPLE_SLOTS: tuple[tuple[str, int, int, str, str, tuple[str, ...], bool], ...] = (
    ("B1", 2024, 1, "bank", "credit_abs", ("ccb",), True),
    ("B2", 2024, 3, "bank", "credit_abs", ("ccb",), True),
    ("B3", 2025, 1, "bank", "credit_abs", ("ccb",), True),
    ("B4", 2025, 4, "bank", "credit_abs", ("ccb",), True),
    ("N1", 2023, 5, "bank", "credit_abs", ("other_bank",), False),
    ("N2", 2023, 8, "bank", "credit_abs", ("other_bank",), False),
    ("N3", 2023, 11, "bank", "credit_abs", ("other_bank",), False),
    ("N4", 2025, 3, "bank", "credit_abs", ("other_bank",), False),
    ("N5", 2025, 6, "bank", "credit_abs", ("other_bank",), False),
    ("N6", 2025, 8, "bank", "credit_abs", ("other_bank",), False),
    ("P1", 2024, 3, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("P2", 2025, 9, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("P3", 2023, 11, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("P4", 2024, 12, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("P5", 2025, 2, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("P6", 2025, 5, "platform", "exchange_abs", ("meituan", "other_plat"), True),
    ("O1", 2023, 9, "other", "exchange_abs", ("mybank", "other_pb", "pingan", "micro_pc"), True),
    ("O2", 2024, 4, "other", "abn", ("mybank",), True),
    ("O3", 2024, 6, "other", "exchange_abs", ("mybank", "other_pb", "pingan", "micro_pc"), True),
    ("O4", 2024, 12, "other", "exchange_abs", ("mybank", "other_pb", "pingan", "micro_pc"), True),
    ("O5", 2025, 2, "other", "abn", ("mybank",), True),
    ("O6", 2025, 4, "other", "abn", ("other_pb",), True),
    ("O7", 2025, 5, "other", "exchange_abs", ("mybank", "other_pb", "pingan", "micro_pc"), True),
)
REVOLVING_MONTHS_SAMPLE = 12
MULTIPLE_MAX = ("P1", Decimal("3.67"))  # amortising after 12 revolving periods
MULTIPLE_MIN = ("P2", Decimal("1.01"))  # two revolving periods
MULTIPLE_GROUP_SUMS = {"bank": Decimal("8.52"), "platform": Decimal("14.46"), "other": Decimal("14.25")}
CDR_MAX = ("P3", 0.0172)  # S-10 range top
CDR_MEAN_2024 = 0.0074
CDR_MEAN_2025 = 0.0094
CDR_TAU = {"bank": 22.0, "platform": 8.0, "other": 11.0}
CDR_LEVEL = {"bank": (0.0155, 0.0195), "platform": (0.0165, 0.0200), "other": (0.0150, 0.0190)}
CDR_CAP = 0.0170

MARKET_YEAR_EXTRA = 680  # with the other segments: ≥ 2,000 deals valued in 2025 at market-year scale
NA_NON_REVOLVING = "revolving fields: not a revolving deal; recovery fields: NPL pools only; 90+ overdue is reported as default"
NA_REVOLVING = "recovery fields: NPL pools only; 90+ overdue is reported as default"

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (issue numbers in deal names)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return f"{head}十{_CN_DIGITS[ones] if ones else ''}"


def split_int(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split an integer total into parts ≥ ``minimum`` proportional to ``weights`` (largest remainder)."""
    n = len(weights)
    if total < minimum * n:
        raise ValueError(f"cannot split {total} into {n} parts of at least {minimum}")
    spare = total - minimum * n
    scale = spare / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(n), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def weekday_on_or_after(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


# ─────────────────────────── the plan ───────────────────────────
@dataclass
class Tranche:
    name: str
    klass: str  # senior / mezzanine / subordinated
    rating: str | None
    wan: int  # amount in 万元
    code: str = ""
    coupon_bp: int | None = None
    expected_maturity: date | None = None
    tenor_years: Decimal | None = None
    agency_id: str | None = None
    balances: dict[date, int] = field(default_factory=dict)  # as-of → cents

    @property
    def cents(self) -> int:
        return self.wan * WAN_CENTS


@dataclass
class Deal:
    year: int
    market: str
    provider: str
    originator: str  # institution key (trusts by their TRUSTS key)
    amount: int = 0  # units of 0.01 亿元
    idx: int = 0
    slot: str | None = None
    revolving: bool = False
    revolving_months: int | None = None
    value_date: date | None = None
    issue_date: date | None = None
    public: bool = False
    series: str = ""
    issue_number: int = 0
    name: str = ""
    trustee: str = ""
    manager: str | None = None
    has_pool_rate: bool = True
    pool: dict[str, Any] = field(default_factory=dict)
    tranches: list[Tranche] = field(default_factory=list)
    # amortisation model of non-sampled deals
    amort_start: date | None = None
    final_date: date | None = None
    gamma: float = 1.5
    calib_group: str = ""
    legal_maturity: date | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def group(self) -> str:
        return PROVIDER_GROUP[self.provider]

    @property
    def cents(self) -> int:
        return self.amount * UNIT_CNY * 100

    @property
    def originator_kind(self) -> str:
        """S-11 grouping of originators: bank, trust_or_platform, other."""
        if self.originator in TRUSTS:
            return "trust_or_platform"
        kind = INSTITUTIONS[self.originator][1]
        if kind == "internet_platform":
            return "trust_or_platform"
        if kind.endswith("_bank") and kind != "private_bank":
            return "bank"
        return "other"


def _lognormal(rng: random.Random, sigma: float = 0.45) -> float:
    return math.exp(rng.gauss(0.0, sigma))


def plan_2025(rng: random.Random) -> list[Deal]:
    """S-01…S-05: the 268 deals of 2025 with exact cell, originator and provider totals."""
    deals: list[Deal] = []
    for market, provider, originator, count in PLAN_2025:
        for _ in range(count):
            deals.append(Deal(2025, market, provider, originator))
    _assign_trusts(rng, [d for d in deals if d.originator == "trust"])
    weights = [_lognormal(rng) for _ in deals]
    credit = [i for i, d in enumerate(deals) if d.market == "credit_abs"]
    for group in ("ccb", "other_bank"):
        members = [i for i in credit if deals[i].group == group]
        parts = split_int(units(CELLS_2025[("credit_abs", group)]), [weights[i] for i in members], 100)
        for i, p in zip(members, parts):
            deals[i].amount = p
    _fit_amounts(deals, [i for i, d in enumerate(deals) if d.market != "credit_abs"], weights)
    return deals


def _assign_trusts(rng: random.Random, trust_deals: list[Deal]) -> None:
    """Shuffled quota of trusts over the 207 trust-originated deals; every cell keeps at least one
    deal of a free trust (the rounding of ``_fit_amounts`` lands there) and every trust has ≥ 2."""
    counts = {k: rng.randint(*TRUST_DEALS_2025[k]) for k in BIG_TRUSTS}
    rest = len(trust_deals) - sum(counts.values())
    free = split_int(rest, [_lognormal(rng, 0.5) for _ in FREE_TRUSTS], 2)
    counts.update(zip(FREE_TRUSTS, free))
    labels = [k for k in TRUSTS for _ in range(counts[k])]
    rng.shuffle(labels)
    for d, k in zip(trust_deals, labels):
        d.originator = k
    by_cell: dict[tuple[str, str], list[Deal]] = defaultdict(list)
    for d in trust_deals:
        by_cell[(d.market, d.group)].append(d)
    for cell in sorted(by_cell):
        members = by_cell[cell]
        if any(d.originator in FREE_TRUSTS for d in members):
            continue
        donor_cell = max(
            sorted(by_cell), key=lambda c: sum(1 for d in by_cell[c] if d.originator in FREE_TRUSTS)
        )
        donor = next(d for d in by_cell[donor_cell] if d.originator in FREE_TRUSTS)
        donor.originator, members[0].originator = members[0].originator, donor.originator


def _column(d: Deal) -> str:
    if d.originator in BIG_TRUSTS:
        return d.originator
    return "free_trust" if d.originator in TRUSTS else "non_trust"


def _fit_amounts(deals: list[Deal], members: list[int], weights: list[float]) -> None:
    """Iterative proportional fitting of deal amounts to cell totals (market × provider group) and
    originator columns (外贸, 华鑫, 华能, non-trust, free trusts), then exact integer rounding."""
    cell_total = {cell: units(v) for cell, v in CELLS_2025.items() if cell[0] != "credit_abs"}
    col_total = {k: units(v) for k, v in ORIGINATOR_TOTALS_2025.items()}
    col_total["free_trust"] = sum(cell_total.values()) - sum(col_total.values())
    w = {i: weights[i] for i in members}
    cell_of = {i: (deals[i].market, deals[i].group) for i in members}
    col_of = {i: _column(deals[i]) for i in members}
    for _ in range(400):
        for key_of, totals in ((cell_of, cell_total), (col_of, col_total)):
            sums: dict[Any, float] = defaultdict(float)
            for i in members:
                sums[key_of[i]] += w[i]
            for i in members:
                w[i] *= totals[key_of[i]] / sums[key_of[i]]
    amount = {i: max(30, round(w[i])) for i in members}
    for col in ("fotic", "huaxin", "hngc", "non_trust"):
        rows = [i for i in members if col_of[i] == col]
        biggest = max(rows, key=lambda i: (amount[i], -i))
        amount[biggest] += col_total[col] - sum(amount[i] for i in rows)
    for cell in sorted(cell_total):
        rows = [i for i in members if cell_of[i] == cell]
        free = [i for i in rows if col_of[i] == "free_trust"]
        biggest = max(free, key=lambda i: (amount[i], -i))
        amount[biggest] += cell_total[cell] - sum(amount[i] for i in rows)
    for i in members:
        if amount[i] < 20:
            raise ValueError(f"fitted deal amount too small: {amount[i]}")
        deals[i].amount = amount[i]


def plan_past(rng: random.Random, year: int) -> list[Deal]:
    """2024 (cells fixed to the cent: the YoY bases of S-01…S-05) and 2023 (drawn) deals."""
    deals: list[Deal] = []
    cells = CELLS_2024 if year == 2024 else CELLS_2023
    for market, _group, providers, total in cells:
        members = [Deal(year, market, p, "") for p in providers for _ in range(providers[p])]
        weights = [_lognormal(rng) * (1.6 if d.provider == "ccb" else 1.0) for d in members]
        cell_units = units(total) if isinstance(total, str) else round(total * 100 * rng.uniform(0.9, 1.1))
        for d, a in zip(members, split_int(cell_units, weights, 50)):
            d.amount = a
            d.originator = _past_originator(rng, d)
        deals.extend(members)
    return deals


def _past_originator(rng: random.Random, d: Deal) -> str:
    if d.market == "credit_abs" or d.provider == "tailong":
        return d.provider
    if rng.random() < 0.78:
        return rng.choices(list(TRUSTS), weights=[6, 5, 5, 2, 2, 2, 2, 1, 1, 1, 1, 1])[0]
    return OWN_ORIGINATOR.get(d.provider, d.provider)


# ─────────────────────────── sample, revolving, dates, names ───────────────────────────
def pick_samples(rng: random.Random, deals: list[Deal]) -> dict[str, Deal]:
    """S-10/S-11: one deal per slot from its vintage, market and provider groups."""
    chosen: dict[str, Deal] = {}
    for key, year, _month, _kind, market, groups, revolving in SAMPLE_SLOTS:
        pool = [
            d for d in deals
            if d.year == year and d.market == market and d.group in groups and d.slot is None
            and d.provider not in ("tailong",)
        ]  # fmt: skip
        if key == "N4":
            pool = [d for d in pool if d.provider == "hfb"]
        elif key == "N5":
            pool = [d for d in pool if d.provider == "cbhb"]
        elif key == "N6":
            pool = [d for d in pool if d.provider == "hzurcb"]
        d = rng.choice(pool)
        d.slot = key
        d.revolving = revolving
        d.revolving_months = REVOLVING_MONTHS_SAMPLE if revolving else None
        d.public = market == "credit_abs"
        chosen[key] = d
    return chosen


def assign_revolving(rng: random.Random, deals: list[Deal]) -> None:
    """S-11: revolving quotas in 2025 by originator kind (samples already set count toward them);
    other years ~70 % revolving. Revolving periods of non-sampled deals: 3–12 months."""
    for d in deals:
        if d.year == 2025:
            continue
        if d.slot is None:
            d.revolving = d.market != "credit_abs" and rng.random() < 0.7 or d.provider == "ccb"
    this_year = [d for d in deals if d.year == 2025]
    for kind, quota in REVOLVING_2025.items():
        members = [d for d in this_year if d.originator_kind == kind]
        forced = [d for d in members if d.slot is not None and d.revolving]
        free = [d for d in members if d.slot is None]
        if kind == "bank":
            free = [d for d in free if d.provider == "ccb"]
        for d in rng.sample(free, quota - len(forced)):
            d.revolving = True
    for d in deals:
        if d.revolving and d.revolving_months is None:
            if d.provider == "ccb":
                d.revolving_months = 12
            else:
                d.revolving_months = rng.choices((3, 6, 9, 12), weights=(3, 4, 2, 1))[0]


def assign_dates(rng: random.Random, deals: list[Deal]) -> None:
    """Value dates spread over the year (samples in their slot month); issue 1–3 days before."""
    months = {s[0]: s[2] for s in SAMPLE_SLOTS}
    for d in deals:
        if d.slot is not None:
            v = date(d.year, months[d.slot], rng.randint(4, 22))
        else:
            v = date(d.year, 1, 6) + timedelta(days=rng.randint(0, 353))
        d.value_date = weekday_on_or_after(v)
        d.issue_date = d.value_date - timedelta(days=rng.choice((1, 2, 3)))
        if d.slot is None:
            d.public = d.market == "credit_abs" or (d.market == "abn" and rng.random() < 0.35)


def name_deals(rng: random.Random, deals: list[Deal], naming: dict[str, Any]) -> None:
    """Series, issue numbers and full names that ``transforms.normalise.titles`` parses back.
    ``naming`` keeps the issue counters and plan managers, so later batches continue them."""
    series_manager = naming.setdefault("managers", {})
    counters = naming.setdefault("counters", defaultdict(int))
    for d in deals:
        if d.market == "credit_abs" or d.provider == "tailong":
            d.series = BANK_SERIES[d.provider]
        elif d.originator in TRUSTS:
            d.series = BRAND[d.provider] + TRUSTS[d.originator][2]
        else:
            d.series = BRAND[d.provider] + OWN_SUFFIX
        if d.market == "exchange_abs":
            key = (d.series, d.market)
            if key not in series_manager:
                series_manager[key] = rng.choice(sorted(MANAGERS))
            d.manager = series_manager[key]
    for d in sorted(deals, key=lambda d: (d.value_date, d.idx)):
        key = (d.series, d.year)  # one numbering per series and year across markets
        counters[key] += 1
        d.issue_number = counters[key]
        n = cn_number(d.issue_number)
        if d.market == "credit_abs":
            kind = "个人小微企业贷款" if d.provider == "ccb" else "小微企业贷款"
            d.name = f"{d.series}{d.year}年第{n}期{kind}资产支持证券"
        elif d.market == "abn":
            issuer = _full_name(d.originator)
            product = "资产支持票据" if d.public else "定向资产支持票据"
            d.name = f"{issuer}{d.year}年度{d.series}第{n}期小微企业贷款{product}"
        else:
            d.name = f"{MANAGERS[d.manager][1]}-{d.series}{d.year}年第{n}期小微贷款资产支持专项计划"


def _full_name(key: str) -> str:
    return TRUSTS[key][0] if key in TRUSTS else INSTITUTIONS[key][0]


def assign_trustees(rng: random.Random, deals: list[Deal]) -> None:
    """受托机构: trusts for credit ABS (建信信托 for 建设银行) and ABN; plan managers for exchange ABS."""
    for d in deals:
        if d.market == "exchange_abs":
            d.trustee = d.manager
        elif d.originator in TRUSTS:
            d.trustee = d.originator
        elif d.provider == "ccb":
            d.trustee = "ccbt"
        else:
            d.trustee = rng.choice(FREE_TRUSTS + BIG_TRUSTS)


# ─────────────────────────── pools (S-08) ───────────────────────────
POOL_PROFILE = {  # group → (万元 per loan range, contract term months range, pool rate range)
    "ccb": ((25.0, 45.0), (26.0, 34.0), (0.0370, 0.0450)),
    "other_bank": ((30.0, 70.0), (22.0, 33.0), (0.0380, 0.0480)),
    "mybank": ((2.5, 6.0), (10.0, 13.0), (0.0700, 0.0950)),
    "other_pb": ((3.0, 9.0), (11.0, 20.0), (0.0900, 0.1350)),
    "meituan": ((1.0, 3.0), (8.0, 12.0), (0.1200, 0.1650)),
    "other_plat": ((0.8, 4.0), (8.0, 14.0), (0.1100, 0.1750)),
    "pingan": ((12.0, 22.0), (24.0, 35.0), (0.0700, 0.0900)),
    "micro_pc": ((1.5, 6.0), (6.0, 12.0), (0.1300, 0.1900)),
}


def draw_pools(rng: random.Random, deals: list[Deal]) -> None:
    """Initial pool (amount plus a little overcollateralisation), loans, terms, pool rate."""
    for d in deals:
        per_loan, term, pool_rate = POOL_PROFILE[d.group]
        oc = rng.uniform(0.03, 0.06) if d.revolving else rng.uniform(0.0, 0.04)
        balance = d.cents * (1 + oc) / 100
        avg = rng.uniform(*per_loan) * 10_000
        loans = max(1, round(balance / avg))
        borrowers = max(1, round(loans / rng.uniform(1.0, 1.25)))
        contract = rng.uniform(*term)
        d.pool = {
            "initial_pool_balance_cny": cny(balance),
            "pool_loan_count": loans,
            "pool_borrower_count": borrowers,
            "avg_balance_per_loan_cny": cny(balance / loans),
            "avg_balance_per_borrower_cny": cny(balance / borrowers),
            "wa_contract_term_months": Decimal(f"{contract:.2f}"),
            "wa_remaining_term_months": Decimal(f"{contract * rng.uniform(0.55, 0.85):.2f}"),
            "wa_pool_rate": Decimal(f"{rng.uniform(*pool_rate):.4f}"),
        }
    credit = [d for d in deals if d.year == YEAR and d.market == "credit_abs"]
    _fix_weighted_rate(credit, CREDIT_POOL_RATE)
    candidates = [d for d in deals if d.year == YEAR and d.market != "credit_abs" and d.slot is None]
    for d in rng.sample(candidates, POOL_RATE_MISSING):
        d.has_pool_rate = False
        d.pool["wa_pool_rate"] = None


def _fix_weighted_rate(deals: list[Deal], target: Decimal) -> None:
    """Shift every rate by the same whole bp, then nudge the largest pools by 1 bp until the
    pool-weighted mean is within 0.3 bp of the target (prints exactly at 2 decimals of %)."""
    bp = Decimal("0.0001")
    weights = [d.pool["initial_pool_balance_cny"] for d in deals]
    total = sum(weights)

    def mean() -> Decimal:
        return sum(w * d.pool["wa_pool_rate"] for w, d in zip(weights, deals)) / total

    shift = ((target - mean()) / bp).to_integral_value() * bp
    for d in deals:
        d.pool["wa_pool_rate"] += shift
    order = sorted(range(len(deals)), key=lambda i: (-weights[i], i))
    k = 0
    while abs(mean() - target) > Decimal("0.00003"):
        step = bp if mean() < target else -bp
        deals[order[k % len(order)]].pool["wa_pool_rate"] += step
        k += 1


# ─────────────────────────── tranches (S-07) ───────────────────────────
def structure_2025(rng: random.Random, deals: list[Deal]) -> None:
    """Exact tranche counts per rating and exact rated-bucket amounts over the 268 deals."""
    n = len(deals)
    n_aaa = [1] * n
    credit = [i for i, d in enumerate(deals) if d.market == "credit_abs"]
    others = [i for i in range(n) if i not in set(credit)]
    for i in credit:
        n_aaa[i] = 2
    extra = AAA_TRANCHES - sum(n_aaa)
    three = rng.randint(4, 10)
    picked = rng.sample(others, extra - three)
    for i in picked:
        n_aaa[i] += 1
    for i in rng.sample(picked, three):
        n_aaa[i] += 1
    n_aa_plus = [0] * n
    doubles = rng.randint(8, 16)
    with_aa = rng.sample(range(n), AA_PLUS_TRANCHES - doubles)
    for i in with_aa:
        n_aa_plus[i] = 1
    for i in rng.sample(with_aa, doubles):
        n_aa_plus[i] = 2
    lower: list[list[str]] = [[] for _ in range(n)]
    for rating, count in LOWER_RATINGS:
        for _ in range(count):
            i = rng.choice([j for j in others if len(lower[j]) < 2])
            lower[i].append(rating)
    mezz = set(rng.sample(others, UNRATED_MEZZ))
    # amounts: draw fractions of the deal, fit each bucket to its exact total
    aa_w, low_w, unr_w = [], [], []
    for i, d in enumerate(deals):
        base = d.amount
        aa_w += [(i, base * rng.uniform(0.015, 0.035)) for _ in range(n_aa_plus[i])]
        low_w += [(i, base * rng.uniform(0.006, 0.020)) for _ in lower[i]]
        if i in mezz:
            unr_w.append((i, base * rng.uniform(0.010, 0.030)))
        sub_share = rng.uniform(0.04, 0.07) if d.market == "credit_abs" else rng.uniform(0.07, 0.13)
        unr_w.append((i, base * sub_share))
    aa_amt = split_int(AA_PLUS_WAN, [w for _, w in aa_w], 10)
    low_amt = split_int(LOWER_WAN, [w for _, w in low_w], 10)
    unr_amt = split_int(UNRATED_WAN, [w for _, w in unr_w], 10)
    aa_by: dict[int, list[int]] = defaultdict(list)
    low_by: dict[int, list[int]] = defaultdict(list)
    unr_by: dict[int, list[int]] = defaultdict(list)
    for (i, _), a in zip(aa_w, aa_amt):
        aa_by[i].append(a)
    for (i, _), a in zip(low_w, low_amt):
        low_by[i].append(a)
    for (i, _), a in zip(unr_w, unr_amt):
        unr_by[i].append(a)
    for i, d in enumerate(deals):
        mezz_rows = [("AA+sf", a) for a in aa_by[i]] + list(zip(lower[i], low_by[i]))
        unrated = unr_by[i]
        sub = unrated[-1]
        un_mezz = unrated[0] if len(unrated) == 2 else None
        _build_tranches(rng, d, n_aaa[i], mezz_rows, un_mezz, sub)


def structure_generic(rng: random.Random, d: Deal) -> None:
    """Past and market-year deals: drawn structure, no bucket calibration."""
    n_aaa = rng.choices((1, 2, 3), weights=(60, 33, 7))[0] if d.market != "credit_abs" else 2
    mezz_rows = []
    if rng.random() < 0.8:
        for _ in range(rng.choices((1, 2), weights=(9, 1))[0]):
            mezz_rows.append(("AA+sf", max(10, round(d.amount * UNIT_WAN * rng.uniform(0.015, 0.035)))))
    if rng.random() < 0.3:
        rating = rng.choice(("AA-sf", "A+sf", "Asf", "Asf", "A-sf", "BBB+sf", "BBBsf"))
        mezz_rows.append((rating, max(10, round(d.amount * UNIT_WAN * rng.uniform(0.006, 0.02)))))
    un_mezz = round(d.amount * UNIT_WAN * rng.uniform(0.01, 0.03)) if rng.random() < 0.05 else None
    share = rng.uniform(0.04, 0.07) if d.market == "credit_abs" else rng.uniform(0.07, 0.13)
    sub = max(10, round(d.amount * UNIT_WAN * share))
    _build_tranches(rng, d, n_aaa, mezz_rows, un_mezz, sub)


def _build_tranches(rng: random.Random, d: Deal, n_aaa: int, mezz_rows: list[tuple[str, int]],
                    un_mezz: int | None, sub: int) -> None:  # fmt: skip
    """优先A1…/优先B…/次优级/次级 in payment order; AAAsf takes what the others leave."""
    total = d.amount * UNIT_WAN
    rest = sum(a for _, a in mezz_rows) + (un_mezz or 0) + sub
    senior = total - rest
    if senior < total * 0.55:
        raise ValueError(f"senior share too small in {d.provider} {d.year}: {senior}/{total}")
    weights = [rng.uniform(0.25, 0.45)] + [rng.uniform(0.35, 0.65) for _ in range(n_aaa - 1)]
    seniors = split_int(senior, weights, 100) if n_aaa > 1 else [senior]
    tranches = []
    for k, a in enumerate(seniors, 1):
        tranches.append(Tranche("优先A" if n_aaa == 1 else f"优先A{k}", "senior", "AAAsf", a))
    mezz_rows = sorted(mezz_rows, key=lambda r: RATING_ORDER.index(r[0]))
    groups: list[list[tuple[str, int]]] = []
    for row in mezz_rows:
        if groups and groups[-1][0][0] == row[0]:
            groups[-1].append(row)
        else:
            groups.append([row])
    for letter, grp in zip("BCDEFG", groups):
        for k, (rating, a) in enumerate(grp, 1):
            label = f"优先{letter}" if len(grp) == 1 else f"优先{letter}{k}"
            tranches.append(Tranche(label, "mezzanine", rating, a))
    if un_mezz:
        tranches.append(Tranche("次优级", "mezzanine", None, un_mezz))
    tranches.append(Tranche("次级", "subordinated", None, sub))
    d.tranches = tranches


class CodeBook:
    """Security codes: credit ABS ``YY87NNN.IB``, ABN ``08YY7NNNN.IB``, exchange ``27NNNN.SH`` /
    ``135NNN``–``139NNN.SZ``; codes already in the world (segments built earlier) are skipped."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self.seq: dict[str, int] = defaultdict(int)
        self.venue: dict[int, str] = {}

    def take(self, d: Deal, rng: random.Random) -> str:
        yy = d.year % 100
        if d.market == "credit_abs":
            fmt, key = (lambda s: f"{yy:02d}87{s:03d}.IB"), f"c{yy}"
        elif d.market == "abn":
            fmt, key = (lambda s: f"08{yy:02d}7{s:04d}.IB"), f"a{yy}"
        else:
            if d.idx not in self.venue:  # one exchange per deal
                self.venue[d.idx] = "sh" if rng.random() < 0.6 else "sz"
            key = self.venue[d.idx]
            fmt = (lambda s: f"27{s:04d}.SH") if key == "sh" else (lambda s: f"13{5000 + s:04d}.SZ")
        while True:
            self.seq[key] += 1
            code = fmt(self.seq[key])
            if code not in self.taken:
                self.taken.add(code)
                return code


# ─────────────────────────── amortisation model (S-09) ───────────────────────────
AMORT_MONTHS = {  # group → (months of pay-down after the revolving period)
    "ccb": (14, 20), "other_bank": (22, 32), "mybank": (7, 12), "other_pb": (8, 14),
    "meituan": (6, 10), "other_plat": (6, 11), "pingan": (12, 20), "micro_pc": (5, 10),
}  # fmt: skip


KAPPA_2024 = 1.5  # 2024 deals (both dates) pay down at this fixed speed; 2023 and 2025 are solved


def draw_amortisation(rng: random.Random, d: Deal) -> None:
    months = rng.randint(*AMORT_MONTHS[d.group])
    d.amort_start = month_add(d.value_date, d.revolving_months or 0)
    d.final_date = month_add(d.amort_start, months)
    d.gamma = rng.uniform(1.2, 2.0)
    d.legal_maturity = month_add(d.final_date, rng.choice((24, 30, 36)))


def outstanding_fraction(d: Deal, on: date, kappa: float) -> float:
    """Share of the deal still outstanding: 1 in the revolving period, then a convex pay-down
    ((T − t)/(T − A))^(γκ) to the final date T; κ > 1 pays down faster."""
    if on < d.value_date:
        return 0.0
    if on < d.amort_start:
        return 1.0
    if on >= d.final_date:
        return 0.0
    x = (d.final_date - on).days / (d.final_date - d.amort_start).days
    return x ** (d.gamma * kappa)


def _solve_kappa(group: list[Deal], on: date, target_cents: int) -> float:
    """Bisection (in log κ) on the summed outstanding of ``group`` at ``on``."""

    def total(k: float) -> float:
        return sum(d.cents * outstanding_fraction(d, on, k) for d in group)

    lo, hi = math.log(0.02), math.log(60.0)
    if not total(math.exp(hi)) <= target_cents <= total(math.exp(lo)):
        raise ValueError(f"outstanding target {target_cents / 1e10:.2f} 亿元 out of reach at {on}")
    for _ in range(80):
        mid = (lo + hi) / 2
        if total(math.exp(mid)) > target_cents:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


def _set_model_balances(d: Deal, on: date, kappa: float) -> None:
    outstanding = round(d.cents * outstanding_fraction(d, on, kappa))
    _allocate(d, on, outstanding)


def _allocate(d: Deal, on: date, outstanding: int) -> None:
    """Sequential pay-down: the principal repaid goes to tranches in payment order."""
    paid = d.cents - outstanding
    for t in d.tranches:
        pay = min(t.cents, paid)
        paid -= pay
        t.balances[on] = t.cents - pay


def _deal_outstanding(d: Deal, on: date) -> int:
    return sum(t.balances.get(on, 0) for t in d.tranches)


def calibrate_outstanding(deals: list[Deal]) -> dict[str, float]:
    """S-09: 2023 deals' speed for the end-2024 total, then 2025 deals' speed for end-2025."""
    model = [d for d in deals if d.slot is None]
    sampled = [d for d in deals if d.slot is not None]
    kappas = {"2024": KAPPA_2024}
    for d in model:
        if d.year == 2024:
            for on in (END_2024, END_2025):
                _set_model_balances(d, on, KAPPA_2024)
    for on, year in ((END_2024, 2023), (END_2025, 2025)):
        target = units(OUTSTANDING[on]) * UNIT_CNY * 100
        fixed = sum(_deal_outstanding(d, on) for d in sampled + [m for m in model if m.year != year])
        group = [d for d in model if d.year == year]
        kappa = _solve_kappa(group, on, target - fixed)
        kappas[str(year)] = kappa
        for d in group:
            for when in (END_2024, END_2025):
                if d.value_date <= when:
                    _set_model_balances(d, when, kappa)
        residual = target - fixed - sum(_deal_outstanding(d, on) for d in group)
        # the last cents go on the largest deal that stays partly repaid (and, at end-2024, is
        # gone by end-2025, so its balances stay monotone)
        fits = [
            d for d in group
            if 0 < _deal_outstanding(d, on) + residual < d.cents and 0 < _deal_outstanding(d, on)
            and (on == END_2025 or _deal_outstanding(d, END_2025) == 0)
        ]  # fmt: skip
        d = max(fits, key=lambda d: (d.cents, d.name))
        _allocate(d, on, _deal_outstanding(d, on) + residual)
    return kappas


def payment_date(d: Deal, k: int) -> date:
    """Monthly payment date k: the 26th of the month after the k-th collection period's end."""
    return month_end(month_add(date(d.value_date.year, d.value_date.month, 1), k)) + timedelta(days=26)


def set_expected_maturities(d: Deal, kappa: float) -> None:
    """Expected maturity of each tranche = the first payment date on which the model pay-down
    has passed its cumulative amount."""
    cum = 0
    span = (d.final_date - d.amort_start).days
    k = 1
    for t in d.tranches:
        cum += t.cents
        q = cum / d.cents
        x = max(0.0, 1 - q) ** (1 / (d.gamma * kappa))
        due = d.final_date - timedelta(days=round(span * x))
        while payment_date(d, k) < due:
            k += 1
        when = payment_date(d, k)
        t.expected_maturity = when
        t.tenor_years = Decimal(f"{(when - d.value_date).days / 365:.4f}")


# ─────────────────────────── coupons (S-06) ───────────────────────────
RATING_PREMIUM_BP = {
    "AAAsf": (0, 0), "AA+sf": (30, 80), "AAsf": (60, 120), "AA-sf": (90, 160), "A+sf": (120, 200),
    "Asf": (150, 260), "A-sf": (200, 320), "BBB+sf": (250, 380), "BBBsf": (300, 450),
}  # fmt: skip


def _curve(world: World, on: date, tenor: float) -> float:
    """MTN AAA yield from ``curves.curve_yield``; a stand-in path if curves are not built."""
    if "curves" in world.extras:
        from sample_market.world.curves import curve_yield

        return float(curve_yield(world, MTN_AAA, on, Decimal(f"{max(tenor, 0.08):.4f}")))
    base = {2023: 0.0270, 2024: 0.0215, 2025: 0.0172}[on.year]
    return base + 0.0012 * min(tenor, 3.0)


def draw_coupons(rng: random.Random, world: World, deals: list[Deal]) -> None:
    """Curve + market spread + rating premium in whole bp; 2025 short AAAsf means set exactly."""
    for d in deals:
        for t in d.tranches:
            if t.klass == "subordinated":
                continue
            if t.rating is None:
                t.coupon_bp = rng.randint(450, 650)
                continue
            tenor = float(t.tenor_years)
            curve_bp = _curve(world, d.value_date, tenor) * 10_000
            lo, hi = RATING_PREMIUM_BP[t.rating]
            t.coupon_bp = round(curve_bp + MARKET_SPREAD_BP[d.market] + rng.gauss(0, 8) + rng.uniform(lo, hi))
    for market, mean_bp in AAA_SHORT_MEAN_BP.items():
        short = [
            t for d in deals if d.year == YEAR and d.market == market
            for t in d.tranches if t.rating == "AAAsf" and t.tenor_years <= Decimal("1.5")
        ]  # fmt: skip
        if not short:
            raise ValueError(f"no 2025 AAAsf tranche of {market} with tenor ≤ 1.5 years")
        diff = mean_bp * len(short) - sum(t.coupon_bp for t in short)
        whole, part = divmod(diff, len(short))
        for k, t in enumerate(short):
            t.coupon_bp += whole + (1 if k < part else 0)


# ─────────────────────────── sampled histories (S-10, S-11) ───────────────────────────
def _periods_by(d: Deal, on: date) -> int:
    """Monthly periods whose payment date (26th of the month after the collection end) is ≤ on."""
    last_collection = (on.year * 12 + on.month - 1) - 1  # month index of the collection end
    return last_collection - (d.value_date.year * 12 + d.value_date.month - 1)


def _cdr_shape(kind: str, m: int) -> float:
    return 0.0 if m <= 3 else 1 - math.exp(-(m - 3) / CDR_TAU[kind])


def plan_default_levels(rng: random.Random, samples: dict[str, Deal]) -> dict[str, float]:
    """S-10: level L per sampled deal so that the end-2025 max is 1.72 %, the end-2024 mean (deals
    with a report by then) 0.74 % and the end-2025 mean 0.94 %. Two scale factors, one for the
    deals reporting at end-2024 and one for the rest, with a 1.70 % cap for all but the maximum."""
    kinds = {s[0]: s[3] for s in SAMPLE_SLOTS}
    level = {k: rng.uniform(*CDR_LEVEL[kinds[k]]) for k in sorted(samples)}
    n25 = {k: _periods_by(d, END_2025) for k, d in samples.items()}
    n24 = {k: _periods_by(d, END_2024) for k, d in samples.items()}
    top, top_value = CDR_MAX
    level[top] = top_value / _cdr_shape(kinds[top], n25[top])

    def at(k: str, n: dict[str, int]) -> float:
        return level[k] * _cdr_shape(kinds[k], n[k])

    def scale(members: list[str], n: dict[str, int], target: float) -> None:
        """Scale members' levels so their values at ``n`` sum to ``target``; cap at end-2025."""
        capped: list[str] = []
        for _ in range(len(members) + 1):
            free = [k for k in members if k not in capped]
            lam = (target - sum(at(k, n) for k in capped)) / sum(at(k, n) for k in free)
            for k in free:
                level[k] *= lam
            over = [k for k in free if at(k, n25) > CDR_CAP]
            if not over:
                return
            for k in over:
                level[k] = CDR_CAP / _cdr_shape(kinds[k], n25[k])
                capped.append(k)
        raise ValueError("default levels cannot meet the S-10 means under the cap")

    early = [k for k in sorted(samples) if n24[k] >= 1]
    scale([k for k in early if k != top], n24, CDR_MEAN_2024 * len(early) - at(top, n24))
    late = [k for k in sorted(samples) if k not in early and n25[k] > 3]
    fixed = sum(at(k, n25) for k in samples if k not in late)
    scale(late, n25, CDR_MEAN_2025 * len(samples) - fixed)
    return level


def plan_multiples(rng: random.Random, samples: dict[str, Deal]) -> dict[str, Decimal]:
    """S-11: revolving multiple per revolving sampled deal (2 decimals), fixed max/min and group
    sums; within a group proportional to revolving periods × a drawn monthly rate."""
    kinds = {s[0]: s[3] for s in SAMPLE_SLOTS}
    fixed = dict((MULTIPLE_MAX, MULTIPLE_MIN))
    out: dict[str, Decimal] = dict(fixed)
    for kind, total in MULTIPLE_GROUP_SUMS.items():
        members = [k for k in samples if kinds[k] == kind and samples[k].revolving and k not in fixed]
        rest = total - sum(v for k, v in fixed.items() if kinds[k] == kind)
        weights = [
            min(REVOLVING_MONTHS_SAMPLE, _periods_by(samples[k], END_2025)) * rng.uniform(0.85, 1.15)
            for k in members
        ]
        parts = split_int(int(rest * 100), weights, 105)
        for k, p in zip(members, parts):
            value = Decimal(p) / 100
            if not Decimal("1.05") <= value <= Decimal("3.60"):
                raise ValueError(f"revolving multiple {value} of {k} out of range")
            out[k] = value
    return out


def build_history(rng: random.Random, d: Deal, kind: str, level: float, multiple: Decimal | None) -> None:
    """Monthly pool and tranche rows from the first payment to the last payment date in 2025.

    Pool: end = begin − principal collected − new default + revolving purchase. While revolving,
    purchases follow the planned multiple and collections replace them (the pool drifts down
    ≤ 0.2 % a month); afterwards a monthly pay-down rate applies, never taking the pool below
    the overcollateralisation plus 2.5 % of the initial pool, so every tranche is still alive at
    end-2025. Securities: nothing repaid while revolving, then principal collected plus new
    defaults (covered by excess spread) pass through sequentially, 次级 last.
    """
    p0 = int(d.pool["initial_pool_balance_cny"] * 100)  # cents
    n = _periods_by(d, END_2025)
    rev_periods = min(d.revolving_months or 0, n)
    purchases = [0] * n
    if d.revolving:
        total = int((multiple * p0).to_integral_value())
        purchases[:rev_periods] = split_int(total, [rng.uniform(0.85, 1.15) for _ in range(rev_periods)], 1)
        pay_rate = float(multiple) / rev_periods * rng.uniform(0.55, 0.8)
    else:
        pay_rate = rng.uniform(0.038, 0.05) if kind == "bank" else rng.uniform(0.08, 0.12)
    floor = p0 - d.cents + int(0.025 * p0)
    per_loan = int(d.pool["avg_balance_per_loan_cny"] * 100)
    pool_rate = float(d.pool["wa_pool_rate"] or Decimal("0.10"))
    balance, cum_default, cum_purchase = p0, 0, 0
    principal = {id(t): t.cents for t in d.tranches}
    first_month = date(d.value_date.year, d.value_date.month, 1)
    for k in range(1, n + 1):
        begin = balance
        new_default = max(0, round(level * _cdr_shape(kind, k) * p0) - cum_default)
        if k <= rev_periods:
            purchase = purchases[k - 1]
            collected = max(0, purchase - new_default + round(begin * rng.uniform(0.0, 0.002)))
        else:
            purchase = 0
            collected = round(begin * pay_rate * rng.uniform(0.9, 1.1))
            collected = max(0, min(collected, begin - new_default - floor))
        balance = begin - collected - new_default + purchase
        cum_default += new_default
        cum_purchase += purchase
        available = 0 if k <= rev_periods else collected + new_default
        rows = []
        for t in d.tranches:
            before = principal[id(t)]
            if before == 0:
                continue
            pay = min(before, available)
            available -= pay
            principal[id(t)] = before - pay
            rows.append((t, before, pay))
        col_end = month_end(month_add(first_month, k))
        col_start = d.value_date if k == 1 else month_end(month_add(first_month, k - 1)) + timedelta(days=1)
        pay_date = payment_date(d, k)
        d.history.append({
            "period_number": k,
            "report_date": pay_date - timedelta(days=5),
            "collection_period_start": col_start,
            "collection_period_end": col_end,
            "payment_date": pay_date,
            "begin": begin, "end": balance, "collected": collected, "new_default": new_default,
            "cum_default": cum_default,
            "purchase": purchase if d.revolving else None,
            "cum_purchase": cum_purchase if d.revolving else None,
            "loans": max(1, round(balance / per_loan * rng.uniform(0.97, 1.03))),
            "interest": round(begin * pool_rate / 12 * rng.uniform(0.97, 1.02)),
            "prepayment": round(collected * rng.uniform(0.05, 0.2)),
            "delinquent": [round(balance * rng.uniform(lo, hi)) for lo, hi in ((0.002, 0.012), (0.001, 0.005), (0.0005, 0.003))],
            "tranches": rows,
        })  # fmt: skip
    if principal[id(d.tranches[-1])] <= 0:
        raise ValueError(f"sampled deal {d.slot} is repaid before end-2025")
    for on in (END_2024, END_2025):
        if d.value_date > on:
            continue
        paid: dict[int, int] = defaultdict(int)
        for row in d.history:
            if row["payment_date"] <= on:
                for t, _before, pay in row["tranches"]:
                    paid[id(t)] += pay
        for t in d.tranches:
            t.balances[on] = t.cents - paid[id(t)]


def nominal_model(d: Deal) -> None:
    """Sampled deals: the issuance-time schedule behind their expected maturities."""
    months = 30 if d.group == "other_bank" else (16 if d.provider == "ccb" else 10)
    d.amort_start = month_add(d.value_date, d.revolving_months or 0)
    d.final_date = month_add(d.amort_start, months)
    d.gamma = 1.5
    d.legal_maturity = month_add(d.final_date, 36)


# ─────────────────────────── rows ───────────────────────────
def _register(world: World) -> dict[str, str]:
    ids = {k: world.add_institution(full, kind, short, aliases, province=prov)
           for k, (full, kind, short, aliases, prov) in INSTITUTIONS.items()}  # fmt: skip
    for k, (full, short, _suffix) in TRUSTS.items():
        ids[k] = world.add_institution(full, "trust", short)
    for k, (full, short) in MANAGERS.items():
        ids[k] = world.add_institution(full, "securities_firm", short)
    return ids


def emit(world: World, rng: random.Random, deals: list[Deal], ids: dict[str, str], agencies: list[str]) -> None:
    for d in sorted(deals, key=lambda d: (d.value_date, d.name)):
        deal_id = deal_id_for(d.name)
        row = {
            "deal_id": deal_id,
            "deal_name_zh": d.name,
            "deal_short_name": f"{d.series}{d.year}-{d.issue_number}",
            "series_name": d.series,
            "vintage_year": d.year,
            "issue_number": d.issue_number,
            "market": d.market,
            "asset_class": ASSET_CLASS,
            "asset_subclass": None,
            "is_public_offering": d.public,
            "originator_id": ids[d.originator],
            "asset_provider_id": ids[d.provider],
            "trustee_id": ids[d.trustee],
            "issue_date": d.issue_date,
            "value_date": d.value_date,
            "legal_maturity_date": d.legal_maturity,
            "deal_amount_cny": Decimal(d.amount * UNIT_CNY).quantize(Decimal("0.01")),
            **d.pool,
            "wa_overdue_months": None,
            "expected_gross_recovery_rate": None,
            "is_revolving": d.revolving,
            "revolving_period_months": d.revolving_months if d.revolving else None,
            "has_external_enhancement": False,
        }
        world.add("core.deals", row)
        agency = rng.choices(agencies, weights=AGENCY_WEIGHTS)[0]
        for rank, t in enumerate(d.tranches, 1):
            world.add("core.tranches", {
                "tranche_id": t.code, "deal_id": deal_id, "security_code": t.code,
                "tranche_name": t.name, "tranche_class": t.klass, "seniority_rank": rank,
                "amount_cny": Decimal(t.cents) / 100,
                "coupon_rate": rate(Decimal(t.coupon_bp) / 10_000) if t.coupon_bp is not None else None,
                "coupon_type": "fixed" if t.coupon_bp is not None else None,
                "issue_price_per_100": Decimal("100.0000"),
                "amortisation": "pass_through",
                "expected_maturity_date": t.expected_maturity,
                "legal_maturity_date": d.legal_maturity,
                "expected_tenor_years": t.tenor_years,
                "initial_rating": t.rating,
                "initial_rating_agency_id": agency if t.rating else None,
                "is_externally_placed": (rng.random() < 0.3) if t.klass == "subordinated" else None,
                "originator_retained_share": None,
                "period_return_rate": None,
                "delisting_date": None,
            })  # fmt: skip
            for on in sorted(t.balances):
                if t.balances[on] > 0:
                    world.add("core.tranche_balances", {
                        "tranche_id": t.code, "as_of_date": on,
                        "outstanding_cny": Decimal(t.balances[on]) / 100,
                    })  # fmt: skip
        if d.history:
            _emit_history(world, d, deal_id)


def _emit_history(world: World, d: Deal, deal_id: str) -> None:
    p0 = d.pool["initial_pool_balance_cny"]
    coupon = {id(t): t.coupon_bp for t in d.tranches}
    previous = d.value_date
    for row in d.history:
        world.add("core.pool_performance", {
            "deal_id": deal_id,
            "period_number": row["period_number"],
            "report_date": row["report_date"],
            "collection_period_start": row["collection_period_start"],
            "collection_period_end": row["collection_period_end"],
            "payment_date": row["payment_date"],
            "pool_balance_begin_cny": Decimal(row["begin"]) / 100,
            "pool_balance_end_cny": Decimal(row["end"]) / 100,
            "loan_count_end": row["loans"],
            "principal_collected_cny": Decimal(row["collected"]) / 100,
            "interest_collected_cny": Decimal(row["interest"]) / 100,
            "prepayment_cny": Decimal(row["prepayment"]) / 100,
            "new_default_cny": Decimal(row["new_default"]) / 100,
            "cumulative_default_cny": Decimal(row["cum_default"]) / 100,
            "cumulative_default_rate": rate(Decimal(row["cum_default"]) / 100 / p0),
            "delinquent_1_30_cny": Decimal(row["delinquent"][0]) / 100,
            "delinquent_31_60_cny": Decimal(row["delinquent"][1]) / 100,
            "delinquent_61_90_cny": Decimal(row["delinquent"][2]) / 100,
            "delinquent_90_plus_cny": None,
            "revolving_purchase_cny": None if row["purchase"] is None else Decimal(row["purchase"]) / 100,
            "cumulative_revolving_purchase_cny": None if row["cum_purchase"] is None else Decimal(row["cum_purchase"]) / 100,
            "recovery_cny": None,
            "cumulative_recovery_cny": None,
            "other_income_cny": None,
            "not_applicable_reason": NA_REVOLVING if d.revolving else NA_NON_REVOLVING,
        })  # fmt: skip
        days = (row["payment_date"] - previous).days
        previous = row["payment_date"]
        for t, before, pay in row["tranches"]:
            bp = coupon[id(t)]
            interest = None if bp is None else cny(Decimal(before) / 100 * Decimal(bp) / 10_000 * days / 365)
            world.add("core.tranche_payments", {
                "tranche_id": t.code, "period_number": row["period_number"], "deal_id": deal_id,
                "payment_date": row["payment_date"],
                "principal_before_cny": Decimal(before) / 100,
                "principal_paid_cny": Decimal(pay) / 100,
                "principal_after_cny": Decimal(before - pay) / 100,
                "interest_paid_cny": interest,
                "other_income_paid_cny": None,
            })  # fmt: skip
    world.extras.setdefault("trustee_report_deals", []).append(deal_id)
    world.extras.setdefault("small_micro_trustee_reports", []).append({
        "deal_id": deal_id, "sample_slot": d.slot, "frequency": "monthly",
        "periods": (1, len(d.history)),
        "first_payment_date": d.history[0]["payment_date"],
        "last_payment_date": d.history[-1]["payment_date"],
    })  # fmt: skip


# ─────────────────────────── build ───────────────────────────
def build(world: World) -> None:
    """All small & micro loan ABS rows of the world (see the module docstring for the figures)."""
    rng = rng_for(world.seed, SEGMENT)
    ids = _register(world)
    agencies = [world.add_institution(full, "rating_agency", short) for full, short in RATING_AGENCIES]
    deals = plan_past(rng, 2023) + plan_past(rng, 2024) + plan_2025(rng)
    for i, d in enumerate(deals):
        d.idx = i
    samples = pick_samples(rng, deals)
    assign_revolving(rng, deals)
    assign_dates(rng, deals)
    naming: dict[str, Any] = {}
    name_deals(rng, deals, naming)
    assign_trustees(rng, deals)
    draw_pools(rng, deals)
    structure_2025(rng, [d for d in deals if d.year == YEAR])
    for d in deals:
        if d.year != YEAR:
            structure_generic(rng, d)
    codes = CodeBook({r["tranche_id"] for r in world.rows("core.tranches")})
    for d in sorted(deals, key=lambda d: (d.year, d.value_date, d.name)):
        for t in d.tranches:
            t.code = codes.take(d, rng)
    for d in deals:
        if d.slot is None:
            draw_amortisation(rng, d)
        else:
            nominal_model(d)
    kinds = {s[0]: s[3] for s in SAMPLE_SLOTS}
    levels = plan_default_levels(rng, samples)
    multiples = plan_multiples(rng, samples)
    for key in sorted(samples):
        build_history(rng, samples[key], kinds[key], levels[key], multiples.get(key))
    kappas = calibrate_outstanding(deals)
    for d in deals:
        set_expected_maturities(d, 1.0 if d.slot is not None else kappas[str(d.year)])
    draw_coupons(rng, world, deals)
    world.extras["small_micro"] = {
        "kappas": kappas,
        "samples": {k: deal_id_for(d.name) for k, d in sorted(samples.items())},
    }
    if world.scale == "market-year":
        deals += market_year_deals(rng_for(world.seed, SEGMENT + ":market-year"), world, deals, codes, kappas, naming)
    emit(world, rng, deals, ids, agencies)


def market_year_deals(rng: random.Random, world: World, deals: list[Deal], codes: CodeBook,
                      kappas: dict[str, float], naming: dict[str, Any]) -> list[Deal]:  # fmt: skip
    """~600 further 2025 deals drawn like the planned ones (balances from the model, no reports)."""
    templates = [d for d in deals if d.year == YEAR and d.market != "credit_abs"]
    extra: list[Deal] = []
    for i in range(MARKET_YEAR_EXTRA):
        tpl = rng.choice(templates)
        d = Deal(YEAR, tpl.market, tpl.provider, tpl.originator, amount=max(50, round(tpl.amount * _lognormal(rng, 0.3))))
        d.idx = 100_000 + i
        d.revolving = rng.random() < 0.7
        d.revolving_months = rng.choice((3, 6, 9, 12)) if d.revolving else None
        extra.append(d)
    assign_dates(rng, extra)
    name_deals(rng, extra, naming)  # issue numbers continue after the planned deals
    assign_trustees(rng, extra)
    draw_pools_simple(rng, extra)
    for d in extra:
        structure_generic(rng, d)
        for t in d.tranches:
            t.code = codes.take(d, rng)
        draw_amortisation(rng, d)
        _set_model_balances(d, END_2025, kappas["2025"])
        set_expected_maturities(d, kappas["2025"])
    draw_coupons_plain(rng, world, extra)
    return extra


def draw_pools_simple(rng: random.Random, deals: list[Deal]) -> None:
    for d in deals:
        per_loan, term, pool_rate = POOL_PROFILE[d.group]
        balance = d.cents * (1 + rng.uniform(0.0, 0.05)) / 100
        loans = max(1, round(balance / (rng.uniform(*per_loan) * 10_000)))
        contract = rng.uniform(*term)
        d.pool = {
            "initial_pool_balance_cny": cny(balance),
            "pool_loan_count": loans,
            "pool_borrower_count": loans,
            "avg_balance_per_loan_cny": cny(balance / loans),
            "avg_balance_per_borrower_cny": cny(balance / loans),
            "wa_contract_term_months": Decimal(f"{contract:.2f}"),
            "wa_remaining_term_months": Decimal(f"{contract * 0.7:.2f}"),
            "wa_pool_rate": Decimal(f"{rng.uniform(*pool_rate):.4f}"),
        }


def draw_coupons_plain(rng: random.Random, world: World, deals: list[Deal]) -> None:
    for d in deals:
        for t in d.tranches:
            if t.klass == "subordinated":
                continue
            if t.rating is None:
                t.coupon_bp = rng.randint(450, 650)
                continue
            lo, hi = RATING_PREMIUM_BP[t.rating]
            curve_bp = _curve(world, d.value_date, float(t.tenor_years)) * 10_000
            t.coupon_bp = round(curve_bp + MARKET_SPREAD_BP[d.market] + rng.gauss(0, 8) + rng.uniform(lo, hi))
