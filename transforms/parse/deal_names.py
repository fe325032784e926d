"""A list of deal full names (real file: shared/real-world/deal_names.xlsx, column 项目名称) →
one row per name with what the name itself states.

Analysts keep such lists of deals to look up (here: deals missing from a vendor database).
The name is the only fact, so the rows are not core.deals rows (market, asset class and amount
are NOT NULL there and a name alone cannot always fill them); they go to the ``deal_names``
table of the ParsedDocument with core.deals' column names where they coincide, plus the
name's ``market_hint`` and ``is_npl``. Fields a name does not state stay None.
"""

from __future__ import annotations

from transforms.normalise.ids import deal_id_for
from transforms.normalise.titles import parse_deal_name
from transforms.parse.base import ParsedDocument
from transforms.parse.tabular import find_table, read_grids

DOC_TYPE = "deal_names"
TABLE = "core.deal_references"
SYNONYMS = {"deal_name_zh": ("项目名称", "产品全称", "项目全称", "产品名称", "证券名称")}
REQUIRED = ("deal_name_zh",)


def parse_deal_names(data: bytes, file_name: str = "") -> ParsedDocument:
    table = find_table(read_grids(data, file_name), SYNONYMS, REQUIRED, "deal name")
    doc = ParsedDocument(DOC_TYPE)
    seen: dict[str, int] = {}
    for row in table.rows():
        name = row.text("deal_name_zh", required=True)
        deal_id = deal_id_for(name)
        if deal_id in seen:
            doc.meta.setdefault("duplicates", []).append((name, seen[deal_id], row.number))
            continue
        seen[deal_id] = row.number
        try:
            parsed = parse_deal_name(name)
        except ValueError as exc:
            raise row.fail("deal_name_zh", str(exc)) from exc
        doc.add(TABLE, {
            "deal_id": deal_id,
            "deal_name_zh": name,
            "series_name": parsed.series,
            "vintage_year": parsed.vintage_year,
            "issue_number": parsed.issue_number,
            "asset_class": parsed.asset_class,
            "market_hint": parsed.market_hint,
            "is_npl": parsed.is_npl,
            **row.provenance("deal_name_zh"),
        })
    return doc
