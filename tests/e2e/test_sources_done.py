"""What serves the sources (the sample market's server) ends once every document is fetched:
the run calls ``sources_done`` once, after the last download and before the load, and what
follows needs nothing from the sources."""

from __future__ import annotations

from pipeline.run import run_job
from settings import Settings
from sources.inbox import InboxSource
from tests.fixtures import REAL_WORLD as REAL
from warehouse.publish import WarehouseLayout
from warehouse.rawstore import RawStore


def test_sources_are_done_after_the_last_download_and_before_the_load(tmp_path):
    settings = Settings()
    settings.paths.data_dir = tmp_path / "data"
    files = [REAL / "deal_names.xlsx", REAL / "chinabond_govt_curve_2016.xlsx"]
    seen: list[tuple[int, bool]] = []

    def done() -> None:
        stored = RawStore(settings.paths.raw_dir).all()
        seen.append((len(stored), WarehouseLayout(settings.paths.warehouse_dir).last_run_path.exists()))

    summary = run_job(settings, [InboxSource(files)], flow_name="ingest", sources_done=done)
    assert summary["outcome"] == "published", summary["message"]
    assert summary["documents"]["loaded"] == 2
    assert seen == [(2, False)]  # once; both documents stored; nothing published yet
