"""Institutions named in tabular documents → core.institutions and core.institution_aliases rows.

Exports name parties by their Chinese names (originator, asset provider, trustee, enhancer,
guarantor, rating agency); the warehouse keys them by ``institution_id_for(full name)``. One
collector per document deduplicates them, refuses a name that the same document types two
ways, and emits each institution once with its aliases. Rating agencies are resolved through
the normaliser's agency registry, so `中诚信`, `中诚信国际` and the legal name give one id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transforms.normalise.ids import institution_id_for
from transforms.normalise.ratings import agency, resolve_agency
from transforms.parse.base import ParsedDocument
from transforms.parse.tabular import Row, lookup

# Chinese type labels as vendor exports write them → core.institutions.institution_type.
# The first label of each code is the one the sample market prints.
INSTITUTION_TYPES: dict[str, str] = {
    "国有大型商业银行": "state_owned_bank", "国有大行": "state_owned_bank", "国有银行": "state_owned_bank",
    "股份制商业银行": "joint_stock_bank", "全国性股份制商业银行": "joint_stock_bank", "股份制银行": "joint_stock_bank",
    "城市商业银行": "city_commercial_bank", "城商行": "city_commercial_bank",
    "农村商业银行": "rural_commercial_bank", "农商行": "rural_commercial_bank",
    "民营银行": "private_bank",
    "外资银行": "foreign_bank",
    "信托公司": "trust", "信托": "trust",
    "证券公司": "securities_firm", "券商": "securities_firm",
    "互联网平台": "internet_platform",
    "小额贷款公司": "micro_lender", "小贷公司": "micro_lender",
    "融资担保公司": "financing_guarantor", "担保公司": "financing_guarantor",
    "财产保险公司": "pc_insurer", "保险公司": "pc_insurer",
    "融资租赁公司": "lessor", "租赁公司": "lessor",
    "消费金融公司": "consumer_finance",
    "汽车金融公司": "auto_finance",
    "地方资产管理公司": "local_amc", "地方AMC": "local_amc",
    "金融资产管理公司": "national_amc", "全国性AMC": "national_amc",
    "评级机构": "rating_agency", "信用评级机构": "rating_agency",
    "一般企业": "corporate", "企业": "corporate", "非金融企业": "corporate",
    "其他": "other",
}  # fmt: skip
TYPE_LABELS: dict[str, str] = {}
for _label, _code in INSTITUTION_TYPES.items():
    TYPE_LABELS.setdefault(_code, _label)

INSTITUTION_COLUMNS = (
    "institution_id", "full_name_zh", "short_name_zh", "name_en", "institution_type", "parent_group", "province",
)  # fmt: skip


def institution_type(text: str) -> str | None:
    """Type code for a Chinese label (or the code itself); None when unknown."""
    return lookup(text, INSTITUTION_TYPES)


def agency_institution_id(name: str) -> str:
    """Institution id of a rating agency named any way (legal, short, alias); ValueError if unknown."""
    return institution_id_for(agency(resolve_agency(name)).name_zh)


@dataclass
class Parties:
    """Institutions met in one document, keyed by id, with the aliases they appeared under."""

    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    # An agency the registry does not know is refused by default (a typo in a vendor export); a
    # disclosure document that names one is believed: it becomes a new institution.
    new_agencies: bool = False

    def add(self, full_name: str, kind: str, row: Row | None = None, key: str = "", **extra: Any) -> str:
        """Register an institution by full name and type; returns its id."""
        inst_id = institution_id_for(full_name)
        existing = self.rows.get(inst_id)
        if existing is not None and existing["institution_type"] != kind:
            message = f"{full_name!r} is typed both {existing['institution_type']} and {kind}"
            if row is not None:
                raise row.fail(key, message, value=full_name, check="conflict")
            raise ValueError(message)
        if existing is None:
            self.rows[inst_id] = {c: None for c in INSTITUTION_COLUMNS} | {
                "institution_id": inst_id, "full_name_zh": full_name, "institution_type": kind,
            }
        for column, value in extra.items():
            if value is not None:
                self.rows[inst_id][column] = value
        self.alias(full_name, inst_id)
        return inst_id

    def alias(self, name: str | None, inst_id: str) -> None:
        if name:
            self.aliases.setdefault(name, inst_id)

    def add_agency(self, name: str, row: Row | None = None, key: str = "") -> str:
        """A rating agency under its legal name (short name and the spelling seen as aliases)."""
        try:
            entry = agency(resolve_agency(name))
        except ValueError as exc:
            if self.new_agencies and name.strip():
                return self.add(name.strip(), "rating_agency", row, key)
            if row is not None:
                raise row.fail(key, f"is not a known rating agency: {exc}", value=name) from exc
            raise
        inst_id = self.add(entry.name_zh, "rating_agency", row, key, short_name_zh=entry.short_name)
        self.alias(entry.short_name, inst_id)
        self.alias(name, inst_id)
        return inst_id

    def emit(self, doc: ParsedDocument) -> None:
        for inst_id in sorted(self.rows):
            doc.add("core.institutions", dict(self.rows[inst_id]))
        for name in sorted(self.aliases):
            doc.add("core.institution_aliases", {"alias": name, "institution_id": self.aliases[name]})
