"""``fit``: read, profile, search in worker processes, refit the best, save the run.

The coordinator starts the run (:mod:`automl.search.start`: the storage, the study with every
setting a worker needs, the portfolio), starts the workers, reports progress while they
search, stops them at the deadline, then refits the chosen pipeline and writes the run folder
(:mod:`automl.search.finish`). The steps pass one :class:`~automl.search.context.RunContext`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from automl.config import FitConfig
from automl.search.budget import Budget
from automl.search.context import FitResult, Progress, RunContext

if TYPE_CHECKING:
    from automl.search.pool import WorkerPool
    from automl.store.runs import Store

__all__ = ["FitResult", "Progress", "run_fit"]

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.5


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
    store: Store,
    config: FitConfig,
    budget: Budget,
    progress: Callable[[Progress], None] | None,
) -> FitResult:
    from automl.search.finish import finish_run
    from automl.search.pool import WorkerPool
    from automl.search.start import new_run, resume_run

    ctx = resume_run(store, config, budget) if config.resume else new_run(store, config, budget)
    for note in ctx.data.notes:
        logger.info(note)
    pool = WorkerPool(
        data=ctx.data_path,
        storage_url=store.storage_url,
        study_name=ctx.ref.study_name,
        n_workers=ctx.config.effective_n_jobs,
        log_dir=ctx.paths.logs_dir,
        oof_dir=ctx.paths.oof_dir,
    )
    interrupted = _search(pool, ctx, progress)
    return finish_run(ctx, interrupted=interrupted)


def _search(pool: WorkerPool, ctx: RunContext, progress: Callable[[Progress], None] | None) -> bool:
    """Run the workers until done or out of time; return whether the user interrupted."""
    from automl.search.study import count_trials

    budget = ctx.budget

    def report(time_left: float | None) -> None:
        if progress is not None:
            progress(Progress(count_trials(ctx.study), time.monotonic() - budget.started,
                              time_left, ctx.config.n_trials, ctx.metric.name))  # fmt: skip

    stop = threading.Event()
    # Ctrl-C sets a flag that the loop checks: a KeyboardInterrupt raised inside library code
    # (the storage, the progress display) could be lost there, and the search would go on
    installed = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set()) if installed else None
    pool.start()
    try:
        while pool.alive() and not stop.is_set():
            report(budget.left(budget.search_end))
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
    _fail_unfinished(pool, ctx, interrupted=interrupted)
    report(0.0)
    refused = pool.file_system_error()
    if refused is not None:  # a full or read-only disk: the trials so far are in the storage
        raise refused
    failures = pool.failures()
    if failures:
        logger.warning("Some workers failed: %s", "; ".join(failures))
    return interrupted


def _fail_unfinished(pool: WorkerPool, ctx: RunContext, *, interrupted: bool) -> None:
    """Fail the trials still running once the workers are stopped: every one after Ctrl-C or
    at the deadline; when ``--n-trials`` ended the search, only this run's workers' (those
    of ``automl worker`` processes elsewhere go on)."""
    from automl.search.study import fail_running_trials

    if interrupted:
        fail_running_trials(ctx.study, "interrupted by the user")
    elif ctx.budget.past_search_end():
        fail_running_trials(ctx.study, "deadline: stopped by the coordinator")
    else:
        fail_running_trials(
            ctx.study, "stale: its worker process is gone", workers=pool.worker_ids()
        )
