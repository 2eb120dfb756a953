"""``automl predict`` in a pipeline: ``--id`` columns beside the predictions, ``--output -`` to
stdout, through the real command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import dataset, run_automl


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One quick titanic run, and rows to predict with an id column holding leading zeros."""
    folder = tmp_path_factory.mktemp("predict")
    frame = pd.read_csv(dataset("titanic").path, dtype=str, keep_default_na=False)
    frame.insert(0, "customer", [f"{i:05d}" for i in range(len(frame))])  # 00000, 00001...
    train, rows = folder / "train.csv", folder / "rows.csv"
    frame.drop(columns=["customer"]).to_csv(train, index=False)
    frame.iloc[::-1].head(40).drop(columns=["Survived"]).to_csv(rows, index=False)
    home = folder / "home"
    fitted = run_automl("--home", home, "fit", train, "--target", "Survived", "--models",
                        "lightgbm", "--n-trials", "2", "--n-jobs", "1")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    return {"home": home, "rows": rows, "folder": folder}


def test_id_columns_come_first_as_written_in_input_order(run: dict[str, Path]) -> None:
    out = run["folder"] / "with-ids.csv"
    result = run_automl("--home", run["home"], "predict", run["rows"], "--output", out,
                        "--id", "customer", "--id", "PassengerId", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["id_columns"] == ["customer", "PassengerId"]
    assert document["columns"][:3] == ["customer", "PassengerId", "prediction"]
    assert "customer" not in document["ignored_columns"]
    assert "PassengerId" not in document["ignored_columns"]
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    source = pd.read_csv(run["rows"], dtype=str, keep_default_na=False)
    assert list(written["customer"]) == list(source["customer"])  # '00890' keeps its zeros
    assert written["customer"].iloc[0] == "00890"
    assert list(written["PassengerId"]) == list(source["PassengerId"])


def test_output_dash_writes_only_the_csv_to_stdout(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "predict", run["rows"], "--output", "-",
                        "--id", "customer")  # fmt: skip
    assert result.code == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert list(table.columns) == ["customer", "prediction", "proba_0", "proba_1"]
    assert len(table) == 40
    assert "Wrote 40 predictions" in result.stderr and "to stdout" in result.stderr
    assert not (Path.cwd() / "-").exists()


def test_json_with_output_dash_is_a_usage_error(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "predict", run["rows"], "-o", "-", "--json")
    assert result.code == 2 and result.stdout == ""
    assert "--json and --output -" in result.stderr


def test_an_unknown_id_column_is_exit_4_naming_it_and_the_known_ones(
    run: dict[str, Path],
) -> None:
    out = run["folder"] / "never.csv"
    result = run_automl("--home", run["home"], "predict", run["rows"], "-o", out,
                        "--id", "Customer")  # fmt: skip
    assert result.code == 4
    assert "--id column 'Customer' not found" in result.stderr
    assert "Did you mean 'customer'" in result.stderr and "'PassengerId'" in result.stderr
    assert not out.exists()
