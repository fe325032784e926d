"""The generation cache is keyed by a fingerprint of the code and data that shape the documents
and the truth: the generator's own, and the warehouse schema the truth is written in."""

from __future__ import annotations

from pathlib import Path

from sample_market.generate import fingerprinted_files, generator_fingerprint
from tests.sample_market.test_independent_truth import FORBIDDEN, _project_modules_reached_from

ROOT = Path(__file__).resolve().parents[2]


def test_every_project_module_the_generator_imports_is_fingerprinted():
    reached = set(_project_modules_reached_from(ROOT / "sample_market"))
    assert reached - set(fingerprinted_files()) == set()


def test_the_generators_data_files_and_the_truths_schema_are_fingerprinted():
    files = set(fingerprinted_files())
    migrations = sorted((ROOT / "warehouse" / "migrations").glob("*.sql"))
    assert migrations and set(migrations) <= files
    assert {p for p in (ROOT / "sample_market").rglob("*.toml")} <= files
    assert not any(p.relative_to(ROOT).parts[0] in FORBIDDEN for p in files)


def test_fingerprint_is_stable_and_short():
    assert generator_fingerprint() == generator_fingerprint()
    assert len(generator_fingerprint()) == 10
