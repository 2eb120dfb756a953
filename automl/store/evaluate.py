"""Score a saved run's model on a file that still holds the target: the run's metric and its
usual companions, with a confusion matrix (classification) or a residual summary
(regression)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError
from automl.formatting import plural
from automl.store.schema import RunPaths

if TYPE_CHECKING:
    import pandas as pd

    from automl.models.predictor import Predictor
    from automl.store.runs import RunRef, Store

__all__ = ["Evaluation", "class_codes", "evaluate_file", "missing_target", "target_truth"]

logger = logging.getLogger(__name__)

#: The metrics reported besides the run's own, by task (``roc_auc`` only where it applies).
COMPANIONS = {
    "binary": ("roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1"),
    "multiclass": ("roc_auc", "log_loss", "accuracy", "balanced_accuracy"),
    "regression": ("rmse", "mae", "r2"),
}
#: The residual summary's quantiles (residual = true value - prediction).
QUANTILES = {"min": 0.0, "q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95,
             "max": 1.0}  # fmt: skip


@dataclass(frozen=True)
class Evaluation:
    """A run's model scored on labelled rows.

    Attributes:
        run_id: The run.
        experiment: Its experiment.
        data: The file scored.
        target: The target column.
        task: The run's task.
        metric: The run's metric (first in ``scores``).
        cv_score: The saved model's score in the search, to compare with.
        cv_score_kind: ``cv`` (a trial's CV mean) or ``oof`` (an ensemble's pooled
            out-of-fold score).
        n_rows: Rows scored.
        n_missing_target: Rows dropped because their target is missing.
        scores: Metric name to value, the run's metric first; a metric that cannot be
            computed on these rows (ROC AUC with one class present) is left out.
        labels: The training class labels, in model order (classification).
        confusion_matrix: Rows: true label; columns: predicted label, both in ``labels``
            order (classification).
        unseen_labels: Labels not seen in training, with their row counts: left out of the
            scores.
        residuals: ``mean`` and quantiles of true value minus prediction (regression).
        notes: What was left out and why, for people.
    """

    run_id: str
    experiment: str
    data: str
    target: str
    task: str
    metric: str
    cv_score: float | None
    cv_score_kind: str | None
    n_rows: int
    n_missing_target: int
    scores: dict[str, float]
    labels: list[Any] = field(default_factory=list)
    confusion_matrix: list[list[int]] = field(default_factory=list)
    unseen_labels: dict[str, int] = field(default_factory=dict)
    residuals: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return asdict(self)


def evaluate_file(store: Store, ref: RunRef, data: Path) -> Evaluation:
    """Predict the rows of ``data`` with the run's model and score them against its target.

    Args:
        store: Where the run lives.
        ref: The run.
        data: Rows with the target column and the features the model needs.

    Returns:
        The scores.

    Raises:
        NotFoundError: The data file or the run's model does not exist.
        DataError: The target column is missing or has no value, columns the model needs
            are missing, no row has a label seen in training, or the model file was tampered
            with.
    """
    from automl.store.predict import load_rows

    predictor, record, table = load_rows(store, ref, data)
    target = str(record.target)
    if target not in [str(c) for c in table.frame.columns]:
        raise missing_target(data, target)
    truth = target_truth(store, ref, table.frame[target])
    present = truth.notna().to_numpy()
    notes = []
    if not present.all():
        notes.append(f"Dropped {plural(int((~present).sum()), 'row')} without a target value.")
    if not present.any():
        raise DataError(f"Every value of {target!r} in {data} is missing: nothing to score.")
    rows = table.frame.iloc[np.flatnonzero(present)]
    values = truth[present]
    base = {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "data": str(data),
        "target": target,
        "task": predictor.task,
        "metric": str(record.metric),
        "cv_score": None if record.model is None else record.model.cv_mean,
        "cv_score_kind": None if record.model is None else record.model.score_kind,
        "n_missing_target": int((~present).sum()),
    }
    if predictor.task == "regression":
        return _regression(predictor, rows, values, base, notes)
    return _classification(predictor, rows, values, base, notes)


def missing_target(data: Path, target: str) -> DataError:
    """The error for labelled rows without their target column."""
    return DataError(
        f"{data} has no target column {target!r}, so there is nothing to score against.",
        hint=f"Add the {target!r} column, or use `automl predict` for rows without a target.",
    )


def target_truth(store: Store, ref: RunRef, column: pd.Series) -> pd.Series:
    """The target as labels, read with the training profile's rules (``1.0`` is ``1``, the
    missing markers are missing)."""
    from automl.data.columns import profile_column
    from automl.data.profile import Profile
    from automl.data.target import target_values
    from automl.store.artifacts import read_json

    path = RunPaths(store.run_dir(ref)).profile
    name = str(column.name)
    profile = profile_column(column)
    if path.is_file():
        training = Profile.from_dict(read_json(path))
        profile = next((c for c in training.columns if c.name == name), profile)
    return target_values(column, profile)


def _regression(
    predictor: Predictor,
    rows: pd.DataFrame,
    values: pd.Series,
    base: dict[str, Any],
    notes: list[str],
) -> Evaluation:
    from automl.metrics import get_metric, score_predictions

    y = values.to_numpy(dtype="float64", na_value=np.nan)
    predicted = predictor.predict(rows)
    scores = _ordered(base["metric"], "regression")
    result = {n: score_predictions(get_metric(n, "regression"), y, predicted, []) for n in scores}
    residual = y - predicted
    summary = {"mean": float(np.mean(residual))}
    summary |= {k: float(np.quantile(residual, q)) for k, q in QUANTILES.items()}
    return Evaluation(**base, n_rows=len(y), scores=result, residuals=summary, notes=notes)


def _classification(
    predictor: Predictor,
    rows: pd.DataFrame,
    values: pd.Series,
    base: dict[str, Any],
    notes: list[str],
) -> Evaluation:
    from automl.data.target import _native
    from automl.metrics import get_metric, score_predictions

    labels = predictor.labels
    codes = class_codes(values, labels)
    unseen: dict[Any, int] = {}
    for value, code in zip(values.tolist(), codes.tolist(), strict=True):
        if code < 0:
            unseen[_native(value)] = unseen.get(_native(value), 0) + 1
    if unseen:
        shown = ", ".join(f"{label!r} ({plural(n, 'row')})" for label, n in unseen.items())
        notes.append(f"Labels not seen in training, left out of the scores: {shown}.")
    known = codes >= 0
    if not known.any():
        raise DataError(
            f"No row of {base['data']} has a label the model knows: "
            f"{', '.join(repr(label) for label in list(unseen)[:10])}.",
            hint=f"The run was trained on {', '.join(repr(v) for v in labels)}.",
        )
    y = codes[known]
    proba = predictor.predict_proba(rows.iloc[np.flatnonzero(known)])
    positions = list(range(len(labels)))
    predicted = predictor.codes(proba)  # at the run's threshold, as predict decides
    result = {}
    for name in _ordered(base["metric"], base["task"]):
        metric = get_metric(name, base["task"])
        if metric.needs_proba:
            score = score_predictions(metric, y, proba, positions)
        else:
            score = metric.score(y, predicted, positions)
        if np.isfinite(score):  # ROC AUC needs two classes present
            result[name] = score
    matrix = np.zeros((len(labels), len(labels)), dtype="int64")
    np.add.at(matrix, (y, predicted), 1)
    return Evaluation(**base, n_rows=int(known.sum()), scores=result, labels=list(labels),
                      confusion_matrix=matrix.tolist(),
                      unseen_labels={str(k): v for k, v in unseen.items()},
                      notes=notes)  # fmt: skip


def class_codes(values: pd.Series, labels: list[Any]) -> np.ndarray:
    """Each value's position in ``labels`` (matched as a value, else as text: ``1`` and
    ``"1"`` are one class), -1 for a label not seen in training."""
    from automl.data.target import _native

    code_of: dict[Any, int] = {label: i for i, label in enumerate(labels)}
    code_of |= {str(label): i for i, label in enumerate(labels) if str(label) not in code_of}
    return np.array([code_of.get(_native(v), code_of.get(str(_native(v)), -1))
                     for v in values.tolist()], dtype="int64")  # fmt: skip


def _ordered(metric: str, task: str) -> list[str]:
    """The run's metric first, then its companions."""
    return [metric, *(m for m in COMPANIONS[task] if m != metric)]
