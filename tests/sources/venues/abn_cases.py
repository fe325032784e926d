"""ABN 资产运营报告 as chinamoney and Shanghai Clearing publish them, for both connectors' tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sources.base import SHANGHAI

START = datetime(2025, 3, 3, 16, 30, tzinfo=SHANGHAI)
NOTE = "中粮信托有限责任公司2025年度网商粮信第一期小微企业贷款定向资产支持票据"
CODE, ABBR = "082570077", "25粮信ABN001优先A1"


def publish_abn_reports(market, count: int, start_period: int = 1) -> list:
    """``count`` periodic reports a week apart, and what a search also finds and a connector must
    leave: an annual report and a payment notice that mentions a report."""
    out = []
    for i in range(count):
        period = start_period + i
        out.append(market.add(f"{NOTE}信托资产运营报告(第{period}期)", START + timedelta(days=7 * i, hours=i),
                              category="abn_operating_report", code=CODE, abbr=ABBR))
    market.add(f"{NOTE}2025年度资产运营报告", START + timedelta(days=3), category="abn_annual_report",
               code=CODE, abbr=ABBR)
    market.add(f"关于{NOTE}付息兑付安排的公告（运营报告附件）", START + timedelta(days=4), category="notice",
               code=CODE, abbr=ABBR)
    return out
