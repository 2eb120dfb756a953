"""The search's pruner takes the median over every trial that reached the fold, pruned ones
included, so that one strong family does not stop every other from completing."""

from __future__ import annotations

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from automl.search.pruning import FoldMedianPruner


def _study(completed: list[float], pruned: list[float]) -> optuna.Study:
    study = optuna.create_study(direction="maximize", pruner=FoldMedianPruner(n_startup_trials=6))
    x = FloatDistribution(0, 1)
    for value in completed:
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=value, params={"x": 0.5},
                                     distributions={"x": x},
                                     intermediate_values={0: value, 1: value}))  # fmt: skip
    for value in pruned:
        study.add_trial(create_trial(state=TrialState.PRUNED, params={"x": 0.5},
                                     distributions={"x": x},
                                     intermediate_values={0: value}))  # fmt: skip
    return study


def _pruned_at_first_fold(study: optuna.Study, value: float) -> bool:
    trial = study.ask()
    trial.report(value, 0)
    return trial.should_prune()


def test_pruned_trials_count_in_the_median() -> None:
    # six completed trials of a strong family, ten pruned ones of weaker families
    study = _study([0.95] * 6, [0.80] * 10)
    assert not _pruned_at_first_fold(study, 0.90)  # Optuna's MedianPruner: pruned (0.90 < 0.95)
    assert _pruned_at_first_fold(study, 0.75)


def test_no_pruning_before_six_trials_complete() -> None:
    study = _study([0.95] * 5, [0.80] * 10)
    assert not _pruned_at_first_fold(study, 0.10)


def test_a_trial_past_the_folds_others_reached_goes_on() -> None:
    study = _study([0.95] * 6, [])
    trial = study.ask()
    trial.report(0.96, 0)
    trial.report(0.96, 1)
    trial.report(0.50, 2)  # nobody reported a third fold: nothing to compare with
    assert not trial.should_prune()
