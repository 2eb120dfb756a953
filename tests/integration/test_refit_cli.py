"""``automl refit`` through the real CLI: a run's chosen pipeline fitted again on new data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import dataset, run_automl

DATA = dataset("titanic").path


def _automl(home: Path, *args: str | Path) -> tuple[int, str, str]:
    result = run_automl("--home", home, *args)
    return result.code, result.stdout, " ".join(result.stderr.split())


def _json(home: Path, *args: str | Path) -> dict:
    code, out, err = _automl(home, *args, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with an ensemble of linear, LightGBM, CatBoost and forest members (experiment
    ``ens``) and a single LightGBM model whose threshold is tuned for F1 (experiment ``one``)."""
    home = tmp_path_factory.mktemp("refit")
    for experiment, models, trials, rule in (
        ("ens", "linear,lightgbm,catboost,random_forest", "5", "0.5"),
        ("one", "lightgbm", "2", "f1"),
    ):
        _json(home, "fit", DATA, "--target", "Survived", "--n-trials", trials, "--n-jobs", "1",
              "--experiment", experiment, "--models", models, "--decision", rule)  # fmt: skip
    return home


def _latest(home: Path, experiment: str) -> str:
    return str(_json(home, "runs", "--experiment", experiment)["runs"][-1]["run_id"])


def _proba(home: Path, run: str, out: Path) -> np.ndarray:
    code, _, err = _automl(home, "predict", DATA, "--run", run, "--output", out)
    assert code == 0, err
    return pd.read_csv(out).filter(like="proba_").to_numpy()


@pytest.mark.parametrize("experiment", ["ens", "one"])
def test_refit_on_the_same_data_predicts_what_the_parent_does(home: Path, tmp_path: Path,
                                                              experiment: str) -> None:  # fmt: skip
    parent = _latest(home, experiment)
    parent_record = json.loads((home / experiment / parent / "run.json").read_text())
    if experiment == "ens":
        assert parent_record["model"]["kind"] == "ensemble"
        families = {m.split("#")[0] for m in parent_record["model"]["members"]}
        assert families == {"linear", "lightgbm", "catboost", "random_forest"}
    document = _json(home, "refit", DATA, "--from", parent)
    child = document["run_id"]
    assert document["parent"] == parent and child != parent
    assert document["weights"] == parent_record["model"]["weights"]
    difference = np.abs(
        _proba(home, parent, tmp_path / "a.csv") - _proba(home, child, tmp_path / "b.csv")
    )
    assert difference.max() <= 1e-9
    # linked: show and runs name the parent; its own fingerprint
    shown = _json(home, "show", child)
    assert shown["parent"]["run_id"] == parent
    assert shown["data"]["sha256"] == parent_record["data"]["sha256"]
    assert shown["artifacts"]["model.joblib"]["sha256"] != ""
    # the parent's decision (threshold, calibrator) is carried: the same labels come out
    assert shown["decision"] == parent_record["decision"] and shown["decision"] is not None
    assert "decision.json" in shown["artifacts"]
    labels = [pd.read_csv(tmp_path / name)["prediction"] for name in ("a.csv", "b.csv")]
    assert labels[0].equals(labels[1])
    runs = {r["run_id"]: r for r in _json(home, "runs", "--experiment", experiment)["runs"]}
    assert runs[child]["parent"] == parent and runs[parent]["parent"] is None
    _, out, _ = _automl(home, "show", child)
    assert f"Refit of run {parent}" in " ".join(out.split())


def test_refit_through_an_alias_with_cv_on_new_rows(home: Path, tmp_path: Path) -> None:
    parent = _latest(home, "one")
    _json(home, "promote", parent, "--alias", "production")
    frame = pd.read_csv(DATA)
    newer = tmp_path / "newer.csv"
    frame.sample(frac=0.8, random_state=1).to_csv(newer, index=False)
    document = _json(home, "refit", newer, "--alias", "production", "--experiment", "one",
                     "--cv")  # fmt: skip
    assert document["parent"] == parent and document["n_rows"] == round(len(frame) * 0.8)
    assert document["cv"]["n_folds"] == 5 and 0.7 < document["cv"]["mean"] <= 1.0
    record = json.loads((Path(document["run_dir"]) / "run.json").read_text())
    assert record["refit"]["cv"]["fold_scores"] == document["cv"]["fold_scores"]
    assert record["data"]["sha256"] == document["data_sha256"] != _json(home, "show", parent)[
        "data"]["sha256"]  # fmt: skip


def test_refit_refuses_a_missing_column_and_a_changed_target(home: Path, tmp_path: Path) -> None:
    parent = _latest(home, "one")
    frame = pd.read_csv(DATA)
    lacking = tmp_path / "lacking.csv"
    frame.drop(columns=["Age"]).to_csv(lacking, index=False)
    code, _, err = _automl(home, "refit", lacking, "--from", parent)
    assert code == 3 and "'Age'" in err
    changed = tmp_path / "changed.csv"
    frame.assign(Survived=frame["Fare"] * 1.37).to_csv(changed, index=False,
                                                       quoting=csv.QUOTE_MINIMAL)  # fmt: skip
    code, _, err = _automl(home, "refit", changed, "--from", parent)
    assert code == 3 and "is a regression target" in err and "binary" in err
    code, _, err = _automl(home, "refit", DATA)
    assert code == 2 and "--from" in err
