"""Shared fixtures of ``tests/export``: two fitted runs (a classifier whose integer column has
missing values, a regressor) and their MLflow exports, made once per session with the real
``automl`` command and a real MLflow."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import Result, dataset, run_automl

ROWS = 40


@dataclass(frozen=True)
class Exported:
    """A fitted run, its MLflow export, and rows to predict with the automl predictions."""

    home: Path
    run_id: str
    out: Path
    rows: Path
    expected: pd.DataFrame
    export_json: dict


def need_mlflow() -> None:
    """Skip, with the reason, when MLflow is not installed (the ``mlflow`` extra)."""
    pytest.importorskip(
        "mlflow",
        reason="MLflow is not installed: pip install -e '.[test]' (or '.[mlflow]') brings "
        "mlflow-skinny, which these tests need",
    )


def mlflow_command() -> list[str]:
    """The ``mlflow`` console script beside this Python (else ``python -m mlflow``)."""
    beside = Path(sys.executable).with_name("mlflow")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "mlflow"]


def automl_predictions(home: Path, run_id: str, rows: Path, out: Path) -> pd.DataFrame:
    done = run_automl("--home", home, "predict", rows, "--run", run_id, "--output", out)
    assert done.code == 0, done.stderr
    return pd.read_csv(out)


def fit(home: Path, data: Path, target: str) -> str:
    # LightGBM and linear models only: a real ensemble, without CatBoost's seconds per fold
    done = run_automl("--home", home, "fit", data, "--target", target, "--n-trials", "4",
                      "--models", "lightgbm,linear", "--n-jobs", "1", "--json")  # fmt: skip
    assert done.code == 0, done.stderr
    return str(json.loads(done.stdout)["run_id"])


def export(home: Path, run_id: str, out: Path, *args: str) -> Result:
    return run_automl("--home", home, "export", "--format", "mlflow", "--run", run_id,
                      "--out", out, "--json", *args)  # fmt: skip


def _exported(folder: Path, data: Path, target: str, rows: pd.DataFrame, *args: str) -> Exported:
    home = folder / "home"
    run_id = fit(home, data, target)
    out = folder / "model"
    done = export(home, run_id, out, *args)
    assert done.code == 0, done.stderr
    rows_csv = folder / "rows.csv"
    rows.drop(columns=[target]).to_csv(rows_csv, index=False)
    expected = automl_predictions(home, run_id, rows_csv, folder / "expected.csv")
    return Exported(home, run_id, out, rows_csv, expected, json.loads(done.stdout))


@pytest.fixture(scope="session")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """Titanic with ``Age`` as whole years: an integer column with missing values (written as
    ``22`` and an empty cell, as a CSV of integers with gaps is). Exported with hashes."""
    need_mlflow()
    folder = tmp_path_factory.mktemp("export-classifier")
    frame = pd.read_csv(dataset("titanic").path)
    frame["Age"] = frame["Age"].apply(lambda v: v // 1).astype("Int64")
    data = folder / "titanic_int_age.csv"
    frame.to_csv(data, index=False)
    rows = frame.head(ROWS).copy()
    assert rows["Age"].isna().sum() >= 5
    rows.loc[rows.index[1], "Fare"] = None  # complete in training: missing now
    rows.loc[rows.index[2], "Embarked"] = None
    return _exported(folder, data, "Survived", rows)


@pytest.fixture(scope="session")
def regressor(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    """House prices (600 rows): ``LotFrontage``, ``GarageYrBlt`` and ``MasVnrArea`` are
    integers with missing values (``NA``). Exported without hashes (the classifier covers
    them)."""
    need_mlflow()
    folder = tmp_path_factory.mktemp("export-regressor")
    data = folder / "house_prices_600.csv"  # the first 600 rows, bytes unchanged: a faster fit
    lines = dataset("house_prices").path.read_bytes().splitlines(keepends=True)
    data.write_bytes(b"".join(lines[:601]))
    rows = pd.read_csv(data).head(ROWS)
    assert rows["LotFrontage"].isna().any() and rows["GarageYrBlt"].isna().any()
    return _exported(folder, data, "SalePrice", rows, "--no-hashes")


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite MLflow tracking store, also MLflow's default for this test."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)  # anything written to the current folder lands here
    assert os.environ["MLFLOW_TRACKING_URI"] == uri
    return uri
