"""Global importance of the user's input columns.

Two measures, chosen by what the model offers:

- ``mean_abs_contribution``: the mean over rows of a column's absolute contribution
  (:func:`automl.insight.contributions`), summed over the outputs (classes) of a multiclass
  model. Used when the contributions are exact Shapley values, or when no labels are given.
- ``permutation``: how much the model's score gets worse when a column's values are shuffled
  among the rows (scikit-learn's ``permutation_importance`` on the raw columns, so a column
  the encoders turned into many features is shuffled as one). Used when labels are given and
  the contributions are not exact (forests, HistGradientBoosting, ensembles of classifiers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.errors import DataError
from automl.insight.contributions import contributions

if TYPE_CHECKING:
    import pandas as pd

    from automl.models.predictor import Predictor

__all__ = ["Importance", "importance"]

#: Rows used at most; more are sampled (seeded) down to this many.
MAX_ROWS = 10_000
#: Shuffles per column for permutation importance.
N_REPEATS = 5


@dataclass(frozen=True, eq=False)
class Importance:
    """Importance per input column, most important first.

    Attributes:
        columns: Column names, most important first.
        values: Their importance: mean absolute contribution (in ``space``), or the mean
            loss of score when shuffled (in the metric's units).
        spread: Permutation only: the standard deviation over shuffles (else zeros).
        method: ``mean_abs_contribution`` or ``permutation``.
        space: The contributions' space, or the metric's name for permutation.
        exact: Whether the contributions behind it are exact Shapley values (``False`` for
            permutation importance).
        n_rows: Rows it was measured on.
    """

    columns: tuple[str, ...]
    values: np.ndarray
    spread: np.ndarray
    method: Literal["mean_abs_contribution", "permutation"]
    space: str
    exact: bool
    n_rows: int

    def as_dict(self) -> dict[str, float]:
        """``{column: importance}``, most important first."""
        return {c: float(v) for c, v in zip(self.columns, self.values, strict=True)}


def importance(
    predictor: Predictor,
    frame: pd.DataFrame,
    y: Any = None,
    *,
    seed: int,
    metric: str | None = None,
) -> Importance:
    """Global importance of each input column on the rows of ``frame``.

    Args:
        predictor: A saved model.
        frame: Raw rows (at most :data:`MAX_ROWS` are used, sampled with ``seed``).
        y: The true target of those rows, in the training label type; when given and the
            contributions are not exact, permutation importance is measured instead.
        seed: Seeds the row sample and the shuffles.
        metric: The metric for permutation importance (default: the task's default).

    Raises:
        DataError: ``frame`` lacks columns, or ``y`` has another number of rows.
        UsageError: An unknown metric, or a model automl cannot explain.
    """
    if y is not None and len(y) != len(frame):
        raise DataError(
            f"The target has {len(y)} values for {len(frame)} rows.",
            hint="Give one target value per row.",
        )
    rows = _sample(len(frame), seed)
    frame = frame.iloc[rows]
    y = None if y is None else np.asarray(y)[rows]
    found = contributions(predictor, frame)
    if found.exact or y is None:
        values = np.abs(found.values).mean(axis=0).sum(axis=0)
        return _ranked(found.columns, values, np.zeros_like(values),
                       "mean_abs_contribution", found.space, found.exact, len(frame))  # fmt: skip
    return _permutation(predictor, frame, y, seed=seed, metric=metric)


def _sample(n: int, seed: int) -> np.ndarray:
    if n <= MAX_ROWS:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=MAX_ROWS, replace=False))


def _permutation(
    predictor: Predictor, frame: pd.DataFrame, y: np.ndarray, *, seed: int, metric: str | None
) -> Importance:
    from sklearn.inspection import permutation_importance

    from automl.metrics import default_metric, get_metric, score_predictions

    task: Any = predictor.task
    chosen = get_metric(metric or default_metric(task), task)
    sign = 1.0 if chosen.direction == "maximize" else -1.0

    def scorer(model: Predictor, X: pd.DataFrame, target: np.ndarray) -> float:
        prediction = model.predict(X) if task == "regression" else model.predict_proba(X)
        return sign * score_predictions(chosen, target, prediction, model.labels)

    columns = list(predictor.features)
    result = permutation_importance(
        _Columns(predictor, columns),
        frame[columns],
        y,
        scoring=lambda m, X, t: scorer(m.predictor, X, t),
        n_repeats=N_REPEATS,
        random_state=seed,
        n_jobs=1,
    )
    return _ranked(tuple(columns), result.importances_mean, result.importances_std,
                   "permutation", chosen.name, False, len(frame))  # fmt: skip


class _Columns:
    """Hands scikit-learn the predictor with the columns it shuffles (it only scores it)."""

    def __init__(self, predictor: Predictor, columns: list[str]) -> None:
        self.predictor = predictor
        self.columns = columns

    def fit(self, X: Any, y: Any = None) -> _Columns:
        return self


def _ranked(
    columns: tuple[str, ...],
    values: np.ndarray,
    spread: np.ndarray,
    method: Literal["mean_abs_contribution", "permutation"],
    space: str,
    exact: bool,
    n_rows: int,
) -> Importance:
    order = np.argsort(-np.asarray(values), kind="stable")
    return Importance(
        columns=tuple(columns[i] for i in order),
        values=np.asarray(values)[order],
        spread=np.asarray(spread)[order],
        method=method,
        space=space,
        exact=exact,
        n_rows=n_rows,
    )
