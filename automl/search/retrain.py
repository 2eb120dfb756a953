"""``automl refit DATA --from RUN``: the configuration a run chose (its preparation, family and
parameters, ensemble members and weights) fitted again on new data, without a search.

The new run is a run like any other (a study and a folder), linked to its parent: its study
holds the parent's settings with the new data's fingerprint, and copies of the parent's refitted
trials (their parameters and recorded results, each marked with the trial it copies), so that
the refit itself is :func:`automl.search.refit.refit_run`, the very code of ``fit``'s final
refit. On the same data and seed the model predicts what the parent's does.

The parent's profile is reused (the column roles and parsing rules are part of the chosen
pipeline); the new file must hold the parent's feature columns and target, with the same task.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError
from automl.formatting import plural
from automl.store.schema import (
    RunPaths,
    StudySettings,
    TrialResult,
    copied_trial_attrs,
    record_parent,
)

if TYPE_CHECKING:
    import optuna

    from automl.data.profile import Profile
    from automl.metrics import Metric
    from automl.search.dataset import TrainingData
    from automl.store.run_record import RunRecord
    from automl.store.runs import RunRef, Store

__all__ = ["RefitResult", "refit_from"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefitResult:
    """A refit run.

    Attributes:
        experiment: Its experiment.
        run_id: The new run.
        run_dir: Its folder.
        parent: The run whose configuration was refitted.
        data: The new data file; ``data_sha256`` its SHA-256.
        n_rows: Rows trained on.
        members: The members refitted (``family#trial`` of the parent), and their weights.
        refit_seconds: Seconds to fit the final model.
        parent_refit_seconds: The parent's final refit, for comparison.
        cv: With ``--cv``: the refit pipeline's cross-validated score on the new data
            (metric, mean, std, fold scores).
        notes: What to know.
    """

    experiment: str
    run_id: str
    run_dir: Path
    parent: str
    data: str
    data_sha256: str
    n_rows: int
    members: list[str]
    weights: list[float]
    refit_seconds: float
    parent_refit_seconds: float | None
    metric: str
    cv: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def refit_from(store: Store, parent: RunRef, data_path: Path, *, experiment: str | None = None,
               cv: bool = False) -> RefitResult:  # fmt: skip
    """Fit the parent run's chosen configuration on ``data_path``, as a new run.

    Args:
        store: Where the runs live (writable).
        parent: The run whose configuration is refitted.
        data_path: The new data (CSV or Parquet), with the parent's columns and target.
        experiment: The new run's experiment (default: the parent's).
        cv: Also cross-validate the refit pipeline on the new data (the parent's folds
            settings), reported in ``run.json``'s ``refit.cv``.

    Returns:
        The new run.

    Raises:
        NotFoundError: The parent has no saved model, or the file does not exist.
        DataError: A column of the parent is missing, or the target's task changed.
    """
    import optuna

    from automl.data import Profile, file_sha256, read_table
    from automl.metrics import get_metric
    from automl.search.dataset import DataSpec, training_data
    from automl.store.artifacts import read_json

    paths = RunPaths(store.run_dir(parent))
    record = store.run_record(parent)
    parent_study = optuna.load_study(study_name=parent.study_name, storage=store.storage())
    settings = StudySettings.read(parent_study)
    refit = read_json(paths.refit)
    profile = Profile.from_dict(settings.profile)
    spec = DataSpec(**settings.data_spec)
    table = read_table(data_path)
    _check_columns(table, profile, spec, data_path, parent)
    data = training_data(table.frame, profile, replace(spec, holdout=None))
    metric = get_metric(settings.metric, data.task)
    new_ref, study = _new_run(store, parent, experiment, settings, data, file_sha256(data_path),
                              data_path)  # fmt: skip
    numbers = _copy_trials(parent_study, study, refit, parent)
    result = _fit(store, new_ref, data_path, numbers, [float(w) for w in refit["weights"]])
    cv_result = _cross_validate(study, data, numbers, result, metric) if cv else None
    _write_record(store, new_ref, study, parent, record, data, data_path, metric, result,
                  cv_result)  # fmt: skip
    return RefitResult(
        experiment=new_ref.experiment, run_id=new_ref.run_id, run_dir=store.run_dir(new_ref),
        parent=parent.run_id, data=str(data_path), data_sha256=file_sha256(data_path),
        n_rows=len(data.y), members=[TrialResult.of(study.trials[n]).label
                                     for n in result["trials"]],
        weights=list(result["weights"]), refit_seconds=float(result["seconds"]),
        parent_refit_seconds=None if record.timings is None else record.timings.refit_seconds,
        metric=metric.name, cv=cv_result, notes=list(data.notes) + list(result["notes"]),
    )  # fmt: skip


def _check_columns(table: Any, profile: Profile, spec: Any, data_path: Path,
                   parent: RunRef) -> None:  # fmt: skip
    """The new file must hold the parent's features and target, the target with the same
    task.

    Raises:
        DataError: A column is missing (named), or the target's task changed.
    """
    from automl.data.columns import profile_column
    from automl.data.target import analyse_target

    columns = [str(c) for c in table.frame.columns]
    wanted = [c.name for c in profile.features] + [spec.target]
    missing = [name for name in wanted if name not in columns]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:20])
        raise DataError(
            f"{data_path} lacks {plural(len(missing), 'column')} of run {parent.run_id}: {shown}.",
            hint="A refit trains the parent's pipeline on the same columns; add them (empty "
            "cells are fine), or start a new search with `automl fit`.",
        )
    column = table.frame[spec.target]
    found = analyse_target(column, profile_column(column), source=str(data_path)).task
    expected = profile.target.task if profile.target else found
    if spec.task != "auto":  # --task forced a classification of numbers, or a regression
        changed = (found == "regression") != (spec.task == "regression")
    else:
        changed = found != expected
    if changed:
        raise DataError(
            f"The target {spec.target!r} in {data_path} is a {found} target; run "
            f"{parent.run_id} was trained for {expected}.",
            hint="A refit keeps the parent's task: check the target column's values, or start "
            "a new search with `automl fit`.",
        )


def _new_run(store: Store, parent: RunRef, experiment: str | None, settings: StudySettings,
             data: TrainingData, data_sha: str,
             data_path: Path) -> tuple[RunRef, optuna.Study]:  # fmt: skip
    """The new run's folder (profile, schema, sample rows) and study (the parent's settings
    with the new data's fingerprint, linked to the parent)."""
    from automl.metrics import METRICS
    from automl.search.start import input_schema, sample_rows
    from automl.search.study import create_study
    from automl.store.artifacts import write_json
    from automl.store.runs import RunRef, new_run_id

    ref = RunRef(experiment or parent.experiment, new_run_id())
    run_dir = store.run_dir(ref)
    run_dir.mkdir(parents=True, exist_ok=False)
    store.lock_run(ref)
    paths = RunPaths(run_dir)
    write_json(paths.profile, data.profile.to_dict())
    write_json(paths.schema, input_schema(data))
    write_json(paths.sample, sample_rows(data))
    config = dict(settings.config) | {"data": str(Path(data_path).resolve())}
    spec = dict(settings.data_spec) | {"holdout": None}  # the model is fitted on every row
    new_settings = replace(settings, config=config, data_spec=spec, data_sha256=data_sha,
                           data_name=Path(data_path).name, labels=data.labels,
                           positive_class=data.labels[-1] if data.task == "binary" else None,
                           n_trials=0, search_end_epoch=None, run_dir=str(run_dir.resolve()),
                           model_sha256=None)  # fmt: skip
    direction = METRICS[settings.metric].direction
    study = create_study(store.storage(), ref.study_name, direction=direction,
                         settings=new_settings)  # fmt: skip
    record_parent(study, parent.study_name)
    return ref, study


def _copy_trials(parent: optuna.Study, study: optuna.Study, refit: dict[str, Any],
                 ref: RunRef) -> list[int]:  # fmt: skip
    """Copy the parent's refitted trials (as its refit kept them: a forest with fewer trees
    keeps that number) into the new study; return their new numbers, in the parent's order."""
    import optuna

    trees = {c["member"]: c["trees"] for c in refit.get("changes") or []
             if c.get("kind") == "fewer_trees"}  # fmt: skip
    numbers = []
    for number in refit["trials"]:
        trial = parent.trials[int(number)]
        attrs = copied_trial_attrs(trial, parent_study=ref.study_name,
                                   n_iterations=trees.get(TrialResult.of(trial).label))  # fmt: skip
        study.add_trial(optuna.trial.create_trial(
            params=trial.params, distributions=trial.distributions, value=trial.value,
            user_attrs=attrs, state=optuna.trial.TrialState.COMPLETE,
        ))  # fmt: skip
        numbers.append(len(study.trials) - 1)
    return numbers


def _fit(store: Store, ref: RunRef, data_path: Path, numbers: list[int],
         weights: list[float]) -> dict[str, Any]:  # fmt: skip
    """The refit, by fit's own final refit in its own process (``python -m
    automl.search.refit``: the parent's seed, ``os.cpu_count()`` threads and, for OpenMP
    models on a busy machine, ``OMP_WAIT_POLICY=PASSIVE``, as ``fit`` does)."""
    from automl.search.pool import refit_in_child

    logger.info("Refitting %s.", plural(len(numbers), "member"))
    return refit_in_child(data=data_path, storage_url=store.storage_url,
                          study_name=ref.study_name, trials=numbers, weights=weights,
                          n_threads=os.cpu_count() or 1, deadline_epoch=None,
                          run_dir=store.run_dir(ref))  # fmt: skip


def _cross_validate(study: optuna.Study, data: TrainingData, numbers: list[int],
                    result: dict[str, Any], metric: Metric) -> dict[str, Any]:  # fmt: skip
    """The refit pipeline (all its members, with their weights) cross-validated on the new
    data, with the parent's fold settings."""
    from automl.metrics import score_predictions
    from automl.search.choose import choice_of
    from automl.search.refit import fit_members

    kept = result["trials"]
    choices = [choice_of(study.trials[n], n_folds=len(data.folds)) for n in kept]
    maximize = metric.direction == "maximize"
    scores = []
    started = time.perf_counter()
    for train, valid in data.folds:
        # one thread: this process has no OMP_WAIT_POLICY=PASSIVE (see automl.search.pool)
        model = fit_members(choices, list(result["weights"]), data, train, n_threads=1,
                            seed=StudySettings.read(study).seed, deadline=None,
                            maximize=maximize)  # fmt: skip
        rows = data.raw.iloc[valid]
        predicted = model.predict(rows) if data.task == "regression" else model.predict_proba(rows)
        labels = list(range(data.n_classes))
        scores.append(score_predictions(metric, data.y[valid], predicted, labels))
    logger.info("Cross-validated the refit pipeline in %.1f s.", time.perf_counter() - started)
    return {"metric": metric.name, "mean": float(np.mean(scores)), "std": float(np.std(scores)),
            "fold_scores": [float(s) for s in scores], "n_folds": len(scores)}  # fmt: skip


@dataclass(frozen=True)
class _Ensemble:
    weights: list[float]
    score: float
    best_single: float


def _write_record(store: Store, ref: RunRef, study: optuna.Study, parent: RunRef,
                  parent_record: RunRecord, data: TrainingData, data_path: Path, metric: Metric,
                  result: dict[str, Any], cv: dict[str, Any] | None) -> None:  # fmt: skip
    """``run.json`` of the refit run: as ``fit`` writes it, with ``parent`` and ``refit``."""
    from automl.data import file_sha256
    from automl.search.choose import choice_of
    from automl.search.study import count_trials
    from automl.store.artifacts import sha256_of
    from automl.store.record import (
        add_model,
        add_parent,
        artifact,
        build_run_record,
        mark_parent_scores,
        model_record,
        write_record,
    )
    from automl.store.schema import pin_model

    paths = RunPaths(store.run_dir(ref))
    kept = result["trials"]
    choices = [choice_of(study.trials[n], n_folds=len(data.folds)) for n in kept]
    choice = max(choices, key=lambda c: c.cv_mean if metric.direction == "maximize" else -c.cv_mean)
    ensemble = _ensemble_of(parent_record, list(result["weights"]), choice.cv_mean)
    labels = [TrialResult.of(study.trials[n]).label for n in kept]
    model = model_record(choice, ensemble, result, labels if ensemble else None)
    mark_parent_scores(model)
    pin_model(study, str(result["sha256"]))
    artifacts = {paths.model.name: artifact(paths.model, str(result["sha256"]))} | {
        p.name: artifact(p, sha256_of(p)) for p in (paths.profile, paths.schema)
    }
    document = build_run_record(
        ref, options=StudySettings.read(study).config, data_path=data_path, data=data,
        metric=metric, choice=choice, counts=count_trials(study), holdout=None,
        artifacts=artifacts, data_sha=file_sha256(data_path), seconds=float(result["seconds"]),
        refit_seconds=float(result["seconds"]), interrupted=False, started_epoch=time.time(),
        notes=tuple(data.notes) + tuple(result["notes"]),
    )  # fmt: skip
    add_model(document, model)
    _carry_decision(store, parent, parent_record, paths, document)
    timings = parent_record.timings
    add_parent(document, parent, model_sha256=parent_record.model_sha256, cv=cv,
               parent_refit_seconds=None if timings is None else timings.refit_seconds)  # fmt: skip
    write_record(paths.root, document)


def _carry_decision(store: Store, parent: RunRef, parent_record: RunRecord, paths: RunPaths,
                    document: dict[str, Any]) -> None:  # fmt: skip
    """The parent's decision (threshold, calibrator), checked against its SHA-256, saved
    unchanged in the new run: the refit keeps how the model decides, as it keeps the
    configuration (its out-of-fold predictions were the parent's)."""
    from automl.store.decision import decision_sha256, load_decision, save_decision
    from automl.store.record import add_artifact, add_decision

    decision = load_decision(store.run_dir(parent), decision_sha256(parent_record))
    if decision is None:  # regression, or a parent saved before decisions existed
        return
    sha = save_decision(paths.root, decision)
    add_artifact(document, paths.decision, sha)
    add_decision(document, decision.summary())


def _ensemble_of(parent: RunRecord, weights: list[float], best: float) -> _Ensemble | None:
    """The parent's ensemble as the record describes it (its members' scores are the
    parent's), or ``None`` for a single model."""
    if len(weights) < 2:
        return None
    model = parent.model
    score = None if model is None else model.cv_mean
    single = None if model is None else model.best_single_cv_mean
    return _Ensemble(weights, float(score or 0.0), float(single or best))
