"""Screening before parsing: every limit of ``[limits]`` and every reason the bytes give.

:func:`screen_document` runs once at the top of the per-document parse and is the only
place these checks live (the fetch side also refuses bodies over ``max_document_mb`` while
streaming, so they are never stored). It is cheap by construction: it reads a ZIP's central directory
(never a member's body, except the prolog of XML parts and, for big workbooks, the shared
strings), inflates a PDF's streams against a budget in 1 MB chunks (nothing kept), asks pdfium
only for the page count and, when needed, character counts, and counts JSON nesting over the
bytes. A document over a limit is quarantined with the limit's name, its configured value and
what the document had, e.g. "xlsx inflates to 900.0 MB, over the 200 MB limit
(limits.max_uncompressed_mb)".

The two limits that only a worker process can enforce (``seconds_per_document``,
``worker_memory_mb``) are worded by :func:`over_limit` too, so a crashed or killed parse is
reported the same way.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.parsers import expat

from settings import Limits, over_limit_text
from transforms.parse.base import DocumentError
from transforms.sniff import Sniffed, json_depth, pdf_facts, sniff, xml_parts_with_dtd, zip_inventory

MB = 1 << 20


class LimitExceeded(DocumentError):
    """A document over one of the configured limits (``check`` is ``limits.<name>``)."""

    def __init__(self, name: str, limit: Any, had: str) -> None:
        self.limit_name, self.limit = name, limit
        super().__init__(over_limit_text(name, limit, had), check=f"limits.{name}")


def over_limit(limits: Limits, name: str, had: str) -> LimitExceeded:
    """The quarantine error for ``limits.<name>``, e.g. ``over_limit(l, "seconds_per_document",
    "parsing took longer than 60 s")`` for a worker that timed out."""
    return LimitExceeded(name, getattr(limits, name), had)


def limits_in(context: Any) -> Limits:
    """The limits a parse context carries (a dict's ``"limits"`` or a ``limits`` attribute), else
    the process's configured ones (a parse worker inherits the run's environment)."""
    found = context.get("limits") if isinstance(context, dict) else getattr(context, "limits", None)
    if found is not None:
        return found
    from settings import get_settings

    return get_settings().limits


def screen_document(data: bytes, limits: Limits) -> Sniffed:
    """What the document is, or a ``DocumentError`` saying why it must not be parsed.

    Order: size, then what the bytes are (empty, HTML page, image, old Office, encoding …),
    then the checks of its format, cheapest first.
    """
    if len(data) > limits.max_document_mb * MB:
        raise over_limit(limits, "max_document_mb", f"document is {len(data) / MB:,.1f} MB")
    sniffed = sniff(data)
    if sniffed.problem:
        raise DocumentError(sniffed.problem, check=sniffed.check or "unsupported_format")
    if sniffed.kind == "xlsx":
        _screen_xlsx(data, limits)
    elif sniffed.kind == "pdf":
        _screen_pdf(data, limits)
    elif sniffed.kind == "json":
        _screen_json(data, limits)
    elif sniffed.kind == "text":
        _screen_text(data, sniffed, limits)
    return sniffed


# ───────────────────────────── XLSX ─────────────────────────────
def _screen_xlsx(data: bytes, limits: Limits) -> None:
    inventory = zip_inventory(data)
    if inventory.members > limits.max_zip_members:
        raise over_limit(limits, "max_zip_members", f"xlsx holds {inventory.members:,} parts")
    if inventory.uncompressed_bytes > limits.max_uncompressed_mb * MB:
        raise over_limit(limits, "max_uncompressed_mb",
                         f"xlsx inflates to {inventory.uncompressed_bytes / MB:,.1f} MB")
    if inventory.ratio > limits.max_compression_ratio:
        raise over_limit(limits, "max_compression_ratio",
                         f"xlsx inflates {inventory.ratio:,.0f}:1 ({inventory.compressed_bytes / MB:,.2f} MB → "
                         f"{inventory.uncompressed_bytes / MB:,.1f} MB)")
    with_dtd = xml_parts_with_dtd(data)
    if with_dtd:
        raise DocumentError(
            f"xlsx part {with_dtd[0]} declares a DTD (<!DOCTYPE>, where entity definitions live): refused, entities "
            "are never expanded (an entity-expansion attack such as 'billion laughs' or a forged workbook)",
            check="xml_dtd")
    if inventory.uncompressed_bytes > limits.max_text_chars:
        chars = _shared_string_chars(data, limits.max_text_chars)
        if chars > limits.max_text_chars:
            raise over_limit(limits, "max_text_chars", f"xlsx holds more than {chars:,} characters of text")


def _shared_string_chars(data: bytes, stop_after: int) -> int:
    """Characters in the shared-string table (where Excel keeps every text cell), streamed."""
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "xl/sharedStrings.xml" not in archive.namelist():
            return 0
        parser = expat.ParserCreate()

        def text(chunk: str) -> None:
            nonlocal count
            count += len(chunk)

        parser.CharacterDataHandler = text
        parser.StartDoctypeDeclHandler = _refuse_doctype
        with archive.open("xl/sharedStrings.xml") as part:
            while count <= stop_after:
                chunk = part.read(MB)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    break
    return count


def _refuse_doctype(*_: Any) -> None:
    raise DocumentError("XML declares a DTD: refused, entities are never expanded", check="xml_dtd")


# ───────────────────────────── PDF ─────────────────────────────
def _screen_pdf(data: bytes, limits: Limits) -> None:
    import pypdfium2 as pdfium

    from transforms.parse.pdf_text import pdf_document  # the parse's shared document, when one is open

    budget = int(limits.max_uncompressed_mb * MB)
    facts = pdf_facts(data, budget)
    if facts.truncated:
        raise DocumentError(f"PDF is truncated or corrupt: {facts.truncated} (the download was cut short or the "
                            "file is damaged; fetch it again)", check="corrupt_file")
    try:
        with pdf_document(data) as pdf:
            _screen_pdf_pages(pdf, facts, len(data), budget, limits)
    except pdfium.PdfiumError as exc:  # raised by opening the document only
        if exc.err_code == pdfium.raw.FPDF_ERR_PASSWORD:
            raise DocumentError("encrypted PDF: a password is required to open it; ask for an unprotected copy",
                                check="encrypted") from exc
        if exc.err_code == pdfium.raw.FPDF_ERR_SECURITY:
            raise DocumentError("encrypted PDF with an unsupported security handler: cannot be opened",
                                check="encrypted") from exc
        raise DocumentError(f"PDF is truncated or corrupt: its cross-reference table or trailer cannot be read "
                            f"({exc})", check="corrupt_file") from exc


def _screen_pdf_pages(pdf: Any, facts: Any, size: int, budget: int, limits: Limits) -> None:
    pages = len(pdf)
    if pages > limits.max_pdf_pages:
        raise over_limit(limits, "max_pdf_pages", f"PDF has {pages:,} pages")
    if facts.dangerous:
        raise DocumentError(
            f"PDF carries {' and '.join(facts.dangerous)}: refused, not stripped — trustee reports and "
            "announcements never need scripts or actions, so the file was altered or is not what it claims; "
            "ask for a clean copy", check="pdf_active_content")
    if facts.over_budget:
        raise over_limit(limits, "max_uncompressed_mb",
                         f"PDF streams inflate to more than {budget / MB:,.0f} MB from a "
                         f"{size / MB:,.1f} MB file (a decompression bomb)")
    if pages == 0:
        raise DocumentError("PDF has no pages", check="corrupt_file")
    if facts.has_text is False:
        raise DocumentError(f"PDF has no text layer: its {pages:,} page(s) are images (a scan); it needs OCR or "
                            "the publisher's text version", check="no_text_layer")
    if facts.has_text is None or facts.content_bytes > limits.max_text_chars:
        chars = _pdf_chars(pdf, limits.max_text_chars)
        if chars == 0:
            raise DocumentError(f"PDF has no text layer: none of its {pages:,} page(s) holds text (a scan); it "
                                "needs OCR or the publisher's text version", check="no_text_layer")
        if chars > limits.max_text_chars:
            raise over_limit(limits, "max_text_chars", f"PDF holds more than {chars:,} characters of text")


def _pdf_chars(pdf: Any, stop_after: int) -> int:
    """Characters of the text layer, page by page, stopping once over ``stop_after``."""
    import pypdfium2.raw as raw

    count = 0
    for index in range(len(pdf)):
        page = raw.FPDF_LoadPage(pdf.raw, index)
        if not page:
            continue
        textpage = raw.FPDFText_LoadPage(page)
        if textpage:
            count += max(raw.FPDFText_CountChars(textpage), 0)
            raw.FPDFText_ClosePage(textpage)
        raw.FPDF_ClosePage(page)
        if count > stop_after:
            break
    return count


# ───────────────────────────── JSON and text ─────────────────────────────
def _screen_json(data: bytes, limits: Limits) -> None:
    if len(data) > limits.max_json_mb * MB:
        raise over_limit(limits, "max_json_mb", f"JSON document is {len(data) / MB:,.1f} MB")
    depth = json_depth(data, stop_at=limits.max_json_depth)
    if depth > limits.max_json_depth:
        deepest = json_depth(data)
        raise over_limit(limits, "max_json_depth", f"JSON nested {deepest:,} levels deep")


def _screen_text(data: bytes, sniffed: Sniffed, limits: Limits) -> None:
    if len(data) <= limits.max_text_chars:
        return  # a character takes at least one byte
    chars = len(data.decode(sniffed.encoding or "utf-8", errors="replace"))
    if chars > limits.max_text_chars:
        raise over_limit(limits, "max_text_chars", f"text file holds {chars:,} characters")
