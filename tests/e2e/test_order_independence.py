"""A document's parse depends only on its bytes and the frozen names of the reference phase:
the seed warehouse built from the same documents in another order, in other batches and on
one worker or two is the same warehouse, table by table, row by row."""

from __future__ import annotations

import random
import shutil

import duckdb
import polars as pl
import pytest

from pipeline.run import run_job
from warehouse.publish import WarehouseLayout
from settings import Settings
from warehouse.rawstore import RawStore

pytestmark = pytest.mark.slow

VOLATILE = {"raw.documents": ["first_seen_at", "last_seen_at", "run_id", "stored_path"]}  # times, run, data dir


def tables(path) -> dict[str, pl.DataFrame]:
    """Every core table and the document registry, rows sorted, run-specific columns left out."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [f"{s}.{t}" for s, t in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE schema_name IN ('core', 'raw') "
            "AND table_name <> 'fetch_cursors' ORDER BY 1, 2").fetchall()]
        out = {}
        for name in names:
            frame = con.execute(f"SELECT * EXCLUDE ({', '.join(VOLATILE[name])}) FROM {name}" if name in VOLATILE
                                else f"SELECT * FROM {name}").pl()
            out[name] = frame.sort(frame.columns, nulls_last=True)
        return out
    finally:
        con.close()


def rebuild(seed_run, e2e_settings, tmp_path, *, order: str, workers: int, batch_size: int) -> dict[str, pl.DataFrame]:
    """Build a warehouse from nothing out of the seed run's raw store, documents offered in ``order``."""
    settings = Settings()
    settings.paths.data_dir = tmp_path / f"{order}-{workers}"
    shutil.copytree(e2e_settings.paths.raw_dir, settings.paths.raw_dir)
    settings.pipeline.max_workers, settings.pipeline.batch_size = workers, batch_size
    documents = RawStore(settings.paths.raw_dir).all()
    if order == "shuffled":
        random.Random(16).shuffle(documents)
    else:
        documents.reverse()
    summary = run_job(settings, [], extra_documents=documents)
    assert summary["outcome"] == "published"
    return tables(WarehouseLayout(settings.paths.warehouse_dir).published)


@pytest.mark.timeout(1800)  # a whole seed build on one worker, on a shared machine
@pytest.mark.parametrize("order, workers, batch_size", [("shuffled", 1, 37), ("reversed", 2, 200)])
def test_same_documents_in_any_order_on_any_number_of_workers_give_the_same_warehouse(
        seed_run, e2e_settings, tmp_path, order, workers, batch_size):
    expected = tables(seed_run["published_path"])
    actual = rebuild(seed_run, e2e_settings, tmp_path, order=order, workers=workers, batch_size=batch_size)
    assert set(actual) == set(expected)
    for name, frame in expected.items():
        other = actual[name]
        assert other.height == frame.height, f"{name}: {other.height} rows, the seed run has {frame.height}"
        differ = other.join(frame, on=frame.columns, how="anti", nulls_equal=True)
        assert differ.height == 0, f"{name} differs, e.g. {differ.head(3).to_dicts()}"
