"""Deal names and report titles, on unit spellings and on the real listing and deal-name files."""

import collections
import json

import polars as pl
import pytest

from tests.fixtures import REAL_WORLD
from transforms.normalise.titles import ASSET_CLASSES, parse_deal_name, parse_report_title


# --------------------------------------------------------------------------- deal names


@pytest.mark.parametrize(
    ("name", "series", "vintage", "issue", "asset_class", "market"),
    [
        ("建鑫2021年第六期不良资产支持证券", "建鑫", 2021, 6, "npl", "credit_abs"),
        ("工元至诚2019年第三期不良资产支持证券", "工元至诚", 2019, 3, "npl", "credit_abs"),
        ("橙益2024年第十六期不良资产支持证券", "橙益", 2024, 16, "npl", "credit_abs"),
        ("兴瑞2025年第十一期不良资产支持证券", "兴瑞", 2025, 11, "npl", "credit_abs"),
        ("飞驰建普2025年第1期微小企业贷款资产支持证券", "飞驰建普", 2025, 1, "micro_enterprise_loan", "credit_abs"),
        ("工元乐居2021年第十期个人住房抵押贷款证券化信托", "工元乐居", 2021, 10, "residential_mortgage", "credit_abs"),
        ("中国建设银行建元2007-1个人住房抵押贷款证券化信托", "建元", 2007, 1, "residential_mortgage", "credit_abs"),
        ("建元 2007-1 个人住房抵押贷款证券化信托", "建元", 2007, 1, "residential_mortgage", "credit_abs"),
        ("瑞泽天驰2025年第二期个人汽车抵押贷款证券化信托", "瑞泽天驰", 2025, 2, "auto_loan", "credit_abs"),
        ("建晟2022年第一期信用卡分期资产证券化信托", "建晟", 2022, 1, "credit_card", "credit_abs"),
        ("工银2024年第一期小微企业贷款信贷资产支持证券", "工银", 2024, 1, "small_micro_loan", "credit_abs"),
        ("某某2024年第二期企业贷款信贷资产支持证券", "某某", 2024, 2, "corporate_loan", "credit_abs"),
        # ABN: issuer company first, programme after the year or the issue
        ("北京京东世纪贸易有限公司2024年度东裕3号京东白条第二期定向资产支持票据", "东裕3号", 2024, 2, "consumer_loan", "abn"),
        ("立根融资租赁(上海)有限公司2021年度第一期众惠定向资产支持票据", "众惠", 2021, 1, "leasing", "abn"),
        ("和赢商业保理(深圳)有限公司2024年度第一期众鑫应收账款绿色定向资产支持票据", "众鑫", 2024, 1, "accounts_receivable", "abn"),
        ("中国对外经济贸易信托有限公司2024年度第二期启赢1号京东定向资产支持票据", "启赢1号", 2024, 2, None, "abn"),
        ("睿鸿2024年度第十期定向资产支持票据", "睿鸿", 2024, 10, None, "abn"),
        ("中国铁建第41期资产支持专项计划", "中国铁建", None, 41, None, "exchange_abs"),
        # exchange ABS: manager before a dash, shelf numbers (N号) are part of the series
        ("天风-分期乐5期资产支持专项计划", "分期乐", None, 5, None, "exchange_abs"),
        ("广汽租赁2022-3资产支持专项计划", "广汽租赁", 2022, 3, "leasing", "exchange_abs"),
        ("招证-美满生意2024年2期2号资产支持专项计划（中小微企业融资）", "美满生意", 2024, 2, None, "exchange_abs"),
        ("远宏系列-2025远东租赁四期资产支持专项计划", "远宏", 2025, 4, "leasing", "exchange_abs"),
        ("京东科技-京诚系列15号3期供应链保理合同债权资产支持专项计划", "京诚15号", None, 3, "supply_chain", "exchange_abs"),
        ("平安证券-中铁建设创业大厦资产支持专项计划（类REITs）", "中铁建设创业大厦", None, None, "real_estate", "exchange_abs"),
        ("南方资本-万国数据中心1期基础设施资产支持专项计划", "万国数据中心", None, 1, "infrastructure", "exchange_abs"),
        ("国联-中和农信小额贷款1期资产支持专项计划（乡村振兴）", "中和农信", None, 1, "microcredit", "exchange_abs"),
        ("禾昱六号4期资产支持专项计划", "禾昱六号", None, 4, None, "exchange_abs"),
    ],
)
def test_parse_deal_name(name: str, series: str | None, vintage: int | None, issue: int | None,
                         asset_class: str | None, market: str) -> None:  # fmt: skip
    deal = parse_deal_name(name)
    assert (deal.series, deal.vintage_year, deal.issue_number, deal.asset_class, deal.market_hint) == (
        series, vintage, issue, asset_class, market,
    )  # fmt: skip
    assert deal.is_npl == (asset_class == "npl")


def test_deal_name_keeps_originator_managers_and_tags() -> None:
    abn = parse_deal_name("和赢商业保理（深圳）有限公司2025年度第一期易鑫应收账款定向资产支持票据（债券通）")
    assert abn.originator == "和赢商业保理(深圳)有限公司"
    assert abn.tags == ("定向", "债券通")
    assert abn.name == "和赢商业保理(深圳)有限公司2025年度第一期易鑫应收账款定向资产支持票据"
    exchange = parse_deal_name("泰康资产-财通-远景新能源持有型不动产资产支持专项计划(碳中和)")
    assert exchange.managers == ("泰康资产", "财通")
    assert exchange.series == "远景新能源"
    assert exchange.tags == ("碳中和",)


def test_policy_labels_are_not_asset_classes() -> None:
    """`中小微企业融资支持` tags a programme; it does not say the pool holds small-business loans."""
    assert parse_deal_name("国联-熠然1号中小微企业融资支持6期资产支持专项计划").asset_class is None
    assert parse_deal_name("中国对外经济贸易信托有限公司2025年度第三期锦新小微定向资产支持票据").asset_class == "small_micro_loan"


def test_asset_class_codes_have_chinese_labels() -> None:
    assert {code: label for code, (label, _) in ASSET_CLASSES.items()} == {
        "npl": "不良资产",
        "residential_mortgage": "个人住房抵押贷款",
        "auto_loan": "个人汽车抵押贷款",
        "credit_card": "信用卡分期",
        "consumer_loan": "个人消费贷款",
        "micro_enterprise_loan": "微小企业贷款",
        "small_micro_loan": "小微企业贷款",
        "corporate_loan": "企业贷款",
        "leasing": "融资租赁",
        "supply_chain": "供应链",
        "accounts_receivable": "应收账款",
        "microcredit": "小额贷款",
        "real_estate": "持有型不动产/CMBS",
        "infrastructure": "基础设施",
    }


def test_empty_deal_name_raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_deal_name("  ")


# --------------------------------------------------------------------------- report titles


@pytest.mark.parametrize(
    ("title", "period", "issue"),
    [
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)", 30, 1),
        ("工元乐居2021年第七期个人住房抵押贷款证券化信托受托机构报告（第49期）", 49, 7),
        ("工元安居2018年第四期个人住房抵押贷款证券化信托受托机构报告第83期", 83, 4),
        ("安鑫2019年第一期个人住房抵押贷款证券化信托受托机构月度报告-第75期", 75, 1),
        ("飞驰建普2025年第一期微小企业贷款资产证券化信托受托机构报告2025年第4期（总第4期）", 4, 1),
        ("长盈2025年第一期个人汽车抵押贷款绿色证券化信托2025年11月受托机构报告（总第10期）", 10, 1),
        ("工元至诚惠银2025年第一期不良资产证券化信托期间受托机构报告（总第2期2025年度第2期）", 2, 1),
        ("建元2007-1个人住房抵押贷款证券化信托受托机构报告2025年第11期（总第215期）", 215, 1),
        ("邮元2014年第一期个人住房贷款证券化信托受托机构报告第136期2025年11月", 136, 1),
        ("邮盈惠兴2024年第六期不良资产证券化信托期间受托机构报告总第6期", 6, 6),
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告（第三十期）", 30, 1),
        ("XX2025年第一期个人消费贷款证券化信托受托机构报告2025年第3期", 3, 1),  # only an in-year number
        ("XX2020年第二期个人消费贷款证券化信托受托机构报告第11期（总第58期）", 58, 2),  # 总 beats a plain 第N期
        ("常星 2023 年第一期个人消费贷款证券化信托受托机构报告 （第 30 期）", 30, 1),
    ],
)
def test_period_number_spellings(title: str, period: int, issue: int) -> None:
    report = parse_report_title(title)
    assert report.period_number == period
    assert report.issue_number == issue  # the deal's 2025年第一期 is never read as the period


def test_period_in_year_and_report_month() -> None:
    report = parse_report_title("建元2007-1个人住房抵押贷款证券化信托受托机构报告2025年第11期（总第215期）")
    assert (report.period_number, report.period_in_year, report.report_month) == (215, 11, None)
    monthly = parse_report_title("长盈2024年第四期个人汽车抵押贷款证券化信托2025年11月受托机构报告（总第12期）")
    assert (monthly.period_number, monthly.period_in_year, monthly.report_month) == (12, None, "2025-11")


@pytest.mark.parametrize(
    ("title", "kind", "revision", "english"),
    [
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)", "trustee_report", False, False),
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)（更正）", "trustee_report", True, False),
        ("【更正】常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)", "trustee_report", True, False),
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)(以此为准)", "trustee_report", True, False),
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)更新版", "trustee_report", True, False),
        ("常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)(英文版)", "trustee_report", False, True),
        ("建鑫2021年第六期不良资产支持证券发行说明书", "issuance", False, False),
        ("天风-分期乐5期资产支持专项计划收益分配报告", "distribution_report", False, False),
        ("天风-分期乐5期资产支持专项计划2024年度资产管理报告", "asset_management_report", False, False),
        ("建鑫2021年第六期不良资产支持证券2025年跟踪评级报告", "rating_report", False, False),
        ("工元乐居2021年第七期个人住房抵押贷款证券化信托清仓回购公告", "clean_up_call", False, False),
        ("建鑫2021年第六期不良资产支持证券", "other", False, False),
    ],
)
def test_report_kind_and_flags(title: str, kind: str, revision: bool, english: bool) -> None:
    report = parse_report_title(title)
    assert (report.report_kind, report.is_revision, report.is_english) == (kind, revision, english)
    assert report.series in {"常星", "建鑫", "分期乐", "工元乐居"}


# --------------------------------------------------------------------------- real listing

# Every title of the real 2025-11-19 listing: (series, vintage, issue, asset class, period), read by eye.
LISTING_EXPECTED: dict[str, tuple[str, int, int, str, int]] = {
    "常星2023年第一期个人消费贷款证券化信托受托机构报告(第30期)": ("常星", 2023, 1, "consumer_loan", 30),
    "工元乐居2021年第七期个人住房抵押贷款证券化信托受托机构报告（第49期）": ("工元乐居", 2021, 7, "residential_mortgage", 49),
    "居融2016年第一期个人住房抵押贷款证券化信托受托机构报告（第110期）": ("居融", 2016, 1, "residential_mortgage", 110),
    "京诚2021年第一期个人住房抵押贷款资产证券化信托受托机构报告（第55期）": ("京诚", 2021, 1, "residential_mortgage", 55),
    "工元至诚惠银2025年第一期不良资产证券化信托期间受托机构报告（总第2期2025年度第2期）": ("工元至诚惠银", 2025, 1, "npl", 2),
    "工元乐居2021年第一期个人住房抵押贷款证券化信托受托机构报告（第56期）": ("工元乐居", 2021, 1, "residential_mortgage", 56),
    "工元乐居2021年第五期个人住房抵押贷款证券化信托受托机构报告（第50期）": ("工元乐居", 2021, 5, "residential_mortgage", 50),
    "工元乐居2021年第四期个人住房抵押贷款证券化信托受托机构报告（第51期）": ("工元乐居", 2021, 4, "residential_mortgage", 51),
    "工元乐居2021年第十期个人住房抵押贷款证券化信托受托机构报告（第48期）": ("工元乐居", 2021, 10, "residential_mortgage", 48),
    "工元乐居2021年第三期个人住房抵押贷款证券化信托受托机构报告（第54期）": ("工元乐居", 2021, 3, "residential_mortgage", 54),
    "工元乐居2021年第六期个人住房抵押贷款证券化信托受托机构报告（第50期）": ("工元乐居", 2021, 6, "residential_mortgage", 50),
    "工元乐居2021年第九期个人住房抵押贷款证券化信托受托机构报告（第48期）": ("工元乐居", 2021, 9, "residential_mortgage", 48),
    "建元2007-1个人住房抵押贷款证券化信托受托机构报告2025年第11期（总第215期）": ("建元", 2007, 1, "residential_mortgage", 215),
    "居融2015年第一期个人住房抵押贷款证券化信托受托机构报告（第122期）": ("居融", 2015, 1, "residential_mortgage", 122),
    "居融2017年第一期个人住房抵押贷款证券化信托受托机构报告（第99期）": ("居融", 2017, 1, "residential_mortgage", 99),
    "常兴业2022年第二期微小企业贷款资产证券化信托受托机构报告(第38期)": ("常兴业", 2022, 2, "micro_enterprise_loan", 38),
    "常兴业2022年第四期微小企业贷款资产证券化信托受托机构报告（第35期）": ("常兴业", 2022, 4, "micro_enterprise_loan", 35),
    "常星2023年第二期个人消费贷款证券化信托受托机构报告（第29期）": ("常星", 2023, 2, "consumer_loan", 29),
    "工元安居2018年第四期个人住房抵押贷款证券化信托受托机构报告第83期": ("工元安居", 2018, 4, "residential_mortgage", 83),
    "工元安居2018年第五期个人住房抵押贷款证券化信托受托机构报告第83期": ("工元安居", 2018, 5, "residential_mortgage", 83),
    "工元乐居2021年第二期个人住房抵押贷款证券化信托受托机构报告（第55期）": ("工元乐居", 2021, 2, "residential_mortgage", 55),
    "工元乐居2021年第八期个人住房抵押贷款证券化信托受托机构报告（第48期）": ("工元乐居", 2021, 8, "residential_mortgage", 48),
    "交盈2019年第二期个人住房抵押贷款资产证券化信托受托机构报告第77期": ("交盈", 2019, 2, "residential_mortgage", 77),
    "工元乐居2020年第一期个人住房抵押贷款证券化信托受托机构报告（第61期）": ("工元乐居", 2020, 1, "residential_mortgage", 61),
    "工元乐居2020年第五期个人住房抵押贷款证券化信托受托机构报告（第59期）": ("工元乐居", 2020, 5, "residential_mortgage", 59),
    "交盈2018年第三期个人住房抵押贷款资产证券化信托受托机构报告第83期": ("交盈", 2018, 3, "residential_mortgage", 83),
    "工元乐居2020年第四期个人住房抵押贷款证券化信托受托机构报告（第60期）": ("工元乐居", 2020, 4, "residential_mortgage", 60),
    "瑞泽天驰2025年第二期个人汽车抵押贷款证券化信托受托机构月度报告第3期": ("瑞泽天驰", 2025, 2, "auto_loan", 3),
    "瑞泽天驰2025年第一期个人汽车抵押贷款证券化信托受托机构月度报告第6期": ("瑞泽天驰", 2025, 1, "auto_loan", 6),
    "工元乐居2020年第三期个人住房抵押贷款证券化信托受托机构报告（第60期）": ("工元乐居", 2020, 3, "residential_mortgage", 60),
    "工元乐居2020年第七期个人住房抵押贷款证券化信托受托机构报告（第59期）": ("工元乐居", 2020, 7, "residential_mortgage", 59),
    "工元乐居2020年第六期个人住房抵押贷款证券化信托受托机构报告（第59期）": ("工元乐居", 2020, 6, "residential_mortgage", 59),
    "邮元2014年第一期个人住房贷款证券化信托受托机构报告第136期2025年11月": ("邮元", 2014, 1, "residential_mortgage", 136),
    "工元乐居2020年第二期个人住房抵押贷款证券化信托受托机构报告（第60期）": ("工元乐居", 2020, 2, "residential_mortgage", 60),
    "工元2018年第五期个人住房抵押贷款证券化信托受托机构报告（第88期）": ("工元", 2018, 5, "residential_mortgage", 88),
    "工元2018年第四期个人住房抵押贷款证券化信托受托机构报告（第88期）": ("工元", 2018, 4, "residential_mortgage", 88),
    "工元2018年第十一期个人住房抵押贷款证券化信托受托机构报告（第85期）": ("工元", 2018, 11, "residential_mortgage", 85),
    "工元2018年第十期个人住房抵押贷款证券化信托受托机构报告（第86期）": ("工元", 2018, 10, "residential_mortgage", 86),
    "邮元家和2022年第一期个人住房抵押贷款资产证券化信托受托机构报告第46期": ("邮元家和", 2022, 1, "residential_mortgage", 46),
    "常星2023年第三期个人消费贷款证券化信托受托机构报告(第26期)": ("常星", 2023, 3, "consumer_loan", 26),
    "工元2018年第三期个人住房抵押贷款证券化信托受托机构报告（第90期）": ("工元", 2018, 3, "residential_mortgage", 90),
    "常星2023年第四期个人消费贷款证券化信托受托机构报告(第24期)": ("常星", 2023, 4, "consumer_loan", 24),
    "常星2024年第一期个人消费贷款证券化信托受托机构报告(第20期)": ("常星", 2024, 1, "consumer_loan", 20),
    "常星2024年第二期个人消费贷款证券化信托受托机构报告(第12期)": ("常星", 2024, 2, "consumer_loan", 12),
    "工元2018年第七期个人住房抵押贷款证券化信托受托机构报告（第87期）": ("工元", 2018, 7, "residential_mortgage", 87),
    "南银法巴2024年第一期个人消费贷款资产证券化信托受托机构月度报告(第19期)": ("南银法巴", 2024, 1, "consumer_loan", 19),
    "工元2018年第六期个人住房抵押贷款证券化信托受托机构报告（第88期）": ("工元", 2018, 6, "residential_mortgage", 88),
    "安逸花2025年第三期个人消费贷款资产证券化信托受托机构月度报告第1期": ("安逸花", 2025, 3, "consumer_loan", 1),
    "安逸花2025年第二期个人消费贷款资产证券化信托受托机构月度报告第5期": ("安逸花", 2025, 2, "consumer_loan", 5),
    "安逸花2025年第一期个人消费贷款资产证券化信托受托机构月度报告第6期": ("安逸花", 2025, 1, "consumer_loan", 6),
    "工元2018年第九期个人住房抵押贷款证券化信托受托机构报告（第86期）": ("工元", 2018, 9, "residential_mortgage", 86),
    "丰耀2025年第二期个人汽车抵押贷款证券化信托受托机构月度报告第1期": ("丰耀", 2025, 2, "auto_loan", 1),
    "安顺2022年第一期个人消费贷款证券化信托受托机构报告-第39期": ("安顺", 2022, 1, "consumer_loan", 39),
    "安鑫2019年第二期个人住房抵押贷款证券化信托受托机构月度报告-第71期": ("安鑫", 2019, 2, "residential_mortgage", 71),
    "安鑫2019年第一期个人住房抵押贷款证券化信托受托机构月度报告-第75期": ("安鑫", 2019, 1, "residential_mortgage", 75),
    "安鑫2021年第一期个人住房抵押贷款证券化信托受托机构月度报告-第55期": ("安鑫", 2021, 1, "residential_mortgage", 55),
    "工元2018年第二期个人住房抵押贷款证券化信托受托机构报告（第91期）": ("工元", 2018, 2, "residential_mortgage", 91),
    "工元2018年第八期个人住房抵押贷款证券化信托受托机构报告（第87期）": ("工元", 2018, 8, "residential_mortgage", 87),
    "邮盈惠兴2024年第六期不良资产证券化信托期间受托机构报告总第6期": ("邮盈惠兴", 2024, 6, "npl", 6),
    "屹腾2025年第一期个人汽车贷款资产证券化信托受托机构报告2025年第3期（总第3期）": ("屹腾", 2025, 1, "auto_loan", 3),
    "中盈2016年第二期个人住房抵押贷款证券化信托受托机构报告-第109期": ("中盈", 2016, 2, "residential_mortgage", 109),
    "浦鑫2019年第一期个人住房抵押贷款资产证券化信托受托机构报告第76期": ("浦鑫", 2019, 1, "residential_mortgage", 76),
    "屹腾2025年第二期个人汽车贷款绿色资产证券化信托受托机构报告2025年第3期（总第3期）": ("屹腾", 2025, 2, "auto_loan", 3),
    "中盈2016年第三期个人住房抵押贷款证券化信托受托机构报告-第107期": ("中盈", 2016, 3, "residential_mortgage", 107),
    "飞驰建普2025年第一期微小企业贷款资产证券化信托受托机构报告2025年第4期（总第4期）": ("飞驰建普", 2025, 1, "micro_enterprise_loan", 4),
    "够花2025年第二期个人消费贷款资产证券化信托受托机构报告（第4期）": ("够花", 2025, 2, "consumer_loan", 4),
    "中盈2016年第一期个人住房抵押贷款证券化信托受托机构报告-第110期": ("中盈", 2016, 1, "residential_mortgage", 110),
    "融享2019年第二期个人住房抵押贷款证券化信托受托机构报告第75期": ("融享", 2019, 2, "residential_mortgage", 75),
    "飞驰建普2020年第四期微小企业贷款资产证券化信托受托机构报告2025年第11期（总第58期）": ("飞驰建普", 2020, 4, "micro_enterprise_loan", 58),
    "飞驰建普2020年第二期微小企业贷款资产证券化信托受托机构报告2025年第11期（总第59期）": ("飞驰建普", 2020, 2, "micro_enterprise_loan", 59),
    "飞驰建普2025年第四期微小企业贷款资产证券化信托受托机构报告2025年第1期（总第1期）": ("飞驰建普", 2025, 4, "micro_enterprise_loan", 1),
    "中盈2017年第三期个人住房抵押贷款证券化信托受托机构报告-第95期": ("中盈", 2017, 3, "residential_mortgage", 95),
    "长盈2025年第一期个人汽车抵押贷款绿色证券化信托2025年11月受托机构报告（总第10期）": ("长盈", 2025, 1, "auto_loan", 10),
    "飞驰建普2025年第三期微小企业贷款资产证券化信托受托机构报告2025年第2期（总第2期）": ("飞驰建普", 2025, 3, "micro_enterprise_loan", 2),
    "农盈汇寓2021年第一期个人住房抵押贷款资产证券化信托受托机构报告第58期": ("农盈汇寓", 2021, 1, "residential_mortgage", 58),
    "中盈2017年第二期个人住房抵押贷款证券化信托受托机构报告-第104期": ("中盈", 2017, 2, "residential_mortgage", 104),
    "瑞泽天驰2024年第二期个人汽车抵押贷款证券化信托受托机构月度报告第13期": ("瑞泽天驰", 2024, 2, "auto_loan", 13),
    "农盈汇寓2021年第二期个人住房抵押贷款资产证券化信托受托机构报告第47期": ("农盈汇寓", 2021, 2, "residential_mortgage", 47),
    "长盈2024年第四期个人汽车抵押贷款证券化信托2025年11月受托机构报告（总第12期）": ("长盈", 2024, 4, "auto_loan", 12),
    "丰耀2025年第一期个人汽车抵押贷款证券化信托受托机构月度报告第6期": ("丰耀", 2025, 1, "auto_loan", 6),
    "农盈汇寓2021年第三期个人住房抵押贷款资产证券化信托受托机构报告第47期": ("农盈汇寓", 2021, 3, "residential_mortgage", 47),
    "飞驰建普2025年第二期微小企业贷款资产证券化信托受托机构报告2025年第4期（总第4期）": ("飞驰建普", 2025, 2, "micro_enterprise_loan", 4),
    "中盈2017年第一期个人住房抵押贷款证券化信托受托机构报告-第106期": ("中盈", 2017, 1, "residential_mortgage", 106),
    "够花2025年第一期个人消费贷款资产证券化信托受托机构报告（第8期）": ("够花", 2025, 1, "consumer_loan", 8),
    "汇聚融2023年第一期个人汽车抵押贷款证券化信托受托机构报告第25期": ("汇聚融", 2023, 1, "auto_loan", 25),
    "瑞泽天驰2024年第一期个人汽车抵押贷款证券化信托受托机构月度报告第16期": ("瑞泽天驰", 2024, 1, "auto_loan", 16),
    "中盈2018年第一期个人住房抵押贷款证券化信托受托机构报告-第93期": ("中盈", 2018, 1, "residential_mortgage", 93),
    "瑞泽天驰2024年第三期个人汽车抵押贷款证券化信托受托机构月度报告第11期": ("瑞泽天驰", 2024, 3, "auto_loan", 11),
    "汇聚融2024年第一期个人汽车抵押贷款绿色证券化信托受托机构月度报告第20期": ("汇聚融", 2024, 1, "auto_loan", 20),
    "汇聚融2024年第二期个人汽车抵押贷款证券化信托受托机构月度报告第18期": ("汇聚融", 2024, 2, "auto_loan", 18),
    "龙居安盈2021年第一期个人住房抵押贷款资产支持证券受托机构报告2025年第11期（总第47期）": ("龙居安盈", 2021, 1, "residential_mortgage", 47),
    "汇聚融2024年第三期个人汽车抵押贷款绿色证券化信托受托机构月度报告第16期": ("汇聚融", 2024, 3, "auto_loan", 16),
    "惠益2021年第二期个人住房抵押贷款资产证券化信托受托机构月度报告2025年度第11期（总第56期）": ("惠益", 2021, 2, "residential_mortgage", 56),
    "汇聚融2024年第四期个人汽车抵押贷款证券化信托受托机构月度报告第13期": ("汇聚融", 2024, 4, "auto_loan", 13),
    "建晟2022年第一期信用卡分期资产证券化信托受托机构报告2025年第11期（总第35期）": ("建晟", 2022, 1, "credit_card", 35),
    "汇聚融2025年第一期个人汽车抵押贷款证券化信托受托机构月度报告第7期": ("汇聚融", 2025, 1, "auto_loan", 7),
    "长盈2025年第二期个人汽车抵押贷款证券化信托2025年11月受托机构报告（总第6期）": ("长盈", 2025, 2, "auto_loan", 6),
    "鑫宁2019年第一期个人住房抵押贷款资产证券化信托受托机构报告第76期": ("鑫宁", 2019, 1, "residential_mortgage", 76),
    "龙兴2024年第一期不良资产证券化信托受托机构报告2025年第3期（总第3期）": ("龙兴", 2024, 1, "npl", 3),
    "长盈2025年第三期个人汽车抵押贷款证券化信托2025年11月受托机构报告（总第1期）": ("长盈", 2025, 3, "auto_loan", 1),
}  # fmt: skip


@pytest.fixture(scope="module")
def listing() -> list[dict]:
    return json.loads((REAL_WORLD / "chinabond_trustee_report_listing_2025-11-19.json").read_text(encoding="utf-8"))


def test_listing_titles_all_parse_exactly(listing: list[dict]) -> None:
    titles = [entry["DocTitle"] for entry in listing]
    assert len(titles) == len(set(titles)) == 100
    assert set(titles) == set(LISTING_EXPECTED)
    for title in titles:
        report = parse_report_title(title)
        got = (report.series, report.vintage_year, report.issue_number, report.asset_class, report.period_number)
        assert got == LISTING_EXPECTED[title], title


def test_listing_titles_are_all_credit_abs_trustee_reports(listing: list[dict]) -> None:
    reports = [parse_report_title(entry["DocTitle"]) for entry in listing]
    assert all(r.period_number is not None for r in reports)
    assert {r.report_kind for r in reports} == {"trustee_report"}
    assert {r.deal.market_hint for r in reports} == {"credit_abs"}
    assert not any(r.is_revision or r.is_english for r in reports)
    assert collections.Counter(r.asset_class for r in reports) == {
        "residential_mortgage": 56, "auto_loan": 19, "consumer_loan": 13, "micro_enterprise_loan": 8, "npl": 3,
        "credit_card": 1,
    }  # fmt: skip


def test_listing_titles_agree_with_the_listing_metadata(listing: list[dict]) -> None:
    """Independent checks: FaXingNianFen is the vintage; the MBS channel holds exactly the RMBS."""
    for entry in listing:
        report = parse_report_title(entry["DocTitle"])
        assert str(report.vintage_year) == entry["FaXingNianFen"], entry["DocTitle"]
        in_mbs_channel = "/MBS_fxdfyxqgg/" in entry["DOCPUBURL"]
        assert in_mbs_channel == (report.asset_class == "residential_mortgage"), entry["DocTitle"]


# --------------------------------------------------------------------------- real deal names


@pytest.fixture(scope="module")
def deal_names() -> list[str]:
    frame = pl.read_excel(REAL_WORLD / "deal_names.xlsx", engine="calamine", infer_schema_length=0)
    return frame["项目名称"].to_list()


def test_deal_names_field_counts(deal_names: list[str]) -> None:
    deals = [parse_deal_name(name) for name in deal_names]
    assert len(deals) == 149
    assert sum(d.series is not None for d in deals) == 140
    assert sum(d.vintage_year is not None for d in deals) == 92
    assert sum(d.issue_number is not None for d in deals) == 137
    assert sum(d.is_npl for d in deals) == 20
    assert collections.Counter(d.market_hint for d in deals) == {"exchange_abs": 67, "abn": 61, "credit_abs": 20, None: 1}
    assert collections.Counter(d.asset_class for d in deals) == {
        None: 64, "leasing": 23, "npl": 20, "accounts_receivable": 15, "consumer_loan": 7, "real_estate": 7,
        "microcredit": 5, "infrastructure": 4, "supply_chain": 3, "small_micro_loan": 1,
    }  # fmt: skip


def test_deal_names_without_a_series_are_company_plus_issue_only(deal_names: list[str]) -> None:
    """The nine names with no series name no programme: `<company>YYYY年度第N期<labels>…`."""
    missing = sorted(name for name in deal_names if parse_deal_name(name).series is None)
    assert missing == sorted([
        "光大环保(中国)有限公司2023年度第一期绿色定向资产支持票据",
        "上海蔚来融资租赁有限公司2024年度第一期绿色定向资产支持票据",
        "中铁建设集团有限公司2023年度第一期定向资产支持票据",
        "君创国际融资租赁有限公司2023年度第二期普惠定向资产支持票据(债券通)",
        "厦门建发股份有限公司2024年度1号第一期应收账款定向资产支持商业票据",
        "武汉蔚能电池资产有限公司2025年度第一期绿色科技创新定向资产支持证券",
        "京能国际能源发展(北京)有限公司2024年度3号第一期定向资产支持商业票据",
        "京能国际能源发展(北京)有限公司2025年度4号第一期绿色定向资产支持商业票据",
        "深圳弗迪融资租赁有限公司2025年度第一期绿色资产支持票据",
    ])  # fmt: skip


DEAL_SPOT_CHECKS = {
    "工元至诚2019年第三期不良资产支持证券": ("工元至诚", 2019, 3, "npl", "credit_abs"),
    "浦鑫归航2021年第四期不良资产支持证券": ("浦鑫归航", 2021, 4, "npl", "credit_abs"),
    "橙益2024年第十六期不良资产支持证券": ("橙益", 2024, 16, "npl", "credit_abs"),
    "华融华元1期资产支持专项计划": ("华融华元", None, 1, None, "exchange_abs"),
    "中金-美好生活7号资产支持专项计划": ("美好生活7号", None, None, None, "exchange_abs"),
    "2022平安租赁3号资产支持专项计划": ("平安租赁3号", 2022, None, "leasing", "exchange_abs"),
    "广汽租赁2022-2资产支持专项计划（碳中和）": ("广汽租赁", 2022, 2, "leasing", "exchange_abs"),
    "北京京东世纪贸易有限公司2024年度东裕3号秋裕京东白条第一期定向资产支持商业票据": ("东裕3号", 2024, 1, "consumer_loan", "abn"),
    "易鑫租赁-天津恒通2024年度第一期定向资产支持票据": ("天津恒通", 2024, 1, "leasing", "abn"),
    "国投泰康信托有限公司2025年度浩悦第一期定向资产支持票据": ("浩悦", 2025, 1, None, "abn"),
    "东樾2025年度3号第八期定向资产支持票据": ("东樾", 2025, 8, None, "abn"),
    "重庆美团三快小额贷款有限公司2024年度美月第三期定向资产支持票据": ("美月", 2024, 3, "microcredit", "abn"),
    "君创国际融资租赁有限公司2023年度第一期君惠融助力民营企业定向资产支持票据": ("君惠融", 2023, 1, "leasing", "abn"),
    "京东科技荟享15号第1期资产支持专项计划（可续发型）（第2期次）": ("京东科技荟享15号", None, 1, None, "exchange_abs"),
    "太平洋-荟璟供应链金融4期资产支持专项计划": ("荟璟", None, 4, "supply_chain", "exchange_abs"),
    "小鹏融资租赁2025第1期绿色资产支持专项计划（碳中和）": ("小鹏融资租赁", 2025, 1, "leasing", "exchange_abs"),
    "中铁资本工鑫39期资产支持专项计划1号（可续发型）": ("中铁资本工鑫", None, 39, None, "exchange_abs"),
    "三冶集团2022年应收账款资产支持专项计划": ("三冶集团", 2022, None, "accounts_receivable", "exchange_abs"),
    "国君资管-无锡经济开发区国家传感信息产业园持有型不动产资产支持专项计划": (
        "无锡经济开发区国家传感信息产业园", None, None, "real_estate", "exchange_abs",
    ),
    "中信证券-凯德商业资产1号资产支持专项计划": ("凯德商业资产1号", None, None, "real_estate", "exchange_abs"),
    "武汉蔚能电池资产有限公司2025年度第一期绿色科技创新定向资产支持证券": (None, 2025, 1, None, None),
    "兴瑞2025年第十一期不良资产支持证券": ("兴瑞", 2025, 11, "npl", "credit_abs"),
}  # fmt: skip


def test_deal_names_spot_checks(deal_names: list[str]) -> None:
    assert set(DEAL_SPOT_CHECKS) <= set(deal_names)
    for name, expected in DEAL_SPOT_CHECKS.items():
        deal = parse_deal_name(name)
        assert (deal.series, deal.vintage_year, deal.issue_number, deal.asset_class, deal.market_hint) == expected, name
