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
    """A Typer command (``automl/cli/*``, ``*_command``): its signature is its options."""
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
