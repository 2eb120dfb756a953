"""A pruned trial's reason says what its score was compared with."""

from __future__ import annotations

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from automl.search.pruning import FoldMedianPruner


def test_the_reason_names_the_median_it_fell_below() -> None:
    pruner = FoldMedianPruner(n_startup_trials=6)
    study = optuna.create_study(direction="maximize", pruner=pruner)
    x = FloatDistribution(0, 1)
    for value in [0.86] * 6 + [0.88] * 4:
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=value, params={"x": 0.5},
                                     distributions={"x": x},
                                     intermediate_values={0: value}))  # fmt: skip
    trial = study.ask()
    trial.report(0.8533, 0)  # reads as better than a winner's 0.84991 CV mean, alone
    assert trial.should_prune()
    found = pruner.comparison(trial.number)
    assert found is not None
    assert found.reason() == (
        "pruned after fold 1: 0.85330 below the median 0.86000 of 10 trials at that fold"
    )
    assert pruner.comparison(trial.number) is None  # read once


def test_for_a_loss_the_trial_is_above_the_median() -> None:
    pruner = FoldMedianPruner(n_startup_trials=1)
    study = optuna.create_study(direction="minimize", pruner=pruner)
    x = FloatDistribution(0, 1)
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.4, params={"x": 0.5},
                                 distributions={"x": x}, intermediate_values={0: 0.4}))  # fmt: skip
    trial = study.ask()
    trial.report(0.9, 0)
    assert trial.should_prune()
    reason = pruner.comparison(trial.number).reason()  # type: ignore[union-attr]
    assert reason == "pruned after fold 1: 0.90000 above the median 0.40000 of 1 trial at that fold"
