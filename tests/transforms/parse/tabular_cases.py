"""Helpers for the tabular-document parser tests (imported as tests.transforms.parse.tabular_cases):
row comparison without provenance, a schema check (parsed rows must load into the
warehouse's core tables), and small hand-made core rows that exercise every column."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import duckdb

from tests.fixtures import REAL_WORLD as REAL  # noqa: F401  (re-exported for the parser tests)
from transforms.normalise.ids import amc_id_for, deal_id_for, institution_id_for
from transforms.parse.base import ParsedDocument
from transforms.parse.parties import agency_institution_id
from warehouse.migrate import apply_migrations
from warehouse.tables import rule_for

PROVENANCE = ("document_id", "source_page", "source_table", "source_row_label")


def business(rows: list[dict[str, Any]], drop: tuple[str, ...] = PROVENANCE) -> list[dict[str, Any]]:
    """Rows without provenance, every row with the same keys (missing = None), in a fixed order."""
    keys = sorted({k for r in rows for k in r} - set(drop))
    return sorted(({k: r.get(k) for k in keys} for r in rows), key=repr)


def assert_same_rows(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Equal as sets of business rows (Decimals compare by value; cents are checked separately)."""
    keys = sorted(({k for r in got for k in r} | {k for r in expected for k in r}) - set(PROVENANCE))
    norm = lambda rows: sorted(({k: r.get(k) for k in keys} for r in rows), key=repr)  # noqa: E731
    g, e = norm(got), norm(expected)
    assert len(g) == len(e), f"{len(g)} rows parsed, {len(e)} expected"
    for a, b in zip(g, e):
        assert a == b, {k: (a[k], b[k]) for k in keys if a[k] != b[k]}


def assert_cents(doc: ParsedDocument) -> None:
    """Every money column (``*_cny``) carries exactly two decimals, as DECIMAL(20,2) does."""
    for table, rows in doc.tables.items():
        for row in rows:
            for key, value in row.items():
                if key.endswith("_cny") and value is not None:
                    assert isinstance(value, D) and value.as_tuple().exponent == -2, (table, key, value)


def load_into_schema(doc: ParsedDocument) -> duckdb.DuckDBPyConnection:
    """Insert every core.* table of the document into a fresh warehouse: names, types, NOT NULL
    and primary keys of the schema all have to hold (a column the table rule gives a fallback
    takes it where the document says nothing, as the loader does)."""
    con = duckdb.connect()
    apply_migrations(con)
    for table, rows in doc.tables.items():
        if not table.startswith("core.") or not rows:
            continue
        rule = rule_for(table)
        columns = sorted({k for r in rows for k in r} | {c for c, _ in rule.fallbacks})
        con.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
            [[r.get(c) if r.get(c) is not None else rule.fallback(c) for c in columns] for r in rows],
        )
    return con


# --------------------------------------------------------------------------- institutions


def institution(name: str, kind: str, short: str | None = None) -> dict[str, Any]:
    return {"institution_id": institution_id_for(name), "full_name_zh": name, "short_name_zh": short,
            "name_en": None, "institution_type": kind, "parent_group": None, "province": None}


CCB = institution("中国建设银行股份有限公司", "state_owned_bank")
JIANXIN_TRUST = institution("建信信托有限责任公司", "trust")
FAR_EAST = institution("远东国际融资租赁有限公司", "lessor")
CITIC_SEC = institution("中信证券股份有限公司", "securities_firm")
GUARANTOR = institution("中国投融资担保股份有限公司", "financing_guarantor")
FAR_EAST_GROUP = institution("远东宏信有限公司", "corporate")
MICRO = institution("重庆度小满小额贷款有限公司", "micro_lender")
CCXI = institution("中诚信国际信用评级有限责任公司", "rating_agency", "中诚信国际")
LIANHE = institution("联合资信评估股份有限公司", "rating_agency", "联合资信")


def issuance_rows() -> dict[str, list[dict[str, Any]]]:
    """Three deals (credit ABS NPL, exchange ABS leasing with enhancement and labels, ABN) whose
    columns are all exercised, including None in every nullable column somewhere."""
    n1, n2, n3 = ("建鑫2021年第六期不良资产支持证券", "远东五期资产支持专项计划",
                  "重庆度小满小额贷款有限公司2024年度第一期定向资产支持票据")
    base = {c: None for c in (
        "deal_short_name", "asset_subclass", "is_public_offering", "originator_id", "asset_provider_id",
        "trustee_id", "issue_date", "value_date", "legal_maturity_date", "initial_pool_balance_cny",
        "pool_loan_count", "pool_borrower_count", "avg_balance_per_loan_cny", "avg_balance_per_borrower_cny",
        "wa_contract_term_months", "wa_remaining_term_months", "wa_pool_rate", "wa_overdue_months",
        "expected_gross_recovery_rate", "is_revolving", "revolving_period_months")}
    d1 = base | dict(
        deal_id=deal_id_for(n1), deal_name_zh=n1, deal_short_name="建鑫2021-6", series_name="建鑫", vintage_year=2021,
        issue_number=6, market="credit_abs", asset_class="npl", asset_subclass="credit_npl", is_public_offering=True,
        originator_id=CCB["institution_id"], trustee_id=JIANXIN_TRUST["institution_id"],
        issue_date=date(2021, 11, 20), value_date=date(2021, 11, 25), legal_maturity_date=date(2026, 11, 26),
        deal_amount_cny=D("512345678.91"), initial_pool_balance_cny=D("2345678901.23"), pool_loan_count=12345,
        pool_borrower_count=11111, avg_balance_per_loan_cny=D("19001.12"), avg_balance_per_borrower_cny=D("21111.11"),
        wa_contract_term_months=D("36.52"), wa_remaining_term_months=D("12.10"), wa_pool_rate=D("0.0512"),
        wa_overdue_months=D("8.33"), expected_gross_recovery_rate=D("0.23456789"), is_revolving=False,
        has_external_enhancement=False)
    d2 = base | dict(
        deal_id=deal_id_for(n2), deal_name_zh=n2, series_name="远东", vintage_year=None, issue_number=5,
        market="exchange_abs", asset_class="leasing", asset_subclass="corporate_leasing", is_public_offering=False,
        originator_id=FAR_EAST["institution_id"], asset_provider_id=FAR_EAST["institution_id"],
        trustee_id=CITIC_SEC["institution_id"], value_date=date(2022, 3, 1), deal_amount_cny=D("1000000000.00"),
        is_revolving=True, revolving_period_months=12, has_external_enhancement=True)
    d3 = base | dict(
        deal_id=deal_id_for(n3), deal_name_zh=n3, series_name=None, vintage_year=2024, issue_number=1, market="abn",
        asset_class="microcredit", originator_id=MICRO["institution_id"], value_date=date(2024, 5, 6),
        deal_amount_cny=D("300000000.01"), has_external_enhancement=False)
    ag = CCXI["institution_id"]

    def tranche(deal, code, name, cls, rank, amount, **kw):
        row = dict(tranche_id=code, deal_id=deal["deal_id"], security_code=code, tranche_name=name, tranche_class=cls,
                   seniority_rank=rank, amount_cny=D(amount), coupon_rate=None, coupon_type=None,
                   issue_price_per_100=D("100"), amortisation="pass_through", expected_maturity_date=date(2024, 1, 26),
                   legal_maturity_date=date(2026, 11, 26), expected_tenor_years=D("2.1699"), initial_rating=None,
                   initial_rating_agency_id=None, is_externally_placed=None, originator_retained_share=None,
                   period_return_rate=None, delisting_date=None)
        return row | kw

    tranches = [
        tranche(d1, "2189123.IB", "优先档", "senior", 1, "412345678.91", coupon_rate=D("0.0315"), coupon_type="fixed",
                initial_rating="AAAsf", initial_rating_agency_id=ag),
        tranche(d1, "2189124.IB", "次级档", "subordinated", 2, "100000000.00", is_externally_placed=True,
                originator_retained_share=D("0.05"), period_return_rate=D("0.02"), delisting_date=date(2025, 1, 1)),
        tranche(d2, "135572.SZ", "优先A1", "senior", 1, "600000000.00", coupon_rate=D("0.0278"), coupon_type="fixed",
                initial_rating="AA+sf", initial_rating_agency_id=ag, amortisation="bullet", legal_maturity_date=None),
        tranche(d2, "135573.SZ", "优先B", "mezzanine", 2, "300000000.00", coupon_rate=D("0.035"),
                coupon_type="floating", issue_price_per_100=D("99.8765"), expected_tenor_years=None),
        tranche(d2, "135574.SZ", "次级", "subordinated", 3, "100000000.00", amortisation=None, issue_price_per_100=None),
        tranche(d3, "082480001.IB", "优先级", "senior", 1, "270000000.01", coupon_rate=D("0.0199"), coupon_type="fixed",
                initial_rating="AAAsf", initial_rating_agency_id=LIANHE["institution_id"]),
        tranche(d3, "082480002.IB", "次级", "subordinated", 2, "30000000.00", expected_maturity_date=None),
    ]
    labels = [dict(deal_id=d2["deal_id"], label="乡村振兴"), dict(deal_id=d2["deal_id"], label="绿色")]
    enhancements = [
        dict(deal_id=d2["deal_id"], enhancer_id=FAR_EAST_GROUP["institution_id"], enhancement_kind="shortfall_payment",
             enhancer_relation="related_party", enhancer_rating="AAA"),
        dict(deal_id=d2["deal_id"], enhancer_id=GUARANTOR["institution_id"], enhancement_kind="guarantee",
             enhancer_relation="professional_guarantor", enhancer_rating=None),
    ]
    institutions = [CCB, JIANXIN_TRUST, FAR_EAST, CITIC_SEC, GUARANTOR, FAR_EAST_GROUP, MICRO, CCXI, LIANHE]
    return {"core.deals": [d1, d2, d3], "core.tranches": tranches, "core.deal_labels": labels,
            "core.credit_enhancements": enhancements, "core.institutions": institutions}


# --------------------------------------------------------------------------- AMCs

ZHESHANG = "浙江省浙商资产管理股份有限公司"
SICHUAN = "四川发展资产管理有限公司"
HAIDE = "海德资产管理有限公司"


def amc_rows() -> dict[str, list[dict[str, Any]]]:
    """Three AMCs with licence events, bonds (CNY, USD offshore, perpetual, ABS), bond events,
    issuer ratings through assign/affirm/upgrade/downgrade/withdraw, and financials."""
    amcs = []
    for full, short, province, ownership, status, sample in (
        (ZHESHANG, "浙商资产", "浙江", "state", "active", True),
        (SICHUAN, "四川发展资产", "四川", "state", "active", True),
        (HAIDE, "海德资产", "西藏", "private", "scope_removed", False),
    ):
        amcs.append(dict(amc_id=amc_id_for(full), institution_id=institution_id_for(full), full_name_zh=full,
                         short_name_zh=short, province=province, ownership=ownership, licence_status=status,
                         in_financial_sample=sample))
    z, s, h = (a["amc_id"] for a in amcs)
    events = [
        dict(amc_id=z, event_date=date(2013, 8, 6), event_type="licensed", description="获批开展金融企业不良资产批量收购处置业务"),
        dict(amc_id=s, event_date=date(2014, 11, 3), event_type="licensed", description=None),
        dict(amc_id=h, event_date=date(2016, 3, 1), event_type="licensed", description="获批"),
        dict(amc_id=h, event_date=date(2024, 6, 14), event_type="scope_removed", description="业务范围取消"),
    ]
    guarantor = institution("浙江省融资担保有限公司", "financing_guarantor")

    def bond(code, amc, short, kind, amount, **kw):
        row = dict(security_code=code, amc_id=amc, short_name=short, bond_type=kind, is_offshore=False, is_abs=False,
                   currency="CNY", amount_cny=D(amount), amount_original=D(amount), term_years=D("3"),
                   coupon_rate=D("0.0385"), value_date=date(2020, 3, 5), maturity_date=date(2023, 3, 5),
                   next_put_date=None, guarantor_id=None, issuer_rating="AAA", issue_rating="AAA")
        return row | kw

    bonds = [
        bond("102080123.IB", z, "20浙商资产MTN001", "mtn", "1500000000.00", guarantor_id=guarantor["institution_id"]),
        bond("188123.SH", z, "21浙资Y1", "perpetual", "123456789.01", term_years=D("2.5"), coupon_rate=D("0.045")),
        bond("XS2345678901", s, "SCDEV 3.25 2026", "offshore", "300000000.00", is_offshore=True, currency="USD",
             amount_cny=None, next_put_date=date(2025, 3, 5), issuer_rating=None, issue_rating=None,
             value_date=date(2023, 3, 5), maturity_date=date(2026, 3, 5)),
        bond("012380456.IB", s, "23川发展SCP001", "scp", "500000000.00", term_years=D("0.7397"), issue_rating="A-1"),
        bond("135999.SZ", h, "海德1优", "abs", "88888888.88", is_abs=True, coupon_rate=None, issuer_rating="AA",
             issue_rating="AAA"),
    ]
    bond_events = [
        dict(security_code="102080123.IB", event_date=date(2023, 3, 5), event_type="repayment",
             amount_cny=D("1500000000.00"), new_maturity_date=None),
        dict(security_code="188123.SH", event_date=date(2023, 9, 5), event_type="extension",
             amount_cny=D("123456789.01"), new_maturity_date=date(2024, 9, 5)),
        dict(security_code="012380456.IB", event_date=date(2023, 6, 1), event_type="early_redemption",
             amount_cny=None, new_maturity_date=None),
        dict(security_code="135999.SZ", event_date=date(2024, 1, 2), event_type="default",
             amount_cny=D("1234.56"), new_maturity_date=None),
        dict(security_code="135999.SZ", event_date=date(2023, 1, 2), event_type="put_repayment",
             amount_cny=D("100000.00"), new_maturity_date=None),
    ]
    ccxi, lianhe = agency_institution_id("中诚信国际"), agency_institution_id("联合资信")
    ratings = [
        dict(amc_id=z, agency_id=lianhe, rating_date=date(2019, 10, 1), rating="AA+", action_type="assign"),
        dict(amc_id=z, agency_id=lianhe, rating_date=date(2020, 6, 1), rating="AA+", action_type="affirm"),
        dict(amc_id=z, agency_id=lianhe, rating_date=date(2021, 6, 1), rating="AAA", action_type="upgrade"),
        dict(amc_id=z, agency_id=ccxi, rating_date=date(2021, 6, 4), rating="AAA", action_type="assign"),
        dict(amc_id=h, agency_id=ccxi, rating_date=date(2020, 6, 1), rating="AA", action_type="assign"),
        dict(amc_id=h, agency_id=ccxi, rating_date=date(2022, 6, 1), rating="AA-", action_type="downgrade"),
        dict(amc_id=h, agency_id=ccxi, rating_date=date(2023, 6, 1), rating=None, action_type="withdraw"),
    ]
    amounts = ("total_assets_cny", "investment_assets_cny", "net_assets_cny", "paid_in_capital_cny",
               "total_debt_cny", "short_term_debt_cny", "cash_cny", "total_profit_cny", "net_profit_cny")
    financials = []
    for i, (amc, end, kind) in enumerate(((z, date(2023, 12, 31), "FY"), (z, date(2024, 6, 30), "H1"),
                                          (s, date(2024, 6, 30), "H1"), (h, date(2024, 6, 30), "H1"))):
        row = dict(amc_id=amc, period_end_date=end, period_kind=kind)
        for j, column in enumerate(amounts):
            row[column] = D(98765432101 - 123456789 * j * (i + 1)).scaleb(-2) * (i + 1)
        row["cash_cny"] = None if i == 2 else row["cash_cny"]
        row["net_profit_cny"] = -row["net_profit_cny"] if i == 3 else row["net_profit_cny"]
        financials.append(row)
    institutions = [guarantor, CCXI, LIANHE]
    return {"core.amcs": amcs, "core.amc_licence_events": events, "core.amc_bonds": bonds,
            "core.amc_bond_events": bond_events, "core.amc_issuer_ratings": ratings, "core.amc_financials": financials,
            "core.institutions": institutions}


def amc_aliases(rows: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Alias map as the pipeline builds it from core.institution_aliases: short and full names."""
    out = {}
    for amc in rows["core.amcs"]:
        out[amc["full_name_zh"]] = amc["full_name_zh"]
        out[amc["short_name_zh"]] = amc["full_name_zh"]
    return out


# --------------------------------------------------------------------------- editing documents


def edit_xlsx(data: bytes, changes: dict[tuple[int, str], Any], sheet: str | None = None) -> bytes:
    """Overwrite cells of a workbook: {(sheet row, header text or its part before a unit): value}."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet] if sheet else book.worksheets[0]
    header_row = next(r for r in range(1, 20) if any(isinstance(c.value, str) and c.value for c in ws[r][1:]))
    cells = [c for c in ws[header_row] if c.value]
    exact = {str(c.value): c.column for c in cells}
    stems = {str(c.value).split("_x000D_")[0].split("\r")[0].split("\n")[0].split("(")[0].split("（")[0]: c.column
             for c in cells}
    for (row, header), value in changes.items():
        column = exact.get(header) or stems[header]
        ws.cell(row=row, column=column).value = value  # cell(value=None) would not clear it
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
