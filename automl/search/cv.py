"""Cross-validation of one configuration: each fold's encoder and model fitted within the
trial's share of the time, fold scores reported for pruning, out-of-fold predictions kept,
the prediction time measured."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from automl.features.pipeline import build_encoder, build_pipeline
from automl.metrics import Metric, score_predictions
from automl.models.base import ModelFamily
from automl.models.target import with_transform
from automl.search import budget

if TYPE_CHECKING:
    import numpy.typing as npt
    import pandas as pd

    from automl.search.dataset import TrainingData

__all__ = ["DeadlineReached", "Evaluation", "evaluate", "measure_predict_ms"]

PREDICT_BATCH = 1000


class RawModel(Protocol):
    """A fitted model taking raw rows: a pipeline, or an ensemble of them."""

    def predict(self, X: pd.DataFrame) -> npt.NDArray[Any]: ...

    def predict_proba(self, X: pd.DataFrame) -> npt.NDArray[Any]: ...


class DeadlineReached(RuntimeError):
    """The search's time ran out before the trial's folds were done."""


@dataclass(frozen=True)
class Evaluation:
    """Cross-validation results of one configuration."""

    fold_scores: list[float]
    oof: np.ndarray
    fit_seconds: float
    n_iterations: int | None
    predict_ms_per_1000: float

    @property
    def mean(self) -> float:
        """Mean fold score."""
        return float(np.mean(self.fold_scores))

    @property
    def std(self) -> float:
        """Standard deviation of the fold scores."""
        return float(np.std(self.fold_scores))


def evaluate(
    family: ModelFamily,
    params: dict[str, Any],
    data: TrainingData,
    metric: Metric,
    *,
    n_threads: int,
    seed: int,
    deadline: float | None,
    report: Callable[[int, float], None] | None = None,
    target_transform: str = "none",
) -> Evaluation:
    """Cross-validate one configuration on the search rows.

    Args:
        family: The model family.
        params: Its parameters.
        data: The training data with its folds.
        metric: The metric.
        n_threads: Threads per model.
        seed: Seed for the models.
        deadline: ``time.monotonic()`` seconds when time is up.
        report: Called with ``(fold, running mean)`` after each fold; may raise to prune.
        target_transform: ``none``, or ``log`` to fit regression models on ``log1p(y)``
            (scores stay on the original scale).

    Returns:
        Fold scores, out-of-fold predictions, timings.

    Raises:
        DeadlineReached: Time ran out before the last fold.
        ValueError: A fold score is NaN (the trial fails).
    """
    fit = functools.partial(_fit_fold, family, params, data, n_threads=n_threads,
                            target_transform=target_transform)  # fmt: skip
    folds = _cross_validate(fit, data, metric, seed=seed, deadline=deadline, report=report)
    pipeline = build_pipeline(data.profile, family, folds.model, params)
    pipeline.steps[1] = ("encode", folds.encoder)
    predict_ms = measure_predict_ms(pipeline, data.raw, classification=data.task != "regression")
    return Evaluation(
        fold_scores=folds.scores,
        oof=folds.oof,
        fit_seconds=folds.fit_seconds,
        n_iterations=int(np.mean(folds.iterations)) if folds.iterations else None,
        predict_ms_per_1000=predict_ms,
    )


@dataclass
class _Folds:
    """What the folds gave: scores, out-of-fold predictions, fit time, boosting iterations,
    and the last fold's encoder and model (for the prediction time)."""

    scores: list[float]
    oof: np.ndarray
    fit_seconds: float
    iterations: list[int]
    encoder: Any
    model: Any


def _cross_validate(
    fit: Callable[..., tuple[Any, Any]],
    data: TrainingData,
    metric: Metric,
    *,
    seed: int,
    deadline: float | None,
    report: Callable[[int, float], None] | None,
) -> _Folds:
    """Fit (``fit(train, seed=..., deadline=...)``, a :func:`_fit_fold`) and score each fold
    in turn (see :func:`evaluate`)."""
    classification = data.task != "regression"
    width = data.n_classes if classification else 1
    folds = _Folds([], np.full((len(data.y), width), np.nan), 0.0, [], None, None)
    n_folds = len(data.folds)
    started_trial = time.monotonic()
    ends = budget.trial_end(deadline, started_trial)
    for k, (train, valid) in enumerate(data.folds):
        _check_time(deadline, fit_seconds=folds.fit_seconds, done=k, n_folds=n_folds)
        started = time.perf_counter()
        folds.encoder, folds.model = fit(
            train, seed=seed + k,
            deadline=lambda k=k: budget.fold_end(
                started_trial, ends, deadline, fold=k, n_folds=n_folds
            ),
        )  # fmt: skip
        folds.fit_seconds += time.perf_counter() - started
        prediction = _predict(
            folds.model, folds.encoder.transform(data.prepared.iloc[valid]), classification
        )
        folds.oof[valid] = prediction
        folds.scores.append(_fold_score(metric, data, valid, prediction, fold=k))
        if getattr(folds.model, "n_iterations_", None) is not None:
            folds.iterations.append(int(folds.model.n_iterations_))
        if report is not None:
            report(k, float(np.mean(folds.scores)))
    assert folds.encoder is not None and folds.model is not None
    return folds


def _fit_fold(family: ModelFamily, params: dict[str, Any], data: TrainingData, train: np.ndarray,
              *, n_threads: int, seed: int, target_transform: str,
              deadline: Callable[[], float | None]) -> tuple[Any, Any]:  # fmt: skip
    """A fold's encoder and model, fitted on its training rows (the model until the time
    ``deadline()`` gives once the encoder is fitted)."""
    encoder = build_encoder(data.profile, family, params)
    X_train = encoder.fit_transform(data.prepared.iloc[train])
    model = family.build(
        params, task=data.task, n_classes=data.n_classes, n_threads=n_threads, seed=seed
    )
    model = with_transform(model, target_transform)
    weights = None if data.weights is None else data.weights[train]
    model.fit(X_train, data.y[train], deadline=deadline(), sample_weight=weights)
    return encoder, model


def _fold_score(metric: Metric, data: TrainingData, valid: np.ndarray, prediction: np.ndarray,
                *, fold: int) -> float:  # fmt: skip
    """The fold's score on its validation rows.

    Raises:
        ValueError: The score is NaN (the trial fails).
    """
    classification = data.task != "regression"
    values = prediction if classification else prediction[:, 0]
    weights = None if data.weights is None else data.weights[valid]
    score = score_predictions(metric, data.y[valid], values, list(range(data.n_classes)), weights)
    if not np.isfinite(score):
        raise ValueError(f"fold {fold + 1} score is {score} (a fold without every class?)")
    return score


def _check_time(deadline: float | None, *, fit_seconds: float, done: int, n_folds: int) -> None:
    """Raise :class:`DeadlineReached` when the folds left cannot finish before ``deadline``
    (:func:`automl.search.budget.folds_fit`)."""
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if not budget.folds_fit(left, fit_seconds=fit_seconds, done=done, n_folds=n_folds):
        raise DeadlineReached(
            f"deadline: {n_folds - done} of {n_folds} folds left, {max(left, 0):.0f} s to go"
        )


def _predict(model: Any, X: Any, classification: bool) -> np.ndarray:
    """Probabilities (classification) or one column of predictions (regression)."""
    if classification:
        return np.asarray(model.predict_proba(X))
    return np.asarray(model.predict(X)).reshape(-1, 1)


def measure_predict_ms(
    model: RawModel, raw: pd.DataFrame, *, classification: bool, repeats: int = 1
) -> float:
    """Milliseconds to predict a batch of 1,000 raw rows (repeated rows if fewer).

    With ``repeats`` above 1, one warm-up call comes first and the median is returned (the
    saved model's figure); a trial's figure is a single call.
    """
    batch = raw.iloc[np.arange(PREDICT_BATCH) % len(raw)]
    predict = model.predict_proba if classification else model.predict
    if repeats > 1:
        predict(batch)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict(batch)
        timings.append((time.perf_counter() - started) * 1000.0)
    return float(np.median(timings))
