"""Forests predict by walking their trees directly, and count the class prior as one more tree."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

from automl.models.forests import (
    ExtraTreesFamily,
    ExtraTreesModel,
    ForestModel,
    RandomForestFamily,
    max_features,
)
from tests.conftest import dataset


def noisy_classes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Three overlapping classes with blanks."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.digitize(X[:, 0] + rng.normal(scale=0.8, size=n), [-0.3, 1.6])
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y


def wine() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """wine_quality_white (6 grades, the extreme ones rare), 3,000 rows to train, 1,000 to test."""
    frame = pd.read_csv(dataset("wine_quality_white").path)
    y = np.unique(frame.pop(dataset("wine_quality_white").target), return_inverse=True)[1]
    X = frame.to_numpy(dtype=float)
    order = np.random.default_rng(0).permutation(len(y))
    train, test = order[:3000], order[3000:4000]
    return X[train], y[train], X[test], y[test]


def test_no_class_gets_probability_zero_so_log_loss_stays_bounded() -> None:
    X, y, X_new, y_new = wine()
    model = ExtraTreesModel("multiclass", 6, {"max_features": "sqrt", "min_samples_leaf": 1}, 1, 0)
    model.fit(X, y)
    proba = model.predict_proba(X_new)
    raw = model.model_.predict_proba(X_new.astype(np.float32))  # scikit-learn's own average
    rows = np.arange(len(y_new))
    assert (raw[rows, y_new] == 0).any()  # some rows' true grade got no tree's vote...
    n_trees = len(model.model_.estimators_)
    worst = np.log((n_trees + 1) / model.prior_[model.prior_ > 0].min())
    assert (-np.log(proba[rows, y_new])).max() <= worst  # ...and now costs a bounded loss
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (np.argmax(proba, axis=1) == np.argmax(raw, axis=1)).mean() > 0.99
    assert log_loss(y_new, proba, labels=range(6)) < log_loss(y_new, raw, labels=range(6))


def test_regression_predictions_equal_scikit_learns() -> None:
    X, y = noisy_classes(500, 2)
    target = np.nan_to_num(X[:, 1]) * 3.0 + y
    model = ExtraTreesModel("regression", 0, {"max_features": "all", "min_samples_leaf": 2}, 1, 0)
    model.fit(X, target)
    np.testing.assert_allclose(model.predict(X), model.model_.predict(X.astype(np.float32)))


def test_a_forest_saved_before_the_prior_predicts_as_before() -> None:
    X, y = noisy_classes(400, 3)
    model = ForestModel("multiclass", 3, {"max_features": "sqrt", "min_samples_leaf": 3}, 1, 0)
    model.fit(X, y)
    del model.prior_  # as pickled by an earlier version
    old = pickle.loads(pickle.dumps(model))
    np.testing.assert_allclose(
        old.predict_proba(X), model.model_.predict_proba(X.astype(np.float32))
    )


def test_features_per_split_follow_the_scale_from_sqrt_to_all() -> None:
    classic = RandomForestFamily().portfolio("binary")[0]
    regression = RandomForestFamily().portfolio("regression")[0]
    for n in (1, 5, 11, 44, 49, 57, 400):
        assert max_features(classic, n) == max(1, int(np.sqrt(n) + 1e-9))  # scikit-learn's "sqrt"
        assert max_features(regression, n) == n  # every feature
    assert max_features({"feature_scale": 2.0}, 44) == 13
    assert max_features({"max_features": "half"}, 44) == 0.5  # a trial saved before the scale


def test_forest_configurations_drawn_by_the_sampler_do_not_repeat() -> None:
    import optuna

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    family = ExtraTreesFamily()
    drawn = set()
    for _ in range(60):
        trial = study.ask()
        params = family.suggest(trial, task="multiclass", n_rows=1000)
        drawn.add(tuple(sorted(params.items())))
        study.tell(trial, -params["min_samples_leaf"])  # pulls the sampler to one leaf size
    assert len(drawn) == 60  # the discrete space (3 x 20) repeated itself; the scale does not


def test_a_forest_fits_with_the_scaled_features_per_split() -> None:
    X, y = noisy_classes(300, 4)
    model = ForestModel("multiclass", 3, {"feature_scale": 1.5, "min_samples_leaf": 2}, 1, 0)
    model.fit(X, y)
    assert model.model_.max_features == 3  # 1.5 x sqrt(5) = 3.35
    assert {tree.max_features_ for tree in model.model_.estimators_} == {3}
