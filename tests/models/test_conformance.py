"""Every registered family through the same checks: binary, multiclass and regression data with
missing values and categoricals, through the real preprocessing pipeline."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import profile_table, read_table
from automl.features import build_pipeline
from automl.models import FAMILIES
from automl.search.dataset import DataSpec, training_data

TASKS = ("binary", "multiclass", "regression")


def synthetic(task: str, n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Two informative numbers, a categorical, a yes/no column, a date, a skewed amount,
    blanks everywhere."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(-1, 1, size=n)
    city = rng.choice(["paris", "lyon", "nice", "lille"], size=n)
    effect = x1 + 0.5 * x2 + np.where(city == "nice", 1.0, 0.0)
    if task == "binary":
        y = np.where(effect + rng.normal(scale=0.3, size=n) > 0, "yes", "no")
    elif task == "multiclass":
        y = np.digitize(effect, [-0.7, 0.7]).astype(str)
        y = np.array(["low", "mid", "high"])[y.astype(int)]
    else:
        y = 3.0 * effect + rng.normal(scale=0.2, size=n)
    frame = pd.DataFrame(
        {
            "x1": x1,
            "x2": x2,
            "city": city,
            "member": rng.choice(["Yes", "No"], size=n),
            "joined": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "amount": np.round(rng.lognormal(4.0, 1.5, size=n), 2),
            "y": y,
        }
    ).astype({"x1": object, "x2": object, "city": object})
    for column in ("x1", "x2", "city", "member", "amount"):
        frame.loc[rng.random(n) < 0.08, column] = None
    return frame


@pytest.fixture(scope="module", params=TASKS)
def task_data(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    task = request.param
    path = Path(tmp_path_factory.mktemp(task)) / "train.csv"
    synthetic(task).to_csv(path, index=False)
    table = read_table(path)
    profile = profile_table(table, target="y")
    data = training_data(table.frame, profile, DataSpec(target="y", task=task, cv=3))
    return task, data


@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_family_fits_and_predicts_raw_rows(family_name: str, task_data) -> None:
    task, data = task_data
    family = FAMILIES[family_name]
    params = family.portfolio(task)[0]
    model = family.build(params, task=task, n_classes=data.n_classes, n_threads=1, seed=0)
    pipeline = build_pipeline(data.profile, family, model)
    train, valid = data.folds[0]
    pipeline.fit(data.raw.iloc[train], data.y[train], model__deadline=time.monotonic() + 600)
    rows = data.raw.iloc[valid]
    if task == "regression":
        prediction = pipeline.predict(rows)
        assert prediction.shape == (len(valid),) and np.isfinite(prediction).all()
        error = np.sqrt(np.mean((prediction - data.y[valid]) ** 2))
        baseline = np.std(data.y[valid])
        if family_name != "constant":
            assert error < 0.7 * baseline, f"{family_name} rmse {error:.3f} vs std {baseline:.3f}"
    else:
        proba = pipeline.predict_proba(rows)
        assert proba.shape == (len(valid), data.n_classes)
        assert np.allclose(proba.sum(axis=1), 1.0)
        accuracy = np.mean(np.argmax(proba, axis=1) == data.y[valid])
        majority = np.bincount(data.y[valid]).max() / len(valid)
        if family_name != "constant":
            assert accuracy > majority + 0.1, f"{family_name} accuracy {accuracy:.3f}"


@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_every_portfolio_configuration_fits_with_its_encoder_options(
    family_name: str, task_data
) -> None:
    """The search tries the portfolio first: each configuration (with the encoder options its
    parameters choose, such as the linear family's normal scores) fits and predicts."""
    task, data = task_data
    family = FAMILIES[family_name]
    train, valid = data.folds[0]
    mapped = []
    for params in family.portfolio(task):
        model = family.build(params, task=task, n_classes=data.n_classes, n_threads=1, seed=0)
        pipeline = build_pipeline(data.profile, family, model, params)
        pipeline.fit(data.raw.iloc[train], data.y[train], model__deadline=time.monotonic() + 600)
        encoder = pipeline.named_steps["encode"]
        for option, value in family.encoder_options(params).items():
            assert getattr(encoder, option) == value
        mapped.append(sorted(getattr(encoder, "quantiles_", {})))
        rows = data.raw.iloc[valid]
        out = pipeline.predict(rows) if task == "regression" else pipeline.predict_proba(rows)
        assert np.isfinite(np.asarray(out)).all(), params
    if family_name == "linear" and task != "regression":
        assert mapped == [[], ["amount"]]  # standardised, then the skewed amount as scores
    else:
        assert not any(mapped)


@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_family_handles_unseen_categories_missing_cells_and_absent_classes(
    family_name: str, task_data
) -> None:
    task, data = task_data
    family = FAMILIES[family_name]
    train = np.arange(len(data.y))
    if task == "multiclass":
        train = train[data.y != data.n_classes - 1]  # the last class is absent from training
    model = family.build(
        family.portfolio(task)[0], task=task, n_classes=data.n_classes, n_threads=1, seed=0
    )
    pipeline = build_pipeline(data.profile, family, model)
    pipeline.fit(data.raw.iloc[train], data.y[train])
    odd = data.raw.iloc[:5].copy()
    odd["city"] = ["tokyo", None, "paris", "", "?"]
    odd["x1"] = [None, "n/a", 1.0, 2.0, 3.0]
    predict = pipeline.predict if task == "regression" else pipeline.predict_proba
    out = np.asarray(predict(odd))
    assert np.isfinite(out).all()
    if task != "regression":
        assert out.shape == (5, data.n_classes)


TRAITS = ("is_baseline", "is_boosting", "grows_incrementally", "leads_portfolio")
BOOSTING = [n for n, f in FAMILIES.items() if f.is_boosting]
GROWN = [n for n, f in FAMILIES.items() if f.grows_incrementally]


@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_every_family_declares_every_trait(family_name: str) -> None:
    family = FAMILIES[family_name]
    for trait in TRAITS:
        # the base class declares the traits without values: a family that forgets one
        # raises AttributeError here
        assert isinstance(getattr(type(family), trait), bool), (family_name, trait)
    assert not (family.is_boosting and family.grows_incrementally)
    assert not (family.is_baseline and (family.is_boosting or family.grows_incrementally))


def test_one_baseline_and_one_leading_family() -> None:
    assert [n for n, f in FAMILIES.items() if f.is_baseline] == ["constant"]
    assert [n for n, f in FAMILIES.items() if f.leads_portfolio] == ["lightgbm"]
    assert BOOSTING == ["lightgbm", "catboost", "hist_gb"]
    assert GROWN == ["random_forest", "extra_trees"]


def test_the_baseline_predicts_the_class_shares_whatever_the_rows(task_data) -> None:
    task, data = task_data
    (baseline,) = (f for f in FAMILIES.values() if f.is_baseline)
    model = baseline.build({}, task=task, n_classes=data.n_classes, n_threads=1, seed=0)
    pipeline = build_pipeline(data.profile, baseline, model).fit(data.raw, data.y)
    predict = pipeline.predict if task == "regression" else pipeline.predict_proba
    out = np.asarray(predict(data.raw.iloc[:20]))
    assert np.allclose(out, out[0])  # the same answer for every row


@pytest.mark.parametrize("family_name", BOOSTING + GROWN)
def test_a_past_deadline_still_gives_a_usable_model(family_name: str, task_data) -> None:
    task, data = task_data
    family = FAMILIES[family_name]
    model = family.build(
        family.portfolio(task)[0], task=task, n_classes=data.n_classes, n_threads=1, seed=0
    )
    pipeline = build_pipeline(data.profile, family, model)
    pipeline.fit(data.raw, data.y, model__deadline=time.monotonic() - 1)
    trained = pipeline.named_steps["model"]
    # stopped at once, counted rather than timed: one boosting round, or one chunk of trees
    assert trained.n_iterations_ <= (getattr(trained, "chunk", None) or 1)
    predict = pipeline.predict if task == "regression" else pipeline.predict_proba
    assert np.isfinite(np.asarray(predict(data.raw.iloc[:10]))).all()


@pytest.mark.parametrize("family_name", BOOSTING)
def test_refit_trains_exactly_the_iterations_found_in_cv(family_name: str, task_data) -> None:
    task, data = task_data
    family = FAMILIES[family_name]
    model = family.build(
        family.portfolio(task)[0],
        task=task,
        n_classes=data.n_classes,
        n_threads=1,
        seed=0,
        n_iterations=37,
    )
    model.fit(build_pipeline(data.profile, family, model)[:-1].fit_transform(data.raw), data.y)
    assert model.n_iterations_ <= 37
    if family_name != "hist_gb":  # hist_gb grows in chunks of 100 but caps at the target
        assert model.n_iterations_ == 37


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("family_name", list(FAMILIES))
def test_every_portfolio_configuration_is_in_the_search_space(family_name: str, task: str) -> None:
    import warnings

    import optuna

    family = FAMILIES[family_name]
    for params in family.portfolio(task):  # type: ignore[arg-type]
        trial = optuna.trial.FixedTrial(family.prefixed(params))
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Optuna warns about a value outside its range
            drawn = family.suggest(trial, task=task, n_rows=10_000)  # type: ignore[arg-type]
        assert drawn == params
