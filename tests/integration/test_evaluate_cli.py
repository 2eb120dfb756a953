"""``automl evaluate`` on labelled rows: the run's metric and its companions, a confusion
matrix or a residual summary, for binary, multiclass and regression runs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import dataset, run_automl

#: Three tasks from one small file: survival (binary), class (multiclass), fare (regression).
TARGETS = {"binary": "Survived", "multiclass": "Pclass", "regression": "Fare"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    folder = tmp_path_factory.mktemp("evaluate")
    frame = pd.read_csv(dataset("titanic").path, dtype=str, keep_default_na=False)
    train, test = folder / "train.csv", folder / "test.csv"
    frame.iloc[:700].to_csv(train, index=False)
    frame.iloc[700:].to_csv(test, index=False)
    found = {}
    for task, target in TARGETS.items():
        home = folder / task
        fitted = run_automl("--home", home, "fit", train, "--target", target, "--models",
                            "lightgbm", "--n-trials", "2", "--n-jobs", "1")  # fmt: skip
        assert fitted.code == 0, fitted.stderr
        found[task] = {"home": home, "test": test, "folder": folder}
    return found


def evaluate(run: dict[str, Path], data: Path, *args: str):
    return run_automl("--home", run["home"], "evaluate", data, *args)


def test_binary_scores_and_confusion_matrix(runs) -> None:
    result = evaluate(runs["binary"], runs["binary"]["test"], "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1 and doc["metric"] == "roc_auc"
    assert list(doc["scores"]) == ["roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1"]
    assert 0.7 < doc["scores"]["roc_auc"] <= 1.0
    assert doc["labels"] == [0, 1] and doc["n_rows"] == 191
    matrix = doc["confusion_matrix"]
    assert sum(map(sum, matrix)) == 191
    truth = pd.read_csv(runs["binary"]["test"])["Survived"]
    assert [sum(row) for row in matrix] == [int((truth == 0).sum()), int((truth == 1).sum())]
    accuracy = (matrix[0][0] + matrix[1][1]) / 191
    assert abs(accuracy - doc["scores"]["accuracy"]) < 1e-12
    text = evaluate(runs["binary"], runs["binary"]["test"])
    assert text.code == 0, text.stderr
    assert "roc_auc (the run's metric)" in text.stdout and "Confusion matrix" in text.stdout


def test_multiclass_lists_every_class(runs) -> None:
    result = evaluate(runs["multiclass"], runs["multiclass"]["test"], "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["metric"] == "log_loss" and doc["labels"] == [1, 2, 3]
    assert {"log_loss", "accuracy", "balanced_accuracy", "roc_auc"} <= set(doc["scores"])
    assert "f1" not in doc["scores"]  # f1 is reported for binary runs
    assert len(doc["confusion_matrix"]) == 3 and all(len(r) == 3 for r in doc["confusion_matrix"])


def test_regression_scores_and_residuals(runs) -> None:
    result = evaluate(runs["regression"], runs["regression"]["test"], "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert list(doc["scores"]) == ["rmse", "mae", "r2"] and doc["confusion_matrix"] == []
    residuals = doc["residuals"]
    assert residuals["min"] <= residuals["q25"] <= residuals["median"] <= residuals["q75"]
    assert residuals["q75"] <= residuals["max"]
    text = evaluate(runs["regression"], runs["regression"]["test"])
    assert "Residuals (true value - prediction)" in text.stdout and "rmse" in text.stdout


def test_missing_targets_are_dropped_and_unseen_labels_named(runs) -> None:
    folder = runs["binary"]["folder"]
    frame = pd.read_csv(runs["binary"]["test"], dtype=str, keep_default_na=False)
    frame.loc[frame.index[:5], "Survived"] = ""
    frame.loc[frame.index[5:8], "Survived"] = "2"
    path = folder / "gaps.csv"
    frame.to_csv(path, index=False)
    result = evaluate(runs["binary"], path, "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["n_missing_target"] == 5 and doc["unseen_labels"] == {"2": 3}
    assert doc["n_rows"] == 191 - 8
    assert "Dropped 5 rows without a target value." in doc["notes"]
    text = evaluate(runs["binary"], path)
    assert "Labels not seen in training, left out of the scores: 2 (3 rows)." in text.stdout


def test_a_file_without_the_target_is_exit_3_naming_it(runs) -> None:
    folder = runs["binary"]["folder"]
    path = folder / "unlabelled.csv"
    pd.read_csv(runs["binary"]["test"]).drop(columns=["Survived"]).to_csv(path, index=False)
    result = evaluate(runs["binary"], path)
    assert result.code == 3 and result.stdout == ""
    assert "no target column 'Survived'" in result.stderr
