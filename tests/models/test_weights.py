"""Weighted rows in every family: ``class_weight="balanced"`` is searched wherever a family
can weigh rows, and moves probability towards the rare class; sample weights reach the fit."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import optuna
import pytest

from automl.data import profile_table, read_table
from automl.features import build_pipeline
from automl.models import FAMILIES
from automl.models.registry import is_baseline
from automl.search.dataset import DataSpec, training_data
from tests.conftest import imbalanced_churn

WEIGHTED = [name for name in FAMILIES if not is_baseline(name)]


@pytest.fixture(scope="module")
def churn(tmp_path_factory: pytest.TempPathFactory):
    """Churn with 5% positives (1,600 rows), as the search prepares it."""
    train, _ = imbalanced_churn(Path(tmp_path_factory.mktemp("weights")))
    table = read_table(train)
    profile = profile_table(table, target="target")
    return training_data(table.frame.head(1600), profile, DataSpec(target="target", cv=3))


def _params(family_name: str) -> dict:
    """The family's first portfolio configuration; forests with leaves of 10 rows (a fully
    grown tree's pure leaves vote 0 or 1 whatever the weights)."""
    params = dict(FAMILIES[family_name].portfolio("binary")[0])
    if "min_samples_leaf" in params and family_name in ("random_forest", "extra_trees"):
        params["min_samples_leaf"] = 10
    return params


def _mean_positive(family_name: str, data, params: dict, weights=None) -> float:
    family = FAMILIES[family_name]
    model = family.build(params, task="binary", n_classes=2, n_threads=1, seed=0)
    pipeline = build_pipeline(data.profile, family, model, params)
    train, valid = data.folds[0]
    fit = {"model__deadline": time.monotonic() + 600}
    if weights is not None:
        fit["model__sample_weight"] = weights[train]
    pipeline.fit(data.raw.iloc[train], data.y[train], **fit)
    return float(pipeline.predict_proba(data.raw.iloc[valid])[:, 1].mean())


@pytest.mark.parametrize("family_name", WEIGHTED)
def test_class_weight_is_searched_for_classification_only(family_name: str) -> None:
    family = FAMILIES[family_name]
    trial = optuna.create_study().ask()
    assert family.suggest(trial, task="binary", n_rows=2000)["class_weight"] in ("none", "balanced")
    trial = optuna.create_study().ask()
    assert "class_weight" not in family.suggest(trial, task="regression", n_rows=2000)


@pytest.mark.parametrize("family_name", WEIGHTED)
def test_balanced_classes_raise_the_rare_class_probability(family_name: str, churn) -> None:
    params = _params(family_name)
    plain = _mean_positive(family_name, churn, {**params, "class_weight": "none"})
    balanced = _mean_positive(family_name, churn, {**params, "class_weight": "balanced"})
    assert balanced > 1.3 * plain, (plain, balanced)


@pytest.mark.parametrize("family_name", ["linear", "random_forest", "lightgbm"])
def test_sample_weights_reach_the_fit(family_name: str, churn) -> None:
    params = _params(family_name)
    weights = np.where(churn.y == 1, 10.0, 1.0)
    plain = _mean_positive(family_name, churn, params)
    weighted = _mean_positive(family_name, churn, params, weights)
    assert weighted > 1.3 * plain, (plain, weighted)


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_doubling_a_rows_weight_equals_duplicating_it_for_the_linear_family(task: str) -> None:
    import pandas as pd

    from tests.conftest import dataset

    frame = pd.read_csv(dataset("churn").path).head(800)
    y = frame.pop("target").to_numpy()
    X = frame.select_dtypes("number").to_numpy()
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    if task == "regression":
        y, X = X[:, 0] * 2 + X[:, 1], X[:, 1:]
    family = FAMILIES["linear"]
    params = family.portfolio(task)[0]
    n_classes = 2 if task == "binary" else 0

    def fitted(rows: np.ndarray, labels: np.ndarray, weights: np.ndarray | None):
        model = family.build(params, task=task, n_classes=n_classes, n_threads=1, seed=0)
        return model.fit(rows, labels, sample_weight=weights)

    weights = np.ones(len(y))
    weights[5] = 2.0
    doubled = fitted(X, y, weights)
    duplicated = fitted(np.vstack([X, X[5:6]]), np.append(y, y[5]), None)
    if task == "binary":
        gap = np.abs(doubled.predict_proba(X) - duplicated.predict_proba(X)).max()
    else:
        gap = np.abs(doubled.predict(X) - duplicated.predict(X)).max()
    assert gap < 1e-6
