"""The schema: migrations apply once, every table and column explains itself, rules match keys."""

from __future__ import annotations

import re

import duckdb
import pytest

from warehouse.migrate import MigrationError, apply_migrations, discover
from warehouse.tables import RULES


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield con
    con.close()


def schema_snapshot(con) -> list[tuple]:
    return con.execute(
        "SELECT schema_name, table_name, column_name, data_type, comment FROM duckdb_columns() "
        "WHERE NOT internal ORDER BY ALL"
    ).fetchall()


def test_migrations_apply_twice_without_change(con):
    assert apply_migrations(con) == [m.version for m in discover()]
    before = schema_snapshot(con)
    assert apply_migrations(con) == []
    assert schema_snapshot(con) == before


def test_edited_migration_is_refused(con, tmp_path):
    d = tmp_path / "migs"
    d.mkdir()
    (d / "001_first.sql").write_text("CREATE TABLE t (a INTEGER);")
    apply_migrations(con, d)
    (d / "001_first.sql").write_text("CREATE TABLE t (a INTEGER, b INTEGER);")
    with pytest.raises(MigrationError, match="forward-only"):
        apply_migrations(con, d)


def test_migration_gap_is_refused(tmp_path):
    (tmp_path / "001_a.sql").write_text("SELECT 1;")
    (tmp_path / "003_c.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match="without gaps"):
        discover(tmp_path)


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_table_and_column_has_an_english_and_chinese_comment(con):
    apply_migrations(con)
    tables = con.execute(
        "SELECT schema_name || '.' || table_name, comment FROM duckdb_tables() WHERE NOT internal"
    ).fetchall()
    assert len(tables) >= 25
    for name, comment in tables:
        assert comment, f"{name} has no comment"
        assert CJK.search(comment) and re.search(r"[A-Za-z]{3}", comment), f"{name}: needs English and Chinese"
        if not name.startswith("main."):
            assert "one row per" in comment.lower(), f"{name}: the comment must state its grain"
    columns = con.execute(
        "SELECT schema_name || '.' || table_name || '.' || column_name, comment FROM duckdb_columns() WHERE NOT internal"
    ).fetchall()
    missing = [c for c, comment in columns if not comment or not CJK.search(comment)]
    assert missing == []


def test_money_rates_and_dates_have_the_house_types(con):
    apply_migrations(con)
    cols = con.execute(
        "SELECT table_name || '.' || column_name, data_type FROM duckdb_columns() WHERE schema_name = 'core'"
    ).fetchall()
    for name, dtype in cols:
        col = name.split(".")[-1]
        if col.endswith("_cny"):
            assert dtype == "DECIMAL(20,2)", name
        if col.endswith("_rate") or col.endswith("_share"):
            assert dtype == "DECIMAL(12,8)", name
        if col.endswith("_date"):
            assert dtype == "DATE", name


def test_load_rules_cover_every_core_table_with_its_primary_key(con):
    apply_migrations(con)
    core = {r[0] for r in con.execute(
        "SELECT 'core.' || table_name FROM duckdb_tables() WHERE schema_name = 'core'").fetchall()}
    assert core == set(RULES)
    for name, rule in RULES.items():
        schema, table = name.split(".")
        pk = con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE schema_name = ? AND table_name = ? "
            "AND constraint_type = 'PRIMARY KEY'", [schema, table]).fetchone()
        assert pk is not None and tuple(pk[0]) == rule.key, name
