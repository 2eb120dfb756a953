"""Keeping the saved model within ``--max-predict-ms`` in the refit process: a forest saved
alone refitted with fewer trees, an ensemble whose measured prediction time is over the limit
losing its lightest members."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from automl.metrics import Metric, score_predictions
from automl.models.ensemble import EnsembleModel
from automl.models.registry import FAMILIES

if TYPE_CHECKING:
    import optuna

    from automl.models.predictor import Predictor
    from automl.search.choose import Choice
    from automl.search.dataset import TrainingData

__all__ = ["MIN_TREES", "score_holdout", "trim_forest", "trimmed_alone", "within_limit",
           "without_member"]  # fmt: skip

#: A forest trimmed to predict faster keeps at least this many trees.
MIN_TREES = 50


def trimmed_alone(study: optuna.Study, choice: Choice, limit: float | None, notes: list[str],
                  changes: list[dict[str, Any]]) -> Choice:  # fmt: skip
    """``choice`` saved alone, as :func:`trim_forest` refits it, with a note and a
    ``fewer_trees`` change if it keeps fewer trees."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    trimmed, note = trim_forest(choice, complete, limit)
    if note:
        notes.append(note)
        changes.append({"kind": "fewer_trees", "member": f"{trimmed.family}#{trimmed.number}",
                        "trees": trimmed.n_iterations, "searched_trees": choice.n_iterations,
                        "note": note})  # fmt: skip
    return trimmed


def trim_forest(
    choice: Choice, trials: list[Any], max_predict_ms: float | None
) -> tuple[Choice, str | None]:
    """Fewer trees for a forest saved alone whose predictions would be slower than
    ``max_predict_ms`` per 1,000 rows (a forest's prediction time grows with its trees, and
    its quality hardly changes between a few hundred trees and fewer).

    The estimate is :class:`automl.search.ensemble.PredictBudget`'s, as in ensemble
    selection; at least :data:`MIN_TREES` trees are kept.

    Returns:
        The choice (with a lower ``n_iterations`` if trimmed) and a note for the user, or
        ``None`` if nothing changed.
    """
    from automl.search.ensemble import predict_budget

    trimmable = FAMILIES[choice.family].grows_incrementally
    if not max_predict_ms or not trimmable or not choice.n_iterations:
        return choice, None
    budget = predict_budget(trials, max_predict_ms)
    allowed = budget.allowed - budget.base
    spent = budget.cost(choice.number)
    trees = max(MIN_TREES, int(choice.n_iterations * max(allowed, 0.0) / spent))
    if spent <= allowed or trees >= choice.n_iterations:
        return choice, None
    note = (
        f"{choice.family}#{choice.number} refitted with {trees} trees instead of "
        f"{choice.n_iterations}, to predict 1,000 rows within --max-predict-ms "
        f"{max_predict_ms:g} (estimated {budget.base + spent:.0f} ms with all of them)."
    )
    return dataclasses.replace(choice, n_iterations=trees), note


def without_member(model: EnsembleModel, index: int) -> EnsembleModel:
    """The ensemble without its member ``index``, the other weights renormalised."""
    keep = [i for i in range(len(model.members)) if i != index]
    return EnsembleModel(
        model.preparer,
        [model.members[i] for i in keep],
        [model.weights[i] for i in keep],
        task=model.task,
        names=[model.names[i] for i in keep],
    )


def score_holdout(model: EnsembleModel, data: TrainingData, metric: Metric) -> float:
    """Score a model fitted on the search rows on the held-out rows."""
    X = data.raw.iloc[data.holdout_rows]
    prediction = model.predict(X) if data.task == "regression" else model.predict_proba(X)
    labels = list(range(data.n_classes))
    weights = None if data.weights is None else data.weights[data.holdout_rows]
    return score_predictions(metric, data.y[data.holdout_rows], prediction, labels, weights)


def within_limit(
    predictor: Predictor,
    searched: EnsembleModel | None,
    data: TrainingData,
    metric: Metric,
    limit: float | None,
    notes: list[str],
    changes: list[dict[str, Any]],
) -> tuple[float, float | None]:
    """Measure the refitted model's prediction time; while an ensemble is over ``limit``
    (the estimate that chose its members was off), drop its lightest member. Returns the
    final time and the holdout score (of ``searched``, the same members fitted on the search
    rows; ``None`` without a holdout)."""
    from automl.search.objective import measure_predict_ms

    classification = data.task != "regression"
    holdout = None if searched is None else score_holdout(searched, data, metric)
    predict_ms = measure_predict_ms(predictor.model, data.raw, classification=classification,
                                    repeats=3)  # fmt: skip
    predict_ms, holdout = _drop_members(predictor, searched, data, metric, limit,
                                        predict_ms=predict_ms, holdout=holdout, notes=notes,
                                        changes=changes)  # fmt: skip
    if limit and predict_ms > limit:
        notes.append(
            f"The saved model predicts 1,000 rows in {predict_ms:.0f} ms, over "
            f"--max-predict-ms {limit:g}: no model within the limit scored within noise of "
            "it. Raise the limit, or keep to faster families with --models (the leaderboard's "
            "ms/1k column)."
        )
    return predict_ms, holdout


def _drop_members(predictor: Predictor, searched: EnsembleModel | None, data: TrainingData,
                  metric: Metric, limit: float | None, *, predict_ms: float,
                  holdout: float | None, notes: list[str],
                  changes: list[dict[str, Any]]) -> tuple[float, float | None]:  # fmt: skip
    """While the refitted ensemble predicts slower than ``limit``, drop its lightest member
    (the last of equals), and the same member of ``searched`` (re-scoring the holdout); a
    note and a ``member_dropped`` change each. Returns the new time and holdout score."""
    from automl.search.objective import measure_predict_ms

    classification = data.task != "regression"
    while limit and predict_ms > limit and len(predictor.model.members) > 1:
        weights = predictor.model.weights
        lightest = min(range(len(weights)), key=lambda i: (weights[i], -i))  # last of equals
        name = predictor.model.names[lightest]
        predictor.model = without_member(predictor.model, lightest)
        if searched is not None and name in searched.names and len(searched.names) > 1:
            searched = without_member(searched, searched.names.index(name))
            holdout = score_holdout(searched, data, metric)
        before = predict_ms
        predict_ms = measure_predict_ms(predictor.model, data.raw,
                                        classification=classification, repeats=3)  # fmt: skip
        note = (
            f"Ensemble member {name} left out after the refit: the ensemble predicted 1,000 "
            f"rows in {before:.0f} ms, over --max-predict-ms {limit:g}; {predict_ms:.0f} ms "
            "without it."
        )
        notes.append(note)
        changes.append({"kind": "member_dropped", "member": name, "note": note})
    return predict_ms, holdout
