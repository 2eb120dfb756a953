"""Decisions through the real command: ``fit --decision`` chooses a threshold on the
out-of-fold predictions, ``predict`` applies it (and ``--decision`` overrides it for one
call), ``decision.json`` is hashed like the model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import imbalanced_churn, run_automl


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One quick f1 run on churn with 5% positives."""
    folder = tmp_path_factory.mktemp("decision")
    train, test = imbalanced_churn(folder)
    home = folder / "home"
    fitted = run_automl("--home", home, "fit", train, "--target", "target", "--metric", "f1",
                        "--models", "lightgbm", "--n-trials", "3", "--n-jobs", "1",
                        "--no-ensemble", "--json")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    document = json.loads(fitted.stdout)
    return {"home": home, "test": test, "folder": folder,
            "run_dir": Path(document["run_dir"]), "fit": document}  # fmt: skip


def _predict(run: dict[str, Path], *extra: str) -> pd.DataFrame:
    out = run["folder"] / f"pred{len(extra)}.csv"
    result = run_automl("--home", run["home"], "predict", run["test"], "--output", out, *extra)
    assert result.code == 0, result.stderr
    return pd.read_csv(out)


def _cost(truth: pd.Series, predicted: pd.Series) -> int:
    wasted = ((predicted == 1) & (truth == 0)).sum()
    missed = ((predicted == 0) & (truth == 1)).sum()
    return int(wasted + 10 * missed)


def test_fit_saves_the_threshold_and_predict_applies_it(run: dict[str, Path]) -> None:
    decision = run["fit"]["decision"]
    assert decision["rule"] == "f1" and decision["measure"] == "f1"
    assert 0.0 < decision["threshold"] < 1.0 and decision["at_threshold"] >= decision["at_default"]
    record = json.loads((run["run_dir"] / "run.json").read_text())
    assert record["decision"]["threshold"] == decision["threshold"]
    assert "decision.json" in record["artifacts"]
    table = _predict(run)
    expected = (table["proba_1"] >= decision["threshold"]).astype(int)
    assert (table["prediction"] == expected).all()


def test_predict_decision_overrides_for_one_call(run: dict[str, Path]) -> None:
    truth = pd.read_csv(run["test"])["target"]
    at_half = _predict(run, "--decision", "0.5")
    by_cost = _predict(run, "--decision", "cost:1,10")
    assert (at_half["prediction"] == (at_half["proba_1"] >= 0.5)).all()
    assert np.allclose(at_half["proba_1"], by_cost["proba_1"])  # probabilities unchanged
    assert _cost(truth, by_cost["prediction"]) < _cost(truth, at_half["prediction"])
    assert by_cost["prediction"].sum() > at_half["prediction"].sum()


def test_predict_json_names_the_decision(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "predict", run["test"], "--output",
                        run["folder"] / "j.csv", "--decision", "recall>=0.9", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    applied = json.loads(result.stdout)["decision"]
    assert applied["rule"] == "recall>=0.9" and 0.0 < applied["threshold"] < 0.5


def test_bad_decision_is_a_usage_error(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "predict", run["test"], "--output",
                        run["folder"] / "bad.csv", "--decision", "f2")  # fmt: skip
    assert result.code == 2 and "f2" in result.stderr and "cost:FP,FN" in result.stderr


def test_a_changed_decision_file_is_refused(run: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "home"
    shutil.copytree(run["home"], home)
    saved = next(home.glob("default/*/decision.json"))
    document = json.loads(saved.read_text())
    document["threshold"] = 0.99
    saved.write_text(json.dumps(document))
    result = run_automl("--home", home, "predict", run["test"], "--output", tmp_path / "p.csv")
    assert result.code == 3 and "decision.json" in result.stderr
