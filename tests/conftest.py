"""Shared fixtures: the real datasets, and running the real ``automl`` command."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATASETS = Path(__file__).resolve().parent / "datasets"
#: Folders whose test files share session-scoped fixtures (a fitted run and its report, a
#: generated service, an MLflow export): under pytest-xdist they go to one worker, so each
#: fixture is built once.
SHARED_FIXTURE_FOLDERS = ("report", "serve", "export")
#: Files whose tests are independent of each other (no module-scoped fixture): spread over
#: the workers test by test. Every other file runs in one worker, its fixtures built once.
SPREAD_FILES = ("test_sklearn.py",)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Group the tests for ``pytest -n N --dist loadgroup`` (the nox session's default): by
    folder for :data:`SHARED_FIXTURE_FOLDERS`, else by file, except :data:`SPREAD_FILES`.
    (Marked as each test is collected: pytest-xdist reads the marks into the node ids in its
    own ``pytest_collection_modifyitems``, which runs before a conftest's.)"""
    path = Path(str(item.path)).resolve()
    if path.name in SPREAD_FILES:
        return
    relative = path.relative_to(Path(__file__).resolve().parent)
    folder = relative.parts[0] if len(relative.parts) > 1 else ""
    group = folder if folder in SHARED_FIXTURE_FOLDERS else relative.as_posix()
    item.add_marker(pytest.mark.xdist_group(group))


@dataclass(frozen=True)
class Dataset:
    """One row of ``tests/datasets/MANIFEST.csv``."""

    name: str
    path: Path
    target: str
    task: str


def load_manifest() -> list[Dataset]:
    """Every dataset vendored in ``tests/datasets``; fails loudly when the folder is missing.

    The tests read only these copies (whole files or seeded subsets, see the README there),
    never ``../shared/datasets``: a clone of the repository must be able to run them.
    """
    manifest = DATASETS / "MANIFEST.csv"
    if not manifest.is_file():
        raise RuntimeError(
            f"{manifest} is missing: the tests need the datasets vendored in tests/datasets "
            "(a checkout of the whole repository has them)."
        )
    with manifest.open(newline="", encoding="utf-8") as fh:
        found = [
            Dataset(row["name"], DATASETS / row["file"], row["target"], row["task"])
            for row in csv.DictReader(fh)
        ]
    missing = [str(d.path) for d in found if not d.path.is_file()]
    if missing:
        raise RuntimeError(f"Vendored test datasets are missing: {', '.join(missing)}.")
    return found


def dataset(name: str) -> Dataset:
    """One vendored dataset by name."""
    found = {d.name: d for d in load_manifest()}
    if name not in found:
        raise KeyError(f"No test dataset {name!r} in {DATASETS}; known: {', '.join(found)}.")
    return found[name]


def automl_executable() -> list[str]:
    """The installed ``automl`` console script (next to this Python, else on PATH)."""
    beside = Path(sys.executable).with_name("automl")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("automl")
    if found:
        return [found]
    return [sys.executable, "-m", "automl"]


@dataclass(frozen=True)
class Result:
    """What a finished ``automl`` process returned."""

    code: int
    stdout: str
    stderr: str


def run_automl(
    *args: str | os.PathLike[str],
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> Result:
    """Run the real ``automl`` command and capture its output."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run(
        [*automl_executable(), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env=full_env,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def automl():
    """Call the real ``automl`` command: ``automl("profile", path, "--json")``."""
    return run_automl


def imbalanced_churn(folder: Path, *, positives: int = 250, seed: int = 0) -> tuple[Path, Path]:
    """A binary set with about 5% positives, built from ``churn`` by keeping a seeded sample
    of its positive rows, split 60/40 into ``train.csv`` and ``test.csv`` in ``folder``."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(dataset("churn").path)
    rng = np.random.default_rng(seed)
    positive = frame[frame["target"] == 1]
    kept = positive.iloc[np.sort(rng.choice(len(positive), positives, replace=False))]
    rows = pd.concat([frame[frame["target"] == 0], kept]).sample(frac=1.0, random_state=seed)
    cut = int(len(rows) * 0.6)
    train, test = folder / "train.csv", folder / "test.csv"
    rows.iloc[:cut].to_csv(train, index=False)
    rows.iloc[cut:].to_csv(test, index=False)
    return train, test
