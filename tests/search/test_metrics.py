"""automl's metric table: names, directions, and scoring with the full class list."""

from __future__ import annotations

import numpy as np
import pytest

from automl.errors import UsageError
from automl.search.metrics import METRICS, default_metric, get_metric, score_predictions


def test_defaults_and_directions() -> None:
    assert default_metric("binary") == "roc_auc"
    assert default_metric("multiclass") == "log_loss"
    assert default_metric("regression") == "rmse"
    assert {n: m.direction for n, m in METRICS.items()} == {
        "roc_auc": "maximize", "log_loss": "minimize", "accuracy": "maximize",
        "balanced_accuracy": "maximize", "f1": "maximize", "rmse": "minimize",
        "mae": "minimize", "r2": "maximize",
    }  # fmt: skip


def test_unknown_or_mismatched_metric_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="Unknown metric 'auc'"):
        get_metric("auc", "binary")
    with pytest.raises(UsageError, match="rmse, mae, r2"):
        get_metric("accuracy", "regression")


def test_log_loss_scores_a_fold_missing_a_class() -> None:
    metric = get_metric("log_loss", "multiclass")
    y = np.array([0, 1, 0, 1])  # class 2 absent from this fold
    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]])
    score = score_predictions(metric, y, proba, [0, 1, 2])
    assert 0.2 < score < 0.4


def test_label_metrics_use_the_most_probable_class() -> None:
    proba = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.6, 0.4]])
    y = np.array([0, 1, 0, 0])
    assert score_predictions(get_metric("accuracy", "binary"), y, proba, [0, 1]) == 0.75
    assert score_predictions(get_metric("f1", "binary"), y, proba, [0, 1]) == pytest.approx(2 / 3)


def test_roc_auc_of_a_fold_with_one_class_is_nan_so_the_trial_fails() -> None:
    metric = get_metric("roc_auc", "binary")
    assert np.isnan(score_predictions(metric, np.array([1, 1]), np.array([[0.2, 0.8]] * 2), [0, 1]))


def test_regression_metrics() -> None:
    y, pred = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0])
    assert score_predictions(get_metric("rmse", "regression"), y, pred, []) == pytest.approx(
        np.sqrt(4 / 3)
    )
    assert score_predictions(get_metric("mae", "regression"), y, pred, []) == pytest.approx(2 / 3)
