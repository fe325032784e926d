"""The generation cache is keyed by a fingerprint of the code that shapes the documents."""

from __future__ import annotations

import ast
from pathlib import Path

from sample_market.generate import fingerprinted_files, generator_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def _project_modules_imported_by(package: Path) -> set[Path]:
    """Files of our own packages that the generator's modules import (any depth of the import)."""
    found = set()
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                path = ROOT.joinpath(*name.split("."))
                module = path.with_suffix(".py") if path.with_suffix(".py").exists() else path / "__init__.py"
                if module.exists():
                    found.add(module.resolve())
    return found


def test_every_project_module_the_generator_imports_is_fingerprinted():
    imported = _project_modules_imported_by(ROOT / "sample_market")
    assert any("transforms" in p.parts for p in imported)  # the generator does borrow from transforms/
    assert imported - set(fingerprinted_files()) == set()


def test_the_schema_the_truth_is_written_in_is_fingerprinted():
    migrations = sorted((ROOT / "warehouse" / "migrations").glob("*.sql"))
    assert migrations and set(migrations) <= set(fingerprinted_files())


def test_fingerprint_is_stable_and_short():
    assert generator_fingerprint() == generator_fingerprint()
    assert len(generator_fingerprint()) == 10
