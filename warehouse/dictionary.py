"""The bilingual data dictionary, generated from the warehouse's own COMMENTs.

``docs/data-dictionary.md`` is rebuilt from a fresh warehouse (all migrations and marts) so it
can never disagree with the DDL; a test fails when the committed file is stale.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.marts import apply_marts
from warehouse.migrate import apply_migrations

DICTIONARY_PATH = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
SCHEMAS = ("raw", "core", "marts", "dq")


def render_dictionary() -> str:
    con = duckdb.connect()
    try:
        apply_migrations(con)
        apply_marts(con)
        lines = [
            "# Data dictionary 数据字典",
            "",
            "Generated from the warehouse's COMMENTs by `abs-etl dictionary` — do not edit by hand.",
            "Every table states its grain; every column its meaning in English and Chinese.",
            "Money is CNY (DECIMAL), `*_yi` columns are 亿元, rates are fractions, `*_bp` basis points.",
            "",
        ]
        objects = con.execute(
            "SELECT schema_name, table_name, comment, 'table' FROM duckdb_tables() WHERE NOT internal "
            "AND schema_name IN ('raw','core','marts','dq') UNION ALL "
            "SELECT schema_name, view_name, comment, 'view' FROM duckdb_views() WHERE NOT internal "
            "AND schema_name IN ('raw','core','marts','dq')"
        ).fetchall()
        for schema in SCHEMAS:
            items = sorted((o for o in objects if o[0] == schema), key=lambda o: o[1])
            if not items:
                continue
            lines += [f"## `{schema}`", ""]
            for _, name, comment, kind in items:
                lines += [f"### `{schema}.{name}` ({kind})", "", comment or "", "",
                          "| column | type | meaning |", "|---|---|---|"]
                for column, dtype, col_comment in con.execute(
                    "SELECT column_name, data_type, comment FROM duckdb_columns() "
                    "WHERE schema_name = ? AND table_name = ? ORDER BY column_index", [schema, name]
                ).fetchall():
                    lines.append(f"| `{column}` | {dtype} | {(col_comment or '').replace('|', '/')} |")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"
    finally:
        con.close()


def write_dictionary(path: Path = DICTIONARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dictionary(), encoding="utf-8")
    return path
