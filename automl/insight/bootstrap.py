"""The paired bootstrap over test rows: is one model's score really better than another's?

Both models' predictions on the same labelled rows are reduced to per-row values
(:class:`RowScores`); each resample draws the rows with replacement, the same rows for both
models, and recomputes both scores. The share of resamples in which the first model is ahead,
and a 95% percentile interval of the difference, say whether the difference is more than the
luck of which rows were tested. ``automl compare`` and the quality benchmark use it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "CLEARLY_AHEAD",
    "Paired",
    "RowScores",
    "Verdict",
    "paired_bootstrap",
    "row_scores",
    "verdict_of",
]

#: Paired bootstrap over test rows: resamples, and how many are drawn at once.
BOOTSTRAP_RESAMPLES = 2000
_CHUNK = 250
#: A model is clearly ahead of another when it is ahead in this share of resamples (a
#: one-sided test at the 5% level).
CLEARLY_AHEAD = 0.95
#: Probabilities are clipped here before a log loss, as automl's metric does.
_EPS = 1e-15

Verdict = Literal["better", "worse", "indistinguishable"]

#: Metrics whose score is the mean of a per-row value.
_ROW_MEANS = ("log_loss", "accuracy", "mae")


@dataclass(frozen=True)
class RowScores:
    """Predictions reduced to what a metric is computed from, row by row.

    Attributes:
        metric: The metric's name (automl's table).
        values: Per row: the positive class's score (``roc_auc``), minus the log of the true
            class's probability (``log_loss``), 1 if correct (``accuracy``), the squared error
            (``rmse``, ``r2``) or the absolute error (``mae``); for any other metric, the row's
            prediction (a row of probabilities, a label or a value), scored by ``scorer``.
        positive: Per row, whether it is of the positive class (``roc_auc``); the true value
            (``r2``); the true class code (other metrics with a ``scorer``).
        higher_is_better: The metric's direction.
        scorer: ``scorer(truth, predictions) -> score`` for metrics without a per-row form.
    """

    metric: str
    values: Any
    positive: Any = None
    higher_is_better: bool = True
    scorer: Callable[[Any, Any], float] | None = field(default=None, compare=False)

    def score(self) -> float:
        """The metric over all rows."""
        return float(self.resampled(np.arange(len(self.values))[None, :])[0])

    def resampled(self, rows: Any) -> Any:
        """The metric on each row of ``rows``, a matrix of positions (one resample a row)."""
        if self.scorer is not None:
            return np.array([self.scorer(self.positive[r], self.values[r]) for r in rows])
        values = self.values[rows]
        if self.metric == "rmse":
            return np.sqrt(values.mean(axis=1))
        if self.metric in _ROW_MEANS:
            return values.mean(axis=1)
        if self.metric == "r2":
            truth = self.positive[rows]
            spread = ((truth - truth.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                return 1.0 - values.sum(axis=1) / spread
        return _auc(self.positive[rows], values)


def _auc(positive: Any, scores: Any) -> Any:
    """ROC AUC of each row of two matrices, from ranks (ties share their mean rank); NaN for
    a row without both classes."""
    from scipy.stats import rankdata

    ranks = rankdata(scores, axis=1)
    n_positive = positive.sum(axis=1)
    n_negative = positive.shape[1] - n_positive
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * positive).sum(axis=1) - n_positive * (n_positive + 1) / 2) / (
            n_positive * n_negative
        )


def row_scores(metric: Any, y: Any, prediction: Any, labels: Sequence[Any]) -> RowScores:
    """Reduce one model's predictions of labelled rows to per-row values of ``metric``.

    Args:
        metric: An :class:`automl.metrics.Metric`.
        y: The true class codes ``0..K-1`` (classification) or values (regression).
        prediction: Probabilities, one column per class in ``labels`` order
            (classification), or predicted values (regression).
        labels: The class codes (``range(K)``), empty for regression.

    Returns:
        The per-row values.
    """
    higher = metric.direction == "maximize"
    y = np.asarray(y)
    prediction = np.asarray(prediction, dtype="float64")
    name = metric.name
    if name in ("rmse", "r2"):
        return RowScores(name, (y.astype("float64") - prediction) ** 2, y.astype("float64"),
                         higher)  # fmt: skip
    if name == "mae":
        return RowScores(name, np.abs(y.astype("float64") - prediction), None, higher)
    if name == "roc_auc" and len(labels) == 2:
        return RowScores(name, prediction[:, 1], y == 1, higher)
    if name == "log_loss":
        clipped = np.clip(prediction, _EPS, 1 - _EPS)
        clipped = clipped / clipped.sum(axis=1, keepdims=True)
        return RowScores(name, -np.log(clipped[np.arange(len(y)), y]), None, higher)
    if name == "accuracy":
        return RowScores(name, (np.argmax(prediction, axis=1) == y).astype("float64"), None, higher)
    from automl.metrics import score_predictions

    def scorer(truth: Any, predicted: Any) -> float:
        return score_predictions(metric, truth, predicted, list(labels))

    return RowScores(name, prediction, y, higher, scorer)


@dataclass(frozen=True)
class Paired:
    """One model against another by a paired bootstrap over test rows.

    Attributes:
        difference: The first model's score minus the other's (mean over splits), signed so
            that a positive value favours the first (for log loss, RMSE and MAE: the other's
            minus the first's).
        low: The 2.5th percentile of the resampled differences.
        high: The 97.5th percentile.
        ahead: The share of resamples in which the first model is ahead.
        behind: The share in which it is behind.
    """

    difference: float
    low: float
    high: float
    ahead: float
    behind: float = math.nan


def paired_bootstrap(
    pairs: Sequence[tuple[RowScores, RowScores]], *, resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> Paired:  # fmt: skip
    """Resample the test rows of each split with replacement, the same rows for both models,
    and average the signed difference over splits for each resample.

    Args:
        pairs: Per split (a seed of the benchmark, or one test file), the first and the
            other model's row scores on the same rows.
        resamples: How many resamples.
        seed: Seed of the resampling (fixed: the same predictions give the same figures).

    Returns:
        The observed difference, a 95% percentile interval and the shares of resamples with
        the first model ahead and behind. Resamples in which a score is undefined (ROC AUC of
        a single class) are left out.
    """
    rng = np.random.default_rng(seed)
    sign = 1.0 if pairs[0][0].higher_is_better else -1.0
    observed = statistics.fmean(sign * (a.score() - b.score()) for a, b in pairs)
    total = np.zeros(resamples)
    for mine, theirs in pairs:
        n = len(mine.values)
        for start in range(0, resamples, _CHUNK):  # bounded memory on big test sets
            rows = rng.integers(0, n, size=(min(_CHUNK, resamples - start), n))
            stop = start + len(rows)
            total[start:stop] += sign * (mine.resampled(rows) - theirs.resampled(rows))
    total = total[np.isfinite(total)] / len(pairs)
    if not len(total):
        return Paired(observed, math.nan, math.nan, math.nan, math.nan)
    low, high = np.percentile(total, [2.5, 97.5])
    return Paired(observed, float(low), float(high), float(np.mean(total > 0)),
                  float(np.mean(total < 0)))  # fmt: skip


def verdict_of(paired: Paired) -> Verdict:
    """``better`` when the first model is ahead in at least :data:`CLEARLY_AHEAD` of the
    resamples, ``worse`` when it is behind in that many, else ``indistinguishable``."""
    if paired.ahead >= CLEARLY_AHEAD:
        return "better"
    if paired.behind >= CLEARLY_AHEAD:
        return "worse"
    return "indistinguishable"
