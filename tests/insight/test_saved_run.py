"""A model saved by the real ``automl fit`` is explained as users will have it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from automl.data import read_table
from automl.insight import contributions, importance
from automl.store.runs import Store
from tests.conftest import run_automl
from tests.insight.helpers import synthetic


def test_a_fitted_runs_model_is_explained_on_a_data_file(tmp_path: Path) -> None:
    data = synthetic(7, n=400)
    train = tmp_path / "train.csv"
    data.to_csv(train, index=False)
    home = tmp_path / "home"
    result = run_automl("--home", home, "fit", train, "--target", "y", "--n-trials", "3",
                        "--n-jobs", "1", "--cv", "3", "--models", "lightgbm")  # fmt: skip
    assert result.code == 0, result.stderr
    store = Store(home)
    predictor, _ = store.load_predictor(store.resolve(experiment=None, run_id=None))
    X = read_table(train).frame.drop(columns=["y"])
    found = contributions(predictor, X)
    assert found.columns == tuple(predictor.features) and "note" in found.columns
    proba = predictor.raw_proba(X)[:, 1]  # contributions explain the model's own output,
    # before the run's calibration (automl.store.decision)
    total = found.base[:, 0] + found.values.sum(axis=-1)[:, 0]
    if len(predictor.model.members) == 1:  # a single booster: exact in log-odds
        assert found.exact and found.max_error < 1e-6
        np.testing.assert_allclose(1 / (1 + np.exp(-total)), proba, atol=1e-9)
    else:  # an ensemble of boosters: the error is reported, and is the real one
        actual = np.log(proba) - np.log1p(-proba)
        assert abs(found.max_error - np.abs(total - actual).max()) < 1e-9
    ranked = importance(predictor, X, read_table(train).frame["y"], seed=0)
    assert set(ranked.columns[:2]) == {"x1", "x2"}
