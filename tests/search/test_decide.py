"""Calibration chosen on out-of-fold predictions (automl/search/decide.py): a random forest's
probabilities on real data, cross-fitted over the same folds the search would use."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from automl.search.decide import decide, expected_calibration_error
from tests.conftest import dataset


def _oof(name: str, target: str, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frame = pd.read_csv(dataset(name).path).head(n_rows)
    y = pd.factorize(frame[target], sort=True)[0]
    X = frame.drop(columns=[target]).select_dtypes("number").fillna(0).to_numpy()
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    model = RandomForestClassifier(n_estimators=60, min_samples_leaf=3, random_state=0, n_jobs=1)
    proba = cross_val_predict(model, X, y, cv=folds, method="predict_proba")
    fold_ids = np.empty(len(y), dtype=int)
    for i, (_, valid) in enumerate(folds.split(X, y)):
        fold_ids[valid] = i
    return y, proba, fold_ids


@pytest.fixture(scope="module")
def spambase() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _oof("spambase", dataset("spambase").target, 3000)


def test_random_forest_probabilities_get_calibrated(spambase) -> None:
    y, proba, folds = spambase
    decision = decide(y, proba, folds, task="binary", rule=None, metric="roc_auc")
    calibration = decision.calibration
    assert decision.calibrated and calibration["kind"] in ("sigmoid", "isotonic")
    assert calibration["log_loss_after"] < calibration["log_loss_before"]
    assert calibration["ece_after"] < 0.7 * calibration["ece_before"]  # cross-fitted, honest
    calibrated = decision.calibrate(proba)
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    assert expected_calibration_error(y, calibrated) < expected_calibration_error(y, proba)


def test_none_keeps_the_model_probabilities(spambase) -> None:
    y, proba, folds = spambase
    decision = decide(y, proba, folds, task="binary", rule="0.5", metric="roc_auc",
                      calibrate="none")  # fmt: skip
    assert not decision.calibrated and decision.threshold == 0.5
    assert np.array_equal(decision.calibrate(proba), proba)


def test_multiclass_calibration_keeps_rows_summing_to_one() -> None:
    y, proba, folds = _oof("satimage", dataset("satimage").target, 2000)
    decision = decide(y, proba, folds, task="multiclass", rule=None, metric="log_loss")
    assert decision.threshold is None and decision.curve is None
    calibrated = decision.calibrate(proba)
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    if decision.calibrated:
        assert decision.calibration["log_loss_after"] < decision.calibration["log_loss_before"]
    assert (decision.codes(calibrated) == np.argmax(calibrated, axis=1)).all()
