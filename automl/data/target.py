"""Analyse the target column: the task it implies, its classes and their balance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.data._parsing import parse_number_text
from automl.data.columns import MISSING_MARKERS, ColumnProfile
from automl.errors import DataError
from automl.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_CLASSES_FOR_INTEGERS", "TargetProfile", "Task", "analyse_target", "target_values"]

Task = Literal["binary", "multiclass", "regression"]
Label = str | int | float | bool

#: An integer target with more distinct values than this is taken as a regression target.
MAX_CLASSES_FOR_INTEGERS = 20


@dataclass(frozen=True)
class TargetProfile:
    """What the profile found in the target column.

    Attributes:
        name: The target column.
        task: The task the values imply.
        reason: Why, in a few words.
        n_missing: Rows without a target; ``fit`` drops them.
        classes: For classification, ``[label, count]`` pairs in sorted label order.
        positive_class: For binary tasks, the last label in sorted order.
        stats: For regression, min, max, mean, std and skewness.
    """

    name: str
    task: Task
    reason: str
    n_missing: int
    classes: list[list[Any]] = field(default_factory=list)
    positive_class: Label | None = None
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> list[Label]:
        """The class labels in sorted order (empty for regression)."""
        return [label for label, _ in self.classes]


def target_values(column: pd.Series, profile: ColumnProfile) -> pd.Series:
    """Return the target as model labels: numbers, or stripped text, with missing as NA.

    Whole-number floats become integers, so that ``1.0`` and ``1`` are one class.

    Args:
        column: The target column as read.
        profile: Its column profile.

    Returns:
        The labels, same index as ``column``.
    """
    import pandas as pd

    if pd.api.types.is_bool_dtype(column):
        return column.astype("boolean")
    if pd.api.types.is_numeric_dtype(column) or profile.parse == "number":
        if pd.api.types.is_numeric_dtype(column):
            numbers = column.astype("float64")
        else:
            text = column.astype("str").str.strip()
            numbers = parse_number_text(
                text.where(~text.isin(MISSING_MARKERS)), profile.parse_options
            )
        present = numbers.dropna().to_numpy()
        exact = bool(np.all(np.isfinite(present))) and bool(np.all(np.abs(present) < 2.0**53))
        if len(present) and exact and bool(np.all(np.mod(present, 1.0) == 0.0)):
            return numbers.astype("Int64")
        return numbers
    text = column.astype("str").str.strip()
    return text.where(column.notna() & ~text.isin(MISSING_MARKERS))


def analyse_target(column: pd.Series, profile: ColumnProfile, *, source: str) -> TargetProfile:
    """Infer the task from the target's values and summarise them.

    Args:
        column: The target column as read.
        profile: Its column profile.
        source: The file name, for messages.

    Returns:
        The target profile.

    Raises:
        DataError: The target has no values at all, a single distinct value, or (for
            regression) an infinite value.
    """
    name = str(column.name)
    labels = target_values(column, profile)
    present = labels.dropna()
    n_missing = int(len(labels) - len(present))
    if present.empty:
        raise DataError(
            f"Target column {name!r} in {source} is empty: "
            f"{'its only value is' if len(labels) == 1 else f'all {len(labels):,} values are'} "
            "missing.",
            hint="Choose another --target, or fill in the target values.",
        )
    counts = present.value_counts().sort_index()
    if len(counts) == 1:
        raise DataError(
            f"Target column {name!r} in {source} has a single value, {_native(counts.index[0])!r}, "
            f"in {'the only row' if len(present) == 1 else f'all {len(present):,} rows'} with a "
            "target: there is nothing to learn.",
            hint="Check that you chose the right --target column.",
        )
    task, reason = _task_of(present, n_distinct=len(counts))
    if task == "regression":
        stats = _regression_stats(present, name=name, source=source)
        return TargetProfile(name, task, reason, n_missing, stats=stats)
    classes = [[_native(label), int(count)] for label, count in counts.items()]
    positive = classes[-1][0] if task == "binary" else None
    return TargetProfile(name, task, reason, n_missing, classes=classes, positive_class=positive)


def _task_of(present: pd.Series, *, n_distinct: int) -> tuple[Task, str]:
    """The task the target's values call for, and why."""
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(present) and not pd.api.types.is_bool_dtype(present)
    integral = pd.api.types.is_integer_dtype(present)
    if numeric and not integral:
        return "regression", "decimal numbers"
    if numeric and n_distinct > MAX_CLASSES_FOR_INTEGERS:
        return "regression", f"{n_distinct} distinct integers (more than 20)"
    if n_distinct == 2:
        return "binary", "2 distinct values"
    kind = "integer " if numeric else ""
    return "multiclass", f"{n_distinct} distinct {kind}values"


def _regression_stats(present: pd.Series, *, name: str, source: str) -> dict[str, float]:
    """A regression target's range, mean, spread and skew.

    Raises:
        DataError: A value is infinite.
    """
    import pandas as pd

    values = present.to_numpy(dtype="float64")
    n_infinite = int((~np.isfinite(values)).sum())
    if n_infinite:
        raise DataError(
            f"Target column {name!r} in {source} has {plural(n_infinite, 'infinite value')}; "
            "a regression target must be finite.",
            hint="Remove or correct those rows.",
        )
    with np.errstate(all="ignore"):
        return {
            "min": float(values.min()),
            "max": float(values.max()),
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)),
            "skew": float(pd.Series(values).skew()),  # type: ignore[arg-type]
        }


def _native(value: Any) -> Label:
    """A label as a plain Python value (JSON cannot hold numpy scalars)."""
    if isinstance(value, np.generic):
        return value.item()
    return value
