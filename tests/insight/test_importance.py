"""Global importance: the columns the target depends on come first."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from automl.errors import DataError
from automl.insight import importance
from automl.models.registry import FAMILIES
from tests.insight.helpers import fit_predictor, rows, synthetic


@pytest.mark.parametrize("seed", range(10))
def test_the_two_signal_columns_rank_first_and_second(seed: int, tmp_path: Path) -> None:
    """y depends on x1 (weight 2) and x2 (-1.5) only; eight noise columns, among them a
    categorical and a free-text one, which the encoders turn into many features."""
    data = synthetic(seed, n=500)
    params = FAMILIES["lightgbm"].portfolio("binary")[0]
    predictor = fit_predictor(data, "y", [("lightgbm", params)], folder=tmp_path, seed=seed)
    found = importance(predictor, rows(data), seed=seed)
    assert found.method == "mean_abs_contribution" and found.exact and found.space == "log_odds"
    assert found.columns[:2] == ("x1", "x2"), found.as_dict()
    assert len(found.columns) == 10 and np.all(np.diff(found.values) <= 0)


def test_inexact_contributions_with_labels_give_permutation_importance(tmp_path: Path) -> None:
    data = synthetic(0, n=400, task="regression")
    params = FAMILIES["extra_trees"].portfolio("regression")[0]
    predictor = fit_predictor(data, "y", [("extra_trees", params)], folder=tmp_path,
                              iterations=30)  # fmt: skip
    found = importance(predictor, rows(data), data["y"], seed=0)
    assert found.method == "permutation" and found.space == "rmse" and not found.exact
    assert set(found.columns[:2]) == {"x1", "x2"}
    assert found.values[0] > 0.5 and abs(found.values[-1]) < 0.1  # RMSE lost when shuffled
    without_labels = importance(predictor, rows(data), seed=0)
    assert without_labels.method == "mean_abs_contribution" and not without_labels.exact


def test_a_target_of_the_wrong_length_is_refused(tmp_path: Path) -> None:
    data = synthetic(0, n=200)
    params = FAMILIES["lightgbm"].portfolio("binary")[0]
    predictor = fit_predictor(data, "y", [("lightgbm", params)], folder=tmp_path)
    with pytest.raises(DataError, match="199 values for 200 rows"):
        importance(predictor, rows(data), data["y"].iloc[1:], seed=0)


@pytest.mark.parametrize("family", ["random_forest", "hist_gb"])
def test_path_contributions_credit_the_columns_the_trees_split_on(
    family: str, tmp_path: Path
) -> None:
    """HistGradientBoosting moves categorical features first inside; the credit must still go
    to the right input columns (else noise columns would rank first)."""
    data = synthetic(3, n=500, task="regression")
    params = FAMILIES[family].portfolio("regression")[0]
    predictor = fit_predictor(data, "y", [(family, params)], folder=tmp_path, iterations=40)
    found = importance(predictor, rows(data), seed=0)
    assert found.method == "mean_abs_contribution" and not found.exact
    assert found.columns[:2] == ("x1", "x2"), found.as_dict()
