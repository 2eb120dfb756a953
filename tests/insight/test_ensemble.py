"""Ensembles: the weighted members' contributions, with the error measured against the
ensemble's real output."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from automl.insight import contributions
from automl.models.registry import FAMILIES
from tests.insight.helpers import fit_predictor, rows, synthetic


def ensemble(task: str, families: list[str], tmp_path: Path, **options: object):
    data = synthetic(4, n=400, task=task)
    members = [(f, FAMILIES[f].portfolio(task)[0]) for f in families]
    predictor = fit_predictor(data, "y", members, folder=tmp_path, weights=[0.6, 0.4], **options)
    return predictor, rows(data)


def test_a_binary_ensemble_is_an_approximation_whose_reported_error_is_the_real_one(
    tmp_path: Path,
) -> None:
    predictor, X = ensemble("binary", ["lightgbm", "linear"], tmp_path)
    found = contributions(predictor, X)
    assert found.space == "log_odds" and found.method == "combined" and not found.exact
    p = predictor.predict_proba(X)[:, 1]
    actual = np.log(p) - np.log1p(-p)  # the ensemble's own output, in log-odds
    gap = np.abs(found.base[:, 0] + found.values.sum(axis=-1)[:, 0] - actual)
    assert found.max_error == np.float64(gap.max()) or abs(found.max_error - gap.max()) < 1e-9
    assert abs(found.mean_error - gap.mean()) < 1e-9
    assert gap.max() > 1e-3  # averaging probabilities really is not additive in log-odds
    # the combination is the weighted sum of each member explained alone
    single = [
        contributions(member_predictor(predictor, i), X)
        for i in range(len(predictor.model.members))
    ]
    weights = predictor.model.weights
    np.testing.assert_allclose(
        found.values, sum(w * s.values for w, s in zip(weights, single, strict=True)), atol=1e-12
    )


def test_a_multiclass_ensemble_reports_the_error_that_changes_probabilities(
    tmp_path: Path,
) -> None:
    predictor, X = ensemble("multiclass", ["catboost", "linear"], tmp_path)
    found = contributions(predictor, X)
    assert found.space == "margin" and not found.exact
    margins = found.base + found.values.sum(axis=-1)
    logs = np.log(predictor.predict_proba(X))
    centred = (margins - margins.mean(1, keepdims=True)) - (logs - logs.mean(1, keepdims=True))
    assert abs(found.max_error - np.abs(centred).max()) < 1e-9
    assert abs(found.mean_error - np.abs(centred).mean()) < 1e-9


def test_a_regression_ensemble_of_exact_members_is_exact(tmp_path: Path) -> None:
    predictor, X = ensemble("regression", ["lightgbm", "linear"], tmp_path)
    found = contributions(predictor, X)
    assert found.space == "value" and found.exact and found.max_error < 1e-6
    np.testing.assert_allclose(
        found.base[:, 0] + found.values.sum(axis=-1)[:, 0], predictor.predict(X), atol=1e-6
    )


def test_a_log_target_member_is_carried_to_value_space_and_stays_additive(
    tmp_path: Path,
) -> None:
    data = synthetic(5, n=400, task="regression")
    data["y"] = np.exp(data["y"] / 2)
    members = [(f, FAMILIES[f].portfolio("regression")[0]) for f in ("lightgbm", "catboost")]
    predictor = fit_predictor(data, "y", members, folder=tmp_path, weights=[0.5, 0.5],
                              transforms=["log", "none"])  # fmt: skip
    X = rows(data)
    found = contributions(predictor, X)
    assert found.space == "value" and not found.exact  # rescaled: additive, not Shapley values
    assert found.max_error < 1e-6
    np.testing.assert_allclose(
        found.base[:, 0] + found.values.sum(axis=-1)[:, 0], predictor.predict(X), rtol=1e-9
    )


def test_a_forest_member_joins_a_classifier_ensemble_in_log_odds(tmp_path: Path) -> None:
    predictor, X = ensemble("binary", ["lightgbm", "random_forest"], tmp_path, iterations=30)
    found = contributions(predictor, X)
    assert found.space == "log_odds" and np.isfinite(found.values).all()
    p = np.clip(predictor.predict_proba(X)[:, 1], 1e-15, 1 - 1e-15)
    gap = np.abs(found.base[:, 0] + found.values.sum(axis=-1)[:, 0] - np.log(p / (1 - p)))
    assert abs(found.max_error - gap.max()) < 1e-9


def member_predictor(predictor, index: int):
    """The ensemble's member ``index`` alone, as a saved model of one."""
    from automl.models.ensemble import EnsembleModel
    from automl.models.predictor import Predictor

    model = predictor.model
    alone = EnsembleModel(
        model.preparer, [model.members[index]], [1.0], task=model.task, names=["alone"]
    )
    return Predictor(alone, task=predictor.task, labels=predictor.labels,
                     features=predictor.features)  # fmt: skip
