"""Real files from the world, dropped into the inbox, go through the same pipeline: every
tranche of the CNABS export, every deal name of the reference list, every curve point of a
real ChinaBond annual download."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from tests.fixtures import REAL_WORLD as REAL


@pytest.fixture(scope="module")
def inbox_run(tmp_path_factory):
    settings = Settings()
    settings.paths.data_dir = tmp_path_factory.mktemp("inbox-data")
    files = [REAL / "cnabs_securities_export.xlsx", REAL / "deal_names.xlsx", REAL / "chinabond_govt_curve_2016.xlsx"]
    summary = run_job(settings, [InboxSource(files)], flow_name="ingest")
    con = duckdb.connect(summary["published_path"], read_only=True)
    yield summary, con
    con.close()


def test_every_file_loaded(inbox_run):
    summary, con = inbox_run
    assert summary["outcome"] == "published"
    assert summary["documents"]["loaded"] == 3, summary["message"]
    assert sorted(r[0] for r in con.execute("SELECT doc_type FROM raw.documents").fetchall()) == [
        "cnabs_export", "deal_names", "yield_curve"]


def test_all_cnabs_tranches(inbox_run):
    _, con = inbox_run
    assert con.execute("SELECT count(*), count(DISTINCT deal_id) FROM core.tranches").fetchone() == (329, 103)
    assert con.execute("SELECT count(*) FROM core.deals").fetchone()[0] == 103
    # amounts in CNY, coupons as fractions, markets from the code suffix
    assert con.execute("SELECT count(*) FROM core.tranches WHERE amount_cny IS NULL OR amount_cny <= 0").fetchone()[0] == 0
    assert con.execute("SELECT max(coupon_rate) < 0.2 FROM core.tranches").fetchone()[0]
    markets = dict(con.execute("SELECT market, count(*) FROM core.deals GROUP BY 1").fetchall())
    assert set(markets) <= {"credit_abs", "abn", "exchange_abs"} and sum(markets.values()) == 103


def test_all_deal_names(inbox_run):
    _, con = inbox_run
    assert con.execute("SELECT count(*) FROM core.deal_references").fetchone()[0] == 149


def test_all_curve_points_numeric(inbox_run):
    _, con = inbox_run
    n, dates, null_yields = con.execute(
        "SELECT count(*), count(DISTINCT curve_date), count(*) FILTER (yield_rate IS NULL) FROM core.yield_curves"
    ).fetchone()
    assert (n, null_yields) == (4116, 0)
    assert con.execute("SELECT DISTINCT curve_id FROM core.yield_curves").fetchall() == [
        ("2c9081e50a2f9606010a3068cae70001",)]
