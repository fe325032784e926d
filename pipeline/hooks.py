"""The one per-document entry point: recognise a document and run its parser.

The type of a document is recognised from its content first and its name second
(``transforms.parse.detect``), never taken from the listing on trust. A parse depends only on
the document's bytes and a frozen ``ParseContext`` that the reference phase built before
(``pipeline.reference``): the names the warehouse and the reference documents declare. Nothing
a parse learns is visible to another parse; codes documents print for each other are resolved
after parsing, as a join over the parsed rows (``pipeline.resolve``).

Runs inside an isolated parse worker (``pipeline.isolation``), so it imports parsers only.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from settings import Limits
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

# Parsers that resolve institution names through the frozen alias map.
NEEDS_ALIASES = {"amc_bonds", "amc_financials", "amc_registry"}
# Families whose own parser knows the venue's layouts; a report of theirs in a layout it cannot
# read is still a periodic report, so the label-driven trustee-report reader tries it next.
TRUSTEE_FALLBACK = {"abn_operating_report"}


@dataclass(frozen=True)
class ParseContext:
    """What a parse may know besides its own bytes: alias → full institution name, and the run's
    limits (None: the configured ones)."""

    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    limits: Limits | None = None

    def __reduce__(self):  # mappingproxy does not pickle: send a plain dict to the worker
        return (_context_from_dict, (dict(self.aliases), self.limits))


def _context_from_dict(aliases: dict[str, str], limits: Limits | None = None) -> ParseContext:
    return ParseContext(MappingProxyType(aliases), limits)


def parse_document(stored: StoredDocument, data: bytes, context: ParseContext | None) -> ParsedDocument:
    """Screen the bytes against the limits, recognise the document and run its parser; unknown
    documents are a DocumentError."""
    from transforms.parse.one_read import one_read_per_parse

    with one_read_per_parse(data):  # the screen, the detection and the parser read a PDF or workbook once
        return _parse(stored, data, context)


def _parse(stored: StoredDocument, data: bytes, context: ParseContext | None) -> ParsedDocument:
    from pipeline.limits import limits_in, screen_document
    from transforms.parse.detect import PARSERS, TRUSTEE_REPORT, detect_doc_type

    screen_document(data, limits_in(context))
    context = context or ParseContext()
    file_name, title = stored.file_name or "", stored.title or ""
    doc_type = detect_doc_type(data, file_name, title)
    if doc_type == TRUSTEE_REPORT:
        from transforms.parse.trustee_report import parse_trustee_report

        parsed = parse_trustee_report(data, file_name=file_name, title=title)
    else:
        try:
            module_name, function_name = PARSERS[doc_type].split(":")
        except KeyError:
            raise DocumentError(f"no parser for document type {doc_type!r}", check="unsupported_type") from None
        parser = getattr(importlib.import_module(module_name), function_name)
        if doc_type in NEEDS_ALIASES:
            parsed = parser(data, file_name=file_name, aliases=dict(context.aliases))
        elif doc_type in TRUSTEE_FALLBACK:
            parsed = _with_trustee_fallback(parser, data, file_name, title)
        else:
            parsed = parser(data, file_name=file_name)
    parsed.doc_type = parsed.doc_type or doc_type
    return parsed


def _with_trustee_fallback(parser, data: bytes, file_name: str, title: str) -> ParsedDocument:
    """The family's parser, then the trustee-report reader; quarantined with both reasons when
    neither reads the document."""
    from transforms.parse.trustee_report import parse_trustee_report

    try:
        return parser(data, file_name=file_name)
    except DocumentError as own:
        try:
            return parse_trustee_report(data, file_name=file_name, title=title)
        except DocumentError as general:
            raise DocumentError(f"{own.reason}; read as a trustee report: {general}", check=own.check, page=own.page,
                                field=own.field, value=own.value) from own
