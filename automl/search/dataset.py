"""The rows and labels a search trains on, derived the same way by every process of a run.

The coordinating ``fit`` and each worker (local or on another machine) call
:func:`training_data` on the same file with the same options, so they agree on rows, labels,
holdout and folds without shipping data between them.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.data.prepare import prepare_frame
from automl.data.target import target_values
from automl.errors import DataError, UsageError
from automl.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile
    from automl.data.target import Task

__all__ = ["DataSpec", "TrainingData", "row_weights", "search_profile", "training_data"]

logger = logging.getLogger(__name__)

#: Above this many search rows, the default is 3 folds instead of 5.
_BIG_DATA_ROWS = 10_000


@dataclass(frozen=True)
class DataSpec:
    """The options that decide which rows and labels a run uses."""

    target: str
    task: str = "auto"
    pos_label: str | None = None
    ignore: tuple[str, ...] = ()
    group: str | None = None
    time: str | None = None
    holdout: float | None = None
    cv: int | None = None
    seed: int = 0
    weight: str | None = None


@dataclass(frozen=True)
class TrainingData:
    """Rows with a target, prepared, with labels and the row split.

    Attributes:
        raw: The rows as read (target dropped), for pipelines that start from raw data.
        prepared: ``raw`` after the profile's conversions (computed once, reused by folds).
        y: Class codes ``0..K-1`` for classification, floats for regression.
        labels: Class labels in code order (the positive class last for binary).
        task: The task.
        profile: The profile of the search (ignored columns removed).
        search_rows: Positions of the rows the search uses.
        holdout_rows: Positions of the held-out rows (empty without ``--holdout``).
        folds: ``(train, valid)`` positions within ``search_rows``.
        notes: What was dropped or changed, for the user.
        weights: Each row's weight (``fit --weight``), or ``None``.
    """

    raw: pd.DataFrame
    prepared: pd.DataFrame
    y: np.ndarray
    labels: list[Any]
    task: Task
    profile: Profile
    search_rows: np.ndarray
    holdout_rows: np.ndarray
    folds: list[tuple[np.ndarray, np.ndarray]]
    notes: tuple[str, ...] = ()
    weights: np.ndarray | None = None

    @property
    def target(self) -> str:
        """The target column's name."""
        return self.profile.target.name if self.profile.target else ""

    @property
    def n_classes(self) -> int:
        """Number of classes (0 for regression)."""
        return len(self.labels)

    @functools.cached_property
    def validated_rows(self) -> np.ndarray:
        """The rows some fold validated (every fold's out-of-fold predictions cover them)."""
        return np.unique(np.concatenate([valid for _, valid in self.folds]))

    @functools.cached_property
    def log_target_allowed(self) -> bool:
        """Whether the search tries fitting on ``log1p(y)`` (a skewed, non-negative
        regression target; see :mod:`automl.models.target`)."""
        from automl.models.target import log_target_allowed

        return self.task == "regression" and log_target_allowed(self.y[self.search_rows])


def search_profile(profile: Profile, spec: DataSpec) -> Profile:
    """The profile with ``--ignore``, ``--group`` and ``--weight`` columns taken out of the
    features.

    Raises:
        NotFoundError: An ignored, group or time column does not exist.
    """
    import pandas as pd

    from automl.data.columns import ColumnProfile
    from automl.data.profile import find_column

    names = [c.name for c in profile.columns]
    empty = pd.DataFrame(columns=names)
    for name, what in [*((n, "--ignore column") for n in spec.ignore),
                       (spec.group, "--group column"), (spec.time, "--time column"),
                       (spec.weight, "--weight column")]:  # fmt: skip
        if name:
            find_column(empty, name, source=profile.source, what=what)
    dropped = {*spec.ignore, *(c for c in (spec.group, spec.weight) if c)}
    columns: list[ColumnProfile] = [
        replace(c, role="constant", reason="ignored by option") if c.name in dropped else c
        for c in profile.columns
    ]
    return replace(profile, columns=tuple(columns))


def training_data(frame: pd.DataFrame, profile: Profile, spec: DataSpec) -> TrainingData:
    """Derive rows, labels, holdout and folds from a table and its profile.

    Args:
        frame: The table as read.
        profile: Its profile, made with ``spec.target`` as the target.
        spec: The run's data options.

    Returns:
        The training data.

    Raises:
        DataError: The target does not suit the task, too few rows remain, or no column is
            left to learn from.
        UsageError: ``--pos-label`` is not a class.
    """
    target = profile.target
    if target is None:  # the profile could not analyse it: a file with a single data row
        raise DataError(
            f"Only {profile.n_rows} row(s) in {profile.source}; at least 10 rows with a target "
            "are needed.",
            hint="Add rows, or check the --target column.",
        )
    assert target.name == spec.target
    notes: list[str] = []
    profile = search_profile(profile, spec)
    if not profile.features:
        raise _no_features(profile, target.name)
    task: Task = target.task if spec.task == "auto" else spec.task  # type: ignore[assignment]
    y_all, labels, keep = _labels(frame, profile, spec, task, notes)
    rows = np.flatnonzero(keep)
    raw = frame.iloc[rows].drop(columns=[spec.target]).reset_index(drop=True)
    y = y_all[rows]
    if len(y) < 10:
        raise DataError(
            f"Only {plural(len(y), 'row')} with a target in {profile.source}; at least 10 are "
            "needed.",
            hint="Add rows, or check the --target column.",
        )
    weights = None if spec.weight is None else row_weights(frame, spec.weight, rows, profile)
    prepared = prepare_frame(raw, profile)
    search_rows, holdout_rows = _holdout_split(raw, y, task, spec)
    folds, k_note = _folds(raw, y, search_rows, task, spec)
    if k_note:
        notes.append(k_note)
    return TrainingData(
        raw=raw,
        prepared=prepared,
        y=y,
        labels=labels,
        task=task,
        profile=profile,
        search_rows=search_rows,
        holdout_rows=holdout_rows,
        folds=folds,
        notes=tuple(notes),
        weights=weights,
    )


def row_weights(frame: pd.DataFrame, column: str, rows: np.ndarray,
                profile: Profile) -> np.ndarray:  # fmt: skip
    """The ``--weight`` column's values on the kept ``rows``.

    Raises:
        DataError: A weight is missing, not a number or negative, or they are all zero (exit
            3), naming the rows (data rows counted from 1, the header not counted) and values.
    """
    import pandas as pd

    values = frame[column].iloc[rows]
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    missing = values.isna().to_numpy()
    why = np.where(missing, "missing", np.where(~np.isfinite(numbers), "not a number",
                                                np.where(numbers < 0, "negative", "")))  # fmt: skip
    bad = np.flatnonzero(why != "")
    if len(bad):
        shown = "; ".join(
            f"data row {int(rows[i]) + 1}: {values.iloc[i]!r} ({why[i]})" for i in bad[:10]
        )
        more = f"; and {len(bad) - 10} more" if len(bad) > 10 else ""
        raise DataError(
            f"--weight column {column!r} of {profile.source} has {plural(len(bad), 'bad weight')}"
            f": {shown}{more}.",
            hint="Weights must be numbers of 0 or more in every row with a target; fix or drop "
            "those rows.",
        )
    if not numbers.sum() > 0:
        raise DataError(f"--weight column {column!r} of {profile.source} is 0 in every row.",
                        hint="Give some rows a positive weight.")  # fmt: skip
    return numbers


def _labels(frame: pd.DataFrame, profile: Profile, spec: DataSpec, task: Task,
            notes: list[str]) -> tuple[np.ndarray, list[Any], np.ndarray]:  # fmt: skip
    """The target of every row (codes or values), the class labels, and which rows to keep
    (those with a target, of a class with enough rows); notes for what was dropped."""
    labels_series = target_values(frame[spec.target], profile.column(spec.target))
    keep = labels_series.notna().to_numpy()
    if (~keep).any():
        notes.append(f"Dropped {plural(int((~keep).sum()), 'row')} without a target value.")
    if task == "regression":
        y_all, labels = _regression_target(labels_series, spec.target)
    else:
        y_all, labels, keep, more = _class_target(labels_series, keep, task, spec)
        notes += more
    return y_all, labels, keep


def _no_features(profile: Profile, target: str) -> DataError:
    """The error for a table whose columns, but for the target, are all left out."""
    others = [c for c in profile.columns if c.name != target]
    if not others:
        return DataError(
            f"{profile.source} has no feature columns: its only column is the target {target!r}.",
            hint="Add the columns that describe each row; a model needs inputs to learn from.",
        )
    shown = ", ".join(f"{c.name!r} ({c.role}: {c.reason})" for c in others[:10])
    more = f" and {len(others) - 10} more" if len(others) > 10 else ""
    return DataError(
        f"{profile.source} has no feature columns: besides the target {target!r}, every column "
        f"is left out: {shown}{more}.",
        hint="Identifiers and constant columns carry nothing to learn from; give columns that "
        "describe each row, or drop --ignore / --group for some of them.",
    )


def _regression_target(labels: pd.Series, name: str) -> tuple[np.ndarray, list[Any]]:
    import pandas as pd

    if not pd.api.types.is_numeric_dtype(labels) or pd.api.types.is_bool_dtype(labels):
        sample = labels.dropna().head(3).tolist()
        raise DataError(
            f"Target column {name!r} holds text such as {sample!r}; regression needs numbers.",
            hint="Use --task binary or multiclass, or choose a numeric target.",
        )
    return labels.to_numpy(dtype="float64", na_value=np.nan), []


def _class_target(
    labels: pd.Series, keep: np.ndarray, task: str, spec: DataSpec
) -> tuple[np.ndarray, list[Any], np.ndarray, list[str]]:
    from automl.data.target import _native

    notes = []
    present = labels[keep]
    counts = present.value_counts().sort_index()
    rare = [label for label, count in counts.items() if count < 2]
    if rare:
        shown = ", ".join(repr(_native(r)) for r in rare)
        classes = "class" if len(rare) == 1 else "classes"
        notes.append(f"Dropped {classes} {shown} with fewer than 2 rows.")
        keep = keep & ~labels.isin(rare).to_numpy()
        counts = counts.drop(rare)
    ordered = [_native(v) for v in counts.index]
    if len(ordered) < 2:
        raise DataError(
            f"Target column {spec.target!r} has fewer than 2 classes with 2 rows or more.",
            hint="A classifier needs at least two classes.",
        )
    if task == "binary" and len(ordered) != 2:
        raise DataError(
            f"--task binary but target {spec.target!r} has {len(ordered)} classes.",
            hint="Use --task multiclass, or leave --task auto.",
        )
    if spec.pos_label is not None:
        matches = [v for v in ordered if str(v) == spec.pos_label]
        if not matches:
            raise UsageError(
                f"--pos-label {spec.pos_label!r} is not a class of {spec.target!r}.",
                hint=f"Classes: {', '.join(repr(v) for v in ordered)}.",
            )
        ordered = [v for v in ordered if v != matches[0]] + [matches[0]]
    code_of = {label: code for code, label in enumerate(ordered)}
    y = np.full(len(labels), -1, dtype="int64")
    for i, value in enumerate(labels.tolist()):
        if keep[i]:
            y[i] = code_of[_native(value)]
    return y, ordered, keep, notes


def _holdout_split(
    raw: pd.DataFrame, y: np.ndarray, task: str, spec: DataSpec
) -> tuple[np.ndarray, np.ndarray]:
    """A random (stratified) holdout; with ``--time``, the latest rows."""
    rows = np.arange(len(y))
    if not spec.holdout:
        return rows, np.array([], dtype="int64")
    from sklearn.model_selection import train_test_split

    if spec.time:
        import pandas as pd

        order = np.argsort(pd.to_datetime(raw[spec.time], errors="coerce").to_numpy(),
                           kind="stable")  # fmt: skip
        n_held = max(1, round(len(rows) * spec.holdout))
        return np.sort(order[:-n_held]), np.sort(order[-n_held:])

    stratify = y if task != "regression" and np.bincount(y).min() >= 2 else None
    search, held = train_test_split(
        rows, test_size=spec.holdout, random_state=spec.seed, stratify=stratify
    )
    return np.sort(search), np.sort(held)


def _folds(
    raw: pd.DataFrame, y: np.ndarray, rows: np.ndarray, task: str, spec: DataSpec
) -> tuple[list[tuple[np.ndarray, np.ndarray]], str | None]:
    from sklearn import model_selection as ms

    k = spec.cv or (3 if len(rows) > _BIG_DATA_ROWS else 5)
    note = None
    y_search = y[rows]
    if task != "regression":
        smallest = int(np.bincount(y_search).min())
        if smallest < k:
            k = max(2, smallest)
            note = f"Using {k} folds: the smallest class has {plural(smallest, 'row')}."
    k = min(k, len(rows))
    if spec.time:
        import pandas as pd

        order = np.argsort(pd.to_datetime(raw[spec.time].iloc[rows], errors="coerce").to_numpy(),
                           kind="stable")  # fmt: skip
        splits = ms.TimeSeriesSplit(n_splits=k).split(order)
        folds = [(rows[order[a]], rows[order[b]]) for a, b in splits]
        return folds, note
    if spec.group:
        groups = raw[spec.group].iloc[rows].astype("str").to_numpy()
        splitter: Any = (
            ms.StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=spec.seed)
            if task != "regression"
            else ms.GroupKFold(n_splits=k, shuffle=True, random_state=spec.seed)
        )
        splits = splitter.split(rows, y_search, groups)
    elif task != "regression":
        splits = ms.StratifiedKFold(n_splits=k, shuffle=True, random_state=spec.seed).split(
            rows, y_search
        )
    else:
        splits = ms.KFold(n_splits=k, shuffle=True, random_state=spec.seed).split(rows)
    return [(rows[a], rows[b]) for a, b in splits], note
