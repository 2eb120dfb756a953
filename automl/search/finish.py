"""The last step of ``fit``: choose what to save (a trial or an ensemble), refit it (in a
fresh process, or here after Ctrl-C), and write the run record and the leaderboard."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from automl.search.context import FitResult, RunContext
from automl.store.record import (
    add_artifact,
    add_decision,
    add_model,
    add_substitution,
    artifact,
    build_run_record,
    ensemble_row,
    model_record,
    substitution_text,
)
from automl.store.run_record import ModelSection
from automl.store.schema import MODEL_FILE, TrialResult, pin_model

if TYPE_CHECKING:
    import optuna

    from automl.metrics import Metric
    from automl.search.choose import Choice
    from automl.search.ensemble import EnsembleChoice
    from automl.store.decision import Decision

__all__ = ["final_decision", "finish_run", "member_kept_alone"]

logger = logging.getLogger(__name__)


def finish_run(ctx: RunContext, *, interrupted: bool) -> FitResult:
    """Refit the chosen trial or ensemble, save the model, ``run.json`` and the leaderboard.

    Raises:
        NoTrialSucceededError: No trial completed.
        DataError: A chosen trial's parameters are not automl's.
    """
    import time

    from automl.search.study import count_trials

    choice, ensemble, refit = _refit(ctx, interrupted=interrupted)
    holdout = refit["holdout"]
    if holdout is not None:
        logger.info("Holdout %s of the chosen model: %.5g", ctx.metric.name, holdout)
    pin_model(ctx.study, str(refit["sha256"]))  # checked with run.json's at load
    counts = count_trials(ctx.study)
    seconds = time.monotonic() - ctx.budget.started
    kept_alone = ensemble is None and refit["trials"] == [choice.number]
    choice_notes = (choice.note,) if kept_alone and choice.note else ()
    notes = tuple(ctx.data.notes) + choice_notes + tuple(refit.get("notes") or ())
    model = _model(ctx, choice, ensemble, refit)
    decision = final_decision(ctx, refit["trials"], refit["weights"])
    explained = substitution_text(model)
    for note in choice_notes + tuple(refit.get("notes") or ()):
        if note not in explained:  # the substitution is printed with the saved model
            logger.info("%s", note)
    record = build_run_record(
        ctx.ref, options=ctx.config.to_dict(), data_path=ctx.data_path, data=ctx.data,
        metric=ctx.metric, choice=choice, counts=counts, holdout=holdout,
        artifacts=_artifacts(ctx, str(refit["sha256"]), refit, decision), data_sha=ctx.data_sha,
        seconds=seconds, refit_seconds=float(refit["seconds"]), interrupted=interrupted,
        started_epoch=ctx.budget.started_epoch, notes=notes,
    )  # fmt: skip
    if ensemble is None:
        add_model(record, model)
    else:
        add_model(record, model, ensemble_holdout=holdout,
                  n_holdout_rows=len(ctx.data.holdout_rows),
                  row=_ensemble_row(ctx.study, model, holdout))  # fmt: skip
    summary = None if decision is None else decision.summary()
    add_decision(record, summary)
    _write_record(ctx, record)
    return FitResult(
        experiment=ctx.ref.experiment, run_id=ctx.ref.run_id, run_dir=ctx.paths.root,
        task=ctx.data.task, metric=ctx.metric.name, target=ctx.data.target,
        best_trial=choice.number, best_family=choice.family,
        skipped_better=choice.skipped_better, model=model, cv_mean=choice.cv_mean,
        cv_std=choice.cv_std, holdout=holdout, counts=counts, seconds=seconds,
        interrupted=interrupted, notes=notes, decision=summary,
    )  # fmt: skip


def final_decision(ctx: RunContext, trials: list[int], weights: list[float]) -> Decision | None:
    """The saved model's decision (:mod:`automl.search.decide`), chosen on its out-of-fold
    predictions (an ensemble's: its members' weighted average) and saved as
    ``decision.json``; ``None`` for regression, or when a member's predictions are missing."""
    import numpy as np

    from automl.search.decide import decide
    from automl.store.decision import save_decision
    from automl.store.schema import oof_file

    data = ctx.data
    if data.task == "regression":
        return None
    rows = data.validated_rows
    paths = [oof_file(ctx.paths.oof_dir, n) for n in trials]
    if not all(p.is_file() for p in paths):
        logger.info("No out-of-fold predictions of the saved model: no threshold chosen.")
        return None
    total = sum(weights)
    proba = sum((w / total) * np.load(p)[rows] for p, w in zip(paths, weights, strict=True))
    fold_of = np.full(len(data.y), -1)
    for index, (_, valid) in enumerate(data.folds):
        fold_of[valid] = index
    decision = decide(
        data.y[rows], np.asarray(proba), fold_of[rows], task=data.task,
        rule=ctx.config.decision, metric=ctx.metric.name, calibrate=ctx.config.calibrate,
        weights=None if data.weights is None else data.weights[rows],
    )  # fmt: skip
    save_decision(ctx.paths.root, decision)
    return decision


def _refit(ctx: RunContext, *, interrupted: bool) -> tuple[Choice, Any, dict[str, Any]]:
    """Choose the trial (and maybe an ensemble) and refit it; returns the choice as kept,
    the ensemble as kept (``None`` for a single trial) and the refit's result."""
    from automl.search.budget import quick_seconds_left
    from automl.search.choose import check_trials, choose_trial
    from automl.search.interrupt import quick_refit
    from automl.search.pool import refit_in_child

    data, study, paths = ctx.data, ctx.study, ctx.paths
    left = ctx.budget.refit_seconds_left(holdout=len(data.holdout_rows) > 0)
    if interrupted:  # the user waits: refit a quick trial here (automl.search.interrupt)
        left = quick_seconds_left()
    limit = ctx.config.max_predict_ms or None
    choice = choose_trial(study, n_folds=ctx.n_folds, seconds_left=left, max_predict_ms=limit)
    ensemble = None
    if ctx.config.ensemble and not interrupted:
        ensemble = _ensemble(ctx, seconds_left=left, max_predict_ms=limit)
    trials = ensemble.trials if ensemble else [choice.number]
    weights = ensemble.weights if ensemble else [1.0]
    check_trials(study, trials, task=data.task)  # parameters read back from a shared storage
    if interrupted:
        refit = quick_refit(study, data, choice, paths.root, max_predict_ms=limit)
    else:
        refit = refit_in_child(
            data=ctx.data_path, storage_url=ctx.store.storage_url,
            study_name=ctx.ref.study_name, trials=trials, weights=weights,
            n_threads=os.cpu_count() or 1, deadline_epoch=ctx.budget.refit_deadline_epoch,
            run_dir=paths.root, max_predict_ms=limit,
        )  # fmt: skip
    ensemble = _kept_ensemble(ensemble, refit, ctx)
    if ensemble is None and refit["trials"] != [choice.number]:  # one member of an ensemble kept
        choice = member_kept_alone(study, refit["trials"][0], ctx.metric, n_folds=ctx.n_folds)
    return choice, ensemble, refit


def _model(ctx: RunContext, choice: Choice, ensemble: Any, refit: dict[str, Any]) -> dict[str, Any]:
    """``run.json``'s ``model``, with what was saved instead of the best trial, and why."""
    from automl.search.ensemble import ensemble_label
    from automl.search.substitution import describe_substitution

    members = ensemble_label(ctx.study, ensemble.trials) if ensemble is not None else None
    model = model_record(choice, ensemble, refit, members)
    add_substitution(model, describe_substitution(
        ctx.study, ctx.metric, choice=choice, model=model,
        changes=list(refit.get("changes") or []),
    ))  # fmt: skip
    return model


def _artifacts(ctx: RunContext, model_sha: str, refit: dict[str, Any],
               decision: Decision | None) -> dict[str, dict[str, Any]]:  # fmt: skip
    """The record's artifacts before the leaderboard is written: the model, profile, schema,
    the decision if there is one, and the drift reference."""
    from automl.search.reference import write_reference
    from automl.store.artifacts import sha256_of

    paths = ctx.paths
    found = {
        MODEL_FILE: artifact(paths.model, model_sha),
        paths.profile.name: artifact(paths.profile, sha256_of(paths.profile)),
        paths.schema.name: artifact(paths.schema, sha256_of(paths.schema)),
    }
    if decision is not None:
        found[paths.decision.name] = artifact(paths.decision, sha256_of(paths.decision))
    members = list(zip(refit["trials"], refit["weights"], strict=True))
    try:
        sha = write_reference(paths, ctx.data, members, model_sha256=model_sha,
                              seed=ctx.config.seed)  # fmt: skip
    except Exception as error:  # the model is saved: a missing reference must not lose it
        logger.warning("No drift reference saved (%s: %s); `automl drift --rebuild-reference "
                       "TRAIN.csv` can make it later.", type(error).__name__, error)  # fmt: skip
        return found
    found[paths.reference.name] = artifact(paths.reference, sha)
    return found


def _write_record(ctx: RunContext, record: dict[str, Any]) -> None:
    """Write ``run.json``, then the leaderboard (which reads it), then ``run.json`` again with
    the leaderboard among its artifacts."""
    from automl.store.artifacts import write_json
    from automl.store.leaderboard import leaderboard

    paths = ctx.paths
    write_json(paths.run_json, record)
    rows = [r.to_dict() for r in leaderboard(ctx.store, [ctx.ref])]
    sha = write_json(paths.leaderboard, rows)
    add_artifact(record, paths.leaderboard, sha)
    write_json(paths.run_json, record)


def _ensemble(ctx: RunContext, *, seconds_left: float | None,
              max_predict_ms: float | None) -> EnsembleChoice | None:  # fmt: skip
    """Greedy ensemble selection over saved out-of-fold predictions, if it fits in time."""
    from automl.search.budget import ensemble_refit_seconds
    from automl.search.choose import choice_of
    from automl.search.ensemble import select_ensemble

    data, study = ctx.data, ctx.study
    ensemble = select_ensemble(study, ctx.paths.oof_dir, data.y, data.validated_rows,
                               ctx.metric, data.n_classes,
                               max_predict_ms=max_predict_ms, row_weights=data.weights)  # fmt: skip
    if ensemble is None or seconds_left is None:
        return ensemble
    by_number = {t.number: t for t in study.get_trials(deepcopy=False)}
    needed = ensemble_refit_seconds(
        choice_of(by_number[n], n_folds=ctx.n_folds).refit_estimate for n in ensemble.trials
    )
    if needed <= seconds_left:
        return ensemble
    logger.info("No time to refit the ensemble (%.0f s needed); keeping the best trial.", needed)
    return None


def member_kept_alone(study: optuna.Study, number: int, metric: Metric, *,
                      n_folds: int) -> Choice:  # fmt: skip
    """The :class:`~automl.search.refit.Choice` of an ensemble member saved alone (its
    ensemble could not be refitted), counting the trials strictly better than it as skipped
    (trials with the same score are not better)."""
    from automl.search.choose import choice_of
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    kept = next(t for t in ranked if t.number == number)
    better = sum(metric.better(float(t.value), float(kept.value)) for t in ranked)
    return choice_of(kept, n_folds=n_folds, skipped_better=better)


def _kept_ensemble(ensemble: Any, refit: dict[str, Any], ctx: RunContext) -> Any:
    """The ensemble as the refit kept it: all members, a re-scored subset, or ``None`` when a
    single member was left."""
    import dataclasses

    from automl.search.ensemble import score_members

    if ensemble is None or refit["trials"] == ensemble.trials:
        return ensemble
    if len(refit["trials"]) < 2:
        return None
    data = ctx.data
    score = score_members(ctx.paths.oof_dir, refit["trials"], refit["weights"], data.y,
                          data.validated_rows, ctx.metric, data.n_classes,
                          data.weights)  # fmt: skip
    return dataclasses.replace(
        ensemble, trials=refit["trials"], weights=refit["weights"], score=score
    )


def _ensemble_row(study: optuna.Study, model: dict[str, Any],
                  holdout: float | None) -> dict[str, Any]:  # fmt: skip
    """The ensemble's leaderboard row, its fit time the sum of its members'."""
    by_label = {r.label: r for r in map(TrialResult.of, study.get_trials(deepcopy=False))}
    fit = sum(by_label[m].fit_seconds or 0.0 for m in ModelSection.of(model).members)
    return ensemble_row(model, fit, holdout)
