"""Target analysis, warnings, and the profile's JSON round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import Profile, profile_table, read_table
from automl.errors import DataError, NotFoundError


def write(tmp_path: Path, frame: pd.DataFrame, name: str = "data.csv") -> Path:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def profile_of(tmp_path: Path, frame: pd.DataFrame, target: str | None = "y") -> Profile:
    return profile_table(read_table(write(tmp_path, frame)), target=target)


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (["a", "b"] * 50, "binary"),
        ([1.0, 2.0, 3.0, 5.0] * 25, "multiclass"),
        (list(np.linspace(0, 1, 100)), "regression"),
        (list(range(100)), "regression"),
        (["Yes", "No", "No", "Maybe"] * 25, "multiclass"),
    ],
)
def test_task_inference(tmp_path: Path, y, task: str) -> None:
    frame = pd.DataFrame({"x": np.arange(100) % 7, "y": y})
    assert profile_of(tmp_path, frame).target.task == task


def test_whole_number_float_labels_become_integers_and_missing_targets_are_counted(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame({"x": range(8), "y": [1.0, 0.0, None, 1.0, 0.0, 1.0, None, 0.0]})
    target = profile_of(tmp_path, frame).target
    assert target.classes == [[0, 3], [1, 3]]
    assert target.positive_class == 1
    assert target.n_missing == 2


def test_leakage_suspect_is_flagged_and_honest_features_are_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    frame = pd.DataFrame(
        {
            "noise": rng.normal(size=2000),
            "weak": y + rng.normal(scale=2.0, size=2000),
            "leak": y * 10.0 + rng.normal(scale=0.1, size=2000),
            "leak_code": np.where(y == 1, "approved", "rejected"),
            "y": y,
        }
    )
    profile = profile_of(tmp_path, frame)
    leaks = {w.column for w in profile.warnings if w.kind == "leakage"}
    assert leaks == {"leak", "leak_code"}


def test_regression_leak_by_rank_correlation(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(size=500)
    frame = pd.DataFrame({"same": np.exp(y), "other": rng.normal(size=500), "y": y})
    leaks = {w.column for w in profile_of(tmp_path, frame).warnings if w.kind == "leakage"}
    assert leaks == {"same"}


def test_near_constant_rare_class_and_imbalance_warnings(tmp_path: Path) -> None:
    y = ["a"] * 400 + ["b"] * 10 + ["c"]
    frame = pd.DataFrame({"flag": [0.0] * 410 + [1.0], "x": range(411), "y": y})
    kinds = {w.kind for w in profile_of(tmp_path, frame).warnings}
    assert {"rare_class", "class_imbalance"} <= kinds
    frame = pd.DataFrame({"flag": ["k"] * 995 + ["z"] * 5, "y": [0, 1] * 500})
    assert "near_constant" in {w.kind for w in profile_of(tmp_path, frame).warnings}


def test_profile_round_trips_through_json(
    tmp_path: Path,
) -> None:
    frame = pd.DataFrame(
        {
            "when": ["2021-01-02", "2021-02-03"] * 30,
            "amount": ["$1,000", "$2"] * 30,
            "y": ["yes", "no"] * 30,
        }
    )
    profile = profile_of(tmp_path, frame)
    again = Profile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    assert [c.name for c in again.features] == ["when", "amount"]


def test_target_errors(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Price": [1, 2, 3], "y": [1, 2, 3]})
    with pytest.raises(NotFoundError, match="Did you mean 'Price'"):
        profile_of(tmp_path, frame, target="price")
    with pytest.raises(DataError, match="single value"):
        profile_of(tmp_path, pd.DataFrame({"a": [1, 2], "y": [5, 5]}))


def test_near_constant_numeric_column_is_warned(tmp_path: Path) -> None:
    frame = pd.DataFrame({"pool": [0.0] * 997 + [480.0, 512.0, 648.0], "y": [0, 1] * 500})
    warnings = profile_of(tmp_path, frame).warnings
    assert any(w.kind == "near_constant" and w.column == "pool" for w in warnings)


def test_nested_parquet_columns_are_bad_data(tmp_path: Path) -> None:
    path = tmp_path / "nested.parquet"
    pd.DataFrame({"a": [[1, 2], [3]], "y": [0, 1]}).to_parquet(path)
    with pytest.raises(DataError, match="nested"):
        read_table(path)
