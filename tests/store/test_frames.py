"""Data frames given to ``automl.fit``: one Parquet file per content, read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from automl.data import file_sha256, read_table
from automl.errors import DataError, UsageError
from automl.store.frames import save_frame
from tests.conftest import dataset


def test_the_same_frame_is_one_file_named_by_its_sha256(tmp_path: Path) -> None:
    frame = pd.read_csv(dataset("titanic").path)
    first = save_frame(frame, tmp_path)
    again = save_frame(frame.copy(), tmp_path)  # resume: the same rows give the same file
    assert first == again and first.parent == tmp_path / ".frames"
    assert first.name == f"{file_sha256(first)}.parquet"
    other = save_frame(frame.head(100), tmp_path)
    assert other != first and len(list(first.parent.iterdir())) == 2
    back = read_table(first).frame
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    assert back["Name"].tolist() == frame["Name"].tolist()


def test_the_index_is_not_a_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1, 2, 3]}, index=pd.Index([10, 20, 30], name="key"))
    assert list(read_table(save_frame(frame, tmp_path)).frame.columns) == ["a"]


def test_frames_arrow_cannot_store_are_data_errors_naming_the_fix(tmp_path: Path) -> None:
    mixed = pd.DataFrame({"a": pd.Series([1, "x", 2.5], dtype=object), "y": [0, 1, 0]})
    with pytest.raises(DataError, match="single type") as caught:
        save_frame(mixed, tmp_path)
    assert "'a'" in str(caught.value) or "column a" in str(caught.value)
    with pytest.raises(DataError, match="not text: 0, 1"):
        save_frame(pd.DataFrame([[1, 2]]), tmp_path)
    with pytest.raises(UsageError, match="Expected a pandas DataFrame"):
        save_frame([[1, 2]], tmp_path)  # type: ignore[arg-type]
    assert not (tmp_path / ".frames").exists()
