"""The DuckLake backend on one machine (a DuckDB catalog file, Parquet files in a folder):
schema mirrored from the migrations without keys, write–audit–publish as one snapshot commit,
refusals that leave nothing visible, keyed merges, marts and time travel. The same code runs
on the cluster's PostgreSQL catalog and S3 store in tests/cluster."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

pytest.importorskip("duckdb_extension_ducklake", reason="the .[cluster] extra is not installed")

from settings import Settings  # noqa: E402
from warehouse.backends import open_backend  # noqa: E402
from warehouse.backends.lake_schema import reference_schema  # noqa: E402
from warehouse.load import merge_rows  # noqa: E402
from warehouse.marts import apply_marts  # noqa: E402
from warehouse.migrate import discover  # noqa: E402
from warehouse.publish import PublishRefused, WarehouseBusy  # noqa: E402


@pytest.fixture
def lake(tmp_path):
    settings = Settings()
    settings.paths.data_dir = tmp_path / "data"
    settings.warehouse.backend = "ducklake"
    settings.warehouse.lake_catalog = str(tmp_path / "catalog.ducklake")
    settings.warehouse.lake_data_path = str(tmp_path / "lake") + "/"
    return open_backend(settings)


def totals(month: str, **counts: int) -> pl.DataFrame:
    return pl.DataFrame([{"period_month": date.fromisoformat(month), "market": m, "issuance_count": n}
                         for m, n in counts.items()])


def publish_rows(lake, frame: pl.DataFrame, run_id: str) -> str:
    with lake.writer_lock():
        build = lake.start_build(run_id)
        merge_rows(build.connect(), "core.market_totals", frame)
        return build.publish()


def snapshot_ids(lake) -> list[int]:
    con = lake.open_read_only()
    try:
        return [r[0] for r in con.execute(f"SELECT snapshot_id FROM ducklake_snapshots('{lake.alias}') ORDER BY 1").fetchall()]
    finally:
        con.close()


def test_the_lake_schema_is_the_migrations_schema_without_keys(lake):
    publish_rows(lake, totals("2025-01-01", abn=1), "r1")
    con = lake.open_read_only()
    reference = reference_schema()
    try:
        def columns(c, database):
            return c.execute("SELECT schema_name, table_name, column_name, data_type, is_nullable, comment "
                             "FROM duckdb_columns() WHERE database_name = ? AND schema_name IN ('raw', 'core', 'dq') "
                             "ORDER BY ALL", [database]).fetchall()

        assert columns(con, lake.alias) == columns(reference, "memory")
        table_comments = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE database_name = ? "
                                     "AND schema_name = 'core' ORDER BY 1", [lake.alias]).fetchall()
        assert table_comments == reference.execute("SELECT table_name, comment FROM duckdb_tables() "
                                                   "WHERE schema_name = 'core' ORDER BY 1").fetchall()
        assert "机构表" in dict(table_comments)["institutions"]
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE database_name = ? "
                           "AND constraint_type = 'PRIMARY KEY'", [lake.alias]).fetchone()[0] == 0
        assert [r[0] for r in con.execute("SELECT version FROM main.schema_migrations ORDER BY 1").fetchall()] == [m.version for m in discover()]
    finally:
        con.close()
        reference.close()


def test_a_published_build_is_one_snapshot_and_a_discarded_one_leaves_none(lake):
    published = publish_rows(lake, totals("2025-01-01", abn=1, credit_abs=2), "r1")
    before = snapshot_ids(lake)
    assert published.endswith(f"snapshot {before[-1]}")
    with lake.writer_lock():
        build = lake.start_build("r2")
        merge_rows(build.connect(), "core.market_totals", totals("2025-02-01", abn=7))
        build.connect().execute("CREATE TABLE core.scratch_never_published (x INTEGER)")
        build.discard()
    assert snapshot_ids(lake) == before
    con = lake.open_read_only()
    try:
        assert con.execute("SELECT count(*) FROM core.market_totals").fetchone()[0] == 2
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch_never_published'").fetchone()[0] == 0
        message = con.execute(f"SELECT commit_message FROM ducklake_snapshots('{lake.alias}') "
                              "ORDER BY snapshot_id DESC LIMIT 1").fetchone()[0]
        assert message == "publish run r1"
    finally:
        con.close()


def test_a_key_the_ddl_declares_is_checked_before_the_commit(lake):
    publish_rows(lake, totals("2025-01-01", abn=1), "r1")
    before = snapshot_ids(lake)
    with lake.writer_lock():
        build = lake.start_build("r2")
        build.connect().execute("INSERT INTO core.market_totals (period_month, market, issuance_count) "
                                "VALUES (DATE '2025-01-01', 'abn', 9)")  # a second row for a key the DDL declares
        with pytest.raises(PublishRefused, match=r"core.market_totals: key \(period_month, market\)"):
            build.publish()
        build.discard()
    assert snapshot_ids(lake) == before


def test_merges_on_keys_replace_rows_and_history_is_time_travel(lake):
    publish_rows(lake, totals("2025-01-01", abn=1, credit_abs=2), "r1")
    first = snapshot_ids(lake)[-1]
    publish_rows(lake, totals("2025-01-01", abn=5), "r2")
    con = lake.open_read_only()
    try:
        assert con.execute("SELECT market, issuance_count FROM core.market_totals ORDER BY 1").fetchall() == [
            ("abn", 5), ("credit_abs", 2)]
        assert con.execute(f"SELECT market, issuance_count FROM core.market_totals AT (VERSION => {first}) "
                           "ORDER BY 1").fetchall() == [("abn", 1), ("credit_abs", 2)]
    finally:
        con.close()
    old = lake.open_read_only(snapshot=first)
    try:
        assert old.execute("SELECT issuance_count FROM core.market_totals WHERE market = 'abn'").fetchone()[0] == 1
    finally:
        old.close()


def test_coalescing_merge_keeps_earlier_values_on_the_lake(lake):
    base = {"institution_id": "i1", "full_name_zh": "某某融资租赁有限公司", "short_name_zh": None,
            "institution_type": "lessor", "province": None}
    with lake.writer_lock():
        build = lake.start_build("r1")
        merge_rows(build.connect(), "core.institutions", pl.DataFrame([{**base, "province": "上海"}]))
        merge_rows(build.connect(), "core.institutions", pl.DataFrame([{**base, "short_name_zh": "某某租赁"}]))
        build.publish()
    con = lake.open_read_only()
    try:
        assert con.execute("SELECT short_name_zh, province FROM core.institutions").fetchall() == [("某某租赁", "上海")]
    finally:
        con.close()


def test_marts_and_their_comments_live_in_the_lake(lake):
    with lake.writer_lock():
        build = lake.start_build("r1")
        con = build.connect()
        merge_rows(con, "core.market_totals", totals("2025-01-01", abn=1))
        apply_marts(con)
        build.publish()
    reader = lake.open_read_only()
    try:
        views = dict(reader.execute("SELECT view_name, comment FROM duckdb_views() WHERE database_name = ? "
                                    "AND schema_name = 'marts'", [lake.alias]).fetchall())
        file_db = duckdb.connect()
        from warehouse.migrate import apply_migrations

        apply_migrations(file_db)
        apply_marts(file_db)
        expected = dict(file_db.execute("SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'marts'").fetchall())
        assert views == expected and all(views.values())
        assert reader.execute("SELECT count(*) FROM marts.deal_facts").fetchone()[0] == 0
        assert reader.execute("SELECT marts.curve_yield('none', DATE '2025-01-01', 1.0)").fetchone()[0] is None
    finally:
        reader.close()


def test_describe_reports_snapshots_tables_and_size(lake):
    months = pl.concat([totals(f"{2000 + i // 12}-{i % 12 + 1:02d}-01", abn=i, credit_abs=i) for i in range(120)])
    publish_rows(lake, months, "r1")  # beyond DuckLake's inlining limit: Parquet files in the data path
    info = lake.describe()
    assert info["backend"] == "ducklake" and info["exists"]
    assert {"table": "core.market_totals", "rows": 240} in info["tables"]
    assert info["snapshots"][0]["message"] == "publish run r1"
    assert info["size_bytes"] > 0 and info["migrations"] == [m.version for m in discover()]


def test_nothing_published_is_a_clear_error(lake):
    with pytest.raises(FileNotFoundError, match="nothing is published"):
        lake.open_read_only()
    assert lake.describe()["exists"] is False


def test_a_second_writer_waits_then_says_who_holds_the_lake(lake):
    with lake.writer_lock():
        with pytest.raises(WarehouseBusy, match="being built by pid"):
            with lake.writer_lock(timeout_seconds=0.3):
                pass

