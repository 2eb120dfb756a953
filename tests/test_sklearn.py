"""``automl.sklearn``: scikit-learn's own estimator checks, and the estimators inside a
``Pipeline`` under ``cross_val_score``, on real searches with tiny budgets."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import estimator_checks_generator

import automl
from automl.sklearn import AutoMLClassifier, AutoMLRegressor
from tests.conftest import dataset

#: The budget of every search in these tests.
TINY: dict[str, Any] = {"n_trials": 2, "n_jobs": 1, "cv": 2, "models": "linear"}

#: Checks that do not apply, with the reason: they are expected to fail (strictly: a check
#: that starts passing fails the test, so this list stays true).
NOT_APPLICABLE: dict[str, str] = {}

#: Checks left out of the suite for time (every fit starts a worker and a refit process):
#: each one exercises a code path that a check that does run covers already.
FOR_TIME: dict[str, str] = {}


def _name(check: Any) -> str:
    return str(check.func.__name__ if isinstance(check, functools.partial) else check.__name__)


def _checks() -> Iterator[Any]:
    for estimator in (AutoMLClassifier(**TINY), AutoMLRegressor(**TINY)):
        for each, check in estimator_checks_generator(estimator, legacy=True):
            name = _name(check)
            marks = []
            if name in NOT_APPLICABLE:
                marks.append(pytest.mark.xfail(strict=True, reason=NOT_APPLICABLE[name]))
            if name in FOR_TIME:
                marks.append(pytest.mark.skip(reason=f"for time: {FOR_TIME[name]}"))
            ident = f"{type(estimator).__name__}-{name}"
            yield pytest.param(each, check, id=ident, marks=marks)


@pytest.mark.slow
@pytest.mark.parametrize(("estimator", "check"), list(_checks()))
def test_scikit_learn_estimator_check(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.slow
def test_a_pipeline_under_cross_val_score_scores_each_fold() -> None:
    frame = pd.read_csv(dataset("537_houses").path)
    X, y = frame.drop(columns=["target"]), frame["target"]
    scale = StandardScaler().set_output(transform="pandas")  # the estimator gets a data frame
    pipeline = Pipeline([("scale", scale), ("model", AutoMLRegressor(**TINY))])
    scores = cross_val_score(pipeline, X, y, cv=2)  # R² of each outer fold
    assert scores.shape == (2,) and scores.min() > 0.3


@pytest.mark.slow
def test_a_kept_run_predicts_like_the_estimator_and_survives_pickling(tmp_path: Path) -> None:
    frame = pd.read_csv(dataset("titanic").path)
    X = frame.drop(columns=["Survived"])  # text and categories stay as they are
    y = frame["Survived"].map({0: "died", 1: "survived"})
    model = AutoMLClassifier(**{**TINY, "models": "lightgbm"}, home=tmp_path)
    assert model.fit(X, y) is model
    assert list(model.classes_) == ["died", "survived"]
    assert list(model.feature_names_in_) == list(X.columns) and model.n_features_in_ == 11
    assert model.leaderboard_["state"].eq("complete").any() and 0.5 < model.score_ <= 1
    proba = model.predict_proba(X.head(50))
    saved = automl.load(model.run_id_, experiment="sklearn", home=tmp_path)
    np.testing.assert_allclose(proba, saved.predict_proba(X.head(50)), rtol=0, atol=1e-12)
    copy = pickle.loads(pickle.dumps(model))
    assert list(copy.predict(X.head(50))) == list(model.predict(X.head(50)))
    assert set(model.predict(X)) <= {"died", "survived"} and model.score(X, y) > 0.7
