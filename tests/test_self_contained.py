"""The repository alone runs its tests: no test, benchmark, script, Makefile rule or CI step
names a path outside it (a fresh clone has none of the folders the project was written beside).
Files the tests need live in tests/fixtures/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("tests", "bench", "scripts", "Makefile", ".ci")
TEXT_SUFFIXES = {"", ".py", ".sh", ".md", ".toml", ".cfg", ".ini", ".yaml", ".yml", ".txt", ".json"}
# The folder of references that sits beside the repository on the machine it was written on,
# and its sub-folders: named once here, so the patterns below are built from the name.
SIBLING = "shared"
SIBLING_PARTS = ("real-world", "reference", "seeds", "design")
OUTSIDE = re.compile(
    rf"\.\.[/\\]+{SIBLING}\b"                     # the sibling folder, relative: ../X or ..\X
    r"|(?<![\w.])/work/"                           # the machine's work area
    rf"|\b{SIBLING}/(?:{'|'.join(SIBLING_PARTS)})\b"  # its sub-folders, however reached
    rf"|[\"']{SIBLING}[\"']\s*/|/\s*[\"']{SIBLING}[\"']"  # Path(...) / "X" / ...
)
PARENTS = re.compile(r"parents\[(\d+)\]((?:\.parent)*)")


def checked_files() -> list[Path]:
    files = []
    for name in CHECKED:
        path = ROOT / name
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        files += [p for p in candidates if p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
                  and p.resolve() != Path(__file__).resolve()]
    return files


def outside_references(path: Path, text: str) -> list[str]:
    """Lines of ``text`` (the file at ``path``) that name a place outside the repository."""
    depth = len(path.relative_to(ROOT).parts) - 1  # parents[depth] of the file is the root
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        escapes = any(int(k) + len(chain) // len(".parent") > depth for k, chain in PARENTS.findall(line))
        if OUTSIDE.search(line) or escapes:
            found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_test_benchmark_script_or_ci_step_names_a_path_outside_the_repository():
    files = checked_files()
    assert len(files) > 50  # the walk did see the suite
    found = [hit for path in files for hit in outside_references(path, path.read_text(encoding="utf-8"))]
    assert found == [], "paths outside the repository:\n" + "\n".join(found)


@pytest.mark.parametrize("line", [
    f'REAL = Path("/work/{SIBLING}/real-world")',
    f'Path(__file__).resolve().parents[2].parent / "{SIBLING}" / "real-world"',
    'Path(__file__).resolve().parents[3]',
    f"cp ../{SIBLING}/real-world/*.xlsx tests/",
    f"type ..\\{SIBLING}\\seeds\\S-01.md",
    f'"""Reads {SIBLING}/reference/seed-figures.md."""',
])
def test_the_check_sees_every_way_of_leaving_the_repository(line):
    assert outside_references(ROOT / "tests" / "x" / "test_x.py", line)


@pytest.mark.parametrize("line", [
    "ROOT = Path(__file__).resolve().parents[2]",
    'file_name="../../etc/passwd"',
    "a shared machine where other processes take turns",
    'from tests.fixtures import REAL_WORLD',
])
def test_the_check_lets_paths_inside_the_repository_pass(line):
    assert outside_references(ROOT / "tests" / "x" / "test_x.py", line) == []


def test_the_real_world_fixtures_are_in_the_repository():
    from tests.fixtures import REAL_WORLD, SEED_FIGURES_MD

    names = {p.name for p in REAL_WORLD.iterdir()}
    assert {"chinabond_trustee_report_listing_2025-11-19.json", "cnabs_securities_export.xlsx", "deal_names.xlsx",
            "chinabond_govt_curve_2016.xlsx"} <= names
    assert SEED_FIGURES_MD.is_file() and (REAL_WORLD.parent / "README.md").is_file()
