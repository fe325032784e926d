"""Provenance on demand: from a figure, a mart row or a core-table key to the rows and documents
behind the number, and (``render``) to the cited pages themselves.

* A **figure**'s query is parsed by DuckDB (``json_serialize_sql``); every ``marts`` table it
  reads is traced with the WHERE conditions that apply to that table alone, so the scope is the
  rows the figure filters on (conditions inside aggregate FILTERs are not narrowed further).
* A **mart** row reaches the core rows through ``reports/lineage.toml``: marts built row for row
  on core tables match on key columns; aggregating marts name their member rows.
* A **core** row carries its provenance (document, page, table, row label); the document comes
  from ``raw.documents`` (title, source, publish time, outcome, superseding version) and its
  bytes, read from the raw store at the path the load recorded, give the line as printed.

Everything is read-only: the published warehouse through a read-only connection, the raw store
by reading files, never through its writer.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb

from warehouse.figures import Figure

LINEAGE_FILE = Path(__file__).with_name("lineage.toml")
PROVENANCE = ("document_id", "source_page", "source_table", "source_row_label")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


# ── what a trace returns ────────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Document:
    """One source document as the warehouse registered it."""

    document_id: str
    title: str | None
    source: str | None
    url: str | None
    published_at: Any
    doc_type: str | None
    file_format: str | None
    outcome: str | None
    superseded_by: str | None
    stored_path: str | None
    supersedes: str | None = None

    @property
    def is_superseded(self) -> bool:
        return bool(self.superseded_by) or self.outcome == "superseded"


@dataclass
class Citation:
    """One core row behind the number: where it stood in its document."""

    table: str
    key: dict[str, Any]
    document_id: str | None
    page: int | None
    source_table: str | None
    row_label: str | None
    as_printed: str | None = None  # the cited line as the document prints it (read from the raw store)


@dataclass
class Trace:
    """The rows and documents behind one figure, mart row or core row."""

    subject: str
    scopes: list[str] = field(default_factory=list)  # what was followed, in words
    citations: list[Citation] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)
    untraced: list[str] = field(default_factory=list)  # marts without declared lineage

    def by_document(self) -> "OrderedDict[str | None, list[Citation]]":
        groups: OrderedDict[str | None, list[Citation]] = OrderedDict()
        for c in self.citations:
            groups.setdefault(c.document_id, []).append(c)
        return groups


# ── lineage declarations ───────────────────────────────────────────────────────────────────
@dataclass(frozen=True)
class Scope:
    """Rows of ``table`` (alias ``alias``) satisfying ``condition`` (SQL over that alias)."""

    table: str
    alias: str
    condition: str

    def select(self, columns: str = "*") -> str:
        return f"SELECT {columns} FROM {self.table} AS {self.alias} WHERE {self.condition}"


def load_lineage(path: Path = LINEAGE_FILE) -> dict[str, dict[str, Any]]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {f"marts.{name}": entry for name, entry in data.get("marts", {}).items()}


class Tracer:
    """Traces numbers on one read-only connection to a published warehouse."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.lineage = load_lineage()
        self._aliases = 0

    # ── schema helpers ──
    @cached_property
    def primary_keys(self) -> dict[str, list[str]]:
        rows = self.con.execute("""
            SELECT schema_name || '.' || table_name, constraint_column_names FROM duckdb_constraints()
            WHERE constraint_type = 'PRIMARY KEY' AND schema_name = 'core'""").fetchall()
        return {t: list(cols) for t, cols in rows}

    def columns(self, table: str) -> list[str]:
        schema, name = table.split(".")
        return [r[0] for r in self.con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            [schema, name]).fetchall()]

    def _alias(self) -> str:
        self._aliases += 1
        return f"t{self._aliases}"

    # ── scopes → core rows ──
    def core_scopes(self, scope: Scope, depth: int = 0) -> tuple[list[Scope], list[str]]:
        """Core-table scopes behind ``scope`` (a mart or core scope), and marts with no lineage."""
        if scope.table.startswith("core."):
            return [scope], []
        entry = self.lineage.get(scope.table)
        if entry is None or depth > 6:
            return [], [scope.table]
        out: list[Scope] = []
        untraced: list[str] = []
        mart_columns = set(self.columns(scope.table))
        for core in entry.get("core", []):
            table = core["table"]
            keys = core.get("on") or [k for k in self.primary_keys.get(table, []) if k in mart_columns]
            if not keys or any(k not in mart_columns for k in keys):
                raise ValueError(f"lineage of {scope.table}: {table} needs key columns {keys} in the mart")
            alias = self._alias()
            tuple_ = ", ".join(f"{alias}.{k}" for k in keys)
            out.append(Scope(table, alias, f"({tuple_}) IN ({scope.select(', '.join(f'{scope.alias}.{k}' for k in keys))})"))
        if "members" in entry:
            alias = self._alias()
            on = re.sub(r"\bx\.", f"{alias}.", re.sub(r"\bm\.", f"{scope.alias}.", entry["on"]))
            member = Scope(entry["members"], alias,
                           f"EXISTS (SELECT 1 FROM {scope.table} AS {scope.alias} WHERE ({scope.condition}) AND ({on}))")
            more, missing = self.core_scopes(member, depth + 1)
            out.extend(more)
            untraced.extend(missing)
        return out, untraced

    def citations(self, scope: Scope, limit: int | None = None) -> list[Citation]:
        """The core rows of ``scope`` with their provenance, in key order."""
        columns = self.columns(scope.table)
        keys = self.primary_keys.get(scope.table) or columns[:1]
        prov = [c for c in PROVENANCE if c in columns]
        picked = ", ".join(f"{scope.alias}.{c}" for c in [*keys, *prov])
        order = ", ".join(f"{scope.alias}.{k}" for k in keys)
        sql = f"{scope.select(picked)} ORDER BY {order}" + (f" LIMIT {int(limit)}" if limit else "")
        out = []
        for row in self.con.execute(sql).fetchall():
            values = dict(zip([*keys, *prov], row))
            out.append(Citation(scope.table, {k: values[k] for k in keys}, values.get("document_id"),
                                values.get("source_page"), values.get("source_table"), values.get("source_row_label")))
        return out

    def documents(self, ids: list[str]) -> dict[str, Document]:
        ids = sorted({i for i in ids if i})
        if not ids:
            return {}
        rows = self.con.execute("""
            SELECT document_id, title, source, url, published_at, doc_type, file_format, outcome,
                   superseded_by_document_id, stored_path, supersedes_document_id
            FROM raw.documents WHERE document_id IN (SELECT unnest(?))""", [ids]).fetchall()
        return {r[0]: Document(*r) for r in rows}

    # ── the three entry points ──
    def trace_scopes(self, subject: str, scopes: list[Scope], words: list[str], *, printed: bool = True,
                     limit: int | None = None) -> Trace:
        trace = Trace(subject, scopes=words)
        seen: set[tuple] = set()
        for scope in scopes:
            core, missing = self.core_scopes(scope)
            trace.untraced.extend(m for m in missing if m not in trace.untraced)
            for core_scope in core:
                for c in self.citations(core_scope, limit=limit):
                    marker = (c.table, tuple(c.key.items()))
                    if marker not in seen:
                        seen.add(marker)
                        trace.citations.append(c)
        trace.documents = self.documents([c.document_id for c in trace.citations])
        if printed:
            self.read_as_printed(trace)
        return trace

    def source_documents(self, scopes: list[Scope]) -> dict[str, Document]:
        """Only the documents behind ``scopes`` (one DISTINCT query per core table, no row list):
        what a footnote needs."""
        selects = []
        for scope in scopes:
            for core in self.core_scopes(scope)[0]:
                if "document_id" in self.columns(core.table):
                    selects.append(core.select(f"DISTINCT {core.alias}.document_id"))
        if not selects:
            return {}
        ids = [r[0] for r in self.con.execute(" UNION ".join(selects)).fetchall() if r[0]]
        return self.documents(ids)

    def trace_figure(self, figure: Figure, **kwargs: Any) -> Trace:
        scopes = figure_scopes(self.con, figure.query)
        words = [f"{s.table} WHERE {s.condition}" if s.condition != "TRUE" else f"{s.table} (every row)" for s in scopes]
        return self.trace_scopes(figure.id, scopes, words, **kwargs)

    def trace_mart(self, mart: str, where: str, **kwargs: Any) -> Trace:
        mart = mart if mart.startswith("marts.") else f"marts.{mart}"
        _check_table(self.con, mart)
        alias = self._alias()
        return self.trace_scopes(f"{mart} WHERE {where}", [Scope(mart, alias, _qualify(where, alias, self.columns(mart)))],
                                 [f"{mart} WHERE {where}"], **kwargs)

    def trace_mart_row(self, mart: str, key: dict[str, str], **kwargs: Any) -> Trace:
        """The mart rows whose columns equal ``key`` (values compared as text)."""
        where = " AND ".join(f"CAST({_ident(k)} AS VARCHAR) = {_literal(v)}" for k, v in key.items())
        return self.trace_mart(mart, where, **kwargs)

    def trace_core(self, table: str, key: dict[str, str], **kwargs: Any) -> Trace:
        _check_table(self.con, table)
        alias = self._alias()
        conditions = " AND ".join(f"CAST({alias}.{_ident(k)} AS VARCHAR) = {_literal(v)}" for k, v in key.items())
        words = f"{table} " + ", ".join(f"{k}={v}" for k, v in key.items())
        return self.trace_scopes(words, [Scope(table, alias, conditions)], [words], **kwargs)

    def find_key(self, value: str) -> list[tuple[str, dict[str, str]]]:
        """Core tables whose single-column primary key equals ``value`` (a deal, tranche, bond,
        AMC or institution id)."""
        hits = []
        for table, keys in sorted(self.primary_keys.items()):
            if len(keys) == 1 and self.con.execute(
                    f"SELECT 1 FROM {table} WHERE CAST({keys[0]} AS VARCHAR) = ? LIMIT 1", [value]).fetchone():
                hits.append((table, {keys[0]: value}))
        return hits

    # ── the documents themselves ──
    def read_as_printed(self, trace: Trace) -> None:
        """Fill ``as_printed`` with the cited line of each document (PDF page line holding the row
        label; XLSX sheet row), when the raw store holds the bytes."""
        from reports.pages import find_line, read_lines

        cache: dict[str, Any] = {}
        for c in trace.citations:
            doc = trace.documents.get(c.document_id or "")
            if doc is None or c.page is None:
                continue
            path = self.document_path(doc)
            if path is None:
                continue
            if doc.document_id not in cache:
                cache[doc.document_id] = read_lines(path.read_bytes(), doc.file_format)
            line = find_line(cache[doc.document_id], c.page, c.row_label, c.source_table)
            if line is not None:
                c.as_printed = line.text

    @staticmethod
    def document_path(doc: Document) -> Path | None:
        """The document's bytes in the raw store (content-addressed: the path the load recorded)."""
        path = Path(doc.stored_path) if doc.stored_path else None
        return path if path is not None and path.exists() else None


# ── figures: which mart rows does a query filter on? ───────────────────────────────────────
def figure_scopes(con: duckdb.DuckDBPyConnection, sql: str) -> list[Scope]:
    """One scope per ``marts`` table the query reads, with the WHERE conjuncts that name only
    that table's columns (qualified by its alias, or unqualified when unambiguous)."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise ValueError(f"cannot parse the figure's query: {tree.get('error_message')}")
    columns_of: dict[str, set[str]] = {}
    scopes: list[Scope] = []
    for node in _select_nodes(tree):
        tables = list(_base_tables(node.get("from_table")))
        marts = [(t, a) for t, a in tables if t.startswith("marts.")]
        for table, _ in marts:
            if table not in columns_of:
                schema, name = table.split(".")
                columns_of[table] = {r[0] for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                    [schema, name]).fetchall()}
        for table, alias in marts:
            mine = []
            for conjunct in _conjuncts(node.get("where_clause")):
                refs = list(_column_refs(conjunct))
                if refs and all(_belongs(ref, table, alias, tables, columns_of) for ref in refs):
                    mine.append(conjunct)
            scopes.append(Scope(table, "m", _deserialize(con, table, mine)))
    merged: dict[str, list[str]] = {}
    for s in scopes:
        merged.setdefault(s.table, [])
        if s.condition not in merged[s.table]:
            merged[s.table].append(s.condition)
    return [Scope(t, "m", "TRUE" if "TRUE" in conds else " OR ".join(f"({c})" for c in conds))
            for t, conds in merged.items()]


def _select_nodes(tree: Any):
    if isinstance(tree, dict):
        if tree.get("type") == "SELECT_NODE":
            yield tree
        for value in tree.values():
            yield from _select_nodes(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _select_nodes(value)


def _base_tables(ref: Any):
    """(schema.table, alias) of the base tables directly in a FROM clause (not in subqueries)."""
    if not isinstance(ref, dict):
        return
    if ref.get("type") == "BASE_TABLE":
        name = f"{ref['schema_name']}.{ref['table_name']}" if ref.get("schema_name") else ref["table_name"]
        yield name, ref.get("alias") or ref["table_name"]
    elif ref.get("type") == "JOIN":
        yield from _base_tables(ref.get("left"))
        yield from _base_tables(ref.get("right"))
    elif ref.get("type") == "SUBQUERY":
        yield f"(subquery).{ref.get('alias') or ''}", ref.get("alias") or ""


def _conjuncts(expr: Any) -> list[dict]:
    if not isinstance(expr, dict):
        return []
    if expr.get("type") == "CONJUNCTION_AND":
        return [c for child in expr["children"] for c in _conjuncts(child)]
    return [expr]


def _column_refs(expr: Any):
    """Column references of an expression, not descending into subqueries."""
    if isinstance(expr, dict):
        if expr.get("class") == "SUBQUERY":
            yield {"column_names": ["(subquery)", "(subquery)"]}  # never attributable to one table
            return
        if expr.get("class") == "COLUMN_REF":
            yield expr
            return
        for value in expr.values():
            yield from _column_refs(value)
    elif isinstance(expr, list):
        for value in expr:
            yield from _column_refs(value)


def _belongs(ref: dict, table: str, alias: str, tables: list[tuple[str, str]], columns_of: dict[str, set[str]]) -> bool:
    names = ref["column_names"]
    if len(names) == 2:
        return names[0] == alias and names[1] in columns_of.get(table, set())
    if len(names) != 1:
        return False
    column = names[0]
    if column not in columns_of.get(table, set()):
        return False
    others = [t for t, _ in tables if t != table]
    return all(t.startswith("marts.") and column not in columns_of.get(t, set()) for t in others)


def _deserialize(con: duckdb.DuckDBPyConnection, table: str, conjuncts: list[dict]) -> str:
    """The conjuncts as SQL over alias ``m`` (TRUE when there are none)."""
    if not conjuncts:
        return "TRUE"
    for expr in conjuncts:
        for ref in _column_refs(expr):
            ref["column_names"] = ["m", ref["column_names"][-1]]
    template = json.loads(con.execute("SELECT json_serialize_sql(?)", [f"SELECT 1 FROM {table} AS m WHERE TRUE"]).fetchone()[0])
    where = conjuncts[0] if len(conjuncts) == 1 else {
        "class": "CONJUNCTION", "type": "CONJUNCTION_AND", "alias": "", "query_location": 0, "children": conjuncts}
    template["statements"][0]["node"]["where_clause"] = where
    text = con.execute("SELECT json_deserialize_sql(?::JSON)", [json.dumps(template)]).fetchone()[0]
    return text.split(" WHERE ", 1)[1]


# ── arguments from the command line ────────────────────────────────────────────────────────
def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not a column name: {name!r}")
    return name


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _check_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    schema, _, name = table.partition(".")
    found = con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? UNION ALL "
                        "SELECT 1 FROM duckdb_views() WHERE schema_name = ? AND view_name = ?",
                        [schema, name, schema, name]).fetchone()
    if not found:
        raise ValueError(f"no table or mart {table} in the warehouse")


def _qualify(where: str, alias: str, columns: list[str]) -> str:
    """A user's WHERE over a mart's columns, with the mart's columns qualified by ``alias``."""
    names = sorted(columns, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.'])(" + "|".join(map(re.escape, names)) + r")(?![\w'])")
    parts = re.split(r"('(?:[^']|'')*')", where)  # leave string literals alone
    return "".join(p if p.startswith("'") else pattern.sub(lambda m: f"{alias}.{m.group(1)}", p) for p in parts)


def parse_subject(text: str) -> tuple[str, Any]:
    """``S-07`` → figure; ``marts.deal_facts:deal_id=X,…`` → mart row(s);
    ``core.deals:deal_id=X`` → core row; a bare id → core rows with that key."""
    if re.fullmatch(r"[A-Z]-\d{2}", text):
        return "figure", text
    if ":" in text and text.split(":", 1)[0].count(".") == 1:
        table, _, rest = text.partition(":")
        pairs = {}
        for part in rest.split(","):
            column, sep, value = part.partition("=")
            if not sep:
                raise ValueError(f"expected column=value in {text!r}")
            pairs[_ident(column.strip())] = value.strip()
        return ("mart" if table.startswith("marts.") else "core"), (table, pairs)
    if text.startswith("marts.") or text.startswith("core."):
        raise ValueError(f"name the row: {text}:column=value[,column=value]")
    return "id", text


# ── for people and scripts ─────────────────────────────────────────────────────────────────
def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _short(document_id: str | None) -> str:
    return (document_id or "")[:12]


def render_trace_text(trace: Trace, width: int = 80, max_documents: int = 20, max_rows: int = 8) -> str:
    """Documents behind the number, each with its cited rows (page, table, row label, the line as
    printed), folded to ``width`` columns; long lists are cut at whole documents and rows with a
    count of what is left."""
    from reports.printed import fold

    def wrap(text: str, indent: int) -> list[str]:
        first, *rest = fold(text, width) if indent == 0 else [" " * indent + t for t in fold(text, width - indent)]
        return [first] + [" " * (indent + 4) + t.lstrip() for t in (rest and fold(" ".join(r.strip() for r in rest),
                                                                                  width - indent - 4))]

    out = wrap(f"trace {trace.subject}", 0)
    for scope in trace.scopes:
        out += wrap(f"followed: {scope}", 2)
    groups = trace.by_document()
    tables = sorted({c.table for c in trace.citations})
    superseded = sum(1 for d in trace.documents.values() if d.is_superseded)
    documents = [d for d in groups if d]
    out += wrap(f"{_count(len(trace.citations), 'row')} of {', '.join(tables) or 'no core table'} from "
                f"{_count(len(documents), 'document')}" + (f" ({superseded} superseded by a later revision)" if superseded else ""), 2)
    if None in groups:
        out += wrap(f"{len(groups[None]):,} rows carry no document (derived or typed in by the pipeline)", 2)
    for name in trace.untraced:
        out += wrap(f"no row-level lineage declared for {name} (reports/lineage.toml)", 2)
    for shown, document_id in enumerate(documents):
        if shown == max_documents:
            out += wrap(f"… {len(documents) - max_documents:,} more documents (--all lists them, --format json for scripts)", 2)
            break
        doc = trace.documents.get(document_id)
        out.append("")
        if doc is None:
            out += wrap(f"document {document_id} (not in raw.documents)", 2)
        else:
            published = doc.published_at.date().isoformat() if hasattr(doc.published_at, "date") else str(doc.published_at or "—")
            status = (f"superseded by {_short(doc.superseded_by)}" if doc.superseded_by
                      else doc.outcome or "—")
            if doc.supersedes:
                status += f", revises {_short(doc.supersedes)}"
            elif not doc.superseded_by:
                status += ", not superseded"
            out += wrap(f"■\u00a0{doc.title or '(untitled)'}", 2)
            out += wrap(f"{doc.doc_type or '?'} · {doc.file_format or '?'} · source {doc.source or '?'} · "
                        f"published {published} · {status}", 4)
            out += wrap(f"document {document_id}", 4)
        rows = groups[document_id]
        for c in rows[:max_rows]:
            sheet_like = doc is not None and (doc.file_format or "").lower() in ("xlsx", "csv")
            place = "" if c.page is None else (f"row {c.page}" if sheet_like else f"p.{c.page}")
            where = " · ".join(x for x in (place, c.source_table or "",
                                           c.row_label or "") if x)
            key = ", ".join(f"{k}={v}" for k, v in c.key.items())
            out += wrap(f"{where or 'no page recorded'} → {c.table} {key}", 4)
            if c.as_printed:
                out += wrap(f"as printed: {c.as_printed}", 6)
        if len(rows) > max_rows:
            out += wrap(f"… {len(rows) - max_rows:,} more rows from this document", 4)
    return "\n".join(out) + "\n"


def trace_json(trace: Trace) -> str:
    docs = {k: {**d.__dict__, "published_at": str(d.published_at) if d.published_at else None,
                "is_superseded": d.is_superseded} for k, d in trace.documents.items()}
    return json.dumps({"subject": trace.subject, "followed": trace.scopes, "untraced": trace.untraced,
                       "documents": docs,
                       "rows": [{**c.__dict__, "key": {k: str(v) for k, v in c.key.items()}} for c in trace.citations]},
                      ensure_ascii=False, indent=1, default=str) + "\n"


def render_pages(tracer: Tracer, trace: Trace, out_dir: Path, max_documents: int | None = None) -> list[Path]:
    """Each cited PDF page as a PNG with the cited cells boxed; workbook cells as HTML excerpts."""
    from reports.pages import render_citations

    written: list[Path] = []
    groups = [(d, rows) for d, rows in trace.by_document().items() if d]
    for document_id, rows in groups[:max_documents]:
        doc = trace.documents.get(document_id)
        path = tracer.document_path(doc) if doc else None
        if path is None:
            continue
        cited = sorted({(c.page, c.row_label, c.source_table) for c in rows if c.page is not None},
                       key=lambda t: (t[0], t[1] or "", t[2] or ""))
        written += render_citations(path.read_bytes(), doc.file_format, cited, out_dir,
                                    f"{document_id[:12]}", doc.title or document_id)
    return written
