"""``automl drift``: a file compared with a run's reference."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError, NotFoundError

if TYPE_CHECKING:
    from automl.data.profile import Profile
    from automl.monitor.drift import DriftReport
    from automl.monitor.reference import Reference
    from automl.store.runs import RunRef, Store

__all__ = ["PREDICTION_ROWS", "drift_file", "load_reference", "run_profile"]

logger = logging.getLogger(__name__)

#: Rows the model predicts for the prediction drift at most (a seeded sample of the file).
PREDICTION_ROWS = 100_000


def load_reference(store: Store, ref: RunRef) -> Reference:
    """The run's ``reference.json``, after checking its SHA-256 against ``run.json``.

    Raises:
        NotFoundError: The run has no reference (saved before automl kept one).
        DataError: The file does not match its recorded SHA-256.
    """
    import json

    from automl.monitor.reference import Reference
    from automl.store.artifacts import read_verified
    from automl.store.schema import RunPaths

    record = store.run_record(ref)
    paths = RunPaths(store.run_dir(ref))
    recorded = record.artifacts.get(paths.reference.name)
    if recorded is None or recorded.sha256 is None or not paths.reference.is_file():
        name = (record.data.name if record.data else None) or "TRAIN.csv"
        raise NotFoundError(
            f"Run {ref.run_id} has no drift reference (it was saved before automl kept one, "
            f"or {paths.reference} was removed).",
            hint=f"Make one from its training file: automl drift {name} --run {ref.run_id} "
            f"--rebuild-reference {name}",
        )
    data = read_verified(paths.reference, recorded.sha256)
    return Reference.from_dict(json.loads(data), where=str(paths.reference))


def run_profile(store: Store, ref: RunRef) -> Profile:
    """The run's profile (``profile.json``), which says how to read each column."""
    from automl.data.profile import Profile
    from automl.store.artifacts import read_json
    from automl.store.schema import RunPaths

    return Profile.from_dict(read_json(RunPaths(store.run_dir(ref)).profile))


def drift_file(store: Store, ref: RunRef, data: Path, *, seed: int = 0) -> DriftReport:
    """Compare ``data`` with the run's reference: columns, predictions, domain classifier.

    Raises:
        NotFoundError: ``data`` or the run's model or reference does not exist.
        DataError: ``data`` lacks columns the model needs, or an artifact does not match
            its recorded SHA-256.
    """
    from automl.data.prepare import prepare_frame
    from automl.monitor.drift import compare
    from automl.store.predict import load_rows

    reference = load_reference(store, ref)
    predictor, _, table = load_rows(store, ref, data)
    frame = table.frame
    if not len(frame):
        raise DataError(f"{data} has no rows to compare.", hint="Give a file with data rows.")
    prepared = prepare_frame(frame, run_profile(store, ref))
    predictions = _predictions(predictor, frame, reference.task, seed)
    report = compare(reference, prepared, predictions=predictions, seed=seed)
    report.document.update({
        "run_id": ref.run_id, "experiment": ref.experiment, "data": str(data),
        "prediction_rows": None if predictions is None else len(predictions),
    })  # fmt: skip
    return report


def _predictions(predictor: Any, frame: Any, task: str, seed: int) -> np.ndarray | None:
    """The model's predictions on the rows (a seeded sample of :data:`PREDICTION_ROWS` at
    most): probabilities, or values for regression."""
    if len(frame) > PREDICTION_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(frame), PREDICTION_ROWS,
                                                          replace=False))  # fmt: skip
        frame = frame.iloc[rows]
    features = frame.loc[:, list(predictor.features)]
    if task == "regression":
        return np.asarray(predictor.predict(features), dtype=float)
    return np.asarray(predictor.predict_proba(features), dtype=float)
