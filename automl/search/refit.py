"""After the search: choose the trial to keep, score it on the holdout, refit it on all rows."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import NoTrialSucceededError
from automl.features.pipeline import build_pipeline
from automl.models.predictor import Predictor
from automl.models.registry import FAMILIES
from automl.search.metrics import Metric, score_predictions

if TYPE_CHECKING:
    import optuna

    from automl.search.dataset import TrainingData

__all__ = ["Choice", "choose_trial", "fit_final", "score_holdout"]

#: More rows than in a CV fold's inner split: train a little longer than early stopping said.
ITERATION_SCALE = 1.15
_BOOSTING = ("lightgbm", "catboost", "hist_gb")
_FORESTS = ("random_forest", "extra_trees")
_REFIT_SAFETY = 1.3
#: Starting the refit process and reading the data again.
_CHILD_START_SECONDS = 3.0


@dataclass(frozen=True)
class Choice:
    """The trial whose pipeline is refitted."""

    number: int
    family: str
    params: dict[str, Any]
    cv_mean: float
    cv_std: float
    fold_scores: list[float]
    n_iterations: int | None
    refit_estimate: float
    skipped_better: int = 0


def choose_trial(study: optuna.Study, *, n_folds: int, seconds_left: float | None) -> Choice:
    """The best completed trial whose refit fits in the time left (else the next best).

    Raises:
        NoTrialSucceededError: No trial completed; the message lists the failure reasons.
    """
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        raise NoTrialSucceededError(
            "No trial succeeded, so there is no model to save.",
            hint="Reasons: " + "; ".join(_reasons(study)) + ". Try a larger --time-budget.",
        )
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    ranked = sorted(complete, key=lambda t: float(t.value or 0.0), reverse=maximize)
    for skipped, trial in enumerate(ranked):
        choice = choice_of(trial, n_folds=n_folds, skipped_better=skipped)
        if seconds_left is None or choice.refit_estimate <= seconds_left:
            return choice
        if choice.family == "constant":
            return choice
    raise AssertionError("unreachable: the constant baseline always fits")


def choice_of(trial: Any, *, n_folds: int, skipped_better: int = 0) -> Choice:
    """The refit description of a completed trial."""
    attrs = trial.user_attrs
    family = FAMILIES[attrs["family"]]
    return Choice(
        number=trial.number,
        family=family.name,
        params=family.unprefixed(trial.params),
        cv_mean=float(attrs["cv_mean"]),
        cv_std=float(attrs["cv_std"]),
        fold_scores=[float(s) for s in attrs["fold_scores"]],
        n_iterations=attrs.get("n_iterations"),
        refit_estimate=float(attrs.get("fit_seconds", 0.0)) / n_folds * _REFIT_SAFETY
        + _CHILD_START_SECONDS,
        skipped_better=skipped_better,
    )


def _reasons(study: optuna.Study) -> list[str]:
    reasons: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        reason = trial.user_attrs.get("error") or trial.system_attrs.get("fail_reason")
        if reason:
            key = f"{trial.user_attrs.get('family', '?')}: {str(reason).splitlines()[-1][:150]}"
            reasons[key] = reasons.get(key, 0) + 1
    if not reasons:
        return ["no trial finished in time"]
    return [f"{text} (x{count})" if count > 1 else text for text, count in reasons.items()]


def _pipeline(choice: Choice, data: TrainingData, *, n_threads: int, seed: int) -> Any:
    family = FAMILIES[choice.family]
    iterations = None
    if choice.n_iterations is not None and family.name in _BOOSTING:
        iterations = max(1, math.ceil(choice.n_iterations * ITERATION_SCALE))
    elif choice.n_iterations is not None and family.name in _FORESTS:
        iterations = choice.n_iterations  # as many trees as the search grew
    model = family.build(
        choice.params,
        task=data.task,
        n_classes=data.n_classes,
        n_threads=n_threads,
        seed=seed,
        n_iterations=iterations,
    )
    return build_pipeline(data.profile, family, model)


def score_holdout(
    choice: Choice,
    data: TrainingData,
    metric: Metric,
    *,
    n_threads: int,
    seed: int,
    deadline: float | None,
) -> float:
    """Fit the chosen configuration on the search rows and score it on the held-out rows."""
    pipeline = _pipeline(choice, data, n_threads=n_threads, seed=seed)
    rows, held = data.search_rows, data.holdout_rows
    pipeline.fit(data.raw.iloc[rows], data.y[rows], model__deadline=deadline)
    X = data.raw.iloc[held]
    predict = pipeline.predict if data.task == "regression" else pipeline.predict_proba
    prediction = predict(X)
    return score_predictions(metric, data.y[held], prediction, list(range(data.n_classes)))


def fit_final(
    choice: Choice, data: TrainingData, *, n_threads: int, seed: int, deadline: float | None
) -> tuple[Predictor, float]:
    """Refit the chosen configuration on every row; return the predictor and the seconds taken."""
    started = time.perf_counter()
    pipeline = _pipeline(choice, data, n_threads=n_threads, seed=seed)
    pipeline.fit(data.raw, data.y, model__deadline=deadline)
    _predict_with_one_thread(pipeline)
    predictor = Predictor(
        pipeline,
        task=data.task,
        labels=data.labels,
        features=[c.name for c in data.profile.features],
    )
    return predictor, time.perf_counter() - started


def class_balance(data: TrainingData) -> dict[str, int]:
    """Rows per class label (for the record)."""
    if data.task == "regression":
        return {}
    counts = np.bincount(data.y, minlength=data.n_classes)
    return {str(label): int(c) for label, c in zip(data.labels, counts, strict=True)}


def _predict_with_one_thread(pipeline: Any) -> None:
    """Saved models predict with one thread: small batches gain nothing from more, and an
    OpenMP model sharing a busy machine can be 100x slower with two."""
    model = pipeline.steps[-1][1]
    if hasattr(model, "n_threads"):
        model.n_threads = 1
    inner = getattr(model, "model_", None)
    if inner is not None and hasattr(inner, "n_jobs"):
        inner.n_jobs = 1


def run_refit(
    data_path: Path,
    storage_url: str,
    study_name: str,
    trial_number: int,
    *,
    n_threads: int,
    deadline_epoch: float | None,
    out_dir: Path,
) -> dict[str, Any]:
    """In the refit process: score the chosen trial on the holdout, refit it on every row,
    save ``model.joblib`` and ``refit.json`` in ``out_dir``.

    Returns:
        What ``refit.json`` holds: the model's SHA-256, the holdout score, seconds.
    """
    import optuna

    from automl.search.metrics import get_metric
    from automl.search.worker import load_run
    from automl.store.artifacts import dump_model, write_json

    storage, attrs, data = load_run(data_path, storage_url, study_name, check_hash=False)
    study = optuna.load_study(study_name=study_name, storage=storage)
    choice = choice_of(study.trials[trial_number], n_folds=len(data.folds))
    metric = get_metric(attrs["metric"], data.task)
    seed = int(attrs["config"]["seed"])
    deadline = None
    if deadline_epoch is not None:
        deadline = time.monotonic() + (deadline_epoch - time.time())
    holdout = None
    if len(data.holdout_rows):
        holdout = score_holdout(
            choice, data, metric, n_threads=n_threads, seed=seed, deadline=deadline
        )
    predictor, seconds = fit_final(choice, data, n_threads=n_threads, seed=seed, deadline=deadline)
    sha = dump_model(out_dir / "model.joblib", predictor)
    result = {"trial": trial_number, "sha256": sha, "holdout": holdout, "seconds": seconds}
    write_json(out_dir / "refit.json", result)
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
    parser.add_argument("--trial", required=True, type=int)
    parser.add_argument("--threads", required=True, type=int)
    parser.add_argument("--deadline-epoch", type=float)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator decides
    exit_with_parent(os.getppid())
    logging.basicConfig(level=logging.WARNING, format="refit %(process)d: %(message)s")
    quiet_libraries()
    run_refit(
        args.data,
        os.environ[STORAGE_ENV],
        args.study,
        args.trial,
        n_threads=args.threads,
        deadline_epoch=args.deadline_epoch,
        out_dir=args.out,
    )
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
