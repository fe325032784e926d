"""Local AMCs: the registry (core.amcs, core.amc_licence_events, core.institutions) and their
public issuer ratings (core.amc_issuer_ratings). Calibrates A-01 and A-08; see ``amc.py``.

Grain: core.amcs one row per AMC that ever held a licence (60 = the 58 of seed 003's appendix
plus 宁夏顺亿资产 and 黑龙江嘉实龙昇); core.amc_licence_events one row per AMC, date and event;
core.amc_issuer_ratings one row per AMC, agency and rating date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sample_market.world.base import World, amc_id_for

# ── A-01: the appendix of seed 003 (序号, 公司名称, 所在省份, 简称), copied as printed ──
APPENDIX: tuple[tuple[int, str, str, str], ...] = (
    (1, "安徽省中安金融资产管理股份有限公司", "安徽省", "安徽中安金资"),
    (2, "国厚资产管理股份有限公司", "安徽省", "国厚资产"),
    (3, "北京市国通资产管理有限责任公司", "北京市", "北京国通资产"),
    (4, "北京资产管理有限公司", "北京市", "北京资产"),
    (5, "福建省闽投资产管理有限公司", "福建省", "福建闽投资产"),
    (6, "厦门资产管理有限公司", "福建省", "厦门资产"),
    (7, "兴业资产管理有限公司", "福建省", "兴业资产"),
    (8, "甘肃长达金融资产管理股份有限公司", "甘肃省", "甘肃长达金资"),
    (9, "甘肃资产管理有限公司", "甘肃省", "甘肃资产"),
    (10, "广东粤财资产管理有限公司", "广东省", "广东粤财资产"),
    (11, "广州资产管理有限公司", "广东省", "广州资产"),
    (12, "深圳市招商平安资产管理有限责任公司", "广东省", "招商平安资产"),
    (13, "深圳资产管理有限公司", "广东省", "深圳资产"),
    (14, "广西金控资产管理有限公司", "广西壮族自治区", "广西金控资产"),
    (15, "广西联合资产管理股份有限公司", "广西壮族自治区", "广西联合资产"),
    (16, "贵州省资产管理股份有限公司", "贵州省", "贵州资产"),
    (17, "海南联合资产管理有限公司", "海南省", "海南联合资产"),
    (18, "海南新创建资产管理股份有限公司", "海南省", "海南新创建资产"),
    (19, "河北省资产管理有限公司", "河北省", "河北资产"),
    (20, "河南资产管理有限公司", "河南省", "河南资产"),
    (21, "中原资产管理有限公司", "河南省", "中原资产"),
    (22, "黑龙江国瑞金融资产管理有限公司", "黑龙江省", "黑龙江国瑞金资"),
    (23, "湖北省资产管理有限公司", "湖北省", "湖北资产"),
    (24, "湖北天乾资产管理有限公司", "湖北省", "湖北天乾资产"),
    (25, "湖南省财信资产管理有限公司", "湖南省", "湖南财信资产"),
    (26, "长沙湘江资产管理有限公司", "湖南省", "长沙湘江资产"),
    (27, "吉林省盛融资产管理有限责任公司", "吉林省", "吉林盛融资产"),
    (28, "江苏资产管理有限公司", "江苏省", "江苏资产"),
    (29, "苏州资产管理有限公司", "江苏省", "苏州资产"),
    (30, "江西瑞京金融资产管理有限公司", "江西省", "江西瑞京金资"),
    (31, "江西省金融资产管理股份有限公司", "江西省", "江西金资"),
    (32, "大连国新资产管理有限责任公司", "辽宁省", "大连国新资产管"),
    (33, "辽宁富安金融资产管理有限公司", "辽宁省", "辽宁富安金资"),
    (34, "辽宁资产管理有限公司", "辽宁省", "辽宁资产"),
    (35, "内蒙古金融资产管理有限公司", "内蒙古自治区", "内蒙古金资"),
    (36, "内蒙古庆源绿色金融资产管理有限公司", "内蒙古自治区", "内蒙古庆源金资"),
    (37, "宁夏金融资产管理有限公司", "宁夏回族自治区", "宁夏金资"),
    (38, "昆朋资产管理股份有限公司", "青海省", "昆朋资产"),
    (39, "山东省金融资产管理股份有限公司", "山东省", "山东金资"),
    (40, "泰合资产管理有限公司", "山东省", "泰合资产"),
    (41, "中信青岛资产管理有限公司", "山东省", "中信青岛资产"),
    (42, "华融晋商资产管理股份有限公司", "山西省", "华融晋商资产"),
    (43, "晋阳资产管理股份有限公司", "山西省", "晋阳资产"),
    (44, "陕西金融资产管理股份有限公司", "陕西省", "陕西金资"),
    (45, "上海国有资产经营有限公司", "上海市", "上海国资"),
    (46, "上海睿银盛嘉资产管理有限公司", "上海市", "上海睿银盛嘉资产"),
    (47, "成都益航资产管理有限公司", "四川省", "成都益航资产"),
    (48, "四川发展资产管理有限公司", "四川省", "川发资产"),
    (49, "天津滨海正信资产管理有限公司", "天津市", "天津滨海正信资产"),
    (50, "天津津融资产管理有限公司", "天津市", "天津津融资产"),
    (51, "海德资产管理有限公司", "西藏自治区", "海德资产"),
    (52, "新疆金投资产管理股份有限公司", "新疆维吾尔自治区", "新疆金投资产"),
    (53, "云南省资产管理有限公司", "云南省", "云南资产"),
    (54, "光大金瓯资产管理有限公司", "浙江省", "光大金瓯资产"),
    (55, "宁波金融资产管理股份有限公司", "浙江省", "宁波金资"),
    (56, "浙江省浙商资产管理有限公司", "浙江省", "浙商资产"),
    (57, "华润渝康资产管理有限公司", "重庆市", "华润渝康资产"),
    (58, "重庆富城资产管理有限公司", "重庆市", "重庆富城资产"),
)

# The two licences that ended in 2024–2025: (full name, province, short name, event, date).
ENDED_LICENCES: tuple[tuple[str, str, str, str, date, str], ...] = (
    (
        "黑龙江省嘉实龙昇金融资产管理有限公司", "黑龙江省", "黑龙江嘉实龙昇", "deregistered",
        date(2024, 1, 18), "黑龙江首家地方AMC完成工商注销",
    ),
    (
        "宁夏顺亿资产管理有限公司", "宁夏回族自治区", "宁夏顺亿资产", "scope_removed",
        date(2025, 7, 22), "完成工商信息变更，剥离参与自治区内金融企业不良资产批量转让业务等核心经营范围",
    ),
)

# The appendix prints entry 32's short name truncated; we keep it as an alias.
SHORT_NAME_FIXES = {"大连国新资产管": "大连国新资产"}

# Other names the documents use for the same companies (report text, Wind exports).
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "大连国新资产": ("大连国新资产管",),
    "吉林盛融资产": ("吉林盛融", "吉林省盛融资资产管理有限责任公司"),
    "湖北天乾资产": ("天乾资产",),
    "黑龙江嘉实龙昇": ("嘉实龙昇",),
    "华润渝康资产": ("渝康资产",),
    "川发资产": ("四川发展资产",),
    "江西金资": ("江西省金资",),
    "山东金资": ("山东省金资",),
}

# Private-owned AMCs (民营): the two defaulters of A-16, and the others the seed implies by
# "民营资本开始加速退出" — the two licences that ended and 海德资产 (controlled by a private group).
PRIVATE = frozenset({"湖北天乾资产", "国厚资产", "宁夏顺亿资产", "黑龙江嘉实龙昇", "海德资产"})

# The 25 AMCs with public financials (A-02 … A-06). 天乾 and 国厚 are *not* in the sample:
# their loss rows exist but in_financial_sample is false, so they never touch A-02…A-06.
FINANCIAL_SAMPLE = (
    "山东金资", "陕西金资", "浙商资产", "中原资产", "河南资产", "江苏资产", "广州资产",
    "华润渝康资产", "内蒙古金资", "贵州资产", "天津津融资产", "云南资产", "兴业资产",
    "湖北资产", "川发资产", "安徽中安金资", "招商平安资产", "厦门资产", "广东粤财资产",
    "湖南财信资产", "苏州资产", "江西金资", "广西金控资产", "新疆金投资产", "光大金瓯资产",
)

AGENCIES: tuple[tuple[str, str], ...] = (
    ("中债资信评估有限责任公司", "中债资信"),
    ("中诚信国际信用评级有限责任公司", "中诚信国际"),
    ("联合资信评估股份有限公司", "联合资信"),
    ("大公国际资信评估有限公司", "大公国际"),
    ("东方金诚国际信用评估有限公司", "东方金诚"),
    ("中证鹏元资信评估股份有限公司", "中证鹏元"),
    ("上海新世纪资信评估投资服务有限公司", "上海新世纪"),
)
# Agencies that rate issuers in the bond market (中债资信 works on investor-pay and ABS).
ISSUER_AGENCIES = ("中诚信国际", "联合资信", "大公国际", "东方金诚", "中证鹏元", "上海新世纪")

# ── A-08: rating plans. Kind: 'a' affirmed every year to 2025 (valid at end-2024 and 2025-11-30);
# 'b' last affirmed in 2024 (valid at end-2024 only); 'c' first rated in 2025; 'x' lapsed before
# 2024 (last year given); 'w' downgraded and withdrawn (the two private defaulters); 'late' first
# rated in December 2025 (outside the window). Upgrades: year → new rating. The counts follow:
# 37 with history at 2025-11-30; valid 25 (20 AAA) at 2025-11-30 and 28 (21 AAA) at end-2024.
RATING_PLANS: dict[str, dict] = {
    "山东金资": {"kind": "a", "first": 2015, "rating": "AAA", "agencies": 2},
    "浙商资产": {"kind": "a", "first": 2014, "rating": "AAA", "agencies": 2},
    "中原资产": {"kind": "a", "first": 2015, "rating": "AAA", "agencies": 2},
    "陕西金资": {"kind": "a", "first": 2016, "rating": "AAA", "agencies": 2},
    "河南资产": {"kind": "a", "first": 2017, "rating": "AA+", "upgrades": {2020: "AAA"}, "agencies": 2},
    "江苏资产": {"kind": "a", "first": 2017, "rating": "AA+", "upgrades": {2021: "AAA"}},
    "广州资产": {"kind": "a", "first": 2016, "rating": "AAA", "agencies": 2},
    "华润渝康资产": {"kind": "a", "first": 2016, "rating": "AA+", "upgrades": {2020: "AAA"}},
    "湖北资产": {"kind": "a", "first": 2018, "rating": "AA+", "upgrades": {2022: "AAA"}},
    "川发资产": {"kind": "a", "first": 2018, "rating": "AA+", "upgrades": {2022: "AAA"}},
    "招商平安资产": {"kind": "a", "first": 2017, "rating": "AA+", "upgrades": {2020: "AAA"}},
    "安徽中安金资": {"kind": "a", "first": 2018, "rating": "AA+", "upgrades": {2023: "AAA"}},
    "厦门资产": {"kind": "a", "first": 2018, "rating": "AA+", "upgrades": {2022: "AAA"}},
    "广东粤财资产": {"kind": "a", "first": 2016, "rating": "AAA"},
    "湖南财信资产": {"kind": "a", "first": 2017, "rating": "AAA"},
    "苏州资产": {"kind": "a", "first": 2017, "rating": "AA+", "upgrades": {2021: "AAA"}},
    "贵州资产": {"kind": "a", "first": 2016, "rating": "AA+", "upgrades": {2023: "AAA"}},
    "天津津融资产": {"kind": "a", "first": 2015, "rating": "AA+", "upgrades": {2019: "AAA"}},
    "兴业资产": {"kind": "a", "first": 2018, "rating": "AAA"},
    "云南资产": {"kind": "a", "first": 2018, "rating": "AA+", "upgrades": {2024: "AAA"}},
    "内蒙古金资": {"kind": "a", "first": 2018, "rating": "AA+"},
    "广西金控资产": {"kind": "a", "first": 2018, "rating": "AA+"},
    "新疆金投资产": {"kind": "a", "first": 2017, "rating": "AA", "upgrades": {2021: "AA+"}},
    "晋阳资产": {"kind": "a", "first": 2017, "rating": "AA+"},
    "上海国资": {"kind": "b", "first": 2015, "rating": "AAA"},
    "江西金资": {"kind": "b", "first": 2017, "rating": "AA+", "withdrawn": date(2025, 6, 16)},
    "河北资产": {"kind": "b", "first": 2018, "rating": "AA+"},
    "长沙湘江资产": {"kind": "b", "first": 2019, "rating": "AA", "upgrades": {2022: "AA+"}},
    "海南联合资产": {"kind": "c", "first": 2025, "rating": "AA+"},
    "光大金瓯资产": {"kind": "x", "first": 2018, "last": 2023, "rating": "AAA"},
    "中信青岛资产": {"kind": "x", "first": 2017, "last": 2021, "rating": "AA+"},
    "江西瑞京金资": {"kind": "x", "first": 2018, "last": 2021, "rating": "AA"},
    "辽宁资产": {"kind": "x", "first": 2018, "last": 2021, "rating": "AA"},
    "甘肃资产": {"kind": "x", "first": 2017, "last": 2021, "rating": "AA"},
    "泰合资产": {"kind": "x", "first": 2021, "last": 2021, "rating": "AA"},
    # The two private defaulters of A-16: downgrades, then withdrawal (before 2024-12-31).
    "湖北天乾资产": {
        "kind": "w", "first": 2017, "rating": "AA",
        "path": ((date(2022, 6, 20), "A", "downgrade"), (date(2023, 3, 24), "C", "downgrade"),
                 (date(2023, 9, 15), None, "withdraw")),
    },
    "国厚资产": {
        "kind": "w", "first": 2015, "rating": "AA", "upgrades": {2018: "AA+"},
        "path": ((date(2021, 6, 25), "AA", "downgrade"), (date(2022, 6, 28), "A", "downgrade"),
                 (date(2023, 7, 24), "C", "downgrade"), (date(2024, 2, 6), None, "withdraw")),
    },
    "吉林盛融资产": {"kind": "late", "first": 2025, "rating": "AA+", "date": date(2025, 12, 1)},
}

RATING_ORDER = ("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-", "BB+", "BB",
                "BB-", "B+", "B", "B-", "CCC", "CC", "C")


def rating_rank(r: str) -> int:
    """0 for AAA, larger is worse."""
    return RATING_ORDER.index(r)


@dataclass
class Amc:
    """One local AMC as the other builders need it."""

    amc_id: str
    institution_id: str
    full_name: str
    short_name: str
    province: str
    ownership: str
    licence_status: str
    in_financial_sample: bool
    licensed_on: date
    ratings: list[tuple[date, str, str | None, str]] = field(default_factory=list)  # date, agency_id, rating, action

    def rating_on(self, d: date) -> str | None:
        """Issuer rating on date d: per agency the latest action on or before d; withdrawn
        agencies drop out; the lowest remaining rating counts (按级别取下)."""
        latest: dict[str, tuple[date, str | None]] = {}
        for rd, agency, rating, _ in self.ratings:
            if rd <= d and (agency not in latest or rd >= latest[agency][0]):
                latest[agency] = (rd, rating)
        live = [r for _, r in latest.values() if r is not None]
        return max(live, key=rating_rank) if live else None


def _licensed_on(rng: random.Random, short: str) -> date:
    """Licence approval date: the first batches came in 2014, the last in 2020-2021."""
    plan = RATING_PLANS.get(short)
    latest_year = min(2020, plan["first"] - 1) if plan and plan["first"] <= 2021 else 2020
    year = rng.randint(2014, max(2014, latest_year))
    return date(year, rng.randint(1, 12), rng.randint(1, 28))


def build_registry(world: World, rng: random.Random) -> dict[str, Amc]:
    """core.institutions (type local_amc, with aliases), core.amcs and core.amc_licence_events.

    Count at a date (A-01): AMCs whose latest licence event on or before the date is
    'licensed' — 60 at end-2023, 59 at end-2024, 58 at end-2025.
    """
    amcs: dict[str, Amc] = {}
    entries = [(full, prov, short, None, None, None) for _, full, prov, short in APPENDIX]
    entries += [(full, prov, short, ev, d, desc) for full, prov, short, ev, d, desc in ENDED_LICENCES]
    for full, province, printed_short, end_event, end_date, end_desc in entries:
        short = SHORT_NAME_FIXES.get(printed_short, printed_short)
        aliases = tuple(sorted({printed_short, *EXTRA_ALIASES.get(short, ())} - {short, full}))
        inst_id = world.add_institution(full, "local_amc", short, aliases, province=province)
        amc = Amc(
            amc_id=amc_id_for(full),
            institution_id=inst_id,
            full_name=full,
            short_name=short,
            province=province,
            ownership="private" if short in PRIVATE else "state",
            licence_status=end_event or "active",
            in_financial_sample=short in FINANCIAL_SAMPLE,
            licensed_on=_licensed_on(rng, short),
        )
        amcs[short] = amc
        world.add("core.amcs", {
            "amc_id": amc.amc_id, "institution_id": inst_id, "full_name_zh": full,
            "short_name_zh": short, "province": province, "ownership": amc.ownership,
            "licence_status": amc.licence_status, "in_financial_sample": amc.in_financial_sample,
        })
        world.add("core.amc_licence_events", {
            "amc_id": amc.amc_id, "event_date": amc.licensed_on, "event_type": "licensed",
            "description": "获批开展金融企业不良资产批量收购处置业务",
        })
        if end_event:
            world.add("core.amc_licence_events", {
                "amc_id": amc.amc_id, "event_date": end_date, "event_type": end_event,
                "description": end_desc,
            })
    return amcs


def _agency_ids(world: World) -> dict[str, str]:
    return {short: world.add_institution(full, "rating_agency", short) for full, short in AGENCIES}


def build_ratings(world: World, rng: random.Random, amcs: dict[str, Amc]) -> None:
    """core.amc_issuer_ratings: a first 'assign', then one tracking action a year (Apr–Jul),
    'upgrade' in the planned years, never any change of level in 2025 (A-08)."""
    agency_ids = _agency_ids(world)
    for short in sorted(RATING_PLANS):
        plan = RATING_PLANS[short]
        amc = amcs[short]
        n_agencies = plan.get("agencies", 1)
        agencies = rng.sample(ISSUER_AGENCIES, n_agencies)
        actions: list[tuple[date, str | None, str]] = []
        if plan["kind"] == "late":
            actions.append((plan["date"], plan["rating"], "assign"))
        elif plan["kind"] == "c":
            actions.append((date(2025, 1, rng.randint(6, 20)), plan["rating"], "assign"))
        else:
            first = plan["first"]
            last = {"a": 2025, "b": 2024, "x": plan.get("last"), "w": 2021}[plan["kind"]]
            rating = plan["rating"]
            # First rating late in the year before the first bond (or early in the first year).
            actions.append((date(first, rng.randint(9, 11), rng.randint(1, 28)), rating, "assign"))
            for year in range(first + 1, last + 1):
                new = plan.get("upgrades", {}).get(year)
                d = date(year, rng.randint(4, 7), rng.randint(1, 28))
                if plan["kind"] == "w" and any(p[0].year == year for p in plan["path"]):
                    continue
                if new:
                    rating = new
                    actions.append((d, rating, "upgrade"))
                else:
                    actions.append((d, rating, "affirm"))
            for d, r, act in plan.get("path", ()):
                actions.append((d, r, act))
            if plan.get("withdrawn"):
                actions.append((plan["withdrawn"], None, "withdraw"))
        actions.sort(key=lambda a: a[0])
        for k, agency in enumerate(agencies):
            for d, r, act in actions:
                # A second agency acts a few days apart on the same level.
                day = d + timedelta(days=3 * k) if k else d
                amc.ratings.append((day, agency_ids[agency], r, act))
                world.add("core.amc_issuer_ratings", {
                    "amc_id": amc.amc_id, "agency_id": agency_ids[agency], "rating_date": day,
                    "rating": r, "action_type": act,
                })
        amc.ratings.sort(key=lambda x: (x[0], x[1]))
