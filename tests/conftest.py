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
DATASETS = REPO.parent / "shared" / "datasets"


@dataclass(frozen=True)
class Dataset:
    """One row of ``shared/datasets/MANIFEST.csv``."""

    name: str
    path: Path
    target: str
    task: str


def load_manifest() -> list[Dataset]:
    """Every dataset of the shared manifest; fails loudly when the folder is missing."""
    manifest = DATASETS / "MANIFEST.csv"
    if not manifest.is_file():
        raise RuntimeError(f"{manifest} is missing: the tests need ../shared/datasets.")
    with manifest.open(newline="") as fh:
        return [
            Dataset(row["name"], DATASETS / row["file"], row["target"], row["task"])
            for row in csv.DictReader(fh)
        ]


def dataset(name: str) -> Dataset:
    """One dataset of the manifest by name."""
    return next(d for d in load_manifest() if d.name == name)


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
