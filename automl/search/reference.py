"""The run's drift reference (``reference.json``): built at the end of ``fit`` from the
training rows, the saved model's out-of-fold predictions and its importance; rebuilt for a run
saved before automl kept one (``automl drift --rebuild-reference TRAIN.csv``)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from automl.errors import DataError
from automl.store.schema import RunPaths, oof_file

if TYPE_CHECKING:
    from automl.models.predictor import Predictor
    from automl.monitor.reference import Reference
    from automl.search.dataset import TrainingData
    from automl.store.runs import RunRef, Store

__all__ = ["IMPORTANCE_ROWS", "RebuiltReference", "rebuild_reference", "write_reference"]

logger = logging.getLogger(__name__)

#: Training rows the importance weights are measured on (mean |contribution|, no labels).
IMPORTANCE_ROWS = 300


def write_reference(
    paths: RunPaths,
    data: TrainingData,
    members: list[tuple[int, float]],
    *,
    model_sha256: str,
    seed: int,
) -> str:
    """Summarise the training data and write ``reference.json``; return its SHA-256.

    Args:
        paths: The run folder.
        data: The training data as the search derived it.
        members: The saved model's trials and weights (their out-of-fold predictions).
        model_sha256: The saved model's SHA-256 (checked before it is loaded for the weights).
        seed: Seeds the importance sample.
    """
    from automl.monitor.reference import build_reference
    from automl.store.artifacts import write_json

    started = time.monotonic()
    weights, source = _weights(paths, data, model_sha256, seed)
    reference = build_reference(
        data.prepared, data.profile, task=data.task, labels=data.labels,
        predictions=_oof(paths, data, members), weights=weights, weights_source=source,
    )  # fmt: skip
    sha = write_json(paths.reference, reference.to_dict())
    logger.debug("Drift reference written in %.2f s", time.monotonic() - started)
    return sha


def _oof(
    paths: RunPaths, data: TrainingData, members: list[tuple[int, float]]
) -> np.ndarray | None:
    """The saved model's out-of-fold predictions on the validated rows (``None`` when a member
    kept none: a trial of ``automl worker`` on another machine)."""
    rows = data.validated_rows
    total = sum(w for _, w in members) or 1.0
    prediction = None
    for number, weight in members:
        path = oof_file(paths.oof_dir, number)
        if not path.is_file():
            return None
        part = (weight / total) * np.load(path)[rows]
        prediction = part if prediction is None else prediction + part
    return prediction


def _weights(paths: RunPaths, data: TrainingData, model_sha256: str,
             seed: int) -> tuple[dict[str, float] | None, str]:  # fmt: skip
    """Importance per column: mean |contribution| of the saved model on a seeded sample of
    training rows; equal weights when the model cannot be explained."""
    from automl.errors import AutomlError
    from automl.insight import importance
    from automl.store.artifacts import load_model

    rows = data.search_rows
    if len(rows) > IMPORTANCE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, IMPORTANCE_ROWS, replace=False))
    try:
        predictor = cast("Predictor", load_model(paths.model, model_sha256))
        found = importance(predictor, data.raw.iloc[rows], None, seed=seed)
    except AutomlError as error:
        logger.info("Drift reference with equal weights: %s", error.message)
        return None, "equal"
    return dict(zip(found.columns, (float(v) for v in found.values), strict=True)), found.method


@dataclass(frozen=True)
class RebuiltReference:
    """What ``--rebuild-reference`` wrote."""

    path: Path
    reference: Reference
    sha256: str


def rebuild_reference(store: Store, ref: RunRef, data: Path) -> RebuiltReference:
    """Build the reference of a run saved without one, from its training file, and record
    it in ``run.json`` with its SHA-256.

    Raises:
        NotFoundError: The run saved no model, or ``data`` does not exist.
        DataError: ``data`` is not the file the run was trained on (another SHA-256).
    """
    import optuna

    from automl.data import file_sha256, read_table
    from automl.data.profile import Profile
    from automl.search.dataset import DataSpec, training_data
    from automl.store.artifacts import read_json
    from automl.store.schema import StudySettings

    record = store.run_record(ref)
    expected = None if record.data is None else record.data.sha256
    found = file_sha256(data)
    if expected and found != expected:
        raise DataError(
            f"{data} is not the file run {ref.run_id} was trained on (SHA-256 {found[:12]}..., "
            f"the run's {expected[:12]}...).",
            hint=f"Give the training file itself ({record.data.name if record.data else '?'}): "
            "the reference describes the data the model learned from.",
        )
    table = read_table(data)
    attrs = optuna.load_study(study_name=ref.study_name, storage=store.storage()).user_attrs
    settings = StudySettings.from_attrs(attrs)
    training = training_data(table.frame, Profile.from_dict(settings.profile),
                             DataSpec(**settings.data_spec))  # fmt: skip
    paths = RunPaths(store.run_dir(ref))
    model = record.model
    members = [(int(str(label).rsplit("#", 1)[1]), float(w))
               for label, w in zip(model.members if model else [], model.weights if model else [],
                                   strict=False)]  # fmt: skip
    sha = write_reference(paths, training, members, model_sha256=str(record.model_sha256),
                          seed=int(record.seed or 0))  # fmt: skip
    store.record_artifact(ref, paths.reference, sha)
    from automl.monitor.reference import Reference

    return RebuiltReference(path=paths.reference,
                            reference=Reference.from_dict(read_json(paths.reference)),
                            sha256=sha)  # fmt: skip
