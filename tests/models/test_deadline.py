"""A fit stopped by its deadline says so; a booster that stops by itself does not."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from automl.models import FAMILIES


def table(n: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype(int)
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(6)]), y


@pytest.mark.parametrize("name", ["lightgbm", "catboost", "hist_gb", "random_forest"])
def test_a_fit_past_its_deadline_is_marked_and_keeps_what_it_has(name: str) -> None:
    X, y = table()
    family = FAMILIES[name]
    params = family.portfolio("binary")[0]
    model = family.build(params, task="binary", n_classes=2, n_threads=1, seed=0,
                         n_iterations=5000)  # fmt: skip
    model.fit(X, y, deadline=time.monotonic() - 1.0)
    assert model.stopped_at_deadline_
    assert 1 <= model.n_iterations_ < 5000
    assert model.predict_proba(X).shape == (len(y), 2)

    unhurried = family.build(params, task="binary", n_classes=2, n_threads=1, seed=0,
                             n_iterations=200)  # fmt: skip
    unhurried.fit(X, y, deadline=time.monotonic() + 600)
    assert not unhurried.stopped_at_deadline_ and unhurried.n_iterations_ == 200


def test_a_lightgbm_that_runs_out_of_splits_is_not_cut_short() -> None:
    # strong L1 and big leaves: LightGBM stops adding trees once no split gains anything
    # (tokyo1's refit: an ensemble was thrown away for this, as if the deadline had struck)
    X, y = table()
    params = {**FAMILIES["lightgbm"].portfolio("binary")[0], "lambda_l1": 10.0,
              "min_data_in_leaf": 100}  # fmt: skip
    model = FAMILIES["lightgbm"].build(params, task="binary", n_classes=2, n_threads=1, seed=0,
                                       n_iterations=2000)  # fmt: skip
    model.fit(X, y, deadline=time.monotonic() + 600)
    assert model.n_iterations_ < 2000
    assert not model.stopped_at_deadline_
