"""The shared reading layer of the tabular families: the exact XLSX cell reader (checked
against openpyxl), encodings, error pages, header location, typed cell errors, and
byte-for-byte determinism of the renderers across processes."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import warnings
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pytest
import xlsxwriter

from sample_market.documents.workbook import Column, Layout, render_table
from tests.transforms.parse.tabular_cases import REAL
from transforms.parse.base import DocumentError
from transforms.parse.tabular import HTML_ERROR, Grid, decode_text, find_table, locate_table, read_grids, sniff_format
from transforms.parse.xlsx_cells import read_workbook


def _openpyxl_rows(data: bytes) -> list[tuple[str, list[list]]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = []
    for ws in book.worksheets:
        ws.reset_dimensions()
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for r in rows:
            while r and r[-1] is None:
                r.pop()
        out.append((ws.title, rows))
    return out


def _workbook_with_every_cell_kind() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": datetime(2025, 1, 1)})
    ws = book.add_worksheet("各种")
    ws.write_row(0, 0, ["文本", "数字", "整数", "日期", "布尔", "公式", "富文本"])
    ws.write_string(1, 0, "发行总额\r\n[单位] 亿元")
    ws.write_number(1, 1, 12.3456789012)
    ws.write_number(1, 2, 45869)
    ws.write_datetime(1, 3, datetime(2025, 7, 31), book.add_format({"num_format": "yyyy\"年\"m\"月\"d\"日\""}))
    ws.write_boolean(1, 4, True)
    ws.write_formula(1, 5, "=B2*2", None, 24.6913578024)
    ws.write_rich_string(1, 6, "优先", book.add_format({"bold": True}), "A1", "级")
    ws.write_string(5, 3, "稀疏")  # rows 3-5 missing
    ws.write_datetime(6, 0, datetime(2016, 1, 4), book.add_format({"num_format": "yyyy-mm-dd"}))
    book.add_worksheet("空表")
    book.close()
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    (REAL / "chinabond_govt_curve_2016.xlsx").read_bytes(),
    (REAL / "cnabs_securities_export.xlsx").read_bytes(),
    (REAL / "deal_names.xlsx").read_bytes(),
    _workbook_with_every_cell_kind(),
], ids=["curve", "cnabs", "deal_names", "every_kind"])
def test_cell_reader_agrees_with_openpyxl(data):
    ours = [(name, [[c for c in r] for r in rows]) for name, rows in read_workbook(data)]
    theirs = _openpyxl_rows(data)
    # openpyxl leaves OOXML escapes in place; ours undoes them (Excel shows a line break).
    theirs = [(n, [[c.replace("_x000D_", "\r") if isinstance(c, str) else c for c in r] for r in rows])
              for n, rows in theirs]
    assert ours == theirs


def test_cell_reader_values():
    (name, rows), (empty_name, empty) = read_workbook(_workbook_with_every_cell_kind())
    assert (name, empty_name, empty) == ("各种", "空表", [])
    assert rows[1] == ["发行总额\r\n[单位] 亿元", 12.3456789012, 45869, datetime(2025, 7, 31), True, 24.6913578024,
                       "优先A1级"]
    assert rows[2:5] == [[], [], []] and rows[5] == [None, None, None, "稀疏"]
    assert rows[6] == [datetime(2016, 1, 4)]


def test_chinabond_file_is_read_past_its_wrong_dimension():
    rows = read_grids((REAL / "chinabond_govt_curve_2016.xlsx").read_bytes())[0].rows
    assert len(rows) == 4117 and rows[-1] == ["2016/12/31", "50y", 50.0, "3.7919"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings_including_four_byte_gb18030_characters(encoding):
    text = "公司名称,简称\r\n𠮷祥资产管理有限公司,𠮷祥资产\r\n"
    grid = read_grids(text.encode(encoding), "名单.csv")[0]
    assert grid.name == "名单" and grid.rows == [["公司名称", "简称"], ["𠮷祥资产管理有限公司", "𠮷祥资产"]]
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")  # why GB18030 and not GBK/cp936


def test_undecodable_text_is_a_document_error():
    with pytest.raises(DocumentError, match="neither UTF-8 nor GB18030"):
        decode_text(b"\x80\x80\x80")


@pytest.mark.parametrize(("data", "kind"), [
    (b"<html><body>\xe7\xb3\xbb\xe7\xbb\x9f\xe7\xb9\x81\xe5\xbf\x99</body></html>", "html"),
    (b"  <!DOCTYPE html><html></html>", "html"),
    (b"%PDF-1.7\n", "pdf"),
    (b'{"data": []}', "json"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "xls"),
    ("证券代码,余额\n".encode("gb18030"), "text"),
])
def test_sniff_format(data, kind):
    assert sniff_format(data) == kind


def test_html_error_page_and_other_formats_are_refused():
    with pytest.raises(DocumentError, match=f"^{HTML_ERROR}"):
        read_grids(b"<html><body>\xe7\xb3\xbb\xe7\xbb\x9f\xe7\xb9\x81\xe5\xbf\x99</body></html>", "x.xlsx")
    with pytest.raises(DocumentError, match="not a spreadsheet"):
        read_grids(b"%PDF-1.4 ...", "x.pdf")
    with pytest.raises(DocumentError, match="unreadable xlsx"):
        read_grids(_workbook_with_every_cell_kind()[:2000], "x.xlsx")


SYNONYMS = {"code": ("证券代码",), "amount": ("发行总额", "发行规模"), "rate": ("票面利率",), "day": ("起息日期",)}


def test_header_row_below_titles_with_wind_units_and_footer():
    grid = Grid("s", [["资产支持证券发行明细"], [], ["证券代码", "发行总额\r\n[单位] 万元", "票面利率（%）", "起息日期"],
                      ["1.IB", "1,234.5", "2.15", "20250731"], [None, "", None], ["2.IB", 3, None, 45869],
                      [], ["数据来源：Wind"]])
    table = locate_table(grid, SYNONYMS, ("code", "amount"))
    assert table.header_row == 3 and [n for n, _ in table.body] == [4, 6]
    rows = list(table.rows())
    assert rows[0].amount("amount") == D("12345000.00") and rows[0].rate("rate") == D("0.0215")
    assert rows[0].date("day") == date(2025, 7, 31) == rows[1].date("day")
    assert rows[1].amount("amount") == D("30000.00") and rows[1].rate("rate") is None


def test_two_headers_for_one_column_are_refused_unless_detecting():
    grid = Grid("s", [["证券代码", "发行总额", "发行规模"], ["1.IB", 1, 1]])
    with pytest.raises(DocumentError, match="both mean amount"):
        locate_table(grid, SYNONYMS, ("code",))
    assert locate_table(grid, SYNONYMS, ("code",), strict=False) is None


def test_typed_errors_name_sheet_row_field_and_value():
    grid = Grid("明细", [["证券代码", "发行总额(亿元)", "起息日期"], ["1.IB", "12.3.4", "2025-02-30"]])
    row = next(find_table([grid], SYNONYMS, ("code",), "test").rows())
    with pytest.raises(DocumentError) as err:
        row.amount("amount")
    assert (err.value.page, err.value.field, err.value.value) == (2, "amount", "12.3.4")
    assert str(err.value).startswith("明细 row 2: amount ('发行总额(亿元)')")
    with pytest.raises(DocumentError) as err:
        row.date("day")
    assert (err.value.page, err.value.field) == (2, "day")
    with pytest.raises(DocumentError, match="is missing"):
        row.rate("rate", required=True)


def test_amounts_print_enough_decimals_for_the_cent():
    rows = [{"a": D("123456789012.34")}, {"a": D("0.01")}]
    for unit in ("yi", "wan", "CNY"):
        data = render_table([Column.of("金额", "a", "amount")], rows, Layout(amount_unit=unit))
        table = find_table(read_grids(data), {"a": ("金额",)}, ("a",), "t")
        assert [r.amount("a") for r in table.rows()] == [D("123456789012.34"), D("0.01")]


_RENDER_IN_SUBPROCESS = """
import hashlib, sys
from tests.transforms.parse import tabular_cases as cases
from sample_market.documents.issuance_export import render_issuance_export
from sample_market.documents.amc_registry import render_amc_registry_workbook
r, a = cases.issuance_rows(), cases.amc_rows()
blobs = [render_issuance_export(r["core.deals"], r["core.tranches"], r["core.institutions"], r["core.deal_labels"],
                                r["core.credit_enhancements"]),
         render_amc_registry_workbook(a["core.amcs"], a["core.amc_licence_events"])]
sys.stdout.write(" ".join(hashlib.sha256(b).hexdigest() for b in blobs))
"""


def test_renderers_give_the_same_bytes_in_other_processes():
    digests = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", _RENDER_IN_SUBPROCESS], capture_output=True, text=True,
                                env=env, cwd=os.getcwd(), check=True)
        digests.add(result.stdout)
    assert len(digests) == 1
