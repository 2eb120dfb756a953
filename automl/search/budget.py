"""The time budget of ``fit``: every rule about time, in one place.

One clock: every deadline inside a process is a ``time.monotonic()`` value. A deadline that
crosses to another process (the search end, stored in the study for the workers; the refit's
deadline, passed on its command line) travels as a ``time.time()`` value, converted once on
each side by :meth:`Budget.to_epoch` and :func:`from_epoch`.

The rules:

- **Reserve.** ``--time-budget S`` ends the search ``reserve(S)`` seconds before the
  deadline (12% of S, at least 2 s, at most 60 s), kept for the final refit and saving.
- **Refit.** The refit may run until ``S * 1.05 + 5`` s after the start (``fit`` ends within
  10% + 10 s of its budget; the refit may use half of that slack, so that a slow best model is
  not swapped for a weaker one needlessly). With a holdout it fits twice (on the search rows,
  then on every row), so each fit gets half the time left. A trial's refit is estimated at its
  mean CV fit time x :data:`REFIT_SAFETY` plus :data:`CHILD_START_SECONDS`; an ensemble is
  refitted only if the sum of its members' estimates (one process start) fits.
- **Trials.** A trial may use :data:`TRIAL_SHARE` of the search time left when it starts (at
  least :data:`MIN_TRIAL_SECONDS`), its folds splitting that time evenly; a fold is not
  started when the folds left would need more than 1.5 times the time left, at the measured
  pace of the folds done (:func:`folds_fit`).
- **Workers** start no trial at or after the search end (:func:`search_over`); the
  coordinator stops those still running ``grace`` seconds after it.
- **Ctrl-C.** The best trial whose refit is estimated at :data:`QUICK_REFIT_SECONDS` is
  refitted in ``fit``'s own process, a boosting model stopping after
  :data:`QUICK_DEADLINE_SECONDS`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CHILD_START_SECONDS",
    "MIN_TRIAL_SECONDS",
    "QUICK_DEADLINE_SECONDS",
    "QUICK_REFIT_SECONDS",
    "REFIT_SAFETY",
    "TRIAL_SHARE",
    "Budget",
    "ensemble_refit_seconds",
    "fold_end",
    "folds_fit",
    "from_epoch",
    "member_refit_seconds",
    "quick_seconds_left",
    "refit_estimate",
    "reserve",
    "search_over",
    "trial_end",
]

#: The reserve for the final refit and saving: this share of the budget, within the bounds.
RESERVE_SHARE = 0.12
MIN_RESERVE = 2.0
MAX_RESERVE = 60.0
#: A trial may use this share of the search time left when it starts (at least
#: :data:`MIN_TRIAL_SECONDS`), so that one slow configuration cannot take the whole budget.
TRIAL_SHARE = 0.4
MIN_TRIAL_SECONDS = 5.0
#: A refit takes this many times a CV fold's fit (more rows), plus the process's start.
REFIT_SAFETY = 1.3
#: Starting the refit process and reading the data again.
CHILD_START_SECONDS = 3.0
#: The longest refit (estimated from the trial's CV fits) done after Ctrl-C.
QUICK_REFIT_SECONDS = 2.0
#: After Ctrl-C, a boosting model stops adding rounds past this (estimates can be off).
QUICK_DEADLINE_SECONDS = 10.0


def reserve(seconds: float) -> float:
    """The seconds kept after the search for the final refit and saving."""
    return min(MAX_RESERVE, max(MIN_RESERVE, RESERVE_SHARE * seconds))


@dataclass(frozen=True)
class Budget:
    """When the search ends, when stragglers are stopped, and when the refit must end.

    All times are ``time.monotonic()`` seconds of this process; ``None`` when there is no time
    budget (``--n-trials`` alone). ``started_epoch`` is ``time.time()`` at ``started``: the one
    reference for deadlines passed to other processes.
    """

    started: float
    started_epoch: float
    deadline: float | None = None
    search_end: float | None = None
    grace: float = 0.0
    refit_deadline: float | None = None

    @classmethod
    def plan(cls, seconds: float | None, *, started: float | None = None,
             started_epoch: float | None = None) -> Budget:  # fmt: skip
        """The budget of a ``fit`` of ``seconds`` (``None``: no time limit) starting now."""
        started = time.monotonic() if started is None else started
        started_epoch = time.time() if started_epoch is None else started_epoch
        if seconds is None:
            return cls(started, started_epoch)
        deadline = started + seconds
        return cls(
            started,
            started_epoch,
            deadline,
            deadline - reserve(seconds),
            grace=min(2.0, 0.5 + 0.05 * seconds),
            refit_deadline=deadline + 0.05 * seconds + 5.0,
        )

    def to_epoch(self, moment: float | None) -> float | None:
        """``moment`` (monotonic) as ``time.time()`` seconds, for another process."""
        return None if moment is None else self.started_epoch + (moment - self.started)

    @property
    def search_end_epoch(self) -> float | None:
        """When the search ends, in ``time.time()`` seconds (for workers, here or elsewhere)."""
        return self.to_epoch(self.search_end)

    @property
    def refit_deadline_epoch(self) -> float | None:
        """When the refit must end, in ``time.time()`` seconds (for the refit process)."""
        return self.to_epoch(self.refit_deadline)

    def left(self, until: float | None) -> float | None:
        """Seconds from now until ``until`` (``None`` when there is no limit)."""
        return None if until is None else until - time.monotonic()

    def past_search_end(self) -> bool:
        """Whether the search end has come (never without a time budget)."""
        return self.search_end is not None and time.monotonic() >= self.search_end

    def stragglers_due(self) -> bool:
        """Whether workers still running should be stopped: ``grace`` after the search end."""
        return self.search_end is not None and time.monotonic() > self.search_end + self.grace

    def refit_seconds_left(self, *, holdout: bool) -> float | None:
        """The seconds one refit may take: the time to the refit deadline, halved with a
        holdout (one fit on the search rows for its score, one on every row)."""
        left = self.left(self.refit_deadline)
        return left / 2 if left is not None and holdout else left


def from_epoch(epoch: float | None) -> float | None:
    """A ``time.time()`` deadline from another process as this process's monotonic time."""
    return None if epoch is None else time.monotonic() + (float(epoch) - time.time())


def search_over(deadline: float | None) -> bool:
    """Whether a worker must stop starting trials: the search end (monotonic) has come."""
    return deadline is not None and time.monotonic() >= deadline


def trial_end(deadline: float | None, started: float) -> float | None:
    """When a trial started at ``started`` must end: its share of the search time left."""
    if deadline is None:
        return None
    return min(deadline, started + max(MIN_TRIAL_SECONDS, TRIAL_SHARE * (deadline - started)))


def fold_end(started: float, end: float | None, deadline: float | None, *, fold: int,
             n_folds: int) -> float | None:  # fmt: skip
    """When fold ``fold`` (from 0) of a trial started at ``started`` and ending at ``end``
    must stop training: its even share of the trial's time, at least 0.5 s from now, never
    past the search's ``deadline``."""
    if end is None or deadline is None:
        return None
    share = started + (end - started) * (fold + 1) / n_folds
    return min(max(time.monotonic() + 0.5, share), deadline)


def folds_fit(left: float, *, fit_seconds: float, done: int, n_folds: int) -> bool:
    """Whether the folds left can run in ``left`` seconds at the pace of the ``done`` folds
    that took ``fit_seconds``: not when more than 1.5 times the time left is needed."""
    needed = (fit_seconds / done) * (n_folds - done) if done else 0.0
    return left > 0 and needed <= 1.5 * left


def refit_estimate(fit_seconds: float, n_folds: int) -> float:
    """The seconds a refit process takes for a trial whose ``n_folds`` CV fits took
    ``fit_seconds`` in all."""
    return fit_seconds / n_folds * REFIT_SAFETY + CHILD_START_SECONDS


def member_refit_seconds(estimate: float) -> float:
    """The seconds to refit one more member in a running refit process (its
    :func:`refit_estimate` without the process's start)."""
    return estimate - CHILD_START_SECONDS


def ensemble_refit_seconds(estimates: Iterable[float]) -> float:
    """The seconds to refit members with these :func:`refit_estimate` values in one process
    (the process starts once)."""
    return sum(member_refit_seconds(e) for e in estimates) + CHILD_START_SECONDS


def quick_seconds_left() -> float:
    """After Ctrl-C, the ``seconds_left`` to choose the trial with: a refit in ``fit``'s own
    process does not pay :data:`CHILD_START_SECONDS`, which the estimates count."""
    return CHILD_START_SECONDS + QUICK_REFIT_SECONDS
