"""Rows, labels, holdout and folds as every process of a run derives them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import profile_table, read_table
from automl.errors import DataError, NotFoundError, UsageError
from automl.search.dataset import DataSpec, training_data


def data_for(tmp_path: Path, frame: pd.DataFrame, **spec):
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    table = read_table(path)
    profile = profile_table(table, target="y")
    return training_data(table.frame, profile, DataSpec(target="y", **spec))


def frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "shop": rng.choice(["a", "b", "c", "d", "e", "f"], size=n),
            "day": pd.date_range("2021-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "y": rng.choice(["no", "yes"], size=n, p=[0.7, 0.3]),
        }
    )


def test_labels_sorted_with_the_positive_class_last_and_pos_label(tmp_path: Path) -> None:
    data = data_for(tmp_path, frame())
    assert data.labels == ["no", "yes"] and set(data.y) == {0, 1}
    flipped = data_for(tmp_path, frame(), pos_label="no")
    assert flipped.labels == ["yes", "no"]
    assert np.array_equal(flipped.y, 1 - data.y)
    with pytest.raises(UsageError, match="--pos-label 'maybe' is not a class"):
        data_for(tmp_path, frame(), pos_label="maybe")


def test_missing_targets_and_single_row_classes_are_dropped_with_notes(tmp_path: Path) -> None:
    f = frame()
    f.loc[:4, "y"] = None
    f.loc[5, "y"] = "rare"
    data = data_for(tmp_path, f)
    assert len(data.y) == len(f) - 6
    assert data.labels == ["no", "yes"]
    assert any("without a target" in n for n in data.notes)
    assert any("'rare'" in n for n in data.notes)


def test_stratified_folds_cover_every_row_once(tmp_path: Path) -> None:
    data = data_for(tmp_path, frame(), cv=4)
    assert len(data.folds) == 4
    valid = np.concatenate([v for _, v in data.folds])
    assert sorted(valid) == list(range(len(data.y)))
    for train, valid in data.folds:
        assert not set(train) & set(valid)
        assert abs(data.y[valid].mean() - data.y.mean()) < 0.1


def test_group_folds_never_split_a_group(tmp_path: Path) -> None:
    data = data_for(tmp_path, frame(), cv=3, group="shop")
    assert "shop" not in [c.name for c in data.profile.features]
    for train, valid in data.folds:
        assert not set(data.raw["shop"].iloc[train]) & set(data.raw["shop"].iloc[valid])


def test_time_folds_train_on_the_past(tmp_path: Path) -> None:
    f = frame().sample(frac=1.0, random_state=1)  # file order is not time order
    data = data_for(tmp_path, f, cv=3, time="day")
    days = pd.to_datetime(data.raw["day"])
    for train, valid in data.folds:
        assert days.iloc[train].max() < days.iloc[valid].min()


def test_holdout_rows_are_kept_out_of_every_fold(tmp_path: Path) -> None:
    data = data_for(tmp_path, frame(200), holdout=0.25)
    assert len(data.holdout_rows) == 50
    used = np.concatenate([np.concatenate([t, v]) for t, v in data.folds])
    assert not set(used) & set(data.holdout_rows)


def test_time_holdout_keeps_the_latest_rows(tmp_path: Path) -> None:
    f = frame(200).sample(frac=1.0, random_state=2)
    data = data_for(tmp_path, f, holdout=0.2, time="day")
    days = pd.to_datetime(data.raw["day"])
    assert days.iloc[data.search_rows].max() < days.iloc[data.holdout_rows].min()


def test_folds_shrink_to_the_smallest_class_and_ignored_columns_leave(tmp_path: Path) -> None:
    f = frame()
    f["y"] = ["no"] * 117 + ["yes"] * 3
    data = data_for(tmp_path, f, cv=5, ignore=("x",))
    assert len(data.folds) == 3
    assert [c.name for c in data.profile.features] == ["shop", "day"]
    with pytest.raises(NotFoundError, match="--ignore column 'nope' not found"):
        data_for(tmp_path, frame(), ignore=("nope",))


def test_regression_on_text_is_bad_data(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="regression needs numbers"):
        data_for(tmp_path, frame(), task="regression")
