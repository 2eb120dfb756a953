"""Greedy ensemble selection (Caruana et al., 2004) over the out-of-fold predictions of the
best trials: repeatedly add, with replacement, the trial whose predictions most improve the
average's score, keeping to a few distinct members and, optionally, to a prediction time."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.metrics import Metric, score_predictions
from automl.models.registry import is_baseline
from automl.store.schema import TrialResult, oof_file

if TYPE_CHECKING:
    import optuna

__all__ = ["EnsembleChoice", "PredictBudget", "predict_budget", "select_ensemble"]

logger = logging.getLogger(__name__)

CANDIDATES = 20
#: Besides the best CANDIDATES, the best trials of every family take part, up to this many per
#: family: a search that settled on one family (tokyo1: the 20 best were all LightGBM) would
#: otherwise offer only near-copies, and averaging gains most from different models.
PER_FAMILY = 2
ROUNDS = 25
MAX_MEMBERS = 5
#: Members are added while the estimate stays within this share of ``max_predict_ms``: the
#: estimate is off by about 5% either way (satimage, 197_cpu_act, titanic, house prices).
PREDICT_MARGIN = 0.9
#: A refitted model is larger than the fold model whose time a trial measured: it learns from
#: every row, boosting for 15% more rounds (measured: 1.25-1.3 times slower).
REFIT_GROWTH = 1.3


@dataclass(frozen=True)
class EnsembleChoice:
    """Members (trial numbers) with weights, and the out-of-fold score of their average."""

    trials: list[int]
    weights: list[float]
    score: float
    best_single: float


def select_ensemble(
    study: optuna.Study,
    oof_dir: Path,
    y: np.ndarray,
    rows: np.ndarray,
    metric: Metric,
    n_classes: int,
    *,
    max_predict_ms: float | None = None,
    row_weights: np.ndarray | None = None,
) -> EnsembleChoice | None:
    """Choose an ensemble of completed trials from their saved out-of-fold predictions.

    Args:
        study: The run's study.
        oof_dir: Where the workers saved ``trial_<n>.npy``.
        y: Labels (class codes) or targets of every row.
        rows: The rows every fold predicted (the search rows).
        metric: The run's metric.
        n_classes: Classes (0 for regression).
        max_predict_ms: Every member, the first included, is only added while the
            ensemble's estimated time to predict 1,000 rows stays within this (see
            :class:`PredictBudget`); ``None``: no limit.
        row_weights: Row weights (``fit --weight``) of every row, or ``None``.

    Returns:
        The ensemble, or ``None`` when fewer than two trials can take part or averaging does
        not beat the best single trial.
    """
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    maximize = metric.direction == "maximize"
    predictions = _candidates(ranked, oof_dir, rows)
    if len(predictions) < 2:
        return None
    labels, target = list(range(n_classes)), y[rows]
    scored_weights = None if row_weights is None else row_weights[rows]

    def score(prediction: np.ndarray) -> float:
        values = prediction if n_classes else prediction[:, 0]
        return score_predictions(metric, target, values, labels, scored_weights)

    budget = predict_budget(ranked, max_predict_ms)
    singles = {number: score(p) for number, p in predictions.items()}
    best_single = max(singles.values()) if maximize else min(singles.values())
    chosen, history = _greedy(predictions, score, budget, maximize=maximize)
    if not history:
        return None
    best_round = int(np.argmax(history) if maximize else np.argmin(history))
    chosen = chosen[: best_round + 1]  # the best prefix: later rounds may overfit
    current = history[best_round]
    counts = {n: chosen.count(n) for n in dict.fromkeys(chosen)}
    if len(counts) < 2 or not metric.better(current, best_single):
        return None
    trials = list(counts)
    weights = [counts[n] / len(chosen) for n in trials]
    logger.debug("ensemble %s weights %s: %.5g vs best single %.5g", trials, weights, current,
                 best_single)  # fmt: skip
    return EnsembleChoice(trials=trials, weights=weights, score=current, best_single=best_single)


def _candidates(ranked: list[Any], oof_dir: Path, rows: np.ndarray) -> dict[int, np.ndarray]:
    """The out-of-fold predictions (on ``rows``) of the trials that may take part, best
    first: the top :data:`CANDIDATES`, and at least :data:`PER_FAMILY` of each family; not
    the baseline, nor a trial whose predictions are missing or not finite."""
    predictions: dict[int, np.ndarray] = {}
    per_family: dict[str, int] = {}
    for trial in ranked:
        family = str(TrialResult.of(trial).family)
        top = len(predictions) < CANDIDATES
        if is_baseline(family) or not (top or per_family.get(family, 0) < PER_FAMILY):
            continue
        path = oof_file(oof_dir, trial.number)
        if path.is_file():
            oof = np.load(path)[rows]
            if np.isfinite(oof).all():
                predictions[trial.number] = oof
                per_family[family] = per_family.get(family, 0) + 1
    return predictions


def _greedy(predictions: dict[int, np.ndarray], score: Callable[[np.ndarray], float],
            budget: PredictBudget, *, maximize: bool) -> tuple[list[int], list[float]]:  # fmt: skip
    """Greedy selection with replacement for :data:`ROUNDS` rounds (at most
    :data:`MAX_MEMBERS` distinct members, each set within ``budget``): the members chosen in
    order, and the score after each round."""
    chosen: list[int] = []
    history: list[float] = []
    total = np.zeros_like(next(iter(predictions.values())))
    for _ in range(ROUNDS):
        pool = list(predictions) if len(set(chosen)) < MAX_MEMBERS else sorted(set(chosen))
        pool = [n for n in pool if n in chosen or budget.fits([*chosen, n])]
        if not pool:
            break  # no candidate predicts fast enough even alone
        scored = [(score((total + predictions[n]) / (len(chosen) + 1)), n) for n in pool]
        best_score, best_number = max(scored) if maximize else min(scored)
        chosen.append(best_number)
        history.append(best_score)
        total = total + predictions[best_number]
    return chosen, history


@dataclass(frozen=True)
class PredictBudget:
    """Estimated milliseconds to predict 1,000 rows for a set of trials, against a limit.

    Each trial measured its whole pipeline (preparing the raw rows, encoding, the model). The
    constant baseline's figure is taken as the shared part (``base``: preparation and
    encoding, done once for an ensemble); a member adds its own figure minus that (at least
    0.5 ms), times :data:`REFIT_GROWTH` for the larger refitted model. Trials fit while the
    estimate stays within :data:`PREDICT_MARGIN` of the limit (``allowed``; no limit: always).
    """

    base: float
    measured: dict[int, float]
    allowed: float

    def cost(self, number: int) -> float:
        """What one member adds to the shared part."""
        return REFIT_GROWTH * max(self.measured.get(number, 0.0) - self.base, 0.5)

    def estimate(self, numbers: list[int]) -> float:
        """The estimate for an ensemble of these trials (repeats count once)."""
        return self.base + sum(self.cost(n) for n in set(numbers))

    def fits(self, numbers: list[int]) -> bool:
        """Whether an ensemble of these trials is estimated within the limit."""
        return self.estimate(numbers) <= self.allowed


def predict_budget(trials: list[Any], max_predict_ms: float | None) -> PredictBudget:
    """The :class:`PredictBudget` of the trials' measured prediction times and a limit."""
    recorded = [TrialResult.of(t) for t in trials]
    measured = {
        r.number: r.predict_ms_per_1000 for r in recorded if r.predict_ms_per_1000 is not None
    }
    baseline = [
        measured[r.number] for r in recorded if is_baseline(r.family) and r.number in measured
    ]
    allowed = PREDICT_MARGIN * max_predict_ms if max_predict_ms else math.inf
    return PredictBudget(base=min(baseline) if baseline else 0.0, measured=measured,
                         allowed=allowed)  # fmt: skip


def score_members(
    oof_dir: Path,
    trials: list[int],
    weights: list[float],
    y: np.ndarray,
    rows: np.ndarray,
    metric: Metric,
    n_classes: int,
    row_weights: np.ndarray | None = None,
) -> float:
    """The out-of-fold score of a weighted average of trials (the members a refit kept),
    rows weighted by ``row_weights`` (of every row) if given."""
    total = sum(weights)
    average = sum(
        (w / total) * np.load(oof_file(oof_dir, n))[rows]
        for n, w in zip(trials, weights, strict=True)
    )
    prediction = np.asarray(average)
    values = prediction if n_classes else prediction[:, 0]
    chosen = None if row_weights is None else row_weights[rows]
    return score_predictions(metric, y[rows], values, list(range(n_classes)), chosen)


def ensemble_label(study: optuna.Study, trials: list[int]) -> list[str]:
    """``family#trial`` for each member, for reports."""
    by_number = {t.number: t for t in study.get_trials(deepcopy=False)}
    return [TrialResult.of(by_number[n]).label for n in trials]
