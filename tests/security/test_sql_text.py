"""SQL built from document text is parameterised: injection strings in deal, tranche and
institution names, labels, titles and file names land in the warehouse verbatim and drop
nothing; and no SQL in the code puts a value inside a quoted literal by f-string."""

from __future__ import annotations

import ast
from pathlib import Path

import duckdb
import pytest

from pipeline.run import run_job
from sample_market.documents.issuance_export import render_issuance_export
from settings import Settings
from sources.inbox import InboxSource
from tests.hostile.reupload import edit_xml
from tests.transforms.parse.tabular_cases import issuance_rows

ROOT = Path(__file__).resolve().parents[2]
DEAL = "远东五期'); DROP TABLE core.deals; --资产支持专项计划"
TRANCHE = "优先B\"; DROP SCHEMA core CASCADE; --"
INSTITUTION = "远东国际融资租赁'; DELETE FROM raw.documents; --有限公司"
LABEL = "绿色' OR '1'='1"
FILE = "x'); DROP TABLE core.deals; --发行明细.xlsx"


@pytest.fixture(scope="module")
def injected_run(tmp_path_factory):
    rows = issuance_rows()
    export = render_issuance_export(rows["core.deals"], rows["core.tranches"], rows["core.institutions"],
                                    rows["core.deal_labels"], rows["core.credit_enhancements"])
    export = edit_xml(export, {"远东五期资产支持专项计划".encode(): DEAL.encode(), "优先B<".encode(): f"{TRANCHE}<".encode(),
                               "远东国际融资租赁有限公司".encode(): INSTITUTION.encode(), "绿色".encode(): LABEL.encode()})
    base = tmp_path_factory.mktemp("sql-text")
    inbox = base / "inbox"
    inbox.mkdir()
    (inbox / FILE).write_bytes(export)
    settings = Settings()
    settings.paths.data_dir = base / "data"
    summary = run_job(settings, [InboxSource([inbox])], flow_name="ingest")
    con = duckdb.connect(summary["published_path"], read_only=True)
    yield summary, con
    con.close()


def test_document_text_lands_verbatim(injected_run):
    summary, con = injected_run
    assert summary["outcome"] == "published" and summary["documents"]["loaded"] == 1, summary["message"]
    assert con.execute("SELECT count(*) FROM core.deals WHERE deal_name_zh = ?", [DEAL]).fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM core.tranches WHERE tranche_name = ?", [TRANCHE]).fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM core.institutions WHERE full_name_zh = ?", [INSTITUTION]).fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM core.deal_labels WHERE label = ?", [LABEL]).fetchone()[0] == 1
    assert con.execute("SELECT file_name, title FROM raw.documents").fetchall() == [(FILE, FILE[:-5])]


def test_warehouse_intact(injected_run):
    _, con = injected_run
    tables = {r[0] for r in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
    fresh = duckdb.connect()
    from warehouse.migrate import apply_migrations

    apply_migrations(fresh)
    expected = {r[0] for r in fresh.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
    assert expected <= tables
    assert con.execute("SELECT count(*) FROM core.deals").fetchone()[0] == 3
    assert con.execute("SELECT count(*) FROM raw.documents").fetchone()[0] == 1


# Values inside quoted SQL literals by f-string, each reviewed: none comes from a document.
# Keyed by file name (not path) so a module that moves keeps its review.
REVIEWED = {
    ("charts.py", "quoted"): "the published file's path, quotes doubled on the line before",
    ("migrate.py", "text"): "column comments written in the code",
    ("job.py", "target / f'{run_id}.{table}.parquet'"): "a path under the warehouse directory and a run id",
    ("job.py", "path"): "a file the pipeline itself wrote under the warehouse directory",
}


def values_in_sql_literals(source: str, name: str) -> set[tuple[str, str]]:
    """(file name, expression) of every f-string argument to execute/sql/query whose value sits
    between single quotes in the SQL text."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("execute", "executemany", "sql", "query") and node.args
                and isinstance(node.args[0], ast.JoinedStr)):
            continue
        quotes = 0
        for part in node.args[0].values:
            if isinstance(part, ast.Constant):
                quotes += str(part.value).count("'")
            elif quotes % 2:
                found.add((name, ast.unparse(part.value)))
    return found


def test_no_value_is_formatted_into_a_sql_literal():
    found = set()
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in ("tests", ".venv", "build") or parts[0].endswith(".egg-info"):
            continue
        found |= values_in_sql_literals(path.read_text(encoding="utf-8"), path.name)
    assert found <= set(REVIEWED), f"values formatted into SQL literals (use ? parameters): {found - set(REVIEWED)}"


def test_the_scan_finds_a_value_in_a_literal_and_passes_identifiers_and_parameters():
    code = """
con.execute(f"SELECT * FROM raw.documents WHERE title = '{title}'")
con.execute(f"SELECT count(*) FROM {table} WHERE title = ?", [title])
con.sql(f"COMMENT ON TABLE t IS 'fixed' ; SELECT '{{}}', {column} FROM t")
"""
    assert values_in_sql_literals(code, "x.py") == {("x.py", "title")}
