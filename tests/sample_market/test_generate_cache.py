"""The generation cache is keyed by a fingerprint of the code and data that shape the documents
and the truth: the generator's own, and the warehouse schema the truth is written in."""

from __future__ import annotations

from pathlib import Path

from sample_market.generate import SERVING, fingerprinted_files, generator_fingerprint
from tests.sample_market.test_independent_truth import FORBIDDEN, _project_modules_reached_from

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "sample_market" / "generate.py"


def test_every_project_module_the_generator_imports_is_fingerprinted():
    reached = set(_project_modules_reached_from(GENERATOR)) | {GENERATOR}
    assert reached - set(fingerprinted_files()) == set()
    assert ROOT / "sample_market" / "world" / "base.py" in reached  # the walk does follow the generator


def test_the_server_is_not_fingerprinted_and_the_generator_never_reaches_it():
    """Editing how the market is served keeps a generated market; that is only safe while no
    document and no truth row is computed by serving code."""
    serving = {p for name in SERVING for p in (ROOT / "sample_market").glob(name)}
    serving |= {p for p in (ROOT / "sample_market" / "venues").rglob("*.py")}
    assert ROOT / "sample_market" / "server.py" in serving and len(serving) > 3
    reached = _project_modules_reached_from(GENERATOR)
    assert sorted(why for module, why in reached.items() if module in serving) == []
    assert not serving & set(fingerprinted_files())


def test_the_generators_data_files_and_the_truths_schema_are_fingerprinted():
    files = set(fingerprinted_files())
    migrations = sorted((ROOT / "warehouse" / "migrations").glob("*.sql"))
    assert migrations and set(migrations) <= files
    assert {p for p in (ROOT / "sample_market").rglob("*.toml")} <= files
    assert not any(p.relative_to(ROOT).parts[0] in FORBIDDEN for p in files)


def test_fingerprint_is_stable_and_short():
    assert generator_fingerprint() == generator_fingerprint()
    assert len(generator_fingerprint()) == 10
