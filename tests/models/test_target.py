"""Model wrappers: regression on log1p(y), and a model saved by an earlier automl version."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from automl.models import FAMILIES
from automl.models.target import LogTarget, log_target_allowed, with_transform


def test_log_is_offered_only_for_skewed_non_negative_targets() -> None:
    rng = np.random.default_rng(0)
    prices = np.exp(rng.normal(12, 0.5, size=500))  # right-skewed, positive: house prices
    assert log_target_allowed(prices)
    assert not log_target_allowed(rng.normal(size=500))  # symmetric, with negatives
    assert not log_target_allowed(-prices)  # negative
    assert not log_target_allowed(np.full(50, 3.0))  # constant
    assert not log_target_allowed(np.append(prices, np.nan))


def test_log_target_model_predicts_on_the_original_scale_and_pickles() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 3))
    y = np.exp(2.0 + X[:, 0] + 0.1 * rng.normal(size=600))  # log-linear: log is the right scale
    family = FAMILIES["lightgbm"]
    params = family.portfolio("regression")[0]
    plain = family.build(params, task="regression", n_classes=0, n_threads=1, seed=0)
    logged = with_transform(
        family.build(params, task="regression", n_classes=0, n_threads=1, seed=0), "log"
    )
    assert isinstance(logged, LogTarget)
    plain.fit(X[:400], y[:400])
    logged.fit(X[:400], y[:400])
    relative = {
        name: np.median(np.abs(model.predict(X[400:]) / y[400:] - 1))
        for name, model in (("plain", plain), ("log", logged))
    }
    assert relative["log"] < relative["plain"]
    assert (logged.predict(X[400:]) > 0).all()
    assert logged.n_iterations_ >= 1  # the inner model's attributes are the wrapper's
    logged.n_threads = 1
    assert logged.model.n_threads == 1
    again = pickle.loads(pickle.dumps(logged))
    assert np.array_equal(again.predict(X[400:]), logged.predict(X[400:]))
    with pytest.raises(ValueError, match="unknown target transform"):
        with_transform(plain, "sqrt")


def test_hist_gb_saved_before_code_matrices_still_predicts_from_its_frame() -> None:
    """A HistGradientBoosting pickled by an earlier automl was fitted on a frame with pandas
    categoricals; it must keep getting that frame (not a code matrix) from the ensemble."""
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingRegressor

    from automl.models.hist_gb import HistGBModel

    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {"x": rng.normal(size=300), "c": pd.Categorical(rng.choice(["a", "b", "c"], size=300))}
    )
    y = frame["x"].to_numpy() + (frame["c"] == "b").to_numpy() * 2.0
    old = HistGBModel("regression", 0, {}, 1, 0)
    old.model_ = HistGradientBoostingRegressor(categorical_features="from_dtype").fit(frame, y)
    assert not old.takes_matrix
    assert np.array_equal(old.predict(frame), old.model_.predict(frame))
    new = HistGBModel("regression", 0, {}, 1, 0).fit(frame, y)
    assert new.takes_matrix and list(new.categorical_) == [False, True]
    assert np.abs(new.predict(frame) - y).mean() < 0.5
