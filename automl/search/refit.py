"""After the search: choose the trial to keep, score it on the holdout, refit it on all rows."""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import NoTrialSucceededError
from automl.features.encode import Preparer
from automl.features.pipeline import build_encoder
from automl.metrics import Metric, score_predictions
from automl.models.ensemble import EnsembleModel
from automl.models.predictor import Predictor
from automl.models.registry import FAMILIES, is_baseline
from automl.models.target import with_transform
from automl.search import budget

if TYPE_CHECKING:
    import optuna

    from automl.search.dataset import TrainingData

__all__ = ["Choice", "check_trials", "choose_trial", "fit_final", "score_holdout", "trial_problems"]

logger = logging.getLogger(__name__)

#: More rows than in a CV fold's inner split: train a little longer than early stopping said.
ITERATION_SCALE = 1.15
#: A forest trimmed to predict faster keeps at least this many trees.
MIN_TREES = 50


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
    target_transform: str = "none"
    #: Why this trial was kept rather than the best one, for the user; ``None`` if it is the best.
    note: str | None = None


def choose_trial(
    study: optuna.Study,
    *,
    n_folds: int,
    seconds_left: float | None,
    max_predict_ms: float | None = None,
) -> Choice:
    """The best completed trial whose refit fits in the time left (else the next best).

    With ``max_predict_ms``, when the best trial's estimated time to predict 1,000 rows is over
    the limit, the best trial within it is preferred if its CV mean is within the best one's
    standard error (CV standard deviation / sqrt(K)): a difference that small is noise, and the
    faster model is as good a choice (:func:`faster_within_noise`).

    Raises:
        NoTrialSucceededError: No trial completed; the message lists the failure reasons.
    """
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    if not ranked:
        raise NoTrialSucceededError(
            "No trial succeeded, so there is no model to save.",
            hint="Reasons: " + "; ".join(_reasons(study)) + ". Try a larger --time-budget.",
        )
    note = None
    if max_predict_ms:
        faster, note = faster_within_noise(ranked, n_folds=n_folds, max_predict_ms=max_predict_ms)
        if faster is not None:
            ranked = [faster] + [t for t in ranked if t.number != faster.number]
    for skipped, trial in enumerate(ranked):
        choice = choice_of(trial, n_folds=n_folds, skipped_better=skipped)
        if seconds_left is None or choice.refit_estimate <= seconds_left:
            return dataclasses.replace(choice, note=note) if skipped == 0 else choice
        if is_baseline(choice.family):
            return choice
    raise AssertionError("unreachable: the constant baseline always fits")


def faster_within_noise(
    ranked: list[Any], *, n_folds: int, max_predict_ms: float
) -> tuple[Any, str | None]:
    """The best trial predicting within ``max_predict_ms`` whose CV mean is within the best
    trial's standard error, when the best trial itself is estimated over the limit.

    Estimates are :class:`automl.search.ensemble.PredictBudget`'s, as in ensemble selection.

    Returns:
        That trial and a note for the user, or ``(None, None)``.
    """
    from automl.search.ensemble import predict_budget

    budget = predict_budget(ranked, max_predict_ms)
    best = ranked[0]
    if best.user_attrs.get("predict_ms_per_1000") is None or budget.fits([best.number]):
        return None, None
    best_mean = float(best.user_attrs["cv_mean"])
    band = float(best.user_attrs.get("cv_std") or 0.0) / math.sqrt(max(n_folds, 1))
    for trial in ranked[1:]:
        if abs(float(trial.user_attrs["cv_mean"]) - best_mean) > band:
            break  # ranked best first: every later trial is further away
        if is_baseline(trial.user_attrs.get("family")):
            continue
        if trial.user_attrs.get("predict_ms_per_1000") is None:
            continue
        if budget.fits([trial.number]):
            family = trial.user_attrs.get("family", "?")
            best_label = f"{best.user_attrs.get('family', '?')}#{best.number}"
            note = (
                f"Kept {family}#{trial.number} instead of the best trial {best_label}: "
                f"{best_label} would predict 1,000 rows in about "
                f"{budget.estimate([best.number]):.0f} ms, over --max-predict-ms "
                f"{max_predict_ms:g}; {family}#{trial.number} takes about "
                f"{budget.estimate([trial.number]):.0f} ms and scores within {best_label}'s "
                f"standard error ({band:.2g})."
            )
            return trial, note
    return None, None


def choice_of(trial: Any, *, n_folds: int, skipped_better: int = 0) -> Choice:
    """The refit description of a completed trial.

    Raises:
        DataError: The trial names no model family automl has (it was not written by automl).
    """
    attrs = trial.user_attrs
    family = FAMILIES.get(str(attrs.get("family")))
    if family is None:
        raise _foreign_trial(trial, [f"family={attrs.get('family')!r} (not a model family)"])
    return Choice(
        number=trial.number,
        family=family.name,
        params=family.unprefixed(trial.params),
        cv_mean=float(attrs["cv_mean"]),
        cv_std=float(attrs["cv_std"]),
        fold_scores=[float(s) for s in attrs["fold_scores"]],
        n_iterations=attrs.get("n_iterations"),
        refit_estimate=budget.refit_estimate(float(attrs.get("fit_seconds", 0.0)), n_folds),
        skipped_better=skipped_better,
        target_transform=str(trial.params.get("target_transform", "none")),
    )


#: More rounds or trees than any family grows (boosting stops at 3,000): a trial recording more
#: was not written by automl.
_MAX_ITERATIONS = 10_000


def check_trials(study: optuna.Study, numbers: list[int], *, task: str) -> None:
    """Refuse to refit trials whose parameters automl could not have drawn.

    A run's trials are read back from its storage, which other processes, machines or people
    may write to. Before a refit, every parameter of each trial is checked against its
    family's search space (:meth:`~automl.models.base.ModelFamily.check_params`), so that a
    trial carrying ``allow_writing_files=True`` for CatBoost or ``n_jobs=64`` for LightGBM is
    never fitted; the models also apply their safety settings last.

    Raises:
        DataError: A trial has a parameter outside its family's search space; the message
            names the trial and the parameter.
    """
    for number in numbers:
        trial = study.trials[number]
        problems = trial_problems(trial, task=task)
        if problems:
            raise _foreign_trial(trial, problems, study_name=study.study_name)


def trial_problems(trial: Any, *, task: str) -> list[str]:
    """What in a trial automl could not have written: its family, parameters outside the
    family's search space, an impossible iteration count. Empty for automl's own trials."""
    family = FAMILIES.get(str(trial.user_attrs.get("family")))
    if family is None:
        return [f"family={trial.user_attrs.get('family')!r} (not a model family)"]
    params = dict(trial.params)
    problems = []
    drawn = params.pop("family", family.name)
    if drawn != family.name:
        problems.append(f"family={drawn!r} (the trial's family is {family.name!r})")
    transform = params.pop("target_transform", "none")
    if transform not in ("none", "log"):
        problems.append(f"target_transform={transform!r} (expected 'none' or 'log')")
    prefix = f"{family.name}."
    problems += [f"{k}={v!r} (not a {family.name} parameter)" for k, v in params.items()
                 if not k.startswith(prefix)]  # fmt: skip
    problems += [prefix + p for p in family.check_params(family.unprefixed(params), task=task)]  # type: ignore[arg-type]
    iterations = trial.user_attrs.get("n_iterations")
    if iterations is not None and (
        type(iterations) is not int or not 1 <= iterations <= _MAX_ITERATIONS
    ):
        problems.append(f"n_iterations={iterations!r} (expected 1 to {_MAX_ITERATIONS:,})")
    return problems


def _foreign_trial(trial: Any, problems: list[str], *, study_name: str | None = None) -> Any:
    from automl.errors import DataError

    where = f" of run {study_name}" if study_name else ""
    return DataError(
        f"Trial {trial.number}{where} has parameters automl never draws: "
        f"{'; '.join(problems)}. Refusing to refit it.",
        hint="Something other than automl wrote this trial into the run's storage. Check who "
        "can write to that database; start a new run, or delete that trial, to go on.",
    )


def trim_forest(
    choice: Choice, trials: list[Any], max_predict_ms: float | None
) -> tuple[Choice, str | None]:
    """Fewer trees for a forest saved alone whose predictions would be slower than
    ``max_predict_ms`` per 1,000 rows (a forest's prediction time grows with its trees, and
    its quality hardly changes between a few hundred trees and fewer).

    The estimate is :class:`automl.search.ensemble.PredictBudget`'s, as in ensemble
    selection; at least :data:`MIN_TREES` trees are kept.

    Returns:
        The choice (with a lower ``n_iterations`` if trimmed) and a note for the user, or
        ``None`` if nothing changed.
    """
    from automl.search.ensemble import predict_budget

    trimmable = FAMILIES[choice.family].grows_incrementally
    if not max_predict_ms or not trimmable or not choice.n_iterations:
        return choice, None
    budget = predict_budget(trials, max_predict_ms)
    allowed = budget.allowed - budget.base
    spent = budget.cost(choice.number)
    trees = max(MIN_TREES, int(choice.n_iterations * max(allowed, 0.0) / spent))
    if spent <= allowed or trees >= choice.n_iterations:
        return choice, None
    note = (
        f"{choice.family}#{choice.number} refitted with {trees} trees instead of "
        f"{choice.n_iterations}, to predict 1,000 rows within --max-predict-ms "
        f"{max_predict_ms:g} (estimated {budget.base + spent:.0f} ms with all of them)."
    )
    return dataclasses.replace(choice, n_iterations=trees), note


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
        model.fit(X, data.y[rows], deadline=deadline)
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


def without_member(model: EnsembleModel, index: int) -> EnsembleModel:
    """The ensemble without its member ``index``, the other weights renormalised."""
    keep = [i for i in range(len(model.members)) if i != index]
    return EnsembleModel(
        model.preparer,
        [model.members[i] for i in keep],
        [model.weights[i] for i in keep],
        task=model.task,
        names=[model.names[i] for i in keep],
    )


def score_holdout(model: EnsembleModel, data: TrainingData, metric: Metric) -> float:
    """Score a model fitted on the search rows on the held-out rows."""
    X = data.raw.iloc[data.holdout_rows]
    prediction = model.predict(X) if data.task == "regression" else model.predict_proba(X)
    labels = list(range(data.n_classes))
    return score_predictions(metric, data.y[data.holdout_rows], prediction, labels)


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


def class_balance(data: TrainingData) -> dict[str, int]:
    """Rows per class label (for the record)."""
    if data.task == "regression":
        return {}
    counts = np.bincount(data.y, minlength=data.n_classes)
    return {str(label): int(c) for label, c in zip(data.labels, counts, strict=True)}


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
    import optuna

    from automl.metrics import get_metric
    from automl.store.artifacts import dump_model, write_json

    attrs = study.user_attrs
    check_trials(study, trials, task=data.task)
    choices = [choice_of(study.trials[n], n_folds=len(data.folds)) for n in trials]
    notes: list[str] = []
    changes: list[dict[str, Any]] = []
    limit = max_predict_ms or None
    if len(choices) == 1:
        complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        trimmed, note = trim_forest(choices[0], complete, limit)
        if note:
            notes.append(note)
            changes.append({"kind": "fewer_trees", "member": f"{trimmed.family}#{trimmed.number}",
                            "trees": trimmed.n_iterations, "searched_trees":
                            choices[0].n_iterations, "note": note})  # fmt: skip
        choices[0] = trimmed
    metric = get_metric(attrs["metric"], data.task)
    maximize = metric.direction == "maximize"
    seed = int(attrs["config"]["seed"])
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
    predict_ms, holdout = _within_limit(predictor, searched, data, metric, limit, notes, changes)
    sha = dump_model(out_dir / "model.joblib", predictor)
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
    write_json(out_dir / "refit.json", result)
    return result


def _within_limit(
    predictor: Predictor,
    searched: EnsembleModel | None,
    data: TrainingData,
    metric: Metric,
    limit: float | None,
    notes: list[str],
    changes: list[dict[str, Any]],
) -> tuple[float, float | None]:
    """Measure the refitted model's prediction time; while an ensemble is over ``limit``
    (the estimate that chose its members was off), drop its lightest member. Returns the
    final time and the holdout score (of ``searched``, the same members fitted on the search
    rows; ``None`` without a holdout)."""
    from automl.search.objective import measure_predict_ms

    classification = data.task != "regression"
    holdout = None if searched is None else score_holdout(searched, data, metric)
    predict_ms = measure_predict_ms(predictor.model, data.raw, classification=classification,
                                    repeats=3)  # fmt: skip
    while limit and predict_ms > limit and len(predictor.model.members) > 1:
        weights = predictor.model.weights
        lightest = min(range(len(weights)), key=lambda i: (weights[i], -i))  # last of equals
        name = predictor.model.names[lightest]
        predictor.model = without_member(predictor.model, lightest)
        if searched is not None and name in searched.names and len(searched.names) > 1:
            searched = without_member(searched, searched.names.index(name))
            holdout = score_holdout(searched, data, metric)
        before = predict_ms
        predict_ms = measure_predict_ms(predictor.model, data.raw,
                                        classification=classification, repeats=3)  # fmt: skip
        note = (
            f"Ensemble member {name} left out after the refit: the ensemble predicted 1,000 "
            f"rows in {before:.0f} ms, over --max-predict-ms {limit:g}; {predict_ms:.0f} ms "
            "without it."
        )
        notes.append(note)
        changes.append({"kind": "member_dropped", "member": name, "note": note})
    if limit and predict_ms > limit:
        notes.append(
            f"The saved model predicts 1,000 rows in {predict_ms:.0f} ms, over "
            f"--max-predict-ms {limit:g}: no model within the limit scored within noise of "
            "it. Raise the limit, or keep to faster families with --models (the leaderboard's "
            "ms/1k column)."
        )
    return predict_ms, holdout


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
