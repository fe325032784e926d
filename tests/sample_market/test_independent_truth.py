"""Independent truth: the sample market computes its truth with its own code. Nothing under
sample_market/ imports the pipeline (transforms/, pipeline/, expectations/, flows/) at any depth
— an import walk over every module's syntax tree says where, if it ever does."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("transforms", "pipeline", "expectations", "flows")


def _imported_names(text: str, package: str) -> list[tuple[str, int]]:
    """Every module a file of ``package`` imports (absolute, relative, importlib with a literal)."""
    names = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            names += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            names.append((base, node.lineno))
            names += [(f"{base}.{alias.name}", node.lineno) for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant)):
            names.append((str(node.args[0].value), node.lineno))
    return names


def _module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.exists():
            return candidate.resolve()
    return None


def _project_modules_reached_from(package: Path) -> dict[Path, str]:
    """Our own modules the package (or one module) imports, at any depth, each with the import
    that reached it."""
    reached: dict[Path, str] = {}
    todo = sorted(package.rglob("*.py")) if package.is_dir() else [package.resolve()]
    while todo:
        source = todo.pop()
        package = ".".join(source.relative_to(ROOT).parts[:-1])
        for name, line in _imported_names(source.read_text(encoding="utf-8"), package):
            module = _module_file(name)
            if module is not None and module not in reached:
                reached[module] = f"{source.relative_to(ROOT)}:{line} imports {name}"
                todo.append(module)
    return reached


def test_nothing_under_sample_market_imports_the_pipeline():
    reached = _project_modules_reached_from(ROOT / "sample_market")
    offending = sorted(why for module, why in reached.items() if module.relative_to(ROOT).parts[0] in FORBIDDEN)
    assert offending == [], "the sample market must not use the pipeline's code:\n" + "\n".join(offending)
    assert any(m.relative_to(ROOT).parts[0] == "warehouse" for m in reached)  # the walk does see imports


def test_the_walk_sees_every_way_of_importing():
    text = ("import importlib\nfrom transforms.normalise import ids\nfrom ..world import base\n"
            "def later():\n    import expectations.gate\n    importlib.import_module('pipeline.hooks')\n")
    found = {name for name, _ in _imported_names(text, "sample_market.documents")}
    assert {"transforms.normalise.ids", "sample_market.world.base", "expectations.gate", "pipeline.hooks"} <= found



@pytest.mark.parametrize("name", ["中国工商银行股份有限公司", "ＡＢＣ 信托　有限公司", "工元乐居2025年第一期个人住房抵押贷款资产支持证券",
                                  "Bank of Ｃhina (Hong Kong)", ""])
def test_the_generators_ids_follow_the_warehouses_id_rule(name):
    """The two sides implement one rule separately; a drift would mis-key every truth row."""
    from sample_market.world import base
    from transforms.normalise import ids

    for kind in ("institution_id_for", "deal_id_for", "amc_id_for"):
        assert getattr(base, kind)(name) == getattr(ids, kind)(name)


def _string_constants(text: str) -> list[tuple[str, int]]:
    """String literals of a module that are not docstrings (paths, names a module might open)."""
    tree = ast.parse(text)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.value, node.lineno) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_nothing_under_sample_market_reads_the_pipelines_files():
    """Nor by path: the fuzzer's spellings and the printed labels are the generator's own data,
    never the parsers' vocabulary files."""
    found = []
    for source in sorted((ROOT / "sample_market").rglob("*.py")):
        for value, line in _string_constants(source.read_text(encoding="utf-8")):
            if re.search(r"(?:^|[/\\\\.])(?:transforms|pipeline|expectations)(?:$|[/\\\\.])", value):
                found.append(f"{source.relative_to(ROOT)}:{line}: {value!r}")
    assert found == []
    assert _string_constants('"""doc"""\nPATH = "transforms/parse/vocab.toml"\n') == [("transforms/parse/vocab.toml", 2)]
