"""The drift reference: what the training data and the model's out-of-fold predictions looked
like, summarised per column without keeping a row (``reference.json`` in the run folder).

Per input column: its role, dtype, importance weight and :class:`~automl.monitor.summary.Summary`
(missing rate, bins, range, levels; text columns by their length, dates as seconds); the
out-of-fold predictions' summary (the positive class's probability, the predicted class, or
the predicted value). About 2 KB per column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError
from automl.monitor.summary import Summary, summarise

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile

__all__ = [
    "REFERENCE_VERSION",
    "ColumnReference",
    "Reference",
    "build_reference",
    "column_values",
    "prediction_values",
]

#: The version of ``reference.json`` this automl writes and reads.
REFERENCE_VERSION = 1


@dataclass(frozen=True)
class ColumnReference:
    """One input column of the reference.

    Attributes:
        name: The column as in the training file.
        role: Its role in the profile (``numeric``, ``categorical``, ``text``...).
        dtype: Its dtype as read.
        weight: Its importance, scaled so that the most important column has 1.
        summary: Its distribution (text: its length in characters; dates: seconds).
    """

    name: str
    role: str
    dtype: str
    weight: float
    summary: Summary

    def to_dict(self) -> dict[str, Any]:
        """As ``reference.json`` keeps it."""
        return {"name": self.name, "role": self.role, "dtype": self.dtype,
                "weight": self.weight, **self.summary.to_dict()}  # fmt: skip


@dataclass(frozen=True)
class Reference:
    """``reference.json`` as read back.

    Attributes:
        task: The run's task.
        labels: Its class labels (empty for regression).
        n_rows: Training rows summarised.
        weights_source: How the weights were measured: ``mean_abs_contribution``,
            ``permutation`` or ``equal``.
        columns: One entry per model input, in the model's order.
        prediction: The out-of-fold predictions' summary, or ``None`` if none were saved.
        prediction_kind: What ``prediction`` summarises (``probability``, ``class``, ``value``).
    """

    task: str
    labels: list[Any]
    n_rows: int
    weights_source: str
    columns: tuple[ColumnReference, ...]
    prediction: Summary | None
    prediction_kind: str
    version: int = REFERENCE_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> ColumnReference:
        """The column called ``name`` (``KeyError`` if absent)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """The document written to ``reference.json``."""
        return {
            "schema_version": self.version,
            "task": self.task,
            "labels": self.labels,
            "n_rows": self.n_rows,
            "weights_source": self.weights_source,
            "columns": [c.to_dict() for c in self.columns],
            "prediction_kind": self.prediction_kind,
            "prediction": None if self.prediction is None else self.prediction.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "the reference") -> Reference:
        """Read a ``reference.json`` document.

        Raises:
            DataError: It was written by a newer automl.
        """
        version = int(data.get("schema_version") or 1)
        if version > REFERENCE_VERSION:
            raise DataError(
                f"{where} has schema_version {version}; this automl reads up to "
                f"{REFERENCE_VERSION}.",
                hint="Upgrade automl, or rebuild it: automl drift --rebuild-reference TRAIN.csv.",
            )
        columns = tuple(
            ColumnReference(name=c["name"], role=c["role"], dtype=c.get("dtype", ""),
                            weight=float(c.get("weight", 1.0)), summary=Summary.from_dict(c))
            for c in data["columns"]
        )  # fmt: skip
        prediction = data.get("prediction")
        return cls(
            task=str(data.get("task", "")), labels=list(data.get("labels") or []),
            n_rows=int(data.get("n_rows") or 0),
            weights_source=str(data.get("weights_source", "equal")), columns=columns,
            prediction=None if prediction is None else Summary.from_dict(prediction),
            prediction_kind=str(data.get("prediction_kind", "")), version=version,
        )  # fmt: skip


def column_values(series: pd.Series, role: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """A prepared column (:func:`automl.data.prepare_frame`) as the summaries read it.

    Returns:
        ``(values, missing, categorical)``: floats (numbers, booleans; text as its length;
        dates as seconds) or text (categories), which values are missing, and whether they
        are levels.
    """
    import pandas as pd

    missing = series.isna().to_numpy()
    if role == "categorical":
        return series.astype(object).to_numpy(), missing, True
    if role == "text":
        lengths = series.astype("string").str.len().astype("float64").to_numpy(na_value=np.nan)
        return lengths, missing, False
    if role == "datetime" or pd.api.types.is_datetime64_any_dtype(series):
        stamps = pd.to_datetime(series, errors="coerce")
        seconds = stamps.astype("int64").to_numpy().astype(float) / 1e6
        missing = stamps.isna().to_numpy()
        return np.where(missing, np.nan, seconds), missing, False
    numbers = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy()
    return numbers, np.isnan(numbers), False


def prediction_values(
    predictions: np.ndarray, task: str, labels: list[Any]
) -> tuple[np.ndarray, str]:
    """The values whose drift is watched: the positive class's probability (binary), the
    predicted class (multiclass), the predicted value (regression).

    Args:
        predictions: Probabilities ``(rows, classes)``, or values ``(rows,)`` / ``(rows, 1)``.
        task: The run's task.
        labels: The class labels.
    """
    predictions = np.asarray(predictions, dtype=float)
    if task == "binary":
        return predictions[:, -1], "probability"
    if task == "multiclass":
        return np.asarray([str(labels[i]) for i in np.argmax(predictions, axis=1)],
                          dtype=object), "class"  # fmt: skip
    return predictions.reshape(len(predictions), -1)[:, 0], "value"


def build_reference(
    prepared: pd.DataFrame,
    profile: Profile,
    *,
    task: str,
    labels: list[Any],
    predictions: np.ndarray | None,
    weights: dict[str, float] | None = None,
    weights_source: str = "equal",
) -> Reference:
    """Summarise the training data and the out-of-fold predictions.

    Args:
        prepared: The training rows after the profile's conversions, one column per feature.
        profile: The training profile (roles, dtypes).
        task: The run's task.
        labels: Its class labels.
        predictions: The saved model's out-of-fold predictions on training rows, if any.
        weights: Importance per column (any scale; scaled to a maximum of 1); ``None``: equal.
        weights_source: How ``weights`` were measured.
    """
    top = max((abs(v) for v in (weights or {}).values()), default=0.0)
    columns = []
    for column in profile.features:
        values, missing, categorical = column_values(prepared[column.name], column.role)
        weight = 1.0 if not weights or top <= 0 else abs(weights.get(column.name, 0.0)) / top
        columns.append(ColumnReference(
            name=column.name, role=column.role, dtype=column.dtype, weight=round(weight, 6),
            summary=summarise(values, missing, categorical=categorical),
        ))  # fmt: skip
    prediction, kind = None, ""
    if predictions is not None and len(predictions):
        values, kind = prediction_values(predictions, task, labels)
        missing = np.zeros(len(values), dtype=bool)
        prediction = summarise(values, missing, categorical=kind == "class")
    return Reference(
        task=task, labels=list(labels), n_rows=len(prepared),
        weights_source=weights_source if weights and top > 0 else "equal",
        columns=tuple(columns), prediction=prediction, prediction_kind=kind,
    )  # fmt: skip
