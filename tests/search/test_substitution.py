"""What was saved compared with the rank-1 trial: one record of which, why and at what cost."""

from __future__ import annotations

import optuna

from automl.metrics import get_metric
from automl.search.choose import Choice, choice_of, choose_trial
from automl.search.substitution import describe_substitution

ROC_AUC = get_metric("roc_auc", "binary")


def study_of(rows: list[tuple[str, float, float]]) -> optuna.Study:
    """Completed trials (family, CV mean, predict ms per 1,000 rows), CV std 0.015 over 5
    folds, plus a 5 ms constant baseline (the worst)."""
    study = optuna.create_study(direction="maximize")
    for family, mean, ms in [*rows, ("constant", 0.5, 5.0)]:
        study.add_trial(optuna.trial.create_trial(
            value=mean, params={}, distributions={},
            user_attrs={"family": family, "cv_mean": mean, "cv_std": 0.015,
                        "fold_scores": [mean] * 5, "fit_seconds": 5.0,
                        "predict_ms_per_1000": ms},
        ))  # fmt: skip
    return study


def single(label: str, mean: float) -> dict:
    return {"kind": "single", "members": [label], "weights": [1.0], "cv_mean": mean}


def test_the_rank_1_trial_saved_as_it_is_is_no_substitution() -> None:
    study = study_of([("linear", 0.869, 107.0), ("lightgbm", 0.866, 35.0)])
    choice = choose_trial(study, n_folds=5, seconds_left=None)
    found = describe_substitution(study, ROC_AUC, choice=choice,
                                  model=single("linear#0", 0.869), changes=[])  # fmt: skip
    assert found is None


def test_a_faster_trial_under_the_limit_says_which_why_and_the_cost() -> None:
    study = study_of([("linear", 0.869, 107.0), ("lightgbm", 0.866, 35.0)])
    choice = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=50.0)
    assert choice.number == 1
    found = describe_substitution(study, ROC_AUC, choice=choice,
                                  model=single("lightgbm#1", 0.866), changes=[])  # fmt: skip
    assert found is not None
    assert found["rank1_trial"] == "linear#0" and found["saved"] == "lightgbm#1"
    assert found["reason"] == "max_predict_ms"
    assert abs(found["cv_cost"] - 0.003) < 1e-9  # worse by 0.003 roc_auc
    assert "--max-predict-ms 50" in found["explanation"] and "linear#0" in found["explanation"]


def test_better_trials_skipped_for_refit_time_are_counted() -> None:
    study = study_of([("catboost", 0.87, 10.0), ("lightgbm", 0.86, 10.0)])
    ranked = sorted(study.trials, key=lambda t: -t.value)
    choice = choice_of(ranked[1], n_folds=5, skipped_better=1)
    found = describe_substitution(study, ROC_AUC, choice=choice,
                                  model=single("lightgbm#1", 0.86), changes=[])  # fmt: skip
    assert found is not None and found["reason"] == "refit_time"
    assert found["explanation"].startswith("1 better trial could not be refitted")


def test_an_ensemble_member_kept_alone_gives_the_refit_s_reason() -> None:
    study = study_of([("catboost", 0.87, 10.0), ("lightgbm", 0.86, 10.0)])
    choice = choice_of(study.trials[1], n_folds=5, skipped_better=1)
    note = "The ensemble of 2 members was not refitted: catboost#0 had no time left."
    changes = [{"kind": "ensemble_not_refitted", "kept": "lightgbm#1", "note": note}]
    found = describe_substitution(study, ROC_AUC, choice=choice,
                                  model=single("lightgbm#1", 0.86), changes=changes)  # fmt: skip
    assert found is not None and found["reason"] == "ensemble_not_refitted"
    assert found["explanation"] == note  # not also "better trials could not be refitted"


def test_fewer_trees_for_the_best_trial_has_no_measured_cost() -> None:
    study = study_of([("random_forest", 0.87, 80.0)])
    choice = choose_trial(study, n_folds=5, seconds_left=None, max_predict_ms=1.0)
    note = "random_forest#0 refitted with 50 trees instead of 300, ..."
    changes = [{"kind": "fewer_trees", "member": "random_forest#0", "trees": 50,
                "searched_trees": 300, "note": note}]  # fmt: skip
    found = describe_substitution(study, ROC_AUC, choice=choice,
                                  model=single("random_forest#0", 0.87),
                                  changes=changes)  # fmt: skip
    assert found is not None and found["reason"] == "fewer_trees"
    assert found["cv_cost"] is None and found["explanation"] == note


def test_an_ensemble_that_beats_every_single_trial_out_of_fold_is_no_substitution() -> None:
    study = study_of([("catboost", 0.87, 10.0), ("lightgbm", 0.86, 10.0)])
    choice = choice_of(study.trials[0], n_folds=5)
    model = {"kind": "ensemble", "members": ["catboost#0", "lightgbm#1"], "weights": [0.5, 0.5],
             "cv_mean": 0.875, "best_single_cv_mean": 0.871}  # fmt: skip
    assert describe_substitution(study, ROC_AUC, choice=choice, model=model, changes=[]) is None
    worse = {**model, "cv_mean": 0.868}  # members left out after the refit: no longer better
    changes = [{"kind": "member_dropped", "member": "x#2", "note": "Ensemble member x#2 ..."}]
    found = describe_substitution(study, ROC_AUC, choice=choice, model=worse, changes=changes)
    assert found is not None and found["score_kind"] == "oof"
    assert found["reason"] == "member_dropped" and abs(found["cv_cost"] - 0.003) < 1e-9


def test_choice_notes_are_not_kept_without_a_limit() -> None:
    study = study_of([("linear", 0.869, 107.0), ("lightgbm", 0.866, 35.0)])
    assert choose_trial(study, n_folds=5, seconds_left=None).note is None
    assert isinstance(choose_trial(study, n_folds=5, seconds_left=None), Choice)
