"""Choosing what the refit trains: a forest saved alone is trimmed to the prediction budget."""

from __future__ import annotations

import optuna

from automl.search.choose import Choice, choose_trial
from automl.search.limit import MIN_TREES, trim_forest


def trials(forest_ms: float) -> list[optuna.trial.FrozenTrial]:
    made = []
    for number, (family, ms) in enumerate((("constant", 10.0), ("extra_trees", forest_ms))):
        trial = optuna.trial.create_trial(
            value=0.5,
            params={},
            distributions={},
            user_attrs={"family": family, "predict_ms_per_1000": ms},
        )
        trial.number = number
        made.append(trial)
    return made


def forest(trees: int = 300) -> Choice:
    return Choice(
        number=1, family="extra_trees", params={}, cv_mean=0.9, cv_std=0.01,
        fold_scores=[0.9], n_iterations=trees, refit_estimate=1.0,
    )  # fmt: skip


def test_a_slow_forest_gets_fewer_trees_and_a_note() -> None:
    # 10 ms shared + 1.3 x 70 ms for 300 trees; 90% of 50 ms leaves 35 ms: 115 trees
    choice, note = trim_forest(forest(), trials(80.0), 50.0)
    assert choice.n_iterations == 115
    assert note is not None and "115 trees instead of 300" in note and "--max-predict-ms 50" in note


def test_fast_forests_other_families_and_no_limit_are_left_alone() -> None:
    assert trim_forest(forest(), trials(35.0), 50.0) == (forest(), None)
    assert trim_forest(forest(), trials(80.0), None) == (forest(), None)
    boosted = Choice(
        number=1, family="lightgbm", params={}, cv_mean=0.9, cv_std=0.01,
        fold_scores=[0.9], n_iterations=300, refit_estimate=1.0,
    )  # fmt: skip
    assert trim_forest(boosted, trials(80.0), 50.0) == (boosted, None)


def test_a_very_slow_forest_keeps_a_minimum_of_trees() -> None:
    choice, note = trim_forest(forest(), trials(5000.0), 50.0)
    assert choice.n_iterations == MIN_TREES and note is not None


def study_of(rows: list[tuple[str, float, float]], direction: str = "minimize") -> optuna.Study:
    """A study of completed trials: (family, CV mean, predict ms per 1,000 rows), CV std 0.015
    over 5 folds (standard error 0.0067), plus a 5 ms constant baseline, the worst trial."""
    study = optuna.create_study(direction=direction)
    worst = 0.5 if direction == "maximize" else 1.7
    for family, mean, ms in [*rows, ("constant", worst, 5.0)]:
        study.add_trial(
            optuna.trial.create_trial(
                value=mean,
                params={},
                distributions={},
                user_attrs={
                    "family": family, "cv_mean": mean, "cv_std": 0.015, "fold_scores": [mean] * 5,
                    "fit_seconds": 5.0, "predict_ms_per_1000": ms,
                },
            )
        )  # fmt: skip
    return study


def test_a_faster_trial_within_the_standard_error_is_kept_instead_of_a_slow_best() -> None:
    # satimage at 60 s: the best LightGBM predicted in ~200 ms, the second in ~40, 0.0009 apart
    study = study_of([("lightgbm", 0.2257, 200.0), ("lightgbm", 0.2266, 35.0),
                      ("catboost", 0.2281, 9.0)])  # fmt: skip
    choice = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=50.0)
    assert choice.number == 1
    assert choice.note is not None and "lightgbm#1" in choice.note and "lightgbm#0" in choice.note
    assert "--max-predict-ms 50" in choice.note
    best = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=None)
    assert best.number == 0 and best.note is None  # no limit: the best, whatever its speed


def test_a_slow_best_far_ahead_of_the_fast_trials_is_kept() -> None:
    # wine_quality_white: extra trees 0.87 log loss, the fastest alternative 0.96
    study = study_of([("extra_trees", 0.87, 90.0), ("catboost", 0.96, 6.0)])
    choice = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=50.0)
    assert choice.number == 0 and choice.note is None


def test_a_best_trial_within_the_limit_is_kept() -> None:
    study = study_of([("lightgbm", 0.90, 30.0), ("catboost", 0.89, 6.0)], direction="maximize")
    choice = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=50.0)
    assert choice.number == 0 and choice.note is None


def test_an_ensemble_without_time_for_every_member_saves_the_best_alone_and_says_so() -> None:
    import time

    import numpy as np

    from automl.data import profile_table, read_table
    from automl.search.dataset import DataSpec, training_data
    from automl.search.refit import fit_members
    from tests.conftest import dataset

    ds = dataset("titanic")
    table = read_table(ds.path)
    data = training_data(table.frame, profile_table(table, target=ds.target),
                         DataSpec(target=ds.target, task="binary", cv=3))  # fmt: skip
    quick = Choice(number=4, family="linear", params={"C": 1.0},
                   cv_mean=0.85, cv_std=0.01, fold_scores=[0.85], n_iterations=None,
                   refit_estimate=4.0)  # fmt: skip
    slow = Choice(number=7, family="random_forest", params={"feature_scale": 1.0,
                  "min_samples_leaf": 1}, cv_mean=0.84, cv_std=0.01, fold_scores=[0.84],
                  n_iterations=None, refit_estimate=600.0)  # fmt: skip
    rows = np.arange(len(data.y))
    notes: list[str] = []
    model = fit_members([slow, quick], [0.5, 0.5], data, rows, n_threads=1, seed=0,
                        deadline=time.monotonic() + 60, notes=notes)  # fmt: skip
    assert model.names == ["linear#4"] and model.weights == [1.0]
    assert notes == [
        "The ensemble of 2 members was not refitted: random_forest#7 had no time left to be "
        "refitted; the best member, linear#4, is saved alone."
    ]
    both = fit_members([slow, quick], [0.5, 0.5], data, rows, n_threads=1, seed=0,
                       deadline=None, notes=notes)  # fmt: skip
    assert sorted(both.names) == ["linear#4", "random_forest#7"] and len(notes) == 1


def test_a_booster_that_stops_by_itself_stays_in_the_ensemble() -> None:
    import time

    import numpy as np

    from automl.data import profile_table, read_table
    from automl.models import FAMILIES
    from automl.search.dataset import DataSpec, training_data
    from automl.search.refit import fit_members
    from tests.conftest import dataset

    ds = dataset("titanic")
    table = read_table(ds.path)
    data = training_data(table.frame, profile_table(table, target=ds.target),
                         DataSpec(target=ds.target, task="binary", cv=3))  # fmt: skip
    best = Choice(number=4, family="linear", params={"C": 1.0}, cv_mean=0.85, cv_std=0.01,
                  fold_scores=[0.85], n_iterations=None, refit_estimate=0.0)  # fmt: skip
    # strong L1 on 891 rows: LightGBM runs out of useful splits long before 3,000 rounds
    params = {**FAMILIES["lightgbm"].portfolio("binary")[0], "lambda_l1": 10.0,
              "min_data_in_leaf": 100}  # fmt: skip
    saturating = Choice(number=9, family="lightgbm", params=params, cv_mean=0.84, cv_std=0.01,
                        fold_scores=[0.84], n_iterations=3000, refit_estimate=0.0)  # fmt: skip
    rows = np.arange(len(data.y))
    notes: list[str] = []
    model = fit_members([best, saturating], [0.5, 0.5], data, rows, n_threads=1, seed=0,
                        deadline=time.monotonic() + 600, notes=notes)  # fmt: skip
    assert model.names == ["linear#4", "lightgbm#9"] and notes == []
    assert model.members[1][1].n_iterations_ < 3000

    hurried = fit_members([best, saturating], [0.5, 0.5], data, rows, n_threads=1, seed=0,
                          deadline=time.monotonic() - 1.0, notes=notes)  # fmt: skip
    assert hurried.names == ["linear#4"]
    assert notes == [
        "The ensemble of 2 members was not refitted: lightgbm#9 was cut short by the time "
        "limit; the best member, linear#4, is saved alone."
    ]


def test_a_member_saved_alone_counts_only_strictly_better_trials_as_skipped() -> None:
    # tokyo1: the ensemble's best member tied 17 other forests, and the note said "17 better
    # trial(s) could not be refitted"
    from automl.search.finish import member_kept_alone
    from automl.search.metrics import get_metric

    study = study_of([("random_forest", 0.98, 10.0), ("random_forest", 0.98, 10.0),
                      ("lightgbm", 0.99, 5.0)], direction="maximize")  # fmt: skip
    choice = member_kept_alone(study, 1, get_metric("roc_auc", "binary"), n_folds=5)
    assert (choice.number, choice.family, choice.skipped_better) == (1, "random_forest", 1)
