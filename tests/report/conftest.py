"""Runs fitted once per session by the real ``automl fit``, and their reports."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import dataset, run_automl

# small, fixed searches (trial counts, not time budgets): a few families, so that the binary
# run keeps an ensemble, and 3 folds
SEARCHES = {
    "satimage": ("--n-trials", "3", "--cv", "3", "--models", "lightgbm,linear", "--n-jobs", "2"),
    "titanic": (
        "--n-trials",
        "7",
        "--cv",
        "3",
        "--holdout",
        "0.2",
        "--models",
        "lightgbm,random_forest,linear",
        "--n-jobs",
        "2",
        "--decision",
        "f1",
    ),
    "537_houses": ("--n-trials", "4", "--cv", "3", "--models", "lightgbm,linear", "--n-jobs", "2"),
}


@dataclass(frozen=True)
class Reported:
    """A fitted run and its report."""

    home: Path
    data: Path
    run_dir: Path
    html: Path
    document: dict

    @property
    def record(self) -> dict:
        return json.loads((self.run_dir / "run.json").read_text())

    @property
    def text(self) -> str:
        return self.html.read_text(encoding="utf-8")


def fit_and_report(name: str, folder: Path) -> Reported:
    """Fit ``name`` (a copy of the vendored file, so that tests may move it) and report."""
    ds = dataset(name)
    data = folder / ds.path.name
    shutil.copyfile(ds.path, data)
    home = folder / "home"
    fit = run_automl("--home", home, "fit", data, "--target", ds.target, *SEARCHES[name])
    assert fit.code == 0, fit.stderr
    html = folder / "report.html"
    result = run_automl("--home", home, "report", "--out", html, "--json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    run_dir = home / document["experiment"] / document["run_id"]
    return Reported(home, data, run_dir, html, document)


@pytest.fixture(scope="session")
def reported(tmp_path_factory: pytest.TempPathFactory):
    """``reported("titanic")``: the run and report of a dataset, made once per session."""
    cache: dict[str, Reported] = {}

    def get(name: str) -> Reported:
        if name not in cache:
            cache[name] = fit_and_report(name, tmp_path_factory.mktemp(f"report-{name}"))
        return cache[name]

    return get
