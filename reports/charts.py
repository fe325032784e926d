"""The seed reports' charts, rebuilt from the warehouse: one PNG per chart and an offline HTML page.

``build_report(con, out_dir)`` runs one SQL query (or two) per chart against ``marts`` (``core`` only
for the yield-curve line), draws the chart with matplotlib's Agg canvas and writes ``index.html``
next to the PNGs: no external CSS or JavaScript, images referenced relatively, a caption per chart
saying what it shows and which tables it comes from. Nothing is typed in from the reports — every
bar, point and line is a row of the warehouse the connection points at.

The connection needs the marts (``warehouse.marts.apply_marts``); a read-only published warehouse
built before the marts existed can be opened with ``open_with_marts``, which lays the marts over
it in memory without writing to it.

Output is deterministic: fixed figure size and dpi, the CJK font committed in the repository
(``sample_market/fonts``; no system font), no software/date metadata in the PNGs, no timestamps
in the page other than the warehouse's own last run.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

FONT_PATH = Path(__file__).resolve().parents[1] / "sample_market" / "fonts" / "wqy-microhei-gb2312.ttf"
FIGSIZE = (10.0, 6.0)  # inches
DPI = 110  # → 1100 × 660 px
PNG_METADATA = {"Software": None}  # no matplotlib version in the bytes

MARKET_ZH = {"abn": "ABN", "exchange_abs": "交易所ABS", "credit_abs": "信贷ABS"}
PROVIDER_ZH = {
    "commercial_bank": "商业银行",
    "internet_platform": "互联网平台",
    "private_bank": "民营银行",
    "financing_guarantor": "融资担保公司",
    "micro_lender": "小贷公司",
    "pc_insurer": "财险公司",
}
LIQUIDATION_ZH = {
    "clean_up_call": "清仓回购",
    "full_liquidation": "全部变现",
    "in_kind_distribution": "原状分配",
}
BLUE, ORANGE, GREY, GREEN, RED, PURPLE = "#1f5fa8", "#e07b1a", "#a8adb4", "#3a9a5b", "#c23b3b", "#7b4fa8"
PROVIDER_COLOURS = {"commercial_bank": BLUE, "internet_platform": ORANGE, "private_bank": GREEN,
                    "financing_guarantor": PURPLE}


# ───────────────────────────── queries ─────────────────────────────

LEASING_MONTHLY_ISSUANCE_SQL = """
-- leasing ABS by value-date month, Jan–Jul 2025, with the same month of 2024 and YoY
SELECT month_number, deals, amount_yi, deals_prev_year, amount_prev_year_yi, deals_yoy, amount_yoy
FROM marts.issuance_by_month
WHERE asset_class = 'leasing' AND period_year = 2025 AND month_number <= 7
ORDER BY month_number
"""

SMALL_MICRO_ISSUANCE_BY_MARKET_SQL = """
-- small-micro loan ABS by market, calendar 2024 and 2025 (year-to-date through December)
SELECT market, period_year, deals, amount_yi, amount_yoy
FROM marts.issuance_by_market
WHERE asset_class = 'small_micro_loan' AND through_month = 12 AND period_year IN (2024, 2025)
ORDER BY market, period_year
"""

LEASING_AAA_COUPONS_SQL = """
-- AAAsf senior tranches of leasing deals valued Jan–Jul 2025: coupon, tenor, benchmark, spread
SELECT expected_tenor_years, coupon_rate, benchmark_yield, spread_bp
FROM marts.tranche_facts
WHERE asset_class = 'leasing' AND is_senior AND initial_rating = 'AAAsf'
  AND value_year = 2025 AND value_month <= 7
  AND coupon_rate IS NOT NULL AND expected_tenor_years IS NOT NULL
ORDER BY expected_tenor_years, coupon_rate
"""

MTN_AAA_CURVE_SQL = """
-- the ChinaBond MTN AAA curve over Jan–Jul 2025: mean, lowest and highest yield per standard tenor
SELECT tenor_years, avg(yield_rate) AS mean_yield, min(yield_rate) AS low_yield, max(yield_rate) AS high_yield,
       count(DISTINCT curve_date) AS curve_dates
FROM core.yield_curves
WHERE curve_name_zh = '中债中短期票据收益率曲线(AAA)'
  AND curve_date BETWEEN DATE '2025-01-01' AND DATE '2025-07-31'
  AND tenor_years <= ?
GROUP BY tenor_years
ORDER BY tenor_years
"""

LEASING_RATING_MIGRATION_SQL = """
-- tracking actions on leasing tranches Jan–Jul 2025: distinct tranches per (previous, tracking) rating
SELECT rating_before, rating_after, rating_before_rank, rating_after_rank,
       count(DISTINCT tranche_id) AS tranches,
       count(*) FILTER (WHERE is_upgrade) AS upgrades,
       count(*) FILTER (WHERE is_downgrade) AS downgrades
FROM marts.rating_migrations
WHERE asset_class = 'leasing' AND action_date BETWEEN DATE '2025-01-01' AND DATE '2025-07-31'
GROUP BY ALL
ORDER BY rating_before_rank, rating_after_rank
"""

SMALL_MICRO_DEFAULT_CURVES_SQL = """
-- 90+ cumulative default rate of every small-micro deal with trustee reports, by months on book
SELECT deal_id, deal_short_name, asset_provider_category, months_on_book, cumulative_default_rate
FROM marts.pool_performance_by_mob
WHERE asset_class = 'small_micro_loan' AND cumulative_default_rate IS NOT NULL
ORDER BY deal_id, months_on_book, period_number
"""

SMALL_MICRO_REVOLVING_MULTIPLES_SQL = """
-- revolving multiple (cumulative revolving purchases / initial pool) of revolving small-micro deals
SELECT deal_id, deal_short_name, asset_provider_category, months_on_book, revolving_multiple,
       revolving_periods_to_date, is_latest_period
FROM marts.pool_performance_by_mob
WHERE asset_class = 'small_micro_loan' AND is_revolving AND revolving_multiple IS NOT NULL
ORDER BY deal_id, months_on_book, period_number
"""

NPL_RECOVERY_BY_VINTAGE_SQL = """
-- credit-type small-micro NPAS (interbank): mean cumulative recovery rate per vintage and month since issue
SELECT vintage, months_since_issue, deals_reporting, vintage_deals, mean_cumulative_recovery_rate,
       mean_expected_gross_recovery_rate
FROM marts.npl_recoveries_by_vintage
WHERE is_credit_type_interbank
ORDER BY vintage, months_since_issue
"""

AMC_BOND_ISSUANCE_SQL = """
-- onshore bonds of local AMCs (ABS and offshore excluded) by year of value date, long vs short term,
-- to the end of the report's window (2025-11-30)
SELECT value_year, term_class, count(*) AS bonds, sum(amount_cny) / 1e8 AS issued_yi
FROM marts.amc_bond_issuance
WHERE is_onshore_debt AND value_date <= ?
GROUP BY ALL
ORDER BY value_year, term_class
"""

AMC_NET_FINANCING_SQL = """
-- net financing (issuance − repayments) of local AMCs' onshore bonds by year, to the same date
SELECT period_year, sum(issued_cny) / 1e8 AS issued_yi, sum(repaid_cny) / 1e8 AS repaid_yi,
       sum(net_financing_cny) / 1e8 AS net_financing_yi
FROM marts.amc_net_financing
WHERE period_month <= ?
GROUP BY ALL
ORDER BY period_year
"""

AMC_MATURITY_WALL_SQL = """
-- onshore AMC bonds outstanding at the month end by year due (puttable bonds at their next put date)
SELECT due_year, bonds, amount_yi, share_of_outstanding, total_outstanding_yi
FROM marts.amc_maturity_wall
WHERE as_of_date = ?
ORDER BY due_year
"""

MICRO_ENTERPRISE_SUB_IRR_SQL = """
-- subordinated tranches of liquidated micro-enterprise loan deals sold to outside investors:
-- IRR at the issue price against the pool's cumulative default rate at liquidation
SELECT s.deal_short_name, s.irr, l.pool_cumulative_default_rate, l.liquidation_method
FROM marts.subordinated_tranche_outcomes s
JOIN marts.liquidations l USING (deal_id)
WHERE s.asset_class = 'micro_enterprise_loan' AND s.is_externally_placed
ORDER BY l.pool_cumulative_default_rate, s.deal_short_name
"""

LAST_RUN_SQL = """
SELECT run_id, finished_at FROM dq.runs WHERE outcome = 'published' ORDER BY started_at DESC LIMIT 1
"""

AMC_REPORT_DATE = "2025-11-30"  # the AMC report's window ends at the end of November 2025


# ───────────────────────────── helpers ─────────────────────────────

def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows as dicts, numbers as float (for drawing only), rounded to 10 significant digits so that
    the last-bit noise of parallel DOUBLE aggregation in the marts never changes a PNG's bytes."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [{n: _stable(v) for n, v in zip(names, row)} for row in cur.fetchall()]


def _stable(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        return float(f"{value:.10g}")
    return value


def _new_figure(ncols: int = 1) -> tuple[Figure, list]:
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _no_data(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=13, color="#555555",
            wrap=True, bbox={"boxstyle": "round,pad=0.6", "facecolor": "#f3f4f6", "edgecolor": GREY})
    ax.set_xticks([])
    ax.set_yticks([])


def _pct(decimals: int = 0) -> PercentFormatter:
    return PercentFormatter(xmax=1.0, decimals=decimals)


def _yi(value: float) -> str:
    return f"{value:,.2f}"


def _style(ax) -> None:
    ax.grid(axis="y", color="#e3e5e8", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ───────────────────────────── charts ─────────────────────────────
# Each chart function draws one figure and returns it with a short note of what the data held
# (counts, totals), which goes under the chart in the page.

def leasing_monthly_issuance(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, LEASING_MONTHLY_ISSUANCE_SQL)
    fig, (ax_n, ax_a) = _new_figure(ncols=2)
    if not rows:
        _no_data(ax_n, "无2025年1-7月融资租赁ABS发行数据")
        _no_data(ax_a, "无数据")
        return fig, "no leasing deals valued Jan–Jul 2025 in this build"
    months = [int(r["month_number"]) for r in rows]
    labels = [f"{m}月" for m in months]
    x = list(range(len(months)))
    width = 0.38
    panels = (
        (ax_n, "deals", "deals_prev_year", "deals_yoy", "发行单数（单）", "{:.0f}"),
        (ax_a, "amount_yi", "amount_prev_year_yi", "amount_yoy", "发行规模（亿元）", "{:.0f}"),
    )
    for ax, now, before, yoy, ylabel, fmt in panels:
        prev = [r[before] or 0 for r in rows]
        cur = [r[now] or 0 for r in rows]
        ax.bar([i - width / 2 for i in x], prev, width, color=GREY, label="2024年同月")
        bars = ax.bar([i + width / 2 for i in x], cur, width, color=BLUE, label="2025年")
        ax.bar_label(bars, labels=[fmt.format(v) for v in cur], fontsize=8, padding=2)
        ax.set_xticks(x, labels)
        ax.set_ylabel(ylabel)
        ax.margins(y=0.15)
        _style(ax)
        twin = ax.twinx()
        twin.plot(x, [r[yoy] if r[yoy] is not None else float("nan") for r in rows], color=ORANGE,
                  marker="o", linewidth=2, label="同比（右轴）")
        twin.axhline(0, color=ORANGE, linewidth=0.6, linestyle=":")
        twin.yaxis.set_major_formatter(_pct())
        twin.set_ylabel("同比")
        twin.spines["top"].set_visible(False)
        handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False)
    ax_n.set_title("各月发行单数及同比")
    ax_a.set_title("各月发行规模及同比")
    deals = sum(int(r["deals"]) for r in rows)
    amount = sum(r["amount_yi"] for r in rows)
    prev_deals = sum(int(r["deals_prev_year"] or 0) for r in rows)
    prev_amount = sum(r["amount_prev_year_yi"] or 0 for r in rows)
    note = f"Jan–Jul 2025: {deals} deals, {_yi(amount)} 亿元 (Jan–Jul 2024: {prev_deals} deals, {_yi(prev_amount)} 亿元)."
    return fig, note


def small_micro_issuance_by_market(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, SMALL_MICRO_ISSUANCE_BY_MARKET_SQL)
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, "无2024/2025年小微贷款ABS发行数据")
        return fig, "no small-micro deals in 2024–2025 in this build"
    by = {(r["market"], int(r["period_year"])): r for r in rows}
    order = {m: i for i, m in enumerate(MARKET_ZH)}
    markets = sorted({r["market"] for r in rows}, key=lambda m: (order.get(m, 99), m))
    x = list(range(len(markets)))
    width = 0.38
    for offset, year, colour in ((-width / 2, 2024, GREY), (width / 2, 2025, BLUE)):
        cells = [by.get((m, year)) for m in markets]
        bars = ax.bar([i + offset for i in x], [c["amount_yi"] if c else 0 for c in cells], width,
                      color=colour, label=f"{year}年")
        ax.bar_label(bars, labels=[f"{c['amount_yi']:,.2f}\n{int(c['deals'])}单" if c else "" for c in cells],
                     fontsize=8, padding=2)
    for i, m in enumerate(markets):
        cell = by.get((m, 2025))
        if cell and cell["amount_yoy"] is not None:
            top = max((by.get((m, y)) or {}).get("amount_yi", 0) or 0 for y in (2024, 2025))
            ax.annotate(f"同比 {cell['amount_yoy']:+.2%}", (i, top), xytext=(0, 30), textcoords="offset points",
                        ha="center", fontsize=9, color=ORANGE)
    ax.set_xticks(x, [MARKET_ZH.get(m, m) for m in markets])
    ax.set_ylabel("发行规模（亿元）")
    ax.margins(y=0.25)
    ax.legend(loc="upper right", frameon=False)
    _style(ax)
    totals = {y: sum((by.get((m, y)) or {}).get("amount_yi", 0) or 0 for m in markets) for y in (2024, 2025)}
    deals = {y: sum(int((by.get((m, y)) or {}).get("deals", 0) or 0) for m in markets) for y in (2024, 2025)}
    note = (f"2025: {deals[2025]} deals, {_yi(totals[2025])} 亿元; "
            f"2024: {deals[2024]} deals, {_yi(totals[2024])} 亿元.")
    return fig, note


def leasing_aaa_coupons_vs_mtn_curve(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    tranches = _rows(con, LEASING_AAA_COUPONS_SQL)
    fig, (ax,) = _new_figure()
    if not tranches:
        _no_data(ax, "无2025年1-7月融资租赁ABS AAAsf优先级证券")
        return fig, "no AAAsf senior leasing tranches valued Jan–Jul 2025 in this build"
    max_tenor = max(r["expected_tenor_years"] for r in tranches)
    curve = _rows(con, MTN_AAA_CURVE_SQL, [float(int(max_tenor) + 1)])
    ax.scatter([r["expected_tenor_years"] for r in tranches], [r["coupon_rate"] for r in tranches],
               s=18, color=BLUE, alpha=0.65, edgecolors="none", label=f"AAAsf优先级证券发行利率（{len(tranches)}只）")
    if curve:
        tenors = [r["tenor_years"] for r in curve]
        ax.fill_between(tenors, [r["low_yield"] for r in curve], [r["high_yield"] for r in curve],
                        color=ORANGE, alpha=0.15, linewidth=0, label="中债中短期票据(AAA) 区间内最低–最高")
        ax.plot(tenors, [r["mean_yield"] for r in curve], color=ORANGE, linewidth=2.2, marker="o", markersize=4,
                label=f"中债中短期票据收益率曲线(AAA) 2025年1-7月均值（{int(curve[0]['curve_dates'])}个曲线日）")
    spreads = [r["spread_bp"] for r in tranches if r["spread_bp"] is not None]
    coupons = [r["coupon_rate"] for r in tranches]
    mean_spread = _mean(spreads)
    summary = f"平均发行利率 {_mean(coupons):.2%}，区间 {min(coupons):.2%}–{max(coupons):.2%}"
    if mean_spread is not None:
        summary += f"\n相对同期限中债中短期票据(AAA)平均利差 {mean_spread:.0f}bp"
    ax.text(0.98, 0.04, summary, transform=ax.transAxes, ha="right", va="bottom", fontsize=10,
            bbox={"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": GREY})
    ax.set_xlabel("预期期限（年）")
    ax.set_ylabel("利率")
    ax.yaxis.set_major_formatter(_pct(1))
    ax.set_xlim(left=0)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    _style(ax)
    note = (f"{len(tranches)} AAAsf senior tranches; mean coupon {_mean(coupons):.2%}, range "
            f"{min(coupons):.2%}–{max(coupons):.2%}")
    if mean_spread is not None:
        note += f"; mean spread over the curve at the same date and tenor {mean_spread:.0f} bp"
    return fig, note + "."


def leasing_rating_migration_matrix(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, LEASING_RATING_MIGRATION_SQL)
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, "2025年1-7月无融资租赁ABS跟踪评级")
        return fig, "no tracking rating actions on leasing tranches Jan–Jul 2025 in this build"
    ranks: dict[str, int] = {}
    for r in rows:
        ranks[r["rating_before"]] = r["rating_before_rank"] or 99
        ranks[r["rating_after"]] = r["rating_after_rank"] or 99
    grades = sorted(ranks, key=lambda g: (ranks[g], g))
    index = {g: i for i, g in enumerate(grades)}
    matrix = [[0] * len(grades) for _ in grades]
    for r in rows:
        matrix[index[r["rating_before"]]][index[r["rating_after"]]] += int(r["tranches"])
    masked = [[v if v else float("nan") for v in line] for line in matrix]
    peak = max(max(line) for line in matrix)
    image = ax.imshow(masked, cmap="Blues", norm=LogNorm(vmin=0.4, vmax=max(peak, 2)), aspect="auto")
    for i, line in enumerate(matrix):
        for j, v in enumerate(line):
            if v:
                ax.text(j, i, f"{v}", ha="center", va="center", fontsize=12,
                        color="white" if v > peak ** 0.6 else "#1b1b1b")
            elif i == j:
                ax.text(j, i, "0", ha="center", va="center", fontsize=10, color="#b0b4ba")
    column_totals = [sum(matrix[i][j] for i in range(len(grades))) for j in range(len(grades))]
    row_totals = [sum(line) for line in matrix]
    ax.set_xticks(range(len(grades)), [f"{g}\n合计 {t}" for g, t in zip(grades, column_totals)])
    ax.set_yticks(range(len(grades)), [f"{g}（{t}）" for g, t in zip(grades, row_totals)])
    ax.xaxis.set_ticks_position("top")
    ax.xaxis.set_label_position("top")
    ax.set_xlabel("跟踪评级级别")
    ax.set_ylabel("初始/上次评级级别（证券只数）")
    ax.set_xticks([i - 0.5 for i in range(1, len(grades))], minor=True)
    ax.set_yticks([i - 0.5 for i in range(1, len(grades))], minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    bar = fig.colorbar(image, ax=ax, label="证券只数（对数色阶）", shrink=0.8)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    tranches = sum(row_totals)
    upgrades = sum(int(r["upgrades"]) for r in rows)
    downgrades = sum(int(r["downgrades"]) for r in rows)
    note = f"{tranches} tranches tracked; {upgrades} upgrades, {downgrades} downgrades."
    ax.set_title(f"共{tranches}只证券：上调{upgrades}只，下调{downgrades}只；对角线以外为级别变动", fontsize=10)
    return fig, note


def _curves_by_deal(rows: list[dict[str, Any]], value: str) -> dict[str, dict[str, Any]]:
    deals: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = deals.setdefault(r["deal_id"], {"name": r["deal_short_name"], "category": r["asset_provider_category"],
                                            "x": [], "y": []})
        d["x"].append(int(r["months_on_book"]))
        d["y"].append(r[value])
    return deals


def small_micro_default_curves(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, SMALL_MICRO_DEFAULT_CURVES_SQL)
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, "无小微贷款ABS累计违约率数据")
        return fig, "no small-micro trustee-report histories with a cumulative default rate in this build"
    deals = _curves_by_deal(rows, "cumulative_default_rate")
    for d in deals.values():
        colour = {"commercial_bank": BLUE, "internet_platform": ORANGE}.get(d["category"], GREY)
        ax.plot(d["x"], d["y"], color=colour, linewidth=0.9, alpha=0.45 if colour != GREY else 0.6)
    counts = {}
    for category, colour in (("commercial_bank", BLUE), ("internet_platform", ORANGE)):
        points: dict[int, list[float]] = {}
        members = [d for d in deals.values() if d["category"] == category]
        counts[category] = len(members)
        for d in members:
            for x, y in zip(d["x"], d["y"]):
                points.setdefault(x, []).append(y)
        if points:
            xs = sorted(points)
            ax.plot(xs, [_mean(points[x]) for x in xs], color=colour, linewidth=3,
                    label=f"{PROVIDER_ZH[category]}均值（{len(members)}单）")
    others = len(deals) - sum(counts.values())
    if others:
        ax.plot([], [], color=GREY, linewidth=1.2, label=f"其他资产提供方（{others}单）")
    ax.plot([], [], color="#555555", linewidth=0.9, alpha=0.6, label="细线：单个项目")
    ax.set_xlabel("存续月数（起息日至收款期末）")
    ax.set_ylabel("90+累计违约率")
    ax.yaxis.set_major_formatter(_pct(2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    _style(ax)
    latest = [d["y"][-1] for d in deals.values()]
    note = (f"{len(deals)} deals ({counts['commercial_bank']} commercial-bank, {counts['internet_platform']} "
            f"internet-platform providers, {others} other); latest reported rate {min(latest):.2%}–{max(latest):.2%}.")
    return fig, note


def small_micro_revolving_multiples(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, SMALL_MICRO_REVOLVING_MULTIPLES_SQL)
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, "无小微贷款ABS循环购买数据")
        return fig, "no revolving small-micro deals with trustee reports in this build"
    deals = _curves_by_deal(rows, "revolving_multiple")
    latest = {r["deal_id"]: r for r in rows if r["is_latest_period"]}
    seen: set[str] = set()
    for deal_id, d in deals.items():
        colour = PROVIDER_COLOURS.get(d["category"], GREY)
        label = None
        if d["category"] not in seen:
            seen.add(d["category"])
            n = sum(1 for other in deals.values() if other["category"] == d["category"])
            label = f"{PROVIDER_ZH.get(d['category'], d['category'])}（{n}单）"
        ax.plot(d["x"], d["y"], color=colour, linewidth=1.4, alpha=0.8, label=label)
        ax.scatter(d["x"][-1:], d["y"][-1:], color=colour, s=22, zorder=3)
    ends = [r["revolving_multiple"] for r in latest.values()]
    if ends:
        mean_end = _mean(ends)
        ax.axhline(mean_end, color="#333333", linestyle="--", linewidth=1)
        ax.annotate(f"最新倍数均值 {mean_end:.2f}", (0, mean_end), xytext=(4, 4), textcoords="offset points",
                    fontsize=9, color="#333333")
        top = max(latest.values(), key=lambda r: r["revolving_multiple"])
        ax.annotate(f"{top['deal_short_name']} {top['revolving_multiple']:.2f}倍\n（已循环{top['revolving_periods_to_date']}期）",
                    (top["months_on_book"], top["revolving_multiple"]), xytext=(-10, 8), textcoords="offset points",
                    ha="right", fontsize=8)
    ax.set_xlabel("存续月数（起息日至收款期末）")
    ax.set_ylabel("循环购买倍数（累计循环购买金额/初始资产池本金）")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    ax.set_ylim(0, max(r["revolving_multiple"] for r in rows) * 1.12)
    ax.legend(loc="upper left", fontsize=9, frameon=False, title="资产提供方", title_fontsize=9)
    _style(ax)
    by_category: dict[str, list[float]] = {}
    for deal_id, r in latest.items():
        by_category.setdefault(r["asset_provider_category"], []).append(r["revolving_multiple"])
    parts = ", ".join(f"{c} {_mean(v):.2f}" for c, v in sorted(by_category.items()))
    note = (f"{len(deals)} revolving deals; latest multiple mean {_mean(ends):.2f}, "
            f"max {max(ends):.2f}, min {min(ends):.2f} (by provider: {parts}).") if ends else f"{len(deals)} deals."
    return fig, note


def npl_recovery_by_vintage(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, NPL_RECOVERY_BY_VINTAGE_SQL)
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, "无信用类小微不良资产支持证券回收数据")
        return fig, "no credit-type small-micro NPAS recoveries in this build"
    vintages: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        vintages.setdefault(int(r["vintage"]), []).append(r)
    colours = matplotlib.colormaps["viridis"]
    for k, (vintage, points) in enumerate(sorted(vintages.items())):
        colour = colours(k / max(len(vintages) - 1, 1) * 0.85)
        xs = [int(p["months_since_issue"]) for p in points]
        ys = [p["mean_cumulative_recovery_rate"] for p in points]
        complete = [p["deals_reporting"] == p["vintage_deals"] for p in points]
        expected = points[0]["mean_expected_gross_recovery_rate"]
        label = f"{vintage}年（{int(points[0]['vintage_deals'])}单"
        label += f"，预估毛回收率{expected:.1%}）" if expected is not None else "）"
        ax.plot(xs, ys, color=colour, linewidth=1.2, linestyle="--")
        # solid while every deal of the vintage reports: the mean is over the same deals
        full = [i for i, c in enumerate(complete) if c]
        if full:
            last = max(full) + 1
            ax.plot(xs[:last], ys[:last], color=colour, linewidth=2.4, marker="o", markersize=3.5, label=label)
        else:
            ax.plot([], [], color=colour, linewidth=2.4, label=label)
    ax.plot([], [], color="#555555", linestyle="--", linewidth=1.2, label="虚线：仅部分项目已有报告")
    ax.set_xlabel("发行后月数（起息日至支付日）")
    ax.set_ylabel("累计回收率（累计处置回收/初始资产池本金）")
    ax.yaxis.set_major_formatter(_pct())
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=9, frameon=False, title="发行年度", title_fontsize=9)
    _style(ax)
    deals = sum(int(points[0]["vintage_deals"]) for points in vintages.values())
    note = f"{deals} deals in {len(vintages)} vintages ({min(vintages)}–{max(vintages)})."
    return fig, note


def amc_bond_issuance_and_net_financing(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    issuance = _rows(con, AMC_BOND_ISSUANCE_SQL, [AMC_REPORT_DATE])
    net = _rows(con, AMC_NET_FINANCING_SQL, [AMC_REPORT_DATE])
    if not issuance:
        fig, (ax,) = _new_figure()
        _no_data(ax, "无地方AMC债券发行数据")
        return fig, "no onshore AMC bonds in this build"
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax, ax_net = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    years = sorted({int(r["value_year"]) for r in issuance} | {int(r["period_year"]) for r in net})
    amounts = {(int(r["value_year"]), r["term_class"]): r["issued_yi"] for r in issuance}
    long_ = [amounts.get((y, "long"), 0) for y in years]
    short = [amounts.get((y, "short"), 0) for y in years]
    partial_year = int(AMC_REPORT_DATE[:4])
    labels = [f"{y}\n(1-11月)" if y == partial_year else str(y) for y in years]
    x = list(range(len(years)))
    ax.bar(x, long_, 0.6, color=BLUE, label="长期债券（期限≥1年）")
    top = ax.bar(x, short, 0.6, bottom=long_, color="#8fb3de", label="短期债券（期限<1年）")
    ax.bar_label(top, labels=[f"{a + b:.1f}" for a, b in zip(long_, short)], fontsize=8, padding=2)
    ax.set_ylabel("发行规模（亿元）")
    ax.margins(y=0.12)
    ax.legend(loc="upper left", frameon=False)
    _style(ax)
    net_by_year = {int(r["period_year"]): r["net_financing_yi"] for r in net}
    values = [net_by_year.get(y, 0.0) for y in years]
    bars = ax_net.bar(x, values, 0.6, color=[ORANGE if v >= 0 else RED for v in values], label="净融资额（发行−偿还）")
    ax_net.bar_label(bars, labels=[f"{v:.1f}" if y in net_by_year else "" for y, v in zip(years, values)],
                     fontsize=8, padding=2)
    ax_net.axhline(0, color="#666666", linewidth=0.8)
    ax_net.set_ylabel("净融资额（亿元）")
    ax_net.set_xticks(x, labels)
    ax_net.margins(y=0.2)
    ax_net.legend(loc="upper left", frameon=False)
    _style(ax_net)
    by_year = {y: (a, b) for y, a, b in zip(years, long_, short)}
    notes = []
    for y in years[-2:]:
        a, b = by_year[y]
        span = f"{y} (Jan–Nov)" if y == partial_year else str(y)
        notes.append(f"{span}: long-term {_yi(a)}, short-term {_yi(b)}, net financing "
                     f"{_yi(net_by_year.get(y, 0.0))} 亿元")
    return fig, "; ".join(notes) + "."


def amc_maturity_wall(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, AMC_MATURITY_WALL_SQL, [AMC_REPORT_DATE])
    fig, (ax,) = _new_figure()
    if not rows:
        _no_data(ax, f"{AMC_REPORT_DATE}无存续地方AMC债券")
        return fig, f"no AMC bonds outstanding at {AMC_REPORT_DATE} in this build"
    years = [int(r["due_year"]) for r in rows]
    bars = ax.bar([str(y) for y in years], [r["amount_yi"] for r in rows], 0.6, color=BLUE)
    ax.bar_label(bars, labels=[f"{r['amount_yi']:,.2f}\n{r['share_of_outstanding']:.2%}·{int(r['bonds'])}只"
                               for r in rows], fontsize=8, padding=2)
    total = rows[0]["total_outstanding_yi"]
    ax.set_xlabel("到期（行权）年度")
    ax.set_ylabel("到期金额（亿元）")
    ax.margins(y=0.18)
    ax.text(0.99, 0.97, f"存续规模合计 {total:,.2f} 亿元", transform=ax.transAxes, ha="right", va="top", fontsize=10)
    _style(ax)
    biggest = max(rows, key=lambda r: r["amount_yi"])
    note = (f"{_yi(total)} 亿元 outstanding; the largest year is {int(biggest['due_year'])} "
            f"({_yi(biggest['amount_yi'])} 亿元, {biggest['share_of_outstanding']:.2%}).")
    nxt = [r for r in rows if int(r["due_year"]) == int(AMC_REPORT_DATE[:4]) + 1]
    if nxt:
        note += f" Due in {nxt[0]['due_year']}: {_yi(nxt[0]['amount_yi'])} 亿元 ({nxt[0]['share_of_outstanding']:.2%})."
    return fig, note


def micro_enterprise_sub_irr_vs_default(con: duckdb.DuckDBPyConnection) -> tuple[Figure, str]:
    rows = _rows(con, MICRO_ENTERPRISE_SUB_IRR_SQL)
    with_irr = [r for r in rows if r["irr"] is not None and r["pool_cumulative_default_rate"] is not None]
    fig, (ax,) = _new_figure()
    if not with_irr:
        _no_data(ax, f"本仓库中{len(rows)}只对外配售的已清算次级档均无IRR\n"
                     "（marts.subordinated_tranche_outcomes.irr 为空：core.subordinated_cash_flows 无现金流）")
        return fig, (f"{len(rows)} externally placed subordinated tranches of liquidated deals, none with an IRR: "
                     "core.subordinated_cash_flows holds no cash flows in this build.")
    for method, marker, colour in (("clean_up_call", "o", BLUE), ("full_liquidation", "s", ORANGE),
                                   ("in_kind_distribution", "^", GREEN)):
        points = [r for r in with_irr if r["liquidation_method"] == method]
        if points:
            ax.scatter([r["pool_cumulative_default_rate"] for r in points], [r["irr"] for r in points], s=46,
                       marker=marker, color=colour, alpha=0.85, edgecolors="white", linewidths=0.6,
                       label=f"{LIQUIDATION_ZH[method]}（{len(points)}单）")
    irrs = [r["irr"] for r in with_irr]
    mean_irr = _mean(irrs)
    ax.axhline(mean_irr, color="#333333", linestyle="--", linewidth=1)
    ax.annotate(f"IRR均值 {mean_irr:.2%}", (0, mean_irr), xycoords=("axes fraction", "data"), xytext=(4, 4),
                textcoords="offset points", fontsize=9)
    ax.set_xlabel("清算时资产池累计违约率")
    ax.set_ylabel("次级档收益率（IRR，按发行价格）")
    ax.xaxis.set_major_formatter(_pct(2))
    ax.yaxis.set_major_formatter(_pct())
    ax.set_xlim(left=0)
    ax.legend(loc="upper right", frameon=False, title="清算方式", title_fontsize=9)
    _style(ax)
    note = (f"{len(with_irr)} externally placed subordinated tranches with an IRR: mean {mean_irr:.2%}, "
            f"range {min(irrs):.2%}–{max(irrs):.2%}.")
    if len(with_irr) < len(rows):
        note += f" {len(rows) - len(with_irr)} more have no IRR (cash flows missing)."
    return fig, note


# ───────────────────────────── the page ─────────────────────────────

@dataclass(frozen=True)
class Chart:
    file_name: str
    title: str
    caption: str  # what it shows and which tables it comes from
    draw: Callable[[duckdb.DuckDBPyConnection], tuple[Figure, str]]


CHARTS: tuple[Chart, ...] = (
    Chart("01_leasing_monthly_issuance.png", "2025年1-7月融资租赁ABS各月发行单数、规模及同比",
          "Leasing ABS issued each month of January–July 2025 by value date (起息日): deal count and amount "
          "(bars, 2024's same month in grey) and the year-on-year change (line, right axis). "
          "Source: marts.issuance_by_month (asset_class = 'leasing').",
          leasing_monthly_issuance),
    Chart("02_small_micro_issuance_by_market.png", "小微贷款ABS分市场发行规模（2024年与2025年）",
          "Small & micro loan ABS issued in calendar 2024 and 2025 in each market — ABN, exchange ABS and credit ABS — "
          "amount in 亿元 with deal counts, and the 2025 change on 2024. "
          "Source: marts.issuance_by_market (asset_class = 'small_micro_loan', through_month = 12).",
          small_micro_issuance_by_market),
    Chart("03_leasing_aaa_coupons_vs_mtn_curve.png", "2025年1-7月融资租赁ABS AAAsf优先级证券发行利率与中债中短期票据收益率(AAA)",
          "Issuance coupons of AAAsf senior tranches of leasing deals valued January–July 2025 against their expected "
          "tenor (points), with the ChinaBond MTN AAA curve (中债中短期票据收益率曲线(AAA)) averaged over the same months "
          "(line; band = lowest to highest yield per tenor). The spread is each tranche's coupon minus the curve at its "
          "value date and tenor. Source: marts.tranche_facts (coupon, tenor, spread_bp); core.yield_curves (the curve line).",
          leasing_aaa_coupons_vs_mtn_curve),
    Chart("04_leasing_rating_migration_matrix.png", "2025年1-7月存续融资租赁ABS证券级别迁移矩阵",
          "Tracking ratings of outstanding leasing tranches from January to July 2025: rows are the previous (initial) "
          "rating, columns the tracking rating, cells the number of tranches; cells below the diagonal are upgrades. "
          "Source: marts.rating_migrations (asset_class = 'leasing').",
          leasing_rating_migration_matrix),
    Chart("05_small_micro_default_curves.png", "小微贷款ABS 90+累计违约率（按存续月数：商业银行与互联网平台）",
          "90+ cumulative default rate (90+ 累计违约率) of the sampled small & micro loan deals — every deal whose trustee "
          "reports are in the warehouse — by months since issue; thin lines are single deals, thick lines the mean of "
          "deals whose assets come from commercial banks and from internet platforms. "
          "Source: marts.pool_performance_by_mob (asset_class = 'small_micro_loan').",
          small_micro_default_curves),
    Chart("06_small_micro_revolving_multiples.png", "小微贷款ABS循环购买倍数（抽样循环购买项目）",
          "Revolving multiple (循环购买倍数 = cumulative revolving purchases / initial pool balance) of the sampled "
          "revolving small & micro loan deals by months since issue, coloured by asset-provider type; the dot is the "
          "latest report, the dashed line the mean of the latest multiples. "
          "Source: marts.pool_performance_by_mob (is_revolving).",
          small_micro_revolving_multiples),
    Chart("07_npl_recovery_by_vintage.png", "信用类小微不良资产支持证券累计回收率（按发行年度）",
          "Mean cumulative recovery rate (累计回收率: disposal recoveries / pool principal at cut-off, other income "
          "excluded) of interbank credit-type small & micro NPL ABS, per vintage, by months since issue; the legend gives "
          "the rating agencies' mean expected gross recovery rate of each vintage. Solid while every deal of the vintage "
          "has reported, dashed after. Source: marts.npl_recoveries_by_vintage (is_credit_type_interbank).",
          npl_recovery_by_vintage),
    Chart("08_amc_bond_issuance_and_net_financing.png", "地方AMC债券发行规模（长期/短期）及净融资额",
          "Bonds and debt instruments issued by local AMCs by year of value date — long-term (≥ 1 year) and short-term "
          "(< 1 year), ABS and offshore bonds excluded — and net financing (issuance − repayments at maturity, on put "
          "and early); 2025 runs to 30 November. "
          "Source: marts.amc_bond_issuance (is_onshore_debt), marts.amc_net_financing.",
          amc_bond_issuance_and_net_financing),
    Chart("09_amc_maturity_wall.png", "截至2025年11月末地方AMC债券到期分布（附权债券按下一行权日）",
          "Onshore bonds of local AMCs outstanding at 30 November 2025 by the year they fall due — puttable bonds at "
          "their next put date, extended bonds at their new date; defaulted bonds and ABS excluded — with each year's "
          "share of the outstanding amount and bond count. Source: marts.amc_maturity_wall (as_of_date = 2025-11-30).",
          amc_maturity_wall),
    Chart("10_micro_enterprise_sub_irr_vs_default.png", "微小企业贷款ABS资产池累计违约率与次级档收益率（已清算项目）",
          "IRR at the issue price of the externally placed subordinated tranches of liquidated interbank "
          "micro-enterprise loan ABS, against the pool's cumulative default rate at liquidation, by liquidation method. "
          "Source: marts.subordinated_tranche_outcomes (irr), marts.liquidations (pool_cumulative_default_rate).",
          micro_enterprise_sub_irr_vs_default),
)

PAGE_STYLE = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif;
       margin: 2rem auto; max-width: 1180px; color: #1b1b1b; line-height: 1.5; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.meta { color: #555; font-size: 0.9rem; }
nav ol { columns: 2; font-size: 0.95rem; }
section { margin: 2.5rem 0; border-top: 1px solid #e3e5e8; padding-top: 1rem; }
h2 { font-size: 1.2rem; }
img { max-width: 100%; height: auto; border: 1px solid #eef0f2; }
p.caption { color: #333; font-size: 0.92rem; }
p.note { color: #555; font-size: 0.88rem; font-style: italic; }
code { background: #f3f4f6; padding: 0 0.2em; }
"""


def _chart_font() -> str:
    """Register the committed CJK font with matplotlib (once) and return its family name."""
    name = font_manager.FontProperties(fname=str(FONT_PATH)).get_name()
    if not any(f.fname == str(FONT_PATH) for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(FONT_PATH))
    return name


def _chart_rc() -> dict[str, Any]:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [_chart_font(), "DejaVu Sans"],
        "axes.unicode_minus": True,  # the font has U+2212
        "axes.titlesize": 12,
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "path.simplify": True,
    }


def _last_run(con: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = con.execute(LAST_RUN_SQL).fetchone()
    except duckdb.Error:
        return None
    if not row:
        return None
    finished = row[1]
    if isinstance(finished, datetime) and finished.tzinfo is not None:
        finished = finished.astimezone(timezone.utc)  # the same text whatever the session's time zone
    return f"run {row[0]}, finished {finished:%Y-%m-%d %H:%M} UTC" if finished else f"run {row[0]}"


def _page(sections: list[tuple[Chart, str]], last_run: str | None) -> str:
    esc = html.escape
    toc = "\n".join(f'<li><a href="#{esc(Path(c.file_name).stem)}">{esc(c.title)}</a></li>' for c, _ in sections)
    body = []
    for i, (chart, note) in enumerate(sections, 1):
        anchor = esc(Path(chart.file_name).stem)
        body.append(
            f'<section id="{anchor}">\n<h2>图{i}　{esc(chart.title)}</h2>\n'
            f'<img src="{esc(chart.file_name)}" alt="{esc(chart.title)}" width="{int(FIGSIZE[0] * DPI)}" '
            f'height="{int(FIGSIZE[1] * DPI)}">\n'
            f'<p class="caption">{esc(chart.caption)}</p>\n<p class="note">{esc(note)}</p>\n</section>'
        )
    built = f"Warehouse: {esc(last_run)}. " if last_run else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>abs-etl report — 中国资产证券化市场图表</title>\n"
        f"<style>{PAGE_STYLE}</style>\n</head>\n<body>\n"
        "<h1>中国资产证券化市场图表 · China ABS market charts</h1>\n"
        f"<p class=\"meta\">{built}Every chart is rebuilt from the DuckDB warehouse by "
        "<code>abs-etl report</code> (<code>reports/charts.py</code>); captions name the tables each one reads. "
        "亿元 = CNY 100 million.</p>\n"
        f"<nav><ol>\n{toc}\n</ol></nav>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )


def build_report(con: duckdb.DuckDBPyConnection, out_dir: Path | str) -> list[Path]:
    """Draw every chart from ``con`` (marts applied) into ``out_dir``; returns the PNGs, then index.html."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sections: list[tuple[Chart, str]] = []
    with matplotlib.rc_context(_chart_rc()):
        for chart in CHARTS:
            fig, note = chart.draw(con)
            fig.suptitle(chart.title, fontsize=14)
            path = out / chart.file_name
            fig.savefig(path, format="png", dpi=DPI, metadata=PNG_METADATA)
            written.append(path)
            sections.append((chart, note))
    index = out / "index.html"
    index.write_text(_page(sections, _last_run(con)), encoding="utf-8")
    written.append(index)
    return written


# ───────────────────────────── opening a warehouse without marts ─────────────────────────────

def has_marts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every mart the report reads exists on the connection."""
    needed = {"issuance_by_month", "issuance_by_market", "tranche_facts", "rating_migrations",
              "pool_performance_by_mob", "npl_recoveries_by_vintage", "amc_bond_issuance",
              "amc_net_financing", "amc_maturity_wall", "subordinated_tranche_outcomes", "liquidations"}
    present = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts' AND database_name = current_database()"
    ).fetchall()}
    return needed <= present


def open_with_marts(path: Path | str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection that reads the warehouse file read-only and lays the marts over it.

    For a published warehouse built before its marts existed (they cannot be created in a
    read-only file): the file is attached READ_ONLY, each of its raw/core/dq tables is exposed
    under the same name in memory, and the marts are created there. The file is never written.
    """
    from warehouse.marts import apply_marts

    con = duckdb.connect()
    quoted = str(path).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS published (READ_ONLY)")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'published' "
        "AND schema_name IN ('raw', 'core', 'dq')"
    ).fetchall()
    for schema in sorted({s for s, _ in tables}):
        con.execute(f'CREATE SCHEMA IF NOT EXISTS memory."{schema}"')
    for schema, table in tables:
        con.execute(f'CREATE VIEW memory."{schema}"."{table}" AS SELECT * FROM published."{schema}"."{table}"')
    apply_marts(con)
    return con
