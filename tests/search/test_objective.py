"""The objective runs each model once: a configuration that trains the same model as an earlier
trial (completed, or pruned after a fold) is pruned as its duplicate, even when its raw
parameters differ."""

from __future__ import annotations

import math

import optuna

from automl.data import profile_table, read_table
from automl.models import FAMILIES
from automl.search.dataset import DataSpec, training_data
from automl.search.metrics import get_metric
from automl.search.objective import Objective
from tests.conftest import dataset


def _titanic_forest_objective() -> Objective:
    ds = dataset("titanic")
    table = read_table(ds.path)
    data = training_data(table.frame, profile_table(table, target=ds.target),
                         DataSpec(target=ds.target, task="binary", cv=3))  # fmt: skip
    return Objective(data, (FAMILIES["random_forest"],), get_metric("roc_auc", "binary"),
                     n_threads=1, seed=0, deadline=None, oof_dir=None)  # fmt: skip


def test_forests_with_the_same_features_per_split_are_run_once() -> None:
    objective = _titanic_forest_objective()
    forest = FAMILIES["random_forest"]
    width = objective._n_features(forest)
    root = math.sqrt(width)
    k = int(root) + 1  # features per split, a scale of about 1 (the classic sqrt)
    study = optuna.create_study(direction="maximize")
    # k features per split twice (two scales that round down to k), then k + 1, then k again
    for scale in ((k + 0.1) / root, (k + 0.9) / root, (k + 1.1) / root):
        study.enqueue_trial({"family": "random_forest", "random_forest.feature_scale": scale,
                             "random_forest.min_samples_leaf": 5,
                             "random_forest.class_weight": "none"})  # fmt: skip
    study.enqueue_trial({"family": "random_forest", "random_forest.feature_scale": (k + 0.5) / root,
                         "random_forest.min_samples_leaf": 6,
                         "random_forest.class_weight": "none"})  # fmt: skip
    study.optimize(objective, n_trials=4)

    states = [t.state.name for t in study.trials]
    assert states == ["COMPLETE", "PRUNED", "COMPLETE", "COMPLETE"]
    assert study.trials[1].user_attrs["pruned_reason"] == "duplicate of trial 0"
    assert study.trials[0].value != study.trials[2].value  # k + 1 features per split: another model


def test_a_configuration_pruned_after_a_fold_is_not_run_again() -> None:
    objective = _titanic_forest_objective()
    # every trial that reports a fold is pruned (no ROC AUC reaches 1.1)
    study = optuna.create_study(direction="maximize", pruner=optuna.pruners.ThresholdPruner(1.1))
    forest = {"family": "random_forest", "random_forest.min_samples_leaf": 5,
              "random_forest.class_weight": "none"}  # fmt: skip
    for scale in (1.0, 1.0001, 2.0):  # the first two: the same features per split
        study.enqueue_trial(forest | {"random_forest.feature_scale": scale})
    study.optimize(objective, n_trials=3)

    reasons = [t.user_attrs["pruned_reason"] for t in study.trials]
    assert reasons[0].startswith("pruned after fold 1: ")
    assert reasons[1] == "duplicate of trial 0"
    assert reasons[2].startswith("pruned after fold 1: ")  # another model: it is run


def test_a_trial_is_not_started_with_less_time_left_than_its_family_needs() -> None:
    """Near the deadline a trial that cannot finish used to run a fold cut short and then fail
    ("deadline: 4 of 5 folds left"), and the summary counted it as a failure; now it is
    skipped before any fold, pruned with the reason, and its worker stops asking."""
    import time

    objective = _titanic_forest_objective()
    objective.deadline = time.monotonic() + 600
    study = optuna.create_study(direction="maximize")
    forest = {"family": "random_forest", "random_forest.min_samples_leaf": 5,
              "random_forest.class_weight": "none"}  # fmt: skip
    for scale in (1.0, 2.0, 3.0):
        study.enqueue_trial(forest | {"random_forest.feature_scale": scale})
    study.optimize(objective, n_trials=1)
    first = study.trials[0]
    took = (first.datetime_complete - first.datetime_start).total_seconds()
    assert first.state.name == "COMPLETE" and not objective.out_of_time

    objective.deadline = time.monotonic() + took / 3  # less than a forest trial takes
    study.optimize(objective, n_trials=1)
    skipped = study.trials[1]
    assert skipped.state.name == "PRUNED"
    assert skipped.user_attrs["pruned_reason"].startswith("not enough time: random_forest ")
    assert skipped.intermediate_values == {}  # no fold was run
    assert objective.out_of_time

    objective.out_of_time = False
    objective.deadline = time.monotonic() + 600  # time enough again: it runs
    study.optimize(objective, n_trials=1)
    assert study.trials[2].state.name == "COMPLETE" and not objective.out_of_time


def test_a_worker_goes_on_while_another_family_can_still_finish() -> None:
    """A slow family that cannot finish is skipped, but its worker keeps drawing while most
    families can still finish a trial in the time left; it stops when at most half can."""
    import datetime
    import time

    ds = dataset("titanic")
    table = read_table(ds.path)
    data = training_data(table.frame, profile_table(table, target=ds.target),
                         DataSpec(target=ds.target, task="binary", cv=3))  # fmt: skip
    families = (FAMILIES["random_forest"], FAMILIES["linear"], FAMILIES["hist_gb"])
    objective = Objective(data, families, get_metric("roc_auc", "binary"), n_threads=1,
                          seed=0, deadline=None, oof_dir=None)  # fmt: skip
    study = optuna.create_study(direction="maximize")
    start = datetime.datetime(2026, 1, 1)
    durations = (("linear", 0.5), ("hist_gb", 1.0), ("random_forest", 100.0))
    for number, (family, seconds) in enumerate(durations):
        study.add_trial(
            optuna.trial.FrozenTrial(
                number=number, trial_id=number, state=optuna.trial.TrialState.COMPLETE,
                value=0.8, values=None, datetime_start=start,
                datetime_complete=start + datetime.timedelta(seconds=seconds),
                params={}, distributions={}, user_attrs={"family": family},
                system_attrs={}, intermediate_values={},
            )
        )  # fmt: skip
    forest = {"family": "random_forest", "random_forest.min_samples_leaf": 5,
              "random_forest.feature_scale": 1.0}  # fmt: skip
    objective.deadline = time.monotonic() + 30  # two of three families can finish, forests not
    study.enqueue_trial(forest)
    study.optimize(objective, n_trials=1)
    reason = study.trials[-1].user_attrs["pruned_reason"]
    assert reason.startswith("not enough time: random_forest trials took at least 100.0 s, ")
    assert not objective.out_of_time  # the worker goes on

    objective.deadline = time.monotonic() + 0.2  # none can
    study.enqueue_trial(forest | {"random_forest.feature_scale": 2.0})
    study.optimize(objective, n_trials=1)
    assert study.trials[-1].state.name == "PRUNED"
    assert objective.out_of_time  # the worker stops
