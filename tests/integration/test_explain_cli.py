"""``automl explain`` through the real command: contributions that add up to the model's own
output, in the input's row order, the top K with the cells as written, ``--class``, ``--id``,
``--output -``, ``--json``, and bad input refused as ``predict`` refuses it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import dataset, run_automl
from tests.insight.helpers import synthetic


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A single LightGBM model on titanic, and 40 rows in reverse order with an id column."""
    folder = tmp_path_factory.mktemp("explain")
    frame = pd.read_csv(dataset("titanic").path, dtype=str, keep_default_na=False)
    frame.insert(0, "customer", [f"{i:05d}" for i in range(len(frame))])
    train, rows = folder / "train.csv", folder / "rows.csv"
    frame.drop(columns=["customer"]).to_csv(train, index=False)
    frame.iloc[::-1].head(40).drop(columns=["Survived"]).to_csv(rows, index=False)
    home = folder / "home"
    fitted = run_automl("--home", home, "fit", train, "--target", "Survived", "--models",
                        "lightgbm", "--no-ensemble", "--n-trials", "2", "--n-jobs", "1",
                        "--cv", "3")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    return {"home": home, "rows": rows, "folder": folder}


def test_contributions_add_up_to_the_models_log_odds_in_input_order(run: dict[str, Path]) -> None:
    out, predicted = run["folder"] / "contrib.csv", run["folder"] / "pred.csv"
    result = run_automl("--home", run["home"], "explain", run["rows"], "--output", out,
                        "--id", "customer")  # fmt: skip
    assert result.code == 0, result.stderr
    assert "tree_shap (exact Shapley values)" in result.stderr
    assert "log_odds of the positive class 1" in result.stderr
    assert "largest |base + sum - output|" in result.stderr
    made = run_automl("--home", run["home"], "predict", run["rows"], "--output", predicted)
    assert made.code == 0, made.stderr
    table = pd.read_csv(out, dtype={"customer": str})
    source = pd.read_csv(run["rows"], dtype=str)
    assert list(table["customer"]) == list(source["customer"])  # input order, zeros kept
    features = [c for c in source.columns if c not in ("customer", "PassengerId")]
    assert list(table.columns) == ["customer", "class", "base",
                                   *(f"contrib_{c}" for c in features), "output"]  # fmt: skip
    contrib = table[[f"contrib_{c}" for c in features]].to_numpy()
    np.testing.assert_allclose(table["base"] + contrib.sum(axis=1), table["output"], atol=1e-6)
    proba = pd.read_csv(predicted)["proba_1"].to_numpy()
    np.testing.assert_allclose(table["output"], np.log(proba) - np.log1p(-proba), atol=1e-6)
    assert (table["class"] == 1).all() and table["base"].nunique() == 1
    assert np.abs(table["contrib_Sex"]).mean() > np.abs(table["contrib_Embarked"]).mean()


def test_top_k_to_stdout_with_the_cells_as_written(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "explain", run["rows"], "--output", "-",
                        "--top", "2", "--class", "0")  # fmt: skip
    assert result.code == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(table.columns) == ["class", "base", "top1_column", "top1_value",
                                   "top1_contribution", "top2_column", "top2_value",
                                   "top2_contribution", "rest", "output"]  # fmt: skip
    assert len(table) == 40 and (table["class"] == "0").all()
    source = pd.read_csv(run["rows"], dtype=str, keep_default_na=False)
    for i, row in table.iterrows():
        assert row["top1_value"] == source.at[i, row["top1_column"]]  # "" for an empty cell
        assert abs(float(row["top1_contribution"])) >= abs(float(row["top2_contribution"]))
        total = float(row["base"]) + float(row["top1_contribution"])
        total += float(row["top2_contribution"]) + float(row["rest"])
        assert abs(total - float(row["output"])) < 1e-6
    assert "Explained 40 rows" in result.stderr and "to stdout" in result.stderr


def test_json_summary_for_scripts(run: dict[str, Path]) -> None:
    out = run["folder"] / "top.csv"
    result = run_automl("--home", run["home"], "explain", run["rows"], "--output", out,
                        "--top", "3", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1 and document["n_rows"] == 40
    assert document["method"] == "tree_shap" and document["exact"] is True
    assert document["space"] == "log_odds" and document["top"] == 3
    assert document["max_error"] < 1e-6
    assert document["columns"] == list(pd.read_csv(out).columns)


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--class", "2"], 2, ["'2' is not a class", "'0', '1'"]),
        (["--top", "0"], 2, ["--top"]),
        (["--output", "-", "--json"], 2, ["--json and --output -"]),
        (["--run", "no-such-run"], 4, ["no-such-run"]),
        (["--id", "nope"], 4, ["nope"]),
    ],
)
def test_bad_options_are_refused_with_their_exit_code(
    run: dict[str, Path], args: list[str], code: int, words: list[str]
) -> None:
    options = args if "--output" in args else ["--output", str(run["folder"] / "x.csv"), *args]
    result = run_automl("--home", run["home"], "explain", run["rows"], *options)
    assert result.code == code, result.stderr
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_lacking_a_column_is_refused_naming_file_and_column(run: dict[str, Path]) -> None:
    lacking = run["folder"] / "lacking.csv"
    pd.read_csv(run["rows"]).drop(columns=["Fare"]).to_csv(lacking, index=False)
    out = run["folder"] / "never.csv"
    result = run_automl("--home", run["home"], "explain", lacking, "--output", out)
    assert result.code == 3 and "'Fare'" in result.stderr and "lacking.csv" in result.stderr
    assert not out.exists()


def test_multiclass_explains_the_predicted_class(tmp_path: Path) -> None:
    data = synthetic(5, n=300, task="multiclass")
    train = tmp_path / "train.csv"
    data.to_csv(train, index=False)
    home = tmp_path / "home"
    fitted = run_automl("--home", home, "fit", train, "--target", "y", "--models",
                        "lightgbm", "--no-ensemble", "--n-trials", "2", "--n-jobs", "1",
                        "--cv", "3")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    out, predicted = tmp_path / "contrib.csv", tmp_path / "pred.csv"
    assert run_automl("--home", home, "predict", train, "--output", predicted).code == 0
    result = run_automl("--home", home, "explain", train, "--output", out)
    assert result.code == 0, result.stderr
    assert "margin of the predicted class" in result.stderr
    table, labels = pd.read_csv(out), pd.read_csv(predicted)["prediction"]
    assert list(table["class"]) == list(labels)
    named = run_automl("--home", home, "explain", train, "--output", out, "--class", "low",
                       "--top", "2")  # fmt: skip
    assert named.code == 0, named.stderr
    ranked = pd.read_csv(out)
    assert (ranked["class"] == "low").all()
    assert set(ranked["top1_column"]) <= {"x1", "x2"}
