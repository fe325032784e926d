"""The default parts of a run: recognise and parse each document, validate, audit.

Parsers are looked up by document type; the type is recognised from the content first and
the name second (``transforms.parse.detect``), never trusted from the listing alone.
"""

from __future__ import annotations

import importlib
from typing import Any

import duckdb

from pipeline.run import RunHooks
from settings import Settings
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

# doc_type → (module, function). Each parser takes (data, file_name=…) plus keyword context.
PARSERS: dict[str, tuple[str, str]] = {
    "market_totals": ("transforms.parse.market_totals", "parse_market_totals"),
    "rating_actions": ("transforms.parse.rating_actions", "parse_rating_actions"),
    "outstanding_snapshot": ("transforms.parse.outstanding_snapshot", "parse_outstanding_snapshot"),
    "bond_valuations": ("transforms.parse.bond_valuations", "parse_bond_valuations"),
}


def parse_document(stored: StoredDocument, data: bytes, context: dict[str, Any]) -> ParsedDocument:
    """Recognise the document and run its parser; unknown documents are a DocumentError."""
    from transforms.parse.detect import detect_doc_type

    doc_type = detect_doc_type(data, stored.file_name or "", stored.title or "")
    try:
        module_name, function_name = PARSERS[doc_type]
    except KeyError:
        raise DocumentError(f"no parser for document type {doc_type!r}", check="unsupported_type") from None
    parser = getattr(importlib.import_module(module_name), function_name)
    parsed = parser(data, file_name=stored.file_name or "")
    parsed.doc_type = parsed.doc_type or doc_type
    return parsed


def parse_context(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """What parsers may need from the warehouse so far (e.g. institution aliases)."""
    aliases = dict(con.execute("SELECT alias, institution_id FROM core.institution_aliases").fetchall())
    return {"aliases": aliases}


def default_hooks(settings: Settings) -> RunHooks:
    from expectations.gate import validate
    from expectations.reconcile import run_reconciliations

    limit = settings.pipeline.quarantine_share_limit
    return RunHooks(
        parse_one=parse_document,
        context=parse_context,
        validate=lambda con, frames, run_id: validate(con, frames, run_id, limit),
        audit=run_reconciliations,
    )
