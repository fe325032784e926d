"""Settings: the TOML file, then environment overrides; secrets never in the object's text."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import PROJECT_ROOT, Settings, secret


def test_defaults_come_from_the_project_toml(monkeypatch):
    monkeypatch.delenv("ABS_ETL_CONFIG", raising=False)
    s = Settings()
    assert s.sources.default == "sample_market"
    assert s.schedules.timezone == "Asia/Shanghai"
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


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("ABS_ETL_SECRET_WIND_TOKEN", "s3cret")
    value = secret("wind_token")
    assert value.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(value) and "s3cret" not in str(value)
