"""Settings: the TOML file, then environment overrides; what the file may not hold is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings


def test_defaults_come_from_the_project_toml(monkeypatch):
    monkeypatch.delenv("ABS_ETL_CONFIG", raising=False)
    s = Settings()
    assert s.sources.default == "sample_market"
    assert s.paths.data_dir == PROJECT_ROOT / "data"


def test_file_then_environment(monkeypatch, tmp_path):
    cfg = tmp_path / "x.toml"
    cfg.write_text('[paths]\ndata_dir = "/srv/abs"\n[pipeline]\nbatch_size = 50\n', encoding="utf-8")
    monkeypatch.setenv("ABS_ETL_CONFIG", str(cfg))
    monkeypatch.setenv("ABS_ETL_PIPELINE__BATCH_SIZE", "7")
    s = Settings()
    assert s.paths.data_dir == Path("/srv/abs")
    assert s.pipeline.batch_size == 7


def test_missing_config_named_explicitly_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ABS_ETL_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError):
        Settings()


def test_schedules_in_the_config_are_refused_not_ignored(monkeypatch, tmp_path):
    """The crons live in prefect.yaml; a [schedules] section would look effective and be dead."""
    cfg = tmp_path / "old.toml"
    cfg.write_text('[schedules]\nmarket_data_cron = "0 20 * * *"\n', encoding="utf-8")
    monkeypatch.setenv("ABS_ETL_CONFIG", str(cfg))
    with pytest.raises(ValueError, match=r"\[schedules\] is no longer read.*prefect.yaml"):
        Settings()
