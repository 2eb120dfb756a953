"""``fit``: read, profile, search in worker processes, refit the best, save the run.

The coordinator creates the storage and the study (with every option a worker needs), queues
the portfolio, starts the workers, reports progress while they search, stops them at the
deadline, then refits the chosen pipeline and writes the run folder.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automl.config import FitConfig, redact_url
from automl.formatting import plural
from automl.search.budget import Budget
from automl.search.study import TrialCounts

__all__ = ["FitResult", "Progress", "run_fit"]

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Progress:
    """What the search has done so far."""

    counts: TrialCounts
    elapsed: float
    time_left: float | None
    n_trials: int | None
    metric: str


@dataclass(frozen=True)
class FitResult:
    """What ``fit`` produced."""

    experiment: str
    run_id: str
    run_dir: Path
    task: str
    metric: str
    target: str
    best_trial: int
    best_family: str
    skipped_better: int
    model: dict[str, Any]
    cv_mean: float
    cv_std: float
    holdout: float | None
    counts: TrialCounts
    seconds: float
    interrupted: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def run_fit(
    config: FitConfig,
    *,
    home: Path,
    progress: Callable[[Progress], None] | None = None,
) -> FitResult:
    """Run one ``fit``: search, refit, save.

    Args:
        config: The fit options.
        home: Where experiments live.
        progress: Called about twice a second while the search runs.

    Returns:
        The run's summary. ``interrupted`` is true after Ctrl-C (the best model so far is
        saved).

    Raises:
        NotFoundError: The data file or a named column does not exist.
        DataError: The data cannot be used.
        UsageError: Contradictory options.
        NoTrialSucceededError: No trial completed.
    """
    from automl.store.runs import Store

    budget = Budget.plan(config.time_budget)
    store = Store(home, config.storage)
    try:
        return _run(store, config, budget, progress)
    finally:
        store.close()  # the run's lock, and the database connections (SQLite's WAL)


def _run(
    store: Any,
    config: FitConfig,
    budget: Budget,
    progress: Callable[[Progress], None] | None,
) -> FitResult:
    if config.resume:
        ref, study, config, data, metric, data_sha = _resume(store, config, budget)
    else:
        ref, study, data, metric, data_sha = _new_run(store, config, budget)
    for note in data.notes:
        logger.info(note)
    run_dir = store.run_dir(ref)

    from automl.search.pool import WorkerPool

    pool = WorkerPool(
        data=Path(config.data).resolve(),
        storage_url=store.storage_url,
        study_name=ref.study_name,
        n_workers=config.effective_n_jobs,
        log_dir=run_dir / "logs",
        oof_dir=run_dir / "oof",
    )
    interrupted = _search(pool, study, budget, config, metric.name, progress)
    return _finish(
        store, ref, study, data, metric, config, budget,
        data_sha=data_sha, interrupted=interrupted,
    )  # fmt: skip


def _new_run(store: Any, config: FitConfig, budget: Budget) -> Any:
    """Read and profile the data, create the run folder and its study, queue the portfolio."""
    from automl.data import file_sha256, profile_table, read_table
    from automl.metrics import default_metric, get_metric
    from automl.models.registry import resolve_families
    from automl.search.dataset import DataSpec, training_data
    from automl.store.artifacts import write_json
    from automl.store.runs import RunRef, new_run_id

    families = resolve_families(list(config.models) if config.models else None)
    table = read_table(config.data)
    profile = profile_table(table, target=config.target, keep_na=config.keep_na)
    spec = DataSpec(
        target=profile.target.name if profile.target else config.target,
        task=config.task,
        pos_label=config.pos_label,
        ignore=config.ignore,
        group=config.group,
        time=config.time,
        holdout=config.holdout,
        cv=config.cv,
        seed=config.seed,
    )
    data = training_data(table.frame, profile, spec)
    metric = get_metric(config.metric or default_metric(data.task), data.task)
    ref = RunRef(config.experiment, new_run_id())
    run_dir = store.run_dir(ref)
    store.storage()  # an unreachable storage fails before any run folder is made
    run_dir.mkdir(parents=True, exist_ok=False)
    store.lock_run(ref)
    write_json(run_dir / "profile.json", data.profile.to_dict())
    write_json(run_dir / "schema.json", input_schema(data))
    write_json(run_dir / "sample.json", sample_rows(data))
    data_sha = file_sha256(config.data)
    study = _create_run_study(store, ref, config, data, spec, metric.name, families, budget,
                              data_sha=data_sha)  # fmt: skip
    return ref, study, data, metric, data_sha


def _resume(store: Any, config: FitConfig, budget: Budget) -> Any:
    """Reopen the latest run of the experiment, refusing if the data or its meaning changed;
    fail the trials of workers that are gone; give the search its new budget."""
    import dataclasses

    import optuna

    from automl.data import Profile, file_sha256, read_table
    from automl.errors import DataError
    from automl.metrics import get_metric
    from automl.search.dataset import DataSpec, training_data

    ref = store.latest_run(config.experiment)
    store.lock_run(ref)  # a second resume of this run, or the fit still running it, refuses
    study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
    attrs = study.user_attrs
    stored = attrs["config"]
    data_sha = file_sha256(config.data)
    changed = []
    if data_sha != attrs["data_sha256"]:
        changed.append(
            f"the data (SHA-256 {data_sha[:12]}... is not {attrs['data_sha256'][:12]}...)"
        )
    if config.target != stored["target"]:
        changed.append(f"the target ({config.target!r}, was {stored['target']!r})")
    if config.task != "auto" and config.task != attrs["task"]:
        changed.append(f"the task ({config.task}, was {attrs['task']})")
    if config.metric and config.metric != attrs["metric"]:
        changed.append(f"the metric ({config.metric}, was {attrs['metric']})")
    table = read_table(config.data)
    data = training_data(
        table.frame, Profile.from_dict(attrs["profile"]), DataSpec(**attrs["data_spec"])
    )
    if config.cv and config.cv not in (stored.get("cv"), len(data.folds)):
        changed.append(f"the folds (--cv {config.cv}, was {len(data.folds)})")
    if changed:
        raise DataError(
            f"Cannot resume run {ref.study_name}: " + "; ".join(changed) + " changed.",
            hint="Resume with the same data and options, or start a new run without --resume.",
        )
    config = dataclasses.replace(
        config,
        task=stored["task"],
        metric=attrs["metric"],
        cv=stored.get("cv"),
        models=tuple(stored["models"]) if stored.get("models") else None,
        seed=stored["seed"],
        ignore=tuple(stored.get("ignore") or ()),
        group=stored.get("group"),
        time=stored.get("time"),
        holdout=stored.get("holdout"),
        pos_label=stored.get("pos_label"),
        keep_na=tuple(stored.get("keep_na") or ()),
    )
    stale = fail_stale_trials(study)
    if stale:
        logger.info("Marked %s of stopped workers as failed.", plural(stale, "trial"))
    study.set_user_attr("search_end_epoch", budget.search_end_epoch)
    study.set_user_attr("n_trials", config.n_trials)
    started = sum(t.state.name != "WAITING" for t in study.get_trials(deepcopy=False))
    logger.info("Resuming run %s (%s so far).", ref.study_name, plural(started, "trial"))
    return ref, study, config, data, get_metric(attrs["metric"], data.task), data_sha


def fail_stale_trials(study: Any) -> int:
    """Fail running trials whose worker is gone: on this host, a process that no longer
    exists; elsewhere, a heartbeat older than the grace period."""
    import socket
    import warnings

    import optuna

    from automl.search.study import fail_trial

    host = socket.gethostname()
    failed = 0
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker = str(trial.user_attrs.get("worker", ""))
        worker_host, _, pid = worker.rpartition(":")
        if worker_host == host and pid.isdigit() and not _alive(int(pid)):
            failed += fail_trial(study, trial, "stale: its worker process is gone")
        elif not worker:
            failed += fail_trial(study, trial, "stale: it never reported its worker")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
    except Exception as error:  # storages without heartbeats
        logger.debug("fail_stale_trials: %s", error)
    return failed


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def input_schema(data: Any) -> dict[str, Any]:
    """The columns ``predict`` and the service expect: name, role, type, nullability."""
    features = []
    for column in data.profile.features:
        features.append(
            {
                "name": column.name,
                "role": column.role,
                "dtype": column.dtype,
                "nullable": column.n_missing > 0,
                "parse": column.parse,
                "top_levels": [v for v, _ in column.stats.get("top", [])]
                if column.role == "categorical"
                else [],
            }
        )
    return {"features": features, "target": data.profile.target.name, "task": data.task}


def sample_rows(data: Any, n: int = 25) -> list[dict[str, Any]]:
    """The first rows as read (features only), for the service's golden tests."""
    import json

    features = [c.name for c in data.profile.features]
    frame = data.raw.loc[:, features].head(n)
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return rows


def _create_run_study(
    store: Any,
    ref: Any,
    config: FitConfig,
    data: Any,
    spec: Any,
    metric: str,
    families: tuple[Any, ...],
    budget: Budget,
    *,
    data_sha: str,
) -> Any:
    from dataclasses import asdict

    from automl.metrics import METRICS
    from automl.search.study import create_study, enqueue_portfolio

    attrs = {
        "config": config.to_dict(),
        "data_spec": asdict(spec) | {"ignore": list(spec.ignore)},
        "profile": data.profile.to_dict(),
        "task": data.task,
        "metric": metric,
        "labels": data.labels,
        "positive_class": data.labels[-1] if data.task == "binary" else None,
        "data_sha256": data_sha,
        "data_name": Path(config.data).name,
        "families": [f.name for f in families],
        "n_trials": config.n_trials,
        "search_end_epoch": budget.search_end_epoch,
        "run_dir": str(store.run_dir(ref).resolve()),
    }
    study = create_study(
        store.storage(), ref.study_name, direction=METRICS[metric].direction, attrs=attrs
    )
    enqueue_portfolio(study, families, data.task, log_target=data.log_target_allowed)
    return study


def _search(
    pool: Any,
    study: Any,
    budget: Budget,
    config: FitConfig,
    metric: str,
    progress: Callable[[Progress], None] | None,
) -> bool:
    """Run the workers until done or out of time; return whether the user interrupted."""
    from automl.search.study import count_trials, fail_running_trials

    stop = threading.Event()
    # Ctrl-C sets a flag that the loop checks: a KeyboardInterrupt raised inside library code
    # (the storage, the progress display) could be lost there, and the search would go on
    installed = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if installed else None
    pool.start()
    try:
        while pool.alive() and not stop.is_set():
            now = time.monotonic()
            if progress is not None:
                progress(
                    Progress(count_trials(study), now - budget.started,
                             budget.left(budget.search_end), config.n_trials, metric)
                )  # fmt: skip
            if budget.stragglers_due():
                break
            stop.wait(_POLL_SECONDS)
    except KeyboardInterrupt:
        stop.set()
    finally:
        if installed:  # a second Ctrl-C stops the rest at once
            signal.signal(signal.SIGINT, previous or signal.default_int_handler)
        pool.stop()
    interrupted = stop.is_set()
    if interrupted:
        fail_running_trials(study, "interrupted by the user")
    elif budget.past_search_end():
        fail_running_trials(study, "deadline: stopped by the coordinator")
    else:  # --n-trials reached: trials of `automl worker` processes elsewhere go on
        fail_running_trials(study, "stale: its worker process is gone", workers=pool.worker_ids())
    if progress is not None:
        progress(Progress(count_trials(study), time.monotonic() - budget.started, 0.0,
                          config.n_trials, metric))  # fmt: skip
    refused = pool.file_system_error()
    if refused is not None:  # a full or read-only disk: the trials so far are in the storage
        raise refused
    failures = pool.failures()
    if failures:
        logger.warning("Some workers failed: %s", "; ".join(failures))
    return interrupted


def _finish(
    store: Any,
    ref: Any,
    study: Any,
    data: Any,
    metric: Any,
    config: FitConfig,
    budget: Budget,
    *,
    data_sha: str,
    interrupted: bool,
) -> FitResult:
    import os

    from automl.search.budget import quick_seconds_left
    from automl.search.interrupt import quick_refit
    from automl.search.pool import refit_in_child
    from automl.search.refit import check_trials, choose_trial
    from automl.search.study import count_trials
    from automl.search.substitution import describe_substitution
    from automl.store.artifacts import sha256_of, write_json

    run_dir = store.run_dir(ref)
    left = budget.refit_seconds_left(holdout=len(data.holdout_rows) > 0)
    if interrupted:  # the user waits: refit a quick trial here (automl.search.interrupt)
        left = quick_seconds_left()
    max_predict_ms = config.max_predict_ms or None
    choice = choose_trial(
        study, n_folds=len(data.folds), seconds_left=left, max_predict_ms=max_predict_ms
    )
    ensemble = (
        _ensemble(
            study,
            run_dir,
            data,
            metric,
            seconds_left=left,
            max_predict_ms=max_predict_ms,
        )
        if config.ensemble and not interrupted
        else None
    )
    trials = ensemble.trials if ensemble else [choice.number]
    weights = ensemble.weights if ensemble else [1.0]
    check_trials(study, trials, task=data.task)  # parameters read back from a shared storage
    refit = (
        quick_refit(study, data, choice, run_dir, max_predict_ms=max_predict_ms)
        if interrupted
        else refit_in_child(
            data=Path(config.data).resolve(),
            storage_url=store.storage_url,
            study_name=ref.study_name,
            trials=trials,
            weights=weights,
            n_threads=os.cpu_count() or 1,
            deadline_epoch=budget.refit_deadline_epoch,
            run_dir=run_dir,
            max_predict_ms=max_predict_ms,
        )
    )
    ensemble = _kept_ensemble(ensemble, refit, run_dir, data, metric)
    if ensemble is None and refit["trials"] != [choice.number]:  # one member of an ensemble kept
        choice = member_kept_alone(study, refit["trials"][0], metric, n_folds=len(data.folds))
    holdout = refit["holdout"]
    if holdout is not None:
        logger.info("Holdout %s of the chosen model: %.5g", metric.name, holdout)
    refit_seconds = float(refit["seconds"])
    artifacts = {"model.joblib": str(refit["sha256"])}
    study.set_user_attr("model_sha256", str(refit["sha256"]))  # checked with run.json's at load
    for name in ("profile.json", "schema.json"):
        artifacts[name] = sha256_of(run_dir / name)
    counts = count_trials(study)
    seconds = time.monotonic() - budget.started
    kept_alone = ensemble is None and refit["trials"] == [choice.number]
    choice_notes = (choice.note,) if kept_alone and choice.note else ()
    notes = tuple(data.notes) + choice_notes + tuple(refit.get("notes") or ())
    model = _model_record(study, choice, ensemble, refit)
    model["substitution"] = describe_substitution(
        study, metric, choice=choice, model=model, changes=list(refit.get("changes") or ())
    )
    explained = (model["substitution"] or {}).get("explanation", "")
    for note in choice_notes + tuple(refit.get("notes") or ()):
        if note not in explained:  # the substitution is printed with the saved model
            logger.info("%s", note)
    record = run_record(
        ref, config, data, metric, choice, counts, holdout, artifacts, run_dir,
        data_sha=data_sha, seconds=seconds, refit_seconds=refit_seconds,
        interrupted=interrupted, started_epoch=budget.started_epoch, notes=notes,
    )  # fmt: skip
    record["model"] = model
    if ensemble is not None:
        record["holdout"] = None if holdout is None else {
            "model": "ensemble", "trial": None, "score": holdout,
            "n_rows": len(data.holdout_rows),
        }  # fmt: skip
        record["extra_leaderboard_rows"] = [_ensemble_row(study, model, holdout)]
    from automl.store.leaderboard import leaderboard

    write_json(run_dir / "run.json", record)
    rows = [r.to_dict() for r in leaderboard(store, [ref])]
    record["artifacts"]["leaderboard.json"] = _artifact(
        run_dir / "leaderboard.json", write_json(run_dir / "leaderboard.json", rows)
    )
    write_json(run_dir / "run.json", record)
    return FitResult(
        experiment=ref.experiment,
        run_id=ref.run_id,
        run_dir=run_dir,
        task=data.task,
        metric=metric.name,
        target=data.profile.target.name,
        best_trial=choice.number,
        best_family=choice.family,
        skipped_better=choice.skipped_better,
        model=model,
        cv_mean=choice.cv_mean,
        cv_std=choice.cv_std,
        holdout=holdout,
        counts=counts,
        seconds=seconds,
        interrupted=interrupted,
        notes=notes,
    )


def _ensemble(
    study: Any,
    run_dir: Path,
    data: Any,
    metric: Any,
    *,
    seconds_left: float | None,
    max_predict_ms: float | None,
) -> Any:
    """Greedy ensemble selection over saved out-of-fold predictions, if it fits in time."""

    from automl.search.budget import ensemble_refit_seconds
    from automl.search.ensemble import select_ensemble
    from automl.search.refit import choice_of

    ensemble = select_ensemble(study, run_dir / "oof", data.y, data.validated_rows, metric,
                               data.n_classes, max_predict_ms=max_predict_ms)  # fmt: skip
    if ensemble is None or seconds_left is None:
        return ensemble
    by_number = {t.number: t for t in study.get_trials(deepcopy=False)}
    needed = ensemble_refit_seconds(
        choice_of(by_number[n], n_folds=len(data.folds)).refit_estimate for n in ensemble.trials
    )
    if needed <= seconds_left:
        return ensemble
    logger.info("No time to refit the ensemble (%.0f s needed); keeping the best trial.", needed)
    return None


def member_kept_alone(study: Any, number: int, metric: Any, *, n_folds: int) -> Any:
    """The :class:`~automl.search.refit.Choice` of an ensemble member saved alone (its
    ensemble could not be refitted), counting the trials strictly better than it as skipped
    (trials with the same score are not better)."""
    from automl.search.refit import choice_of
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    kept = next(t for t in ranked if t.number == number)
    better = sum(metric.better(float(t.value), float(kept.value)) for t in ranked)
    return choice_of(kept, n_folds=n_folds, skipped_better=better)


def _kept_ensemble(
    ensemble: Any, refit: dict[str, Any], run_dir: Path, data: Any, metric: Any
) -> Any:
    """The ensemble as the refit kept it: all members, a re-scored subset, or ``None`` when a
    single member was left."""
    import dataclasses

    from automl.search.ensemble import score_members

    if ensemble is None or refit["trials"] == ensemble.trials:
        return ensemble
    if len(refit["trials"]) < 2:
        return None
    score = score_members(run_dir / "oof", refit["trials"], refit["weights"], data.y,
                          data.validated_rows, metric, data.n_classes)  # fmt: skip
    return dataclasses.replace(
        ensemble, trials=refit["trials"], weights=refit["weights"], score=score
    )


def _model_record(study: Any, choice: Any, ensemble: Any, refit: dict[str, Any]) -> dict[str, Any]:
    """What the saved model is: one trial, or an ensemble with its members and weights."""
    from automl.search.ensemble import ensemble_label

    if ensemble is None:
        return {
            "kind": "single",
            "members": [f"{choice.family}#{choice.number}"],
            "weights": [1.0],
            "cv_mean": choice.cv_mean,
            "score_kind": "cv",
            "predict_ms_per_1000": refit.get("predict_ms_per_1000"),
        }
    return {
        "kind": "ensemble",
        "members": ensemble_label(study, ensemble.trials),
        "weights": ensemble.weights,
        "cv_mean": ensemble.score,
        "best_single_cv_mean": ensemble.best_single,
        "score_kind": "oof",
        "predict_ms_per_1000": refit.get("predict_ms_per_1000"),
    }


def _ensemble_row(study: Any, model: dict[str, Any], holdout: float | None) -> dict[str, Any]:
    """The ensemble's leaderboard row (it is not an Optuna trial)."""
    by_label = {
        f"{t.user_attrs.get('family')}#{t.number}": t for t in study.get_trials(deepcopy=False)
    }
    fit = sum(float(by_label[m].user_attrs.get("fit_seconds", 0.0)) for m in model["members"])
    return {
        "family": "ensemble",
        "state": "complete",
        "score_kind": "oof",
        "cv_mean": model["cv_mean"],
        "cv_std": None,
        "fit_seconds": round(fit, 3),
        "predict_ms_per_1000": model["predict_ms_per_1000"],
        "reason": None,
        "params": dict(zip(model["members"], [round(w, 3) for w in model["weights"]], strict=True)),
        "holdout": holdout,
    }


def _artifact(path: Path, sha: str) -> dict[str, Any]:
    return {"sha256": sha, "bytes": path.stat().st_size}


def run_record(
    ref: Any,
    config: FitConfig,
    data: Any,
    metric: Any,
    choice: Any,
    counts: TrialCounts,
    holdout: float | None,
    artifacts: dict[str, str],
    run_dir: Path,
    *,
    data_sha: str,
    seconds: float,
    refit_seconds: float,
    interrupted: bool,
    started_epoch: float,
    notes: tuple[str, ...],
) -> dict[str, Any]:
    """``run.json``: everything needed to understand and reproduce the run."""
    from automl.search.refit import class_balance
    from automl.store.environment import package_versions, platform_info

    return {
        "schema_version": 1,
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "study_name": ref.study_name,
        "status": "interrupted" if interrupted else "complete",
        "command": [Path(sys.argv[0]).name, *(redact_url(a) for a in sys.argv[1:])],
        "options": config.to_dict(),
        "seed": config.seed,
        "task": data.task,
        "metric": metric.name,
        "direction": metric.direction,
        "target": data.profile.target.name,
        "labels": data.labels,
        "positive_class": data.labels[-1] if data.task == "binary" else None,
        "class_balance": class_balance(data),
        "data": {
            "path": str(Path(config.data).resolve()),
            "name": Path(config.data).name,
            "sha256": data_sha,
            "n_rows": len(data.y),
            "n_search_rows": len(data.search_rows),
            "n_holdout_rows": len(data.holdout_rows),
            "n_features": len(data.profile.features),
        },
        "cv": {"folds": len(data.folds)},
        "best": {
            "trial": choice.number,
            "family": choice.family,
            "params": choice.params,
            "n_iterations": choice.n_iterations,
            "cv_mean": choice.cv_mean,
            "cv_std": choice.cv_std,
            "fold_scores": choice.fold_scores,
            "skipped_better_trials": choice.skipped_better,
        },
        "holdout": None
        if holdout is None
        else {"trial": choice.number, "score": holdout, "n_rows": len(data.holdout_rows)},
        "trials": {
            "complete": counts.complete,
            "pruned": counts.pruned,
            "failed": counts.failed,
        },
        "timings": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_epoch)),
            "seconds": round(seconds, 3),
            "refit_seconds": round(refit_seconds, 3),
        },
        "versions": package_versions(),
        "platform": platform_info(),
        "artifacts": {name: _artifact(run_dir / name, sha) for name, sha in artifacts.items()},
        "notes": list(notes),
    }
