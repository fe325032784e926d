"""Reading fuzzed documents with the parsers, as the pipeline does per document: the family is
recognised from the bytes (``detect_doc_type``), then that family's parser runs. Shared by the
fuzz test and ``bench/fuzzed_layouts.py``; the narrowest stable entry into the parsers, so it
does not depend on how the pipeline around them is wired."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sample_market.documents.layout_fuzzer import FuzzCase, wrong_values


@dataclass
class Reading:
    """What became of one fuzzed document: loaded (with its wrong values, if any) or refused."""

    case: FuzzCase
    tables: Mapping[str, Sequence[Mapping[str, Any]]] | None = None
    error: str | None = None  # "DocumentError: …" for a refusal, another type for a crash
    wrong: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.tables is not None


def parse(case: FuzzCase) -> Mapping[str, Sequence[Mapping[str, Any]]]:
    """The document's parsed tables, read the way the pipeline reads one document."""
    from transforms.parse.detect import detect_doc_type, parser_for

    doc_type = detect_doc_type(case.data, case.file_name, case.title)
    try:
        parser = parser_for(doc_type)
    except KeyError:
        if doc_type != "trustee_report":
            raise
        from transforms.parse.trustee_report import parse_trustee_report as parser
    if doc_type == "trustee_report":
        return parser(case.data, file_name=case.file_name, title=case.title).tables
    return parser(case.data, file_name=case.file_name).tables


def read(case: FuzzCase) -> Reading:
    try:
        tables = parse(case)
    except Exception as exc:  # noqa: BLE001 — every refusal and crash is an outcome to count
        return Reading(case, error=f"{type(exc).__name__}: {exc}")
    return Reading(case, tables, wrong=wrong_values(case, tables))
