"""What every document parser returns, and the one error type that sends a document to quarantine.

A parser turns one document's bytes into rows for core tables. Every row carries provenance
(``source_page``, ``source_table``, ``source_row_label``); the pipeline adds ``document_id``.
Rows name deals, tranches and institutions by their natural keys (full deal name, security
code, full institution name) and by the ids derived from them in
``transforms.normalise.ids`` — never by anything that depends on load order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ParsedDocument:
    """Rows extracted from one document, per target table (``"core.deals"`` → rows)."""

    doc_type: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Facts about the document itself: report_key (deal + period + kind, for revisions),
    # is_revision, is_english, deal name, period number, report date …
    meta: dict[str, Any] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


class DocumentError(Exception):
    """A document cannot be read or understood. Carries where and why, for quarantine."""

    def __init__(
        self,
        reason: str,
        *,
        check: str = "parse_error",
        page: int | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        self.reason = reason
        self.check = check
        self.page = page
        self.field = field
        self.value = None if value is None else str(value)[:200]
        where = ", ".join(
            part
            for part in (
                f"page {page}" if page is not None else "",
                f"field {field!r}" if field else "",
                f"value {self.value!r}" if self.value is not None else "",
            )
            if part
        )
        super().__init__(f"{reason} ({where})" if where else reason)
