"""The default parts of a run: recognise and parse each document, validate, audit.

The type of a document is recognised from its content first and its name second
(``transforms.parse.detect``), never taken from the listing on trust. Reference documents
(the AMC registry, issuance exports) are parsed before the documents that name their
institutions by short names, and every alias a parsed document declares is visible to the
documents parsed after it.
"""

from __future__ import annotations

import importlib
from typing import Any

import duckdb

from pipeline.run import RunHooks
from settings import Settings
from transforms.parse.base import DocumentError, ParsedDocument
from warehouse.rawstore import StoredDocument

# Parsed first: they declare the names other documents use.
REFERENCE_FIRST = ("amc_registry", "amc_licence_events", "issuance_export", "offering_circular", "issuance_results")
NEEDS_ALIASES = {"amc_bonds", "amc_financials", "amc_registry"}


def parse_order(doc: StoredDocument) -> tuple[int, str, str]:
    hint = doc.doc_type_hint or ""
    rank = REFERENCE_FIRST.index(hint) if hint in REFERENCE_FIRST else len(REFERENCE_FIRST)
    return rank, doc.published_at or "", doc.source_doc_id


def parse_document(stored: StoredDocument, data: bytes, context: dict[str, Any]) -> ParsedDocument:
    """Screen the bytes against the limits, recognise the document and run its parser; unknown
    documents are a DocumentError."""
    from pipeline.limits import limits_in, screen_document
    from transforms.parse.detect import PARSERS, TRUSTEE_REPORT, detect_doc_type

    screen_document(data, limits_in(context))
    file_name, title = stored.file_name or "", stored.title or ""
    doc_type = detect_doc_type(data, file_name, title)
    if doc_type == TRUSTEE_REPORT:
        from transforms.parse.trustee_report import parse_trustee_report

        parsed = parse_trustee_report(data, file_name=file_name, title=title)
        _resolve_bare_codes(parsed, context)
    else:
        try:
            module_name, function_name = PARSERS[doc_type].split(":")
        except KeyError:
            raise DocumentError(f"no parser for document type {doc_type!r}", check="unsupported_type") from None
        parser = getattr(importlib.import_module(module_name), function_name)
        if doc_type in NEEDS_ALIASES:
            parsed = parser(data, file_name=file_name, aliases=context["aliases"])
        else:
            parsed = parser(data, file_name=file_name)
    parsed.doc_type = parsed.doc_type or doc_type
    _learn_aliases(parsed, context)
    _learn_codes(parsed, context)
    return parsed


def _resolve_bare_codes(parsed: ParsedDocument, context: dict[str, Any]) -> None:
    """Exchange codes printed without .SH/.SZ take the suffix of the one known tranche they match."""
    for row in parsed.tables.get("core.tranche_payments", []):
        code = row["tranche_id"]
        if "." in code:
            continue
        matches = context["bare_codes"].get(code, set())
        if len(matches) != 1:
            known = "matches no known tranche" if not matches else f"matches {sorted(matches)}"
            raise DocumentError(f"security code {code} has no market suffix and {known}",
                                check="unresolved_code", page=row.get("source_page"), field="security_code", value=code)
        row["tranche_id"] = next(iter(matches))


def _learn_codes(parsed: ParsedDocument, context: dict[str, Any]) -> None:
    for row in parsed.tables.get("core.tranches", []):
        code = row["tranche_id"]
        context["bare_codes"].setdefault(code.split(".")[0], set()).add(code)


def _learn_aliases(parsed: ParsedDocument, context: dict[str, Any]) -> None:
    """Make names declared by this document resolvable for the documents after it."""
    names = {r["institution_id"]: r["full_name_zh"] for r in parsed.tables.get("core.institutions", [])}
    for row in parsed.tables.get("core.institution_aliases", []):
        full = names.get(row["institution_id"]) or context["full_names"].get(row["institution_id"])
        if full:
            context["aliases"][row["alias"]] = full
    for inst_id, full in names.items():
        context["full_names"][inst_id] = full
        context["aliases"].setdefault(full, full)


def parse_context(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Names known to the warehouse so far: alias → full name, id → full name."""
    full_names = dict(con.execute("SELECT institution_id, full_name_zh FROM core.institutions").fetchall())
    aliases = dict(con.execute(
        "SELECT a.alias, i.full_name_zh FROM core.institution_aliases a JOIN core.institutions i USING (institution_id)"
    ).fetchall())
    bare_codes: dict[str, set[str]] = {}
    for (code,) in con.execute("SELECT tranche_id FROM core.tranches").fetchall():
        bare_codes.setdefault(code.split(".")[0], set()).add(code)
    return {"aliases": aliases, "full_names": full_names, "bare_codes": bare_codes}


def default_hooks(settings: Settings) -> RunHooks:
    from expectations.gate import validate
    from expectations.reconcile import check_required_tables, run_reconciliations

    from transforms.derive.subordinated_cash_flows import derive_in_warehouse
    from warehouse.marts import apply_marts

    limit = settings.pipeline.quarantine_share_limit
    return RunHooks(
        parse_one=parse_document,
        context=lambda con: {**parse_context(con), "limits": settings.limits},
        order=parse_order,
        validate=lambda con, frames, run_id: validate(con, frames, run_id, limit, settings.paths.dq_docs_dir),
        audit=lambda con, run_id: (check_required_tables(con, run_id, settings.pipeline.required_tables),
                                   run_reconciliations(con, run_id)),
        after_load=[derive_in_warehouse, apply_marts],
    )
