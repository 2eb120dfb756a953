"""The refit process (``python -m automl.search.refit``, started by ``fit``; or ``fit``'s own
process after Ctrl-C): score the chosen trial(s) on the holdout, refit them on every row, and
save the model."""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.features.encode import Preparer
from automl.features.pipeline import build_encoder
from automl.models.ensemble import EnsembleModel
from automl.models.predictor import Predictor
from automl.models.registry import FAMILIES
from automl.models.target import with_transform
from automl.search import budget
from automl.search.choose import Choice, check_trials, choice_of
from automl.search.limit import trimmed_alone, within_limit
from automl.store.schema import RunPaths, StudySettings

if TYPE_CHECKING:
    import optuna

    from automl.search.dataset import TrainingData

__all__ = ["fit_final", "fit_members", "refit_run", "run_refit"]

logger = logging.getLogger(__name__)

#: More rows than in a CV fold's inner split: train a little longer than early stopping said.
ITERATION_SCALE = 1.15


def _build_model(choice: Choice, data: TrainingData, *, n_threads: int, seed: int) -> Any:
    family = FAMILIES[choice.family]
    iterations = None
    if choice.n_iterations is not None and family.is_boosting:
        iterations = max(1, math.ceil(choice.n_iterations * ITERATION_SCALE))
    elif choice.n_iterations is not None and family.grows_incrementally:
        iterations = choice.n_iterations  # as many trees as the search grew
    model = family.build(
        choice.params,
        task=data.task,
        n_classes=data.n_classes,
        n_threads=n_threads,
        seed=seed,
        n_iterations=iterations,
    )
    return with_transform(model, choice.target_transform)


def fit_members(
    choices: list[Choice],
    weights: list[float],
    data: TrainingData,
    rows: np.ndarray,
    *,
    n_threads: int,
    seed: int,
    deadline: float | None,
    maximize: bool = True,
    notes: list[str] | None = None,
) -> EnsembleModel:
    """Fit each chosen configuration on ``rows`` and average them with ``weights``.

    A single model is an ensemble of one; every member shares the profile's preparation.
    Members are fitted best cross-validated score first. A further member is only started if
    its estimated refit fits before ``deadline``; if one is skipped, or a boosting member is cut
    short by the deadline (a truncated booster would spoil the average), the ensemble is given
    up and the first (best) member alone is kept: all members or the best one, never a subset.
    Why, if so, is appended to ``notes`` (for the user).
    """
    prepared = data.prepared.iloc[rows]
    order = sorted(range(len(choices)), key=lambda i: choices[i].cv_mean, reverse=maximize)
    members: list[tuple[Any, Any]] = []
    kept_weights: list[float] = []
    names: list[str] = []
    encoders: dict[str, Any] = {}
    encoded: dict[str, Any] = {}
    for position, i in enumerate(order):
        choice = choices[i]
        if position and deadline is not None:
            needed = budget.member_refit_seconds(choice.refit_estimate)
            if time.monotonic() + needed > deadline:
                _give_up(notes, f"{choice.family}#{choice.number} had no time left to be "
                         "refitted", names[0], len(choices))  # fmt: skip
                members, kept_weights, names = members[:1], kept_weights[:1], names[:1]
                break
        family = FAMILIES[choice.family]
        options = family.encoder_options(choice.params)
        encoding = json.dumps([family.encoding, options], sort_keys=True)
        if encoding not in encoders:  # members fitted on the same rows share their encoder
            encoders[encoding] = build_encoder(data.profile, family, choice.params)
            encoded[encoding] = encoders[encoding].fit_transform(prepared)
        encoder, X = encoders[encoding], encoded[encoding]
        model = _build_model(choice, data, n_threads=n_threads, seed=seed)
        row_weights = None if data.weights is None else data.weights[rows]
        model.fit(X, data.y[rows], deadline=deadline, sample_weight=row_weights)
        cut_short = FAMILIES[choice.family].is_boosting and getattr(
            model, "stopped_at_deadline_", False
        )
        if position and cut_short:
            _give_up(notes, f"{choice.family}#{choice.number} was cut short by the time limit",
                     names[0], len(choices))  # fmt: skip
            members, kept_weights, names = members[:1], kept_weights[:1], names[:1]
            break
        _predict_with_one_thread(model)
        members.append((encoder, model))
        kept_weights.append(weights[i])
        names.append(f"{choice.family}#{choice.number}")
    return EnsembleModel(Preparer(data.profile), members, kept_weights, task=data.task, names=names)


def _give_up(notes: list[str] | None, why: str, best: str, n_members: int) -> None:
    note = (
        f"The ensemble of {n_members} members was not refitted: {why}; the best member, "
        f"{best}, is saved alone."
    )
    logger.info("%s", note)
    if notes is not None:
        notes.append(note)


def fit_final(
    choices: list[Choice],
    weights: list[float],
    data: TrainingData,
    *,
    n_threads: int,
    seed: int,
    deadline: float | None,
    maximize: bool = True,
    notes: list[str] | None = None,
) -> tuple[Predictor, float]:
    """Refit the chosen configurations on every row; return the predictor and the seconds."""
    started = time.perf_counter()
    model = fit_members(choices, weights, data, np.arange(len(data.y)), n_threads=n_threads,
                        seed=seed, deadline=deadline, maximize=maximize,
                        notes=notes)  # fmt: skip
    predictor = Predictor(
        model,
        task=data.task,
        labels=data.labels,
        features=[c.name for c in data.profile.features],
    )
    return predictor, time.perf_counter() - started


def _predict_with_one_thread(model: Any) -> None:
    """Saved models predict with one thread: small batches gain nothing from more, and an
    OpenMP model sharing a busy machine can be 100x slower with two."""
    if hasattr(model, "n_threads"):
        model.n_threads = 1
    inner = getattr(model, "model_", None)
    if inner is not None and hasattr(inner, "n_jobs"):
        inner.n_jobs = 1


def run_refit(
    data_path: Path,
    storage_url: str,
    study_name: str,
    trials: list[int],
    weights: list[float],
    *,
    n_threads: int,
    deadline_epoch: float | None,
    out_dir: Path,
    max_predict_ms: float | None = None,
) -> dict[str, Any]:
    """In the refit process: score the chosen trial(s) on the holdout, refit them on every
    row, save ``model.joblib`` and ``refit.json`` in ``out_dir``.

    Returns:
        What ``refit.json`` holds: the kept members and weights, the model's SHA-256, the
        holdout score, seconds, the final model's prediction time, notes for the user, and
        ``changes``: how the saved model differs from what was asked for, one record each
        (``fewer_trees``, ``ensemble_not_refitted``, ``member_dropped``) with its note.
    """
    import optuna

    from automl.search.worker import load_run

    storage, _, data = load_run(data_path, storage_url, study_name, check_hash=False)
    study = optuna.load_study(study_name=study_name, storage=storage)
    return refit_run(study, data, trials, weights, n_threads=n_threads,
                     deadline_epoch=deadline_epoch, out_dir=out_dir,
                     max_predict_ms=max_predict_ms)  # fmt: skip


def refit_run(
    study: optuna.Study,
    data: TrainingData,
    trials: list[int],
    weights: list[float],
    *,
    n_threads: int,
    deadline_epoch: float | None,
    out_dir: Path,
    max_predict_ms: float | None = None,
) -> dict[str, Any]:
    """Score the chosen trial(s) on the holdout, refit them on every row, and save
    ``model.joblib`` and ``refit.json`` in ``out_dir``: the refit process's work on a loaded
    study and its data (``fit`` also calls it in its own process after Ctrl-C).

    Returns:
        What ``refit.json`` holds (see :func:`run_refit`).

    Raises:
        DataError: A trial's parameters are outside its family's search space.
    """
    from automl.metrics import get_metric

    settings = StudySettings.read(study)
    check_trials(study, trials, task=data.task)
    choices = [choice_of(study.trials[n], n_folds=len(data.folds)) for n in trials]
    notes: list[str] = []
    changes: list[dict[str, Any]] = []
    limit = max_predict_ms or None
    if len(choices) == 1:
        choices[0] = trimmed_alone(study, choices[0], limit, notes, changes)
    metric = get_metric(settings.metric, data.task)
    maximize = metric.direction == "maximize"
    seed = settings.seed
    deadline = budget.from_epoch(deadline_epoch)
    searched = None
    if len(data.holdout_rows):
        searched = fit_members(choices, weights, data, data.search_rows, n_threads=n_threads,
                               seed=seed, deadline=deadline, maximize=maximize)  # fmt: skip
    given_up = len(notes)
    predictor, seconds = fit_final(choices, weights, data, n_threads=n_threads, seed=seed,
                                   deadline=deadline, maximize=maximize,
                                   notes=notes)  # fmt: skip
    changes += [{"kind": "ensemble_not_refitted", "kept": predictor.model.names[0], "note": note}
                for note in notes[given_up:]]  # fmt: skip
    predict_ms, holdout = within_limit(predictor, searched, data, metric, limit, notes, changes)
    return _save(RunPaths(out_dir), predictor, holdout=holdout, seconds=seconds,
                 predict_ms=predict_ms, notes=notes, changes=changes)  # fmt: skip


def _save(
    paths: RunPaths,
    predictor: Predictor,
    *,
    holdout: float | None,
    seconds: float,
    predict_ms: float,
    notes: list[str],
    changes: list[dict[str, Any]],
) -> dict[str, Any]:
    """Write ``model.joblib`` and ``refit.json``; return what ``refit.json`` holds."""
    from automl.store.artifacts import dump_model, write_json

    sha = dump_model(paths.model, predictor)
    model = predictor.model
    result = {
        "trials": [int(name.rsplit("#", 1)[1]) for name in model.names],
        "weights": list(model.weights),
        "sha256": sha,
        "holdout": holdout,
        "seconds": seconds,
        "predict_ms_per_1000": predict_ms,
        "notes": notes,
        "changes": changes,
    }
    write_json(paths.refit, result)
    return result


def main(argv: list[str] | None = None) -> int:
    """Entry point of the refit process started by ``fit``."""
    import argparse
    import logging
    import os
    import signal

    from automl.search.worker import STORAGE_ENV, exit_with_parent, quiet_libraries

    parser = argparse.ArgumentParser(prog="python -m automl.search.refit")
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--study", required=True)
    parser.add_argument("--trials", required=True, help="comma-separated trial numbers")
    parser.add_argument("--weights", required=True, help="comma-separated member weights")
    parser.add_argument("--threads", required=True, type=int)
    parser.add_argument("--deadline-epoch", type=float)
    parser.add_argument("--max-predict-ms", type=float)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides
    exit_with_parent(os.getppid())
    logging.basicConfig(level=logging.WARNING, format="refit %(process)d: %(message)s")
    quiet_libraries()
    try:
        run_refit(
            args.data,
            os.environ[STORAGE_ENV],
            args.study,
            [int(n) for n in args.trials.split(",")],
            [float(w) for w in args.weights.split(",")],
            n_threads=args.threads,
            deadline_epoch=args.deadline_epoch,
            out_dir=args.out,
            max_predict_ms=args.max_predict_ms,
        )
    except Exception as error:  # a full or read-only disk: tell the coordinator which
        from automl.errors import os_errno
        from automl.search.pool import FILE_SYSTEM_EXIT

        found = os_errno(error)
        if found is None:
            raise
        logging.getLogger(__name__).error("%s", error)  # the log may be unwritable too
        return FILE_SYSTEM_EXIT + found[0]
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
