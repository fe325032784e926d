"""Reading fuzzed documents with the parsers, as the pipeline does per document: the family is
recognised from the bytes (``detect_doc_type``), then that family's parser runs. Shared by the
fuzz test and ``bench/fuzzed_layouts.py``; the narrowest stable entry into the parsers, so it
does not depend on how the pipeline around them is wired."""

from __future__ import annotations

import time
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
    detect_s: float = 0.0  # CPU seconds recognising the family
    parse_s: float = 0.0  # CPU seconds in the family's parser

    @property
    def loaded(self) -> bool:
        return self.tables is not None


def parse(case: FuzzCase, timings: dict[str, float] | None = None) -> Mapping[str, Sequence[Mapping[str, Any]]]:
    """The document's parsed tables, read the way the pipeline reads one document."""
    from transforms.parse.detect import detect_doc_type, parser_for

    clock = time.process_time()
    doc_type = detect_doc_type(case.data, case.file_name, case.title)
    detected = time.process_time()
    if timings is not None:
        timings["detect"] = detected - clock
    try:
        parser = parser_for(doc_type)
    except KeyError:
        if doc_type != "trustee_report":
            raise
        from transforms.parse.trustee_report import parse_trustee_report as parser
    try:
        if doc_type == "trustee_report":
            return parser(case.data, file_name=case.file_name, title=case.title).tables
        return parser(case.data, file_name=case.file_name).tables
    finally:
        if timings is not None:
            timings["parse"] = time.process_time() - detected


def read(case: FuzzCase) -> Reading:
    timings: dict[str, float] = {}
    try:
        tables = parse(case, timings)
    except Exception as exc:  # noqa: BLE001 — every refusal and crash is an outcome to count
        return Reading(case, error=f"{type(exc).__name__}: {exc}", detect_s=timings.get("detect", 0.0),
                       parse_s=timings.get("parse", 0.0))
    return Reading(case, tables, wrong=wrong_values(case, tables), detect_s=timings["detect"], parse_s=timings["parse"])
