"""Choosing what the refit trains: a forest saved alone is trimmed to the prediction budget."""

from __future__ import annotations

import optuna

from automl.search.refit import MIN_TREES, Choice, trim_forest


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
