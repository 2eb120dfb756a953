"""``automl.sklearn``: scikit-learn's own estimator checks, and the estimators inside a
``Pipeline`` under ``cross_val_score``, on real searches with tiny budgets."""

from __future__ import annotations

import functools
import os
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
#: that starts passing fails the test, so this list stays true). None so far.
NOT_APPLICABLE: dict[str, str] = {}

#: Checks left out of the suite for time: each fit starts a worker and a refit process (5 s
#: on a quiet 2-core machine, 20 s under load) and these fit again through a path that a
#: check which runs covers already. They pass: ``AUTOML_ALL_SKLEARN_CHECKS=1`` runs them.
SAME_PATH = "the numeric-array path of check_classifiers_train and check_dtype_object"
FOR_TIME: dict[str, str] = {
    "check_fit_score_takes_y": "fit and score signatures; test_a_kept_run... calls both",
    "check_estimators_overwrite_params": "parameters are only stored (check_set_params, "
    "check_get_params_invariance, check_no_attributes_set_in_init run)",
    "check_dont_overwrite_parameters": "as check_estimators_overwrite_params",
    "check_estimators_fit_returns_self": "test_a_kept_run... asserts fit returns self",
    "check_readonly_memmap_input": SAME_PATH,
    "check_positive_only_tag_during_fit": SAME_PATH,
    "check_estimators_dtypes": SAME_PATH,
    "check_f_contiguous_array_estimator": SAME_PATH,
    "check_classifier_data_not_an_array": SAME_PATH,
    "check_regressor_data_not_an_array": SAME_PATH,
    "check_pipeline_consistency": "test_a_pipeline_under_cross_val_score...",
    "check_estimators_pickle": "test_a_kept_run_..._survives_pickling",
    "check_estimators_pickle(readonly_memmap=True)": "as check_estimators_pickle",
    "check_methods_sample_order_invariance": "check_methods_subset_invariance runs",
    "check_fit2d_1feature": SAME_PATH,
    "check_dict_unchanged": "predict only reads; check_methods_subset_invariance runs",
    "check_fit_check_is_fitted": "check_estimators_unfitted runs",
    "check_n_features_in": "check_n_features_in_after_fitting runs",
    "check_fit2d_predict1d": "check_n_features_in_after_fitting runs",
    "check_classifiers_train(readonly_memmap=True)": "check_classifiers_train runs",
    "check_classifiers_train(readonly_memmap=True, X_dtype='float32')": "as above",
    "check_regressors_train(readonly_memmap=True)": "check_regressors_train runs",
    "check_regressors_train(readonly_memmap=True, X_dtype='float32')": "as above",
}
#: The regressor shares the classifier's validation and search code (_AutoMLEstimator):
#: these run for the classifier only.
SHARED = ["check_fit_idempotent", "check_methods_subset_invariance", "check_dtype_object",
          "check_n_features_in_after_fitting", "check_supervised_y_2d"]  # fmt: skip


def _name(check: Any) -> str:
    """``check_x``, or ``check_x(key=value, ...)`` for a check with keyword arguments."""
    if not isinstance(check, functools.partial):
        return str(check.__name__)
    keywords = ", ".join(f"{k}={v!r}" for k, v in check.keywords.items())
    return f"{check.func.__name__}({keywords})" if keywords else str(check.func.__name__)


def _skipped(estimator: Any, name: str) -> str | None:
    """Why the suite leaves a check out, or ``None`` to run it."""
    if os.environ.get("AUTOML_ALL_SKLEARN_CHECKS") == "1":
        return None
    if name in FOR_TIME:
        return f"for time: {FOR_TIME[name]}; AUTOML_ALL_SKLEARN_CHECKS=1 runs it"
    if isinstance(estimator, AutoMLRegressor) and name in SHARED:
        return "for time: shared code, run for AutoMLClassifier"
    return None


def _checks() -> Iterator[Any]:
    for estimator in (AutoMLClassifier(**TINY), AutoMLRegressor(**TINY)):
        for each, check in estimator_checks_generator(estimator, legacy=True):
            name = _name(check)
            marks = []
            if name in NOT_APPLICABLE:
                marks.append(pytest.mark.xfail(strict=True, reason=NOT_APPLICABLE[name]))
            reason = _skipped(estimator, name)
            if reason is not None:
                marks.append(pytest.mark.skip(reason=reason))
            yield pytest.param(each, check, id=f"{type(estimator).__name__}-{name}", marks=marks)


@pytest.mark.slow
@pytest.mark.parametrize(("estimator", "check"), list(_checks()))
def test_scikit_learn_estimator_check(estimator: Any, check: Any) -> None:
    check(estimator)


@pytest.mark.slow
def test_a_pipeline_under_cross_val_score_scores_each_fold() -> None:
    frame = pd.read_csv(dataset("537_houses").path)
    X, y = frame.drop(columns=["target"]), frame["target"]
    scale = StandardScaler().set_output(transform="pandas")  # the estimator gets a data frame
    model = AutoMLRegressor(**{**TINY, "models": "lightgbm"})
    pipeline = Pipeline([("scale", scale), ("model", model)])
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
