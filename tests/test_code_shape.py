"""Small pieces (STYLE.md, rule 10): no function of automl/ or benchmarks/ over 60 lines but
the Typer command signatures, no module over 400 lines. Measured with ``ast``: a function
from its ``def`` line to its last line, docstring included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TREES = [ROOT / "automl", ROOT / "benchmarks"]
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400


def _modules() -> list[Path]:
    return sorted(path for tree in TREES for path in tree.rglob("*.py"))


def _exempt(path: Path, name: str) -> bool:
    """A Typer command (``automl/cli/*``, ``*_command``), or ``automl.fit``, the Python twin
    of ``fit_command``: its signature is its options (and its docstring documents them)."""
    if path == ROOT / "automl" / "api" / "_fit.py" and name == "fit":
        return True
    return path.parent == ROOT / "automl" / "cli" and name.endswith("_command")


def _long_functions(path: Path, limit: int) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > limit and not _exempt(path, node.name):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines")
    return found


def test_the_trees_are_found() -> None:
    assert len(_modules()) > 50


def test_no_function_is_over_60_lines() -> None:
    assert [f for path in _modules() for f in _long_functions(path, MAX_FUNCTION_LINES)] == []


def test_no_module_is_over_400_lines() -> None:
    lengths = {path: len(path.read_text().splitlines()) for path in _modules()}
    assert {str(p.relative_to(ROOT)): n for p, n in lengths.items() if n > MAX_MODULE_LINES} == {}


@pytest.mark.parametrize("limit", [5])
def test_the_measure_finds_long_functions_and_spares_commands(limit: int) -> None:
    fit = ROOT / "automl" / "cli" / "fit.py"
    assert _long_functions(fit, limit)  # its helpers are over 5 lines
    assert not any(" fit_command:" in f for f in _long_functions(fit, limit))
    assert any("_fit_fold" in f for f in _long_functions(ROOT / "automl/search/cv.py", limit))


def _bare_any(annotation: ast.expr | None) -> bool:
    return (isinstance(annotation, ast.Name) and annotation.id == "Any") or (
        isinstance(annotation, ast.Constant) and annotation.value == "Any"
    )


def _public_any(path: Path, root: Path = ROOT) -> list[str]:
    """Public functions and methods (of public classes) with a parameter or return typed as a
    bare ``Any``; ``dict[str, Any]`` and the like are fine."""
    found: list[str] = []

    def visit(nodes: list[ast.stmt], prefix: str) -> None:
        for node in nodes:
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                not node.name.startswith("_") or node.name == "__init__"
            ):
                a = node.args
                params = [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
                bad = [p.arg for p in params if p is not None and _bare_any(p.annotation)]
                bad += ["return"] if _bare_any(node.returns) else []
                if bad:
                    found.append(
                        f"{path.relative_to(root)}:{node.lineno} {prefix}{node.name} {bad}"
                    )

    visit(ast.parse(path.read_text(), filename=str(path)).body, "")
    return found


def test_store_and_search_have_no_bare_any_in_public_signatures() -> None:
    paths = [
        p for sub in ("store", "search") for p in sorted((ROOT / "automl" / sub).rglob("*.py"))
    ]
    assert len(paths) > 20
    assert [f for path in paths for f in _public_any(path)] == []


def test_the_any_check_finds_a_bare_any(tmp_path: Path) -> None:
    module = tmp_path / "probe.py"
    module.write_text(
        "from typing import Any\n\n"
        "def read(x: Any, y: dict[str, Any]) -> dict[str, Any]: ...\n\n"
        "def _private(x: Any) -> Any: ...\n\n"
        "class Reader:\n    def get(self) -> Any: ...\n"
    )
    assert _public_any(module, tmp_path) == [
        "probe.py:3 read ['x']",
        "probe.py:8 Reader.get ['return']",
    ]
