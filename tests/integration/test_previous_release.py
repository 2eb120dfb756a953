"""Runs saved by the previous release (0.1.0) still list, show, rank, predict and serve.

``tests/fixtures/home-0.1.0/home`` was written by automl 0.1.0 (commit 01d5f6e): a titanic
fit in ``default`` (linear), two titanic fits in ``ensemble`` (the second saved an ensemble of
lightgbm and hist_gb trials) and a regression fit in ``houses`` (300 house-price rows, linear).
Their ``oof/`` folders were left out to keep the fixture small. ``expected/`` holds what 0.1.0
printed for them: the predictions on ``titanic_input.csv`` / ``houses_input.csv`` and its
``leaderboard``, ``runs`` and ``show`` JSON. Each test works on a copy of the home, so that the
fixture is never changed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_automl
from tests.serve.helpers import Project, assert_served_as_predicted, call, serve

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "home-0.1.0"
EXPECTED = FIXTURE / "expected"
#: experiment -> (input rows, 0.1.0's predictions)
RUNS = {
    "default": ("titanic_input.csv", "pred_default.csv"),
    "ensemble": ("titanic_input.csv", "pred_ensemble.csv"),
    "houses": ("houses_input.csv", "pred_houses.csv"),
}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("old-home") / "home"
    shutil.copytree(FIXTURE / "home", copy)
    return copy


def expected_json(name: str) -> dict:
    return json.loads((EXPECTED / name).read_text())


def assert_same_predictions(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    assert got["prediction"].tolist() == pytest.approx(want["prediction"].tolist(), abs=1e-9)
    for column in want.columns.drop("prediction"):
        assert got[column].tolist() == pytest.approx(want[column].tolist(), abs=1e-9)


def test_runs_lists_every_old_run_with_its_score(home: Path) -> None:
    for experiment in RUNS:
        result = run_automl("--home", home, "runs", "--experiment", experiment, "--json")
        assert result.code == 0, result.stderr
        got = {r["run_id"]: r for r in json.loads(result.stdout)["runs"]}
        want = {r["run_id"]: r for r in expected_json(f"runs_{experiment}.json")["runs"]}
        assert set(got) == set(want)
        for run_id, old in want.items():
            for key in ("status", "task", "metric", "data", "model", "score"):
                assert got[run_id][key] == old[key], (experiment, key)
    text = run_automl("--home", home, "runs", "--experiment", "ensemble")
    assert text.code == 0 and "ensemble" in text.stdout


def test_show_describes_the_old_run(home: Path) -> None:
    want = expected_json("show_default.json")
    result = run_automl("--home", home, "show", "--json")
    assert result.code == 0, result.stderr
    got = json.loads(result.stdout)
    assert got["run_id"] == want["run_id"]
    for key in ("status", "task", "metric", "labels", "positive_class", "best", "model"):
        assert got[key] == want[key], key
    text = run_automl("--home", home, "show")
    assert text.code == 0, text.stderr
    assert want["run_id"] in text.stdout and "linear" in text.stdout


def test_leaderboard_ranks_the_old_trials_and_the_ensemble(home: Path) -> None:
    for experiment in RUNS:
        result = run_automl("--home", home, "leaderboard", "--experiment", experiment, "--json")
        assert result.code == 0, result.stderr
        got = json.loads(result.stdout)["rows"]
        want = expected_json(f"leaderboard_{experiment}.json")["rows"]
        assert [(r["trial"], r["family"], r["state"]) for r in got] == [
            (r["trial"], r["family"], r["state"]) for r in want
        ]
        for new, old in zip(got, want, strict=True):
            if old["cv_mean"] is None:
                assert new["cv_mean"] is None
            else:
                assert math.isclose(new["cv_mean"], old["cv_mean"], abs_tol=1e-12)
    ensemble = json.loads(
        run_automl("--home", home, "leaderboard", "--experiment", "ensemble", "--json").stdout
    )["rows"][0]
    assert ensemble["family"] == "ensemble" and len(ensemble["params"]) == 3


@pytest.mark.parametrize("experiment", list(RUNS))
def test_predict_gives_the_old_predictions(home: Path, tmp_path: Path, experiment: str) -> None:
    rows, predictions = RUNS[experiment]
    out = tmp_path / "pred.csv"
    result = run_automl("--home", home, "predict", FIXTURE / rows, "--experiment", experiment,
                        "--output", out)  # fmt: skip
    assert result.code == 0, result.stderr
    assert_same_predictions(pd.read_csv(out), pd.read_csv(EXPECTED / predictions))


def test_a_service_scaffolded_from_an_old_run_serves_the_old_predictions(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "service"
    result = run_automl("--home", home, "scaffold-serve", "--experiment", "ensemble",
                        "--out", out, "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    # The generated project pins this environment's versions: serve it from here rather than
    # installing its lock into a new virtual environment (tests/serve does that).
    own_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests"],
        cwd=out, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    assert own_tests.returncode == 0, own_tests.stdout[-3000:]
    rows = pd.read_csv(FIXTURE / "titanic_input.csv")
    want = pd.read_csv(EXPECTED / "pred_ensemble.csv")
    project = Project(home, out, Path(sys.executable), tmp_path, "")
    with serve(project) as server:
        status, raw = call(server.base + "/v1/predict", json.loads(rows.to_json(orient="records")))
    assert status == 200, raw
    assert_served_as_predicted(json.loads(raw), want)


@pytest.mark.parametrize("experiment", list(RUNS))
def test_report_describes_an_old_run(home: Path, tmp_path: Path, experiment: str) -> None:
    # 0.1.0 records have no ``model.substitution``: the page must not need it.
    out = tmp_path / "report.html"
    result = run_automl("--home", home, "report", "--experiment", experiment, "--out", out)
    assert result.code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    run_id = json.loads(run_automl("--home", home, "show", "--experiment", experiment,
                                   "--json").stdout)["run_id"]  # fmt: skip
    assert run_id in page and "<svg" in page
