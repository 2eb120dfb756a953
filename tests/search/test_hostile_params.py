"""Parameters read back from a shared storage are checked against the family's search space
before a refit, and the models apply their safety settings (threads, seed, no files) last."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.models.registry import FAMILIES
from tests.conftest import dataset, run_automl


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_portfolio_configuration_is_in_its_search_space(name: str, task: str) -> None:
    family = FAMILIES[name]
    for params in family.portfolio(task):  # type: ignore[arg-type]
        assert family.check_params(params, task=task) == []  # type: ignore[arg-type]


def test_check_params_names_unknown_and_out_of_range_values() -> None:
    catboost = FAMILIES["catboost"].check_params(
        {"depth": 4, "train_dir": "/tmp/x", "allow_writing_files": True, "learning_rate": "1"},
        task="binary",
    )
    assert catboost == [
        "learning_rate='1' (expected a number from 0.03 to 0.3)",
        "train_dir='/tmp/x' (not a catboost parameter)",
        "allow_writing_files=True (not a catboost parameter)",
    ]
    lightgbm = FAMILIES["lightgbm"].check_params(
        {"num_leaves": 100_000, "n_jobs": 64, "feature_fraction": float("nan")}, task="binary"
    )
    assert len(lightgbm) == 3 and "n_jobs=64 (not a lightgbm parameter)" in lightgbm
    linear = FAMILIES["linear"].check_params({"kind": "lasso"}, task="regression")
    assert linear == ["kind='lasso' (expected one of ['ridge', 'elastic_net'])"]


def test_safety_settings_win_over_any_parameter(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    y = (X["a"] > 0).astype(int).to_numpy()
    hostile = {"allow_writing_files": True, "train_dir": str(tmp_path / "cb"),
               "thread_count": 64, "n_jobs": 64, "random_state": 7, "verbose": 10}  # fmt: skip
    catboost = FAMILIES["catboost"].build(hostile, task="binary", n_classes=2, n_threads=1, seed=0)
    catboost.fit(X, y)
    params = catboost.model_.get_params()
    assert params["allow_writing_files"] is False and params["thread_count"] == 1
    assert "train_dir" not in params and "n_jobs" not in params
    options = {"task": "binary", "n_classes": 2, "n_threads": 1, "seed": 0}
    lightgbm = FAMILIES["lightgbm"].build({"n_jobs": 64, "num_threads": 64, "seed": 9}, **options)
    lgb_params = lightgbm._lgb_params()
    assert lgb_params["num_threads"] == 1 and lgb_params["seed"] == 0 and "n_jobs" not in lgb_params
    forest = FAMILIES["random_forest"].build({"n_jobs": 64, "feature_scale": 1.0}, **options)
    forest.fit(X.to_numpy(), y)
    assert forest.model_.n_jobs == 1
    assert list(tmp_path.iterdir()) == []  # nothing written in the current folder


HOSTILE = {
    "catboost_writes_files": ("catboost", {"allow_writing_files": True, "train_dir": "evil"},
                              "catboost.allow_writing_files=True"),
    "lightgbm_threads": ("lightgbm", {"n_jobs": 64}, "lightgbm.n_jobs=64"),
    "lightgbm_out_of_range": ("lightgbm", {"num_leaves": 100_000},
                              "lightgbm.num_leaves=100000 (expected a whole number from 4 to 512)"),
}  # fmt: skip


def _distribution(value, known):
    """A distribution holding ``value`` that the study accepts beside its own (same kind)."""
    import optuna

    if isinstance(known, optuna.distributions.CategoricalDistribution):
        return known
    if known is not None:
        return type(known)(min(known.low, value), max(known.high, value), log=known.log)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return optuna.distributions.CategoricalDistribution([value])
    if isinstance(value, int):
        return optuna.distributions.IntDistribution(value, value)
    return optuna.distributions.FloatDistribution(value, value)


def _add_hostile_trial(home: Path, family: str, extra: dict, cwd: Path) -> int:
    """A completed trial with the best score, as anyone who can write the storage could add."""
    import optuna

    from automl.store.runs import open_storage

    storage = open_storage(f"sqlite:///{home / 'automl.db'}")
    (name,) = [s.study_name for s in optuna.get_all_study_summaries(storage, False)]
    study = optuna.load_study(study_name=name, storage=storage)
    base = FAMILIES[family].portfolio("binary")[0]
    params = {"family": family, **{f"{family}.{k}": v for k, v in base.items()}}
    for key, value in extra.items():
        params[f"{family}.{key}"] = str(cwd / value) if key == "train_dir" else value
    known = {k: d for t in study.trials for k, d in t.distributions.items()}
    distributions = {k: _distribution(v, known.get(k)) for k, v in params.items()}
    trial = optuna.trial.create_trial(
        params=params, distributions=distributions, value=0.99,
        user_attrs={"family": family, "cv_mean": 0.99, "cv_std": 0.0, "fold_scores": [0.99] * 5,
                    "fit_seconds": 0.5, "n_iterations": 20},
    )  # fmt: skip
    study.add_trial(trial)
    return len(study.trials) - 1


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_trial_in_the_storage_is_never_refitted(tmp_path: Path, case: str) -> None:
    family, extra, named = HOSTILE[case]
    home = tmp_path / "home"
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    titanic = dataset("titanic").path
    first = run_automl("--home", home, "fit", titanic, "--target", "Survived", "--n-trials", "2",
                       "--n-jobs", "1", "--models", "lightgbm,catboost", "--json",
                       cwd=cwd)  # fmt: skip
    assert first.code == 0, first.stderr
    run_dir = Path(json.loads(first.stdout)["run_dir"])
    model_before = (run_dir / "model.joblib").read_bytes()
    number = _add_hostile_trial(home, family, extra, cwd)

    resumed = run_automl("--home", home, "fit", titanic, "--target", "Survived", "--n-trials",
                         "1", "--n-jobs", "1", "--resume", "--no-ensemble", cwd=cwd)  # fmt: skip
    message = " ".join(resumed.stderr.split())
    assert resumed.code == 3, resumed.stderr
    assert f"Trial {number} of run default/{run_dir.name} has parameters automl never draws" in (
        message
    )
    assert named in message
    assert list(cwd.iterdir()) == []  # no catboost_info, no train_dir
    assert (run_dir / "model.joblib").read_bytes() == model_before  # the saved model stays
    predicted = run_automl("--home", home, "predict", titanic, "--output", tmp_path / "p.csv",
                           cwd=cwd)  # fmt: skip
    assert predicted.code == 0, predicted.stderr
