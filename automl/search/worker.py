"""A search worker: joins a run's study and runs trials until the run's deadline or trial count.

Local workers are started by ``fit`` as ``python -m automl.search.worker``; ``automl worker``
runs the same :func:`run_worker` on another machine. Everything a worker needs (options,
profile, deadline) is read from the study's user attributes, so the only inputs are the data
file, the storage URL and the study name.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl.config import STORAGE_ENV
from automl.errors import AutomlError, DataError, os_errno
from automl.search.budget import from_epoch, search_over
from automl.store.schema import StudySettings

__all__ = ["STORAGE_ENV", "WorkerOptions", "join_run", "run_worker", "worker_seed"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerOptions:
    """How one worker runs.

    Attributes:
        data: The data file (checked against the run's SHA-256).
        storage_url: The Optuna storage.
        study_name: ``<experiment>/<run_id>``.
        index: The worker's number; its sampler is seeded with ``seed + index``.
        n_threads: Threads per model.
        oof_dir: Where to write out-of-fold predictions (``None`` on other machines).
        check_hash: Whether to verify the data's SHA-256.
    """

    data: Path
    storage_url: str
    study_name: str
    index: int
    n_threads: int
    oof_dir: Path | None = None
    check_hash: bool = True


def worker_seed(seed: int, index: int) -> int:
    """Worker ``index``'s sampler seed (equal seeds would repeat each other's trials)."""
    return seed + index


def run_worker(options: WorkerOptions) -> int:
    """Run trials until the deadline or the trial count of the run is reached.

    Returns:
        The number of trials this worker ran.

    Raises:
        DataError: The data file differs from the run's (SHA-256), or the storage is unreachable.
    """
    from automl.metrics import get_metric
    from automl.models.registry import resolve_families
    from automl.search.objective import Objective
    from automl.search.study import load_study

    storage, settings, data = load_run(
        options.data, options.storage_url, options.study_name, check_hash=options.check_hash
    )
    seed = settings.seed
    study = load_study(storage, options.study_name, seed=worker_seed(seed, options.index))
    families = resolve_families(settings.families)
    deadline = from_epoch(settings.search_end_epoch)
    objective = Objective(
        data,
        families,
        get_metric(settings.metric, data.task),
        n_threads=options.n_threads,
        seed=seed,
        deadline=deadline,
        oof_dir=options.oof_dir,
    )
    n_trials = settings.n_trials
    ran = errors = 0
    while errors < 5:
        if search_over(deadline):
            break
        if n_trials is not None and _started(study) >= int(n_trials):
            break
        try:
            study.optimize(objective, n_trials=1, catch=(Exception,), gc_after_trial=False)
        except Exception as error:  # the storage refused a result (trial failed by another)
            if os_errno(error) is not None:
                raise  # a full or read-only disk: no further trial can be recorded
            errors += 1
            logger.warning("trial not recorded: %s", error)
            continue
        ran += 1
        if objective.out_of_time:  # at most half the families could finish a trial in time
            break
    return ran


def join_run(data: Path, storage_url: str, experiment: str) -> tuple[str, int]:
    """``automl worker``: join the latest run of ``experiment`` in a shared storage.

    Returns:
        The run's study name and the number of trials this worker ran.

    Raises:
        NotFoundError: The storage has no run of that experiment.
        UsageError: The latest run has finished its search.
        DataError: ``data`` is not an exact copy of the run's data, or the storage is unreachable.
    """
    import os
    import secrets

    import optuna

    from automl.config import redact_url
    from automl.errors import NotFoundError, UsageError
    from automl.store.runs import RunRef, open_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # failed trials are on the leaderboard
    storage = open_storage(storage_url)
    refs = sorted(
        (RunRef.from_study_name(s.study_name) for s in optuna.get_all_study_summaries(storage)),
        key=lambda r: r.run_id if r else "",
    )
    runs = [r for r in refs if r is not None and r.experiment == experiment]
    if not runs:
        known = sorted({r.experiment for r in refs if r is not None})
        raise NotFoundError(
            f"No run of experiment {experiment!r} in {redact_url(storage_url)}.",
            hint=(f"Known experiments: {', '.join(known)}. " if known else "")
            + "Start `automl fit DATA --target T --experiment E --storage URL` first.",
        )
    ref = runs[-1]
    end = StudySettings.read(
        optuna.load_study(study_name=ref.study_name, storage=storage)
    ).search_end_epoch
    if end is not None and float(end) <= time.time():
        raise UsageError(
            f"Run {ref.study_name} has finished its search; there is nothing to join.",
            hint="Start the workers while `automl fit` is searching.",
        )
    options = WorkerOptions(
        data=data,
        storage_url=storage_url,
        study_name=ref.study_name,
        index=1000 + secrets.randbelow(1_000_000),  # a seed no local worker uses
        n_threads=os.cpu_count() or 1,
        oof_dir=None,
        check_hash=True,
    )
    return ref.study_name, run_worker(options)


def load_run(
    data_path: Path, storage_url: str, study_name: str, *, check_hash: bool
) -> tuple[Any, StudySettings, Any]:
    """Open the storage, read the run's options from its study, and derive its training data.

    Returns:
        ``(storage, the run's settings, TrainingData)``.

    Raises:
        DataError: The data file's SHA-256 differs from the run's.
    """
    import optuna

    from automl.data import Profile, file_sha256, read_table
    from automl.search.dataset import DataSpec, training_data
    from automl.store.runs import open_storage

    storage = open_storage(storage_url)
    settings = StudySettings.read(optuna.load_study(study_name=study_name, storage=storage))
    if check_hash:
        digest = file_sha256(data_path)
        if digest != settings.data_sha256:
            raise DataError(
                f"{data_path} is not the run's data: its SHA-256 is {digest[:12]}..., "
                f"the run was started on {settings.data_sha256[:12]}... ({settings.data_name}).",
                hint="Give the worker an exact copy of the file the run was started with.",
            )
    table = read_table(data_path)
    spec = DataSpec(**settings.data_spec)
    data = training_data(table.frame, Profile.from_dict(settings.profile), spec)
    return storage, settings, data


def _started(study: Any) -> int:
    import optuna

    states = optuna.trial.TrialState
    finished = (states.COMPLETE, states.PRUNED, states.FAIL, states.RUNNING)
    return len(study.get_trials(deepcopy=False, states=finished))


def exit_with_parent(parent_pid: int) -> None:
    """Leave at once when the parent process is gone (so heartbeats stop and trials go stale)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(3)
            time.sleep(0.5)

    threading.Thread(target=watch, name="automl-parent-watch", daemon=True).start()


def quiet_libraries() -> None:
    """In a child process: keep Optuna and library warnings out of the logs."""
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def main(argv: list[str] | None = None) -> int:
    """Entry point of a local worker process started by ``fit``."""
    parser = argparse.ArgumentParser(prog="python -m automl.search.worker")
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--study", required=True)
    parser.add_argument("--index", required=True, type=int)
    parser.add_argument("--threads", required=True, type=int)
    parser.add_argument("--oof-dir", type=Path)
    parser.add_argument("--parent-pid", type=int)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops us
    if args.parent_pid:
        exit_with_parent(args.parent_pid)
    logging.basicConfig(level=logging.WARNING, format="worker %(process)d: %(message)s")
    quiet_libraries()
    options = WorkerOptions(
        data=args.data,
        storage_url=os.environ[STORAGE_ENV],
        study_name=args.study,
        index=args.index,
        n_threads=args.threads,
        oof_dir=args.oof_dir,
        check_hash=False,
    )
    try:
        run_worker(options)
    except AutomlError as error:
        print(f"worker {args.index}: {error}", file=sys.stderr)
        return int(error.exit_code)
    except Exception as error:
        found = os_errno(error)
        if found is None:
            raise
        from automl.search.pool import FILE_SYSTEM_EXIT

        with contextlib.suppress(OSError):  # the log is likely on the same full disk
            print(f"worker {args.index}: {error}", file=sys.stderr)
        return FILE_SYSTEM_EXIT + found[0]  # the coordinator reports it (see pool.py)
    return 0


if __name__ == "__main__":
    sys.exit(main())
