"""Warehouse tables as Prefect assets, so the UI's Assets page shows their lineage:

    source://<source>  ──▶  duckdb://raw.documents  ──▶  duckdb://core.<table>  ──▶  duckdb://marts.<mart>
                                     └──────────────┬──────────────┘
                                                    ▼
                                 duckdb://dq.runs · dq.results · dq.quarantine

After a run has published, one materializing task per layer reports the tables that run wrote
(``prefect.asset.materialization.succeeded`` events with row counts as metadata), and one per
mart that reads any of them (every load recreates the marts); a table the run did not touch is
not reported. Asset names and descriptions come from the tables' own
``COMMENT ON`` text (English and Chinese). Everything here reads the *published* warehouse
read-only, after the writer has let go of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RAW_TABLES = ("raw.documents", "raw.fetch_cursors")
DQ_TABLES = ("dq.runs", "dq.results", "dq.quarantine")
_MAX_DESCRIPTION = 2500


def asset_key(table: str) -> str:
    """``schema.table`` → ``duckdb://schema.table`` (the house's asset key form)."""
    schema, _, name = table.partition(".")
    if not schema or not name or not re.fullmatch(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*", table):
        raise ValueError(f"not a schema.table name: {table!r}")
    return f"duckdb://{table}"


def source_key(source: str) -> str:
    """Where documents come from: ``source://chinabond``, ``source://inbox`` …"""
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", source):
        raise ValueError(f"not a source name: {source!r}")
    return f"source://{source}"


@dataclass
class TableInfo:
    """What the published warehouse says about one table: rows now, and its comment."""

    table: str
    rows: int | None
    comment: str | None
    kind: str = "table"


@dataclass
class Lineage:
    """The assets one run reports, layer by layer, with the metadata each materialization carries."""

    source: str
    raw: list[str] = field(default_factory=list)
    core: list[str] = field(default_factory=list)
    dq: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)
    mart_deps: dict[str, list[str]] = field(default_factory=dict)
    info: dict[str, TableInfo] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)


def describe_tables(published: Path, tables: list[str] | None = None) -> dict[str, TableInfo]:
    """Row counts and comments of tables and views in the published warehouse (read-only)."""
    from settings import get_settings
    from warehouse.backends import open_published_or_none

    con = open_published_or_none(get_settings(), published)
    if con is None:
        return {}
    try:
        rows = con.execute(
            "SELECT schema_name || '.' || table_name, comment, 'table' FROM duckdb_tables() WHERE NOT internal "
            "AND schema_name IN ('raw', 'core', 'marts', 'dq') AND database_name = current_database() "
            "UNION ALL SELECT schema_name || '.' || view_name, comment, 'view' FROM duckdb_views() "
            "WHERE NOT internal AND schema_name = 'marts' AND database_name = current_database()"
        ).fetchall()
        out = {}
        for name, comment, kind in rows:
            if tables is not None and name not in tables:
                continue
            schema, table = name.split(".", 1)
            count = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
            out[name] = TableInfo(name, count, comment, kind)
        return out
    finally:
        con.close()


def run_lineage(summary: dict[str, Any], source: str, published: Path) -> Lineage:
    """The tables a published run wrote: raw registry, core tables with rows, dq tables, and
    the marts that read those core tables (each depending on the core tables it reads)."""
    from warehouse.marts import mart_sources

    loaded = {t: n for t, n in (summary.get("rows_loaded") or {}).items() if n}
    lineage = Lineage(source=source, raw=list(RAW_TABLES), core=sorted(loaded), dq=list(DQ_TABLES))
    lineage.mart_deps = {mart: tables for mart, tables in mart_sources().items() if set(tables) & set(loaded)}
    lineage.marts = sorted(lineage.mart_deps)
    lineage.info = describe_tables(published, [*lineage.raw, *lineage.core, *lineage.dq, *lineage.marts])
    run_id = summary.get("run_id")
    for table in [*lineage.raw, *lineage.core, *lineage.dq, *lineage.marts]:
        info = lineage.info.get(table)
        meta: dict[str, Any] = {"run_id": run_id, "rows": info.rows if info else None}
        if table in loaded:
            meta["rows_loaded_by_run"] = loaded[table]
        if table in lineage.mart_deps:
            meta["kind"] = info.kind if info else None
        lineage.metadata[asset_key(table)] = meta
    return lineage


def _asset(table: str, info: TableInfo | None):
    from prefect.assets import Asset, AssetProperties

    description = (info.comment if info and info.comment else f"{table} in the abs-etl DuckDB warehouse")
    return Asset(key=asset_key(table),
                 properties=AssetProperties(name=table, description=description[:_MAX_DESCRIPTION]))


def _source_asset(source: str):
    from prefect.assets import Asset, AssetProperties

    return Asset(key=source_key(source), properties=AssetProperties(
        name=f"{source} documents", description=f"Documents the {source} source lists and downloads"))


def _attach(metadata: dict[str, dict[str, Any]], label: str) -> str:
    """Body of every materializing task: attach each asset's metadata to its event."""
    from prefect.assets import add_asset_metadata

    for key, meta in metadata.items():
        add_asset_metadata(key, {k: v for k, v in meta.items() if v is not None})
    return label


def _materialize(tables: list[str], deps: list, lineage: Lineage, layer: str) -> None:
    from prefect.tasks import MaterializingTask

    if not tables:
        return
    assets = [_asset(t, lineage.info.get(t)) for t in tables]
    label = f"{layer}: " + ", ".join(t.split(".", 1)[1] for t in tables)
    task = MaterializingTask(
        fn=_attach, assets=assets, asset_deps=deps or None, materialized_by="abs-etl",
        name=f"materialize-{layer}-tables", task_run_name="materialize {label}",
    )
    task(metadata={a.key: lineage.metadata.get(a.key, {}) for a in assets}, label=label)


def declare_lineage(lineage: Lineage) -> None:
    """Report the run's tables as materialized assets, each layer depending on the one before.

    Call from inside a flow, after the run published. Upstream assets are named by key only,
    so a dependency never overwrites the name and description its own materialization set.
    """
    _materialize(lineage.raw, [_source_asset(lineage.source)], lineage, "raw")
    registry = [asset_key(RAW_TABLES[0])]
    _materialize(lineage.core, registry, lineage, "core")
    _materialize(lineage.dq, [*registry, *(asset_key(t) for t in lineage.core)], lineage, "dq")
    for mart in lineage.marts:
        _materialize([mart], [asset_key(t) for t in lineage.mart_deps.get(mart, [])], lineage, "marts")
