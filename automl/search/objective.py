"""One trial: a family and its parameters, cross-validated, with fold scores for pruning."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.features.pipeline import build_encoder
from automl.metrics import Metric
from automl.models.base import ModelFamily
from automl.search.cv import DeadlineReached, Evaluation, evaluate, measure_predict_ms
from automl.store import schema

if TYPE_CHECKING:
    import optuna

    from automl.search.dataset import TrainingData

__all__ = ["DeadlineReached", "Evaluation", "Objective", "evaluate", "measure_predict_ms"]

logger = logging.getLogger(__name__)


def _fastest_trials(study: optuna.Study) -> dict[str, float]:
    """The seconds that the fastest completed trial of each family took, start to end."""
    import optuna

    fastest: dict[str, float] = {}
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        family = schema.TrialResult.of(t).family
        if family is None or t.datetime_start is None or t.datetime_complete is None:
            continue
        seconds = (t.datetime_complete - t.datetime_start).total_seconds()
        fastest[family] = min(seconds, fastest.get(family, seconds))
    return fastest


def _same_configuration(
    trial: optuna.Trial, configuration: str, *, earlier_only: bool = False
) -> int | None:
    """The number of another started trial that trains the same model, if any: the same
    effective ``configuration`` (see :meth:`ModelFamily.effective`), or, for a trial recorded
    without one, the same parameters. With ``earlier_only``, only trials numbered before this
    one count, so that one of two twins goes on.

    A trial pruned after a fold counts too: run again, the same model scores the same on the
    same folds, below the middle of the trials that reached that fold when it ran, and the
    time is better spent on a configuration not seen yet. On phoneme at 300 s, 404 of 753
    trials pruned after a fold were such repeats. A trial pruned as a duplicate does not count
    (its twin does, unless that one failed)."""
    import optuna

    states = (
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.RUNNING,
        optuna.trial.TrialState.PRUNED,
    )
    params = trial.params
    for other in trial.study.get_trials(deepcopy=False, states=states):
        if other.number == trial.number or (earlier_only and other.number > trial.number):
            continue
        recorded = schema.TrialResult.of(other)
        if other.state == optuna.trial.TrialState.PRUNED and recorded.duplicate_of is not None:
            continue
        theirs = recorded.configuration
        if theirs == configuration if theirs is not None else other.params == params:
            return int(other.number)
    return None


def _reporter(trial: optuna.Trial, configuration: str) -> Callable[[int, float], None]:
    """What the trial's folds report: the running mean, pruned by the pruner, or as a
    duplicate of an earlier trial that drew the same values at the same moment."""
    import optuna

    def report(fold: int, running: float) -> None:
        if fold == 0:  # two workers may have drawn the same values at the same moment
            twin = _same_configuration(trial, configuration, earlier_only=True)
            if twin is not None:
                schema.record_duplicate(trial, twin)
                raise optuna.TrialPruned()
        trial.report(running, fold)
        if trial.should_prune():
            schema.record_pruned(trial, _pruned_reason(trial, fold, running))
            raise optuna.TrialPruned()

    return report


def _pruned_reason(trial: optuna.Trial, fold: int, running: float) -> str:
    """Why the pruner stopped ``trial``: its score and what it was compared with."""
    from automl.formatting import format_score
    from automl.search.pruning import FoldMedianPruner

    pruner = trial.study.pruner
    found = pruner.comparison(trial.number) if isinstance(pruner, FoldMedianPruner) else None
    if found is not None:
        return found.reason()
    return f"pruned after fold {fold + 1}: {format_score(running)}"


class Objective:
    """The Optuna objective of a run: choose a family, draw its parameters, cross-validate.

    Args:
        data: Training data with folds.
        families: Families to choose from.
        metric: The metric.
        n_threads: Threads per model.
        seed: Seed for the models.
        deadline: ``time.monotonic()`` seconds when the search ends.
        oof_dir: Where to save out-of-fold predictions (``None``: not saved).
    """

    def __init__(
        self,
        data: TrainingData,
        families: tuple[ModelFamily, ...],
        metric: Metric,
        *,
        n_threads: int,
        seed: int,
        deadline: float | None,
        oof_dir: Path | None,
    ) -> None:
        self.data = data
        self.families = {f.name: f for f in families}
        self.metric = metric
        self.n_threads = n_threads
        self.seed = seed
        self.deadline = deadline
        self.oof_dir = oof_dir
        self._widths: dict[str, int] = {}
        #: Set when a trial was skipped for lack of time and at most half the families could
        #: finish one in the time left: its worker should stop asking.
        self.out_of_time = False

    def _n_features(self, family: ModelFamily) -> int:
        """Columns of ``family``'s encoding of the first training fold (measured once)."""
        if family.encoding not in self._widths:
            train = self.data.folds[0][0]
            encoded = build_encoder(self.data.profile, family).fit_transform(
                self.data.prepared.iloc[train]
            )
            self._widths[family.encoding] = int(encoded.shape[1])
        return self._widths[family.encoding]

    def _too_little_time(self, trial: optuna.Trial, family: str) -> str | None:
        """Why ``trial`` is not worth starting, or ``None``: less time is left than the fastest
        completed trial of its family took. Such a trial used to run one fold, cut short at
        the deadline, and then fail for lack of time (six CatBoost trials at the end of the
        README's 30-second titanic fit), which the summary counted as failures.

        Sets :attr:`out_of_time`, so that the worker stops, when at most half the families
        could still finish a trial (one not seen complete yet counts as able to). A worker
        that stopped at the first draw that could not finish gave up 14 s of a 60 s
        house_prices search (CatBoost trials take that long, LightGBM ones 1 s); one that
        stopped only when no family could finish drew HistGradientBoosting 15 times in its
        last 2 s, each a pruned row on the leaderboard."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        fastest = _fastest_trials(trial.study)
        if family not in fastest or left >= fastest[family]:
            return None
        candidates = [n for n, f in self.families.items() if not f.is_baseline] or [family]
        able = [f for f in candidates if f not in fastest or left >= fastest[f]]
        self.out_of_time = 2 * len(able) <= len(candidates)
        return (
            f"not enough time: {family} trials took at least {fastest[family]:.1f} s, "
            f"{max(left, 0.0):.1f} s left"
        )

    def __call__(self, trial: optuna.Trial) -> float:
        """Run one trial; failures are recorded on the trial with their reason."""
        import os
        import socket

        import optuna

        schema.record_worker(trial, f"{socket.gethostname()}:{os.getpid()}")
        name = trial.suggest_categorical("family", list(self.families))
        family = self.families[name]
        schema.record_family(trial, name)
        try:
            params, transform, configuration = self._draw(trial, family)
            result = evaluate(
                family,
                params,
                self.data,
                self.metric,
                n_threads=self.n_threads,
                seed=self.seed,
                deadline=self.deadline,
                report=None if family.is_baseline else _reporter(trial, configuration),
                target_transform=transform,
            )
        except optuna.TrialPruned:
            raise
        except Exception as error:
            reason = (
                str(error)
                if isinstance(error, DeadlineReached)
                else (f"{type(error).__name__}: {error}")
            )
            schema.record_error(trial, reason)
            raise
        self._record(trial, result)
        return result.mean

    def _draw(self, trial: optuna.Trial, family: ModelFamily) -> tuple[dict[str, Any], str, str]:
        """The trial's parameters, target transform and effective configuration; pruned at
        once as a duplicate, or when its family has no time to finish a trial."""
        import optuna

        params = family.suggest(trial, task=self.data.task, n_rows=len(self.data.search_rows))
        transform = "none"
        if self.data.log_target_allowed and not family.is_baseline:
            transform = trial.suggest_categorical("target_transform", ["none", "log"])
        effective = family.effective(params, lambda: self._n_features(family))
        configuration = json.dumps([family.name, transform, effective], sort_keys=True,
                                   default=str)  # fmt: skip
        schema.record_configuration(trial, configuration)
        twin = _same_configuration(trial, configuration)
        if twin is not None:  # another worker ran (or runs) exactly this: no work twice
            schema.record_duplicate(trial, twin)
            raise optuna.TrialPruned()
        short = self._too_little_time(trial, family.name)
        if short is not None:
            schema.record_pruned(trial, short)
            raise optuna.TrialPruned()
        return params, transform, configuration

    def _record(self, trial: optuna.Trial, result: Evaluation) -> None:
        """A finished trial's scores, and its out-of-fold predictions."""
        schema.record_scores(trial, mean=result.mean, std=result.std,
                             fold_scores=result.fold_scores, fit_seconds=result.fit_seconds,
                             predict_ms_per_1000=result.predict_ms_per_1000,
                             n_iterations=result.n_iterations)  # fmt: skip
        if self.oof_dir is not None:
            self.oof_dir.mkdir(parents=True, exist_ok=True)
            np.save(schema.oof_file(self.oof_dir, trial.number), result.oof)
