"""The run's Optuna study: creation with the run's options, the sampler and pruner of a worker,
and the small queries the coordinator makes while it waits."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from automl.store.schema import StudySettings, TrialResult, store_error

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

    from automl.models.base import ModelFamily

__all__ = [
    "TrialCounts",
    "count_trials",
    "create_study",
    "enqueue_portfolio",
    "fail_running_trials",
    "fail_stale_trials",
    "load_study",
    "ranked_trials",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrialCounts:
    """How many trials are in each state, and the best score so far."""

    complete: int = 0
    running: int = 0
    pruned: int = 0
    failed: int = 0
    waiting: int = 0
    best: float | None = None
    best_family: str | None = None


def create_study(
    storage: optuna.storages.BaseStorage | str,
    name: str,
    *,
    direction: Literal["minimize", "maximize"],
    settings: StudySettings,
) -> optuna.Study:
    """Create the run's study and record the run's settings on it."""
    import optuna

    study = optuna.create_study(study_name=name, storage=storage, direction=direction)
    settings.write(study)
    return study


def load_study(
    storage: optuna.storages.BaseStorage | str, name: str, *, seed: int | None = None
) -> optuna.Study:
    """Load a study with a seeded multivariate TPE sampler and a median pruner on fold means
    (:class:`~automl.search.pruning.FoldMedianPruner`)."""
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = optuna.samplers.TPESampler(
            seed=seed, multivariate=True, group=True, constant_liar=True, n_startup_trials=8
        )
    from automl.search.pruning import FoldMedianPruner

    pruner = FoldMedianPruner(n_startup_trials=6)
    return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)


def enqueue_portfolio(
    study: optuna.Study,
    families: tuple[ModelFamily, ...],
    task: str,
    *,
    log_target: bool = False,
) -> int:
    """Queue the baseline, each family's first configuration, then the rest of the portfolios.

    The baseline (``is_baseline``) and the family that leads the portfolio
    (``leads_portfolio``: LightGBM) come first so that a model exists within seconds. With
    ``log_target`` (a skewed regression target), every configuration but the baseline's is
    queued fitted on ``log1p(y)``, and the leading family's first one also on ``y`` itself, so
    that cross-validation compares the two early.

    Returns:
        How many trials were queued.
    """
    by_name = {f.name: f for f in families}
    order = sorted(
        by_name, key=lambda n: (not by_name[n].is_baseline, not by_name[n].leads_portfolio)
    )
    portfolios = {name: by_name[name].portfolio(task) for name in order}  # type: ignore[arg-type]
    queue: list[dict[str, Any]] = []
    for round_ in range(max(len(p) for p in portfolios.values())):
        for name in order:
            if round_ < len(portfolios[name]):
                params = {"family": name, **by_name[name].prefixed(portfolios[name][round_])}
                if log_target and not by_name[name].is_baseline:
                    queue.append(params | {"target_transform": "log"})
                    if round_ == 0 and by_name[name].leads_portfolio:
                        queue.append(params | {"target_transform": "none"})
                else:
                    queue.append(params)
    for params in queue:
        study.enqueue_trial(params, skip_if_exists=True)
    return len(queue)


def ranked_trials(study: optuna.Study) -> list[Any]:
    """The completed trials, best score first (in the study's direction)."""
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    return sorted(complete, key=lambda t: float(t.value or 0.0), reverse=maximize)


def count_trials(study: optuna.Study) -> TrialCounts:
    """Count trials by state and find the best completed one."""
    import optuna

    states = optuna.trial.TrialState
    counts = dict.fromkeys(("complete", "running", "pruned", "failed", "waiting"), 0)
    best: float | None = None
    best_family = None
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    for trial in study.get_trials(deepcopy=False):
        key = {
            states.COMPLETE: "complete",
            states.RUNNING: "running",
            states.PRUNED: "pruned",
            states.FAIL: "failed",
            states.WAITING: "waiting",
        }[trial.state]
        counts[key] += 1
        if trial.state == states.COMPLETE and trial.value is not None:
            better = best is None or (trial.value > best if maximize else trial.value < best)
            if better:
                best, best_family = trial.value, TrialResult.of(trial).family
    return TrialCounts(**counts, best=best, best_family=best_family)


def fail_running_trials(
    study: optuna.Study, reason: str, *, workers: Collection[str] | None = None
) -> int:
    """Mark running trials failed with ``reason`` (their workers were stopped).

    Args:
        study: The run's study.
        reason: Stored as the trials' ``error``.
        workers: Only the trials of these workers (``host:pid``, as each trial records it),
            and those that have not recorded their worker yet; ``None``: every running trial,
            other processes' included.

    Returns:
        How many trials were failed.
    """
    import optuna

    running = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,))
    if workers is not None:
        running = [t for t in running if (TrialResult.of(t).worker or "") in {"", *workers}]
    return sum(fail_trial(study, trial, reason) for trial in running)


def fail_trial(study: optuna.Study, trial: FrozenTrial, reason: str) -> int:
    """Mark one running trial failed with ``reason``; 0 if it finished in the meantime."""
    import optuna

    storage = study._storage
    try:
        store_error(storage, trial._trial_id, reason)
        storage.set_trial_state_values(trial._trial_id, optuna.trial.TrialState.FAIL)
    except Exception:  # the worker finished it in the meantime
        return 0
    return 1


def fail_stale_trials(study: optuna.Study) -> int:
    """Fail running trials whose worker is gone: on this host, a process that no longer
    exists; elsewhere, a heartbeat older than the grace period."""
    import socket
    import warnings

    import optuna

    host = socket.gethostname()
    failed = 0
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        worker = TrialResult.of(trial).worker or ""
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
