"""The search's pruner: the median rule over every trial that reached the fold."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

import optuna
from optuna.trial import TrialState

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

__all__ = ["FoldComparison", "FoldMedianPruner"]


@dataclass(frozen=True)
class FoldComparison:
    """What a pruning decision compared: the trial's best running mean so far, and the
    median of the running means that ``n_trials`` other trials reported at ``fold``."""

    fold: int
    score: float
    median: float
    n_trials: int
    maximize: bool

    def reason(self) -> str:
        """``pruned after fold 1: 0.85330 below the median 0.87120 of 14 trials at that
        fold``: the score, and what it was compared with."""
        from automl.formatting import decimals_for, format_score, plural

        places = decimals_for(max(abs(self.score), abs(self.median)))
        side = "below" if self.maximize else "above"
        return (
            f"pruned after fold {self.fold + 1}: {format_score(self.score, places)} {side} the "
            f"median {format_score(self.median, places)} of {plural(self.n_trials, 'trial')} "
            "at that fold"
        )


class FoldMedianPruner(optuna.pruners.BasePruner):
    """Prune a trial whose best running mean so far is worse than the median of the running
    means that every other trial, completed *or pruned*, reported at the same fold.

    Optuna's ``MedianPruner`` takes the median over completed trials only. Every trial that
    completes passed that median at each fold, so the median only rises, and once the best
    family has set it no other family completes: at 300 s phoneme completed the same 13
    trials as at 60 s. Counting the pruned trials too keeps the bar at the middle of what the
    search actually tries.

    Args:
        n_startup_trials: No pruning until this many trials have completed.
    """

    def __init__(self, n_startup_trials: int = 6) -> None:
        self.n_startup_trials = n_startup_trials
        self._pruned: dict[int, FoldComparison] = {}

    def comparison(self, number: int) -> FoldComparison | None:
        """The comparison that pruned trial ``number`` in this process (once: it is
        forgotten when read), for the reason shown on the leaderboard."""
        return self._pruned.pop(number, None)

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None:
            return False
        others = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        if sum(t.state == TrialState.COMPLETE for t in others) < self.n_startup_trials:
            return False
        maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
        mine = [v for v in trial.intermediate_values.values() if not math.isnan(v)]
        if not mine:
            return True
        best = max(mine) if maximize else min(mine)
        values = [
            v
            for t in others
            if t.number != trial.number
            and (v := t.intermediate_values.get(step)) is not None
            and not math.isnan(v)
        ]
        if not values:
            return False
        median = statistics.median(values)
        pruned = best < median if maximize else best > median
        if pruned:
            self._pruned[trial.number] = FoldComparison(step, best, median, len(values), maximize)
        return pruned
