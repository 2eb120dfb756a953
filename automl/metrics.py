"""automl's own metric table: name, direction, and how to score predictions.

scikit-learn has no scorer called ``rmse``, and its scorers do not take the full class list, so
the metrics are ours. Classification metrics take probabilities aligned to ``labels`` (the full
training class list), so a fold missing a class still scores correctly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.errors import UsageError

if TYPE_CHECKING:
    from automl.data.target import Task

__all__ = ["METRICS", "Metric", "default_metric", "get_metric", "score_predictions"]

Direction = Literal["maximize", "minimize"]


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes:
        name: The ``--metric`` name.
        direction: Whether larger is better.
        tasks: The tasks it applies to.
        needs_proba: Whether it scores probabilities (else predicted labels or values).
        score: ``score(y_true, prediction, labels, weights=None)``; ``prediction`` is a
            probability matrix with one column per label for ``needs_proba`` metrics, else
            labels or values; ``weights``, if given, weigh the rows (``fit --weight``).
    """

    name: str
    direction: Direction
    tasks: tuple[str, ...]
    needs_proba: bool
    score: Callable[..., float]

    def better(self, a: float, b: float) -> bool:
        """Whether score ``a`` is strictly better than ``b``."""
        return a > b if self.direction == "maximize" else a < b


def _roc_auc(y: np.ndarray, proba: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    from sklearn.metrics import roc_auc_score

    if len(labels) == 2:
        positive = np.asarray(y) == labels[1]
        if positive.all() or not positive.any():
            return float("nan")
        return float(roc_auc_score(positive, proba[:, 1], sample_weight=weights))
    present = np.isin(np.asarray(labels), np.asarray(y))
    if present.sum() < 2:
        return float("nan")
    sub = proba[:, present]
    sub = sub / np.clip(sub.sum(axis=1, keepdims=True), 1e-15, None)
    return float(
        roc_auc_score(
            y, sub, multi_class="ovr", average="macro", labels=np.asarray(labels)[present],
            sample_weight=weights,
        )
    )  # fmt: skip


def _log_loss(
    y: np.ndarray, proba: np.ndarray, labels: Sequence[Any], weights: Any = None
) -> float:
    from sklearn.metrics import log_loss

    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    return float(log_loss(y, clipped, labels=list(labels), sample_weight=weights))


def _accuracy(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    return float(np.average(np.asarray(y) == np.asarray(pred), weights=weights))


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any],
                       weights: Any = None) -> float:  # fmt: skip
    from sklearn.metrics import balanced_accuracy_score

    return float(balanced_accuracy_score(y, pred, sample_weight=weights))


def _f1(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    from sklearn.metrics import f1_score

    if len(labels) == 2:
        return float(f1_score(y, pred, pos_label=labels[1], labels=list(labels), zero_division=0,
                              sample_weight=weights))  # fmt: skip
    return float(f1_score(y, pred, average="macro", labels=list(labels), zero_division=0,
                          sample_weight=weights))  # fmt: skip


def _rmse(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    diff = np.asarray(y, dtype="float64") - np.asarray(pred, dtype="float64")
    return float(np.sqrt(np.average(diff**2, weights=weights)))


def _mae(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    diff = np.asarray(y, dtype="float64") - np.asarray(pred, dtype="float64")
    return float(np.average(np.abs(diff), weights=weights))


def _r2(y: np.ndarray, pred: np.ndarray, labels: Sequence[Any], weights: Any = None) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, pred, sample_weight=weights))


_CLASSIFICATION = ("binary", "multiclass")
METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("roc_auc", "maximize", _CLASSIFICATION, True, _roc_auc),
        Metric("log_loss", "minimize", _CLASSIFICATION, True, _log_loss),
        Metric("accuracy", "maximize", _CLASSIFICATION, False, _accuracy),
        Metric("balanced_accuracy", "maximize", _CLASSIFICATION, False, _balanced_accuracy),
        Metric("f1", "maximize", _CLASSIFICATION, False, _f1),
        Metric("rmse", "minimize", ("regression",), False, _rmse),
        Metric("mae", "minimize", ("regression",), False, _mae),
        Metric("r2", "maximize", ("regression",), False, _r2),
    )
}

_DEFAULTS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}


def default_metric(task: Task) -> str:
    """The default metric of a task (the AutoML Benchmark's choices)."""
    return _DEFAULTS[task]


def get_metric(name: str, task: Task) -> Metric:
    """Return a metric by name, checking that it suits the task.

    Raises:
        UsageError: Unknown metric, or one for another task.
    """
    metric = METRICS.get(name)
    if metric is None:
        raise UsageError(f"Unknown metric {name!r}.", hint=f"Choose one of: {', '.join(METRICS)}.")
    if task not in metric.tasks:
        suitable = [m.name for m in METRICS.values() if task in m.tasks]
        raise UsageError(
            f"Metric {name!r} does not apply to a {task} task.",
            hint=f"For {task}, choose one of: {', '.join(suitable)}.",
        )
    return metric


def score_predictions(
    metric: Metric,
    y: np.ndarray,
    proba_or_pred: np.ndarray,
    labels: Sequence[Any],
    weights: np.ndarray | None = None,
) -> float:
    """Score ``proba_or_pred`` (probabilities for classification, values for regression),
    rows weighted by ``weights`` if given (``fit --weight``).

    For label metrics on classification, the predicted label is the most probable class.
    """
    if metric.needs_proba or not labels:
        return float(metric.score(y, proba_or_pred, labels, weights))
    predicted = np.asarray(labels)[np.argmax(proba_or_pred, axis=1)]
    return float(metric.score(np.asarray(y), predicted, labels, weights))
