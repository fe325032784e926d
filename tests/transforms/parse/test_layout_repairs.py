"""What text layers and templates do to a table, and how the reader puts it back: figures of
two columns that pdfium runs into one text run, figures wrapped at their decimal point, headers
wrapped and repeated after a page break, units stated once for a part of the report, rows that
go on after a blank sheet row, a table whose last page holds only its share row, a note followed
by a heading on a short page. Each hand-made report must load with exactly the values written in
it — the wrong unit or a wrong column is a wrong value, the worst outcome.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from tests.transforms.parse.handmade import PAGE_W, Column, Pdf, xlsx
from transforms.parse.base import DocumentError
from transforms.parse.pdf_text import pdf_lines
from transforms.parse.trustee_report import parse_trustee_report

DEAL = "安和2024年第一期个人消费贷款资产支持证券"
NO_PAYMENTS = "本期各档资产支持证券均无本息兑付。"  # the pool-only reports below have no bond table


def cells_of(data: bytes) -> list[list[str]]:
    return [[c.text for c in line.cells] for line in pdf_lines(data)]


def report_pdf() -> Pdf:
    """A report's opening: title, payment date and the pool balances, in 元."""
    pdf = Pdf()
    pdf.line(f"{DEAL}受托机构报告（第3期）", x=PAGE_W / 2, size=13, align="c", gap=30)
    pdf.line("本期支付日：2025年9月26日")
    pdf.line("期初资产池余额：181,234,500.37元")
    pdf.line("期末资产池余额：171,234,500.37元")
    return pdf


def workbook(*rows: list | None) -> bytes:
    """A one-sheet report: its opening (title, payment date, pool balances in 元), then ``rows``."""
    return xlsx([("报告", [
        [f"{DEAL}受托机构报告（第3期）"],
        ["本期支付日", dt.date(2025, 9, 26)],
        ["资产池情况"], ["项目", "金额（元）"],
        ["期初资产池余额", 181234500.37], ["期末资产池余额", 171234500.37],
        *rows,
    ])])


def pool(doc) -> dict:
    (row,) = doc.tables["core.pool_performance"]
    return row


def payments(doc) -> dict[str, tuple]:
    return {r["tranche_id"]: (r["principal_before_cny"], r["principal_paid_cny"], r["principal_after_cny"],
                              r["interest_paid_cny"]) for r in doc.tables["core.tranche_payments"]}


# ───────────────────────────── the text layer ─────────────────────────────
def test_figures_of_two_columns_run_together_are_cut_where_their_objects_meet():
    """Two cells set 0.2 pt apart come out of pdfium as one run (`0.0010,288,914.05`,
    `——61,300,000.00`); a date set as one object (2018.11.30) stays whole."""
    pdf = Pdf()
    pdf.cells([(Column(100, 200), "2018.11.30"), (Column(200, 240, "r"), "——"), (Column(240.2, 300), "61,300,000.00"),
               (Column(300, 400, "r"), "0.00"), (Column(400.2, 500), "10,288,914.05")], size=8.5)
    pdf.cells([(Column(60, 130, "r"), "2477041"), (Column(130.2, 220), "36,960.000000")], size=8.5)
    assert cells_of(pdf.bytes()) == [["2018.11.30", "——", "61,300,000.00", "0.00", "10,288,914.05"],
                                     ["2477041", "36,960.000000"]]


def test_figures_printed_over_each_other_stay_one_unreadable_cell():
    """Objects that overlap cannot be told apart by where their characters stand: the run stays
    whole (and a reader refuses it as a figure) rather than falling into single digits."""
    pdf = Pdf()
    pdf.cells([(Column(60, 140, "r"), "1.260273"), (Column(136, 220), "1,545,880,000.00")], size=8.5)
    assert cells_of(pdf.bytes()) == [["1.2602731,545,880,000.00"]]


def test_a_figure_wrapped_at_its_decimal_point_twice_is_joined_back():
    """`1,165,009,138.` / `93` and `6,867,900,000.` / `00` / `元` under them in a narrow column."""
    pdf = report_pdf()
    cols = [Column(60, 140), Column(140, 220), Column(220, 300, "r"), Column(300, 380, "r"), Column(380, 460, "r"),
            Column(460, 535, "r")]
    pdf.cells(list(zip(cols, ["档次", "证券代码", "兑付前本金余额", "本期兑付本金", "兑付后本金余额", "本期利息"])))
    pdf.cells(list(zip(cols, ["优先A档", "2178013", "1,165,009,138.", "957,528,169.4", "207,480,969.5",
                              "9,925,239.50"])), gap=9)
    pdf.cells([(cols[2], "93"), (cols[3], "0"), (cols[4], "3")], gap=9)
    pdf.cells([(cols[3], "（注1）")], gap=16)
    pdf.cells(list(zip(cols, ["次级档", "2178014", "6,867,900,000.", "0.00", "6,867,900,000.", "0.00"])), gap=9)
    pdf.cells([(cols[2], "00"), (cols[4], "00")], gap=9)
    pdf.cells([(cols[2], "元"), (cols[4], "元")], gap=16)
    pdf.cells(list(zip(cols, ["优先B档", "2178015", "12,496,500,00", "0.00元", "2,581,700,000.00(", "0.00"])), gap=9)
    pdf.cells([(cols[2], "0.00"), (cols[4], "注1)")], gap=9)
    pdf.cells([(cols[2], "元")], gap=16)
    doc = parse_trustee_report(pdf.bytes())
    assert payments(doc) == {
        "2178013.IB": (D("1165009138.93"), D("957528169.40"), D("207480969.53"), D("9925239.50")),
        "2178014.IB": (D("6867900000.00"), D("0.00"), D("6867900000.00"), D("0.00")),
        "2178015.IB": (D("12496500000.00"), D("0.00"), D("2581700000.00"), D("0.00")),
    }


def test_a_tranche_row_without_a_readable_code_is_refused_not_dropped():
    """A bond table row that names a tranche but whose code cell cannot be read (here a code and
    a figure printed over each other) would silently lose the tranche: the report is refused."""
    pdf = report_pdf()
    cols = [Column(60, 120), Column(120, 200, "r"), Column(196, 280), Column(280, 360, "r"), Column(360, 440, "r"),
            Column(440, 520, "r")]
    pdf.cells(list(zip([Column(60, 120), Column(120, 200, "c"), Column(200, 280, "c"), Column(280, 360, "c"),
                        Column(360, 440, "c"), Column(440, 520, "c")],
                       ["档次", "证券代码", "兑付前本金余额", "本期兑付本金", "兑付后本金余额", "本期利息"])))
    pdf.cells(list(zip(cols, ["优先档", "2477041", "36,960.00", "7,733.29", "29,226.71", "196.57"])))
    pdf.cells(list(zip(cols, ["次级档", "2477042", "9,840.00", "0.00", "9,840.00", "0.00"])))
    with pytest.raises(DocumentError) as caught:
        parse_trustee_report(pdf.bytes())
    assert caught.value.field == "security_code" and "优先档" in caught.value.reason


# ───────────────────────────── tables over pages ─────────────────────────────
def bond_table_over_two_pages() -> bytes:
    """「第三部分 资产支持证券兑付情况」: a header wrapped over two lines whose last three column
    names pdfium runs together (期末本金余额(万元)本期付息金额(万元)每百元兑付前本金值), repeated
    on the next page, and the unit given once, in a note under the table's second part."""
    pdf = report_pdf()
    pdf.line("第三部分 资产支持证券兑付情况", size=12, gap=22)
    heads = [Column(60, 110, "c"), Column(110, 170, "c"), Column(170, 250, "c"), Column(250, 330, "c")]
    cols = [Column(60, 110), Column(110, 170), Column(170, 250, "r"), Column(250, 330, "r"), Column(330, 410, "r"),
            Column(410, 470, "r"), Column(470, 535, "r")]

    def header() -> None:
        pdf.cells(list(zip(heads, ["档次", "证券代码", "本期兑付前本金", "本期实付本金"])) + [
            (Column(335, 535), "期末本金余额(万元)本期付息金额(万元)每百元兑付前本金值")], gap=9)
        pdf.cells([(heads[2], "(万元)"), (heads[3], "(万元)")])

    header()
    pdf.cells(list(zip(cols, ["优先A1", "2587016", "112,081.781658", "8,478.255117", "103,603.526541",
                              "167.539233", "91.688439"])))
    pdf.new_page()
    header()
    pdf.cells(list(zip(cols, ["次级", "2587018", "14,080.000000", "0.000000", "14,080.000000", "NA",
                              "100.000000"])))
    pdf.line("注：金额单位为人民币万元。")
    return pdf.bytes()


def test_a_wrapped_header_repeated_after_a_page_break_keeps_one_table_and_its_unit():
    doc = parse_trustee_report(bond_table_over_two_pages())
    assert payments(doc) == {
        "2587016.IB": (D("1120817816.58"), D("84782551.17"), D("1036035265.41"), D("1675392.33")),
        "2587018.IB": (D("140800000.00"), D("0.00"), D("140800000.00"), None),
    }
    assert {r["source_table"] for r in doc.tables["core.tranche_payments"]} == {"资产支持证券兑付情况"}


def test_a_table_whose_last_page_holds_only_its_share_row_reads_amounts_from_the_first():
    """Delinquency buckets as columns, two of their names run together by the text layer, the
    amount row on one page and the 占比 row alone under the repeated header on the next: the
    shares are never read as amounts."""
    pdf = report_pdf()
    pdf.line("逾期情况", size=12, gap=22)
    cols = [Column(60, 150), Column(150, 250, "r"), Column(250, 350, "r"), Column(350, 450, "r"),
            Column(450, 535, "r")]
    header = list(zip(cols, ["账龄", "逾期1-30天贷款", "逾期31-60天贷款"])) + [
        (Column(360, 535), "逾期61-90天贷款逾期90天以上贷款")]
    pdf.cells(header)
    pdf.cells(list(zip(cols, ["未偿本金余额", "413,644.11", "70,097.28", "85,254.28", "0.00"])))
    pdf.new_page()
    pdf.cells(header)
    pdf.cells(list(zip(cols, ["占比", "0.6448%", "0.1093%", "0.1329%", "0.0000%"])))
    pdf.line(NO_PAYMENTS)
    row = pool(parse_trustee_report(pdf.bytes()))
    assert (row["delinquent_1_30_cny"], row["delinquent_31_60_cny"], row["delinquent_61_90_cny"],
            row["delinquent_90_plus_cny"]) == (D("413644.11"), D("70097.28"), D("85254.28"), D("0.00"))


# ───────────────────────────── units stated once ─────────────────────────────
def test_a_unit_line_holds_for_the_parts_under_it_not_for_the_next_part():
    """单位：亿元 for the delinquency part; then a title the reader does not know as a heading
    (违约及累计违约率), 单位：元 under it and two numbered parts: both are in 元, the second
    (a history table) too — never in the 亿元 of the part before."""
    data = workbook(
        [NO_PAYMENTS],
        None,
        ["逾期情况"], ["单位：亿元"], ["拖欠状态", "未偿本金余额"], ["拖欠1～30天", 0.0173637074],
        None,
        ["违约及累计违约率"], ["单位：元"],
        ["（一）违约情况"], ["项目", "金额"], ["当期新增违约金额", 5637943.49],
        None,
        ["（二）累计违约率"], ["期数", "累计违约贷款本金", "累计违约率"],
        ["第2期", 3855560.80, "0.13589%"], ["第3期", 9493504.29, "0.3346%"],
    )
    row = pool(parse_trustee_report(data))
    assert row["delinquent_1_30_cny"] == D("1736370.74")
    assert (row["new_default_cny"], row["cumulative_default_cny"]) == (D("5637943.49"), D("9493504.29"))
    assert row["cumulative_default_rate"] == D("0.003346")


def test_a_title_ending_in_a_colon_heads_a_part_and_its_unit_line_covers_the_subparts():
    data = workbook(
        [NO_PAYMENTS],
        None,
        ["违约及累计违约率："], ["单位：万元"],
        ["（一）违约及累计违约率："], ["项目", "金额"], ["新增违约金额", 37.670874],
        None,
        ["（二）各期累计违约率："], ["报告期", "累计违约贷款本金"], ["第3期", 37.670874],
    )
    row = pool(parse_trustee_report(data))
    assert (row["new_default_cny"], row["cumulative_default_cny"]) == (D("376708.74"), D("376708.74"))


def test_a_pair_beside_a_table_after_a_blank_row_takes_the_unit_its_header_names():
    """项目 | 户数 | 金额（万元）, a blank row, then 本期利息回收 | | 922.124358 | 循环购买金额 | | 16386.049864."""
    data = workbook(
        [NO_PAYMENTS],
        None,
        ["现金流入情况"], ["项目", "户数", "金额（万元）"],
        ["本金回收款", None, 16263.047706],
        None,
        ["本期利息回收", None, 922.124358, "循环购买金额", None, 16386.049864],
    )
    row = pool(parse_trustee_report(data))
    assert (row["principal_collected_cny"], row["interest_collected_cny"], row["revolving_purchase_cny"]) == (
        D("162630477.06"), D("9221243.58"), D("163860498.64"))


def test_bond_rows_go_on_after_blank_sheet_rows_even_when_the_row_is_a_dash_with_a_note():
    """Tranches as columns, one block per tranche; the last block's 利息 is `-(注)` after two blank
    rows, and the rows under it still belong to the block (and to its 万元)."""
    data = workbook(
        None,
        ["资产支持证券本息兑付情况"],
        ["项目(万元)", "次级"],
        ["证券代码", "2487005"],
        ["本期偿还本金", 0],
        None, None,
        ["资产支持证券利息", "-(注)"],
        ["本期兑付前未偿本金", 17476],
        ["本息兑付后剩余本金总额(万元)", 17476],
    )
    assert payments(parse_trustee_report(data)) == {
        "2487005.IB": (D("174760000.00"), D("0.00"), D("174760000.00"), None)}


# ───────────────────────────── notes ─────────────────────────────
def test_a_note_on_a_short_page_is_not_joined_to_the_heading_under_it():
    pdf = report_pdf()
    pdf.new_page()
    pdf.line("注：不适用原因：NPL pool: no default or delinquency measures")
    pdf.line("释义", size=12)
    pdf.line("除非本报告另有定义，本报告所用术语与信托合同中的定义相同。")
    pdf.line(NO_PAYMENTS)
    row = pool(parse_trustee_report(pdf.bytes()))
    assert row["not_applicable_reason"] == "NPL pool: no default or delinquency measures"
