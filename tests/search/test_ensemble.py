"""Greedy ensemble selection over saved out-of-fold predictions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import optuna
import pandas as pd

from automl.features.encode import FeatureEncoder, Preparer
from automl.models.ensemble import EnsembleModel
from automl.search.ensemble import MAX_MEMBERS, select_ensemble
from automl.search.metrics import get_metric


def study_with(
    tmp_path: Path,
    oofs: dict[int, np.ndarray],
    y: np.ndarray,
    predict_ms: dict[int, float] | None = None,
    families: dict[int, str] | None = None,
) -> optuna.Study:
    metric = get_metric("roc_auc", "binary")
    study = optuna.create_study(direction="maximize")
    for number, oof in sorted(oofs.items()):
        score = metric.score(y, oof, [0, 1])
        attrs: dict[str, object] = {"family": (families or {}).get(number, "lightgbm")}
        if predict_ms and number in predict_ms:
            attrs["predict_ms_per_1000"] = predict_ms[number]
        study.add_trial(
            optuna.trial.create_trial(value=score, params={}, distributions={}, user_attrs=attrs)
        )
        np.save(tmp_path / f"trial_{number:05d}.npy", oof)
    return study


def add_baseline(study: optuna.Study, *, predict_ms: float) -> None:
    """The constant baseline trial, whose measured time is the shared preparation."""
    study.add_trial(
        optuna.trial.create_trial(
            value=0.5,
            params={},
            distributions={},
            user_attrs={"family": "constant", "predict_ms_per_1000": predict_ms},
        )
    )


def as_proba(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def test_complementary_models_are_averaged_and_the_ensemble_beats_each(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    signal_a, signal_b = rng.normal(size=2000), rng.normal(size=2000)
    truth = y * 1.0
    oofs = {
        0: as_proba(1 / (1 + np.exp(-(truth + signal_a)))),  # independent noise...
        1: as_proba(1 / (1 + np.exp(-(truth + signal_b)))),  # ...so the average is better
        2: as_proba(rng.uniform(size=2000)),  # useless
    }
    study = study_with(tmp_path, oofs, y)
    choice = select_ensemble(
        study, tmp_path, y, np.arange(2000), get_metric("roc_auc", "binary"), 2
    )
    assert choice is not None
    assert set(choice.trials) == {0, 1}
    assert choice.score > choice.best_single
    assert abs(sum(choice.weights) - 1.0) < 1e-9


def test_a_member_that_would_make_predictions_too_slow_is_left_out(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 2000)
    noise = [rng.normal(size=2000) for _ in range(3)]
    oofs = {i: as_proba(1 / (1 + np.exp(-(y + noise[i])))) for i in range(3)}
    # with the constant baseline's 10 ms of shared preparation: 0 adds 15, 1 adds 30, 2 adds 5
    # (each times 1.3 for the larger refitted model)
    ms = {0: 25.0, 1: 40.0, 2: 15.0}
    study = study_with(tmp_path, oofs, y, predict_ms=ms)
    add_baseline(study, predict_ms=10.0)
    metric = get_metric("roc_auc", "binary")
    free = select_ensemble(study, tmp_path, y, np.arange(2000), metric, 2)
    assert free is not None and set(free.trials) == {0, 1, 2}  # three independent views
    limited = select_ensemble(
        study, tmp_path, y, np.arange(2000), metric, 2, max_predict_ms=40 / 0.85
    )
    assert limited is not None and set(limited.trials) <= {0, 2} and len(limited.trials) == 2
    first = free.trials[0]
    alone = select_ensemble(study, tmp_path, y, np.arange(2000), metric, 2,
                            max_predict_ms=(10 + 1.3 * (ms[first] - 10) + 0.1) / 0.9)  # fmt: skip
    assert alone is None  # nothing fits beside the best single trial: no ensemble


def test_a_best_trial_too_slow_even_alone_is_left_out_and_fast_ones_averaged(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 2000)
    noise = [rng.normal(scale=s, size=2000) for s in (0.8, 1.0, 1.0)]
    oofs = {i: as_proba(1 / (1 + np.exp(-(y + noise[i])))) for i in range(3)}
    # trial 0 is the best single model but alone predicts in 10 + 1.3 x 190 ms
    study = study_with(tmp_path, oofs, y, predict_ms={0: 200.0, 1: 15.0, 2: 15.0})
    add_baseline(study, predict_ms=10.0)
    metric = get_metric("roc_auc", "binary")
    assert max(study.trials[:3], key=lambda t: t.value).number == 0
    limited = select_ensemble(study, tmp_path, y, np.arange(2000), metric, 2, max_predict_ms=50)
    assert limited is not None and set(limited.trials) == {1, 2}
    assert limited.score > limited.best_single  # the fast pair even beats the slow best
    none_fits = select_ensemble(study, tmp_path, y, np.arange(2000), metric, 2, max_predict_ms=5)
    assert none_fits is None


def test_the_best_trials_of_every_family_are_candidates(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 2000)
    shared = rng.normal(size=2000)
    # 24 near-copies of one LightGBM (a search that settled), and one CatBoost, a little worse
    # alone, whose errors are its own
    oofs = {
        i: as_proba(1 / (1 + np.exp(-(y + shared + rng.normal(scale=0.05, size=2000)))))
        for i in range(24)
    }
    oofs[24] = as_proba(1 / (1 + np.exp(-(y + rng.normal(scale=1.1, size=2000)))))
    study = study_with(tmp_path, oofs, y, families={24: "catboost"})
    ranked = sorted(study.trials, key=lambda t: t.value, reverse=True)
    assert ranked[-1].number == 24  # not among the 20 best
    choice = select_ensemble(
        study, tmp_path, y, np.arange(2000), get_metric("roc_auc", "binary"), 2
    )
    assert choice is not None and 24 in choice.trials
    assert choice.score > choice.best_single


def test_no_ensemble_when_one_model_dominates_and_few_members_kept(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    perfect = as_proba(y * 0.9 + 0.05)
    oofs = {0: perfect, **{i: as_proba(rng.uniform(size=500)) for i in range(1, 12)}}
    study = study_with(tmp_path, oofs, y)
    metric = get_metric("roc_auc", "binary")
    assert select_ensemble(study, tmp_path, y, np.arange(500), metric, 2) is None
    noisy = {i: as_proba(1 / (1 + np.exp(-(y + rng.normal(size=500))))) for i in range(12)}
    for path in tmp_path.glob("*.npy"):
        path.unlink()
    choice = select_ensemble(study_with(tmp_path, noisy, y), tmp_path, y, np.arange(500), metric, 2)
    assert choice is not None and len(choice.trials) <= MAX_MEMBERS


def test_ensemble_model_prepares_once_and_averages_members() -> None:
    from automl.data.columns import ColumnProfile
    from automl.data.profile import Profile
    from automl.models.constant import ConstantModel

    profile = Profile(
        source="x.csv", format="csv", delimiter=",", n_rows=4, n_columns=1, n_duplicate_rows=0,
        columns=(ColumnProfile("a", "numeric", "numbers", "float64", 0),),
    )  # fmt: skip
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]})
    members = []
    for y in (np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1])):
        encoder = FeatureEncoder({"a": "numeric"}, "ordinal").fit(frame)
        members.append((encoder, ConstantModel("binary", 2).fit(encoder.transform(frame), y)))
    model = EnsembleModel(Preparer(profile), members, [1.0, 3.0], task="binary", names=["a", "b"])
    proba = model.predict_proba(frame)
    assert np.allclose(proba[:, 1], 0.25 * 0.25 + 0.75 * 0.75)


def test_an_ensemble_without_a_member_renormalises_the_others() -> None:
    from automl.models.constant import ConstantModel
    from automl.search.limit import without_member

    class Identity:
        def transform(self, X: pd.DataFrame) -> pd.DataFrame:
            return X

    X = pd.DataFrame({"x": [0.0, 1.0, 2.0]})
    members = [
        (Identity(), ConstantModel("regression", 0).fit(X, np.full(3, value)))
        for value in (1.0, 2.0, 4.0)
    ]
    model = EnsembleModel(Identity(), members, [0.5, 0.3, 0.2], task="regression",
                          names=["a#1", "b#2", "c#3"])  # fmt: skip
    np.testing.assert_allclose(model.predict(X), 0.5 * 1 + 0.3 * 2 + 0.2 * 4)
    smaller = without_member(model, 1)
    assert smaller.names == ["a#1", "c#3"] and model.names == ["a#1", "b#2", "c#3"]
    np.testing.assert_allclose(smaller.weights, [0.5 / 0.7, 0.2 / 0.7])
    np.testing.assert_allclose(smaller.predict(X), (0.5 * 1 + 0.2 * 4) / 0.7)
