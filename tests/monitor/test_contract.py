"""The input contract on a small table: each kind of finding names its column, rows (from 1)
and examples; values within what training saw raise nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from automl.data import profile_table, read_table
from automl.data.prepare import prepare_frame
from automl.monitor.contract import check_contract
from automl.monitor.reference import build_reference


def _run(tmp_path: Path):
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(float),
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "score": rng.normal(0, 1, n).round(4),
        "y": rng.integers(0, 2, n),
    })  # fmt: skip
    path = tmp_path / "train.csv"
    frame.to_csv(path, index=False)
    profile = profile_table(read_table(path), target="y")
    reference = build_reference(prepare_frame(frame, profile), profile, task="binary",
                                labels=[0, 1], predictions=None)  # fmt: skip
    return frame.drop(columns=["y"]), reference, profile


def test_rows_like_training_raise_nothing(tmp_path: Path) -> None:
    frame, reference, profile = _run(tmp_path)
    report = check_contract(reference, profile, frame.head(50))
    assert report.issues == () and report.rows == []


def test_each_finding_names_column_rows_and_examples(tmp_path: Path) -> None:
    frame, reference, profile = _run(tmp_path)
    rows = frame.head(6).astype(object).copy()
    rows.loc[1, "age"] = 130.0
    rows.loc[2, "plan"] = "enterprise"
    rows.loc[4, "score"] = "n/a?"
    rows["score"] = rows["score"].astype(str)
    report = check_contract(reference, profile, rows, new_columns=("extra",))
    found = {(i.column, i.kind): i for i in report.issues}
    assert found[("age", "out_of_range")].rows == [2]
    assert found[("age", "out_of_range")].expected == "18 to 79"
    assert found[("plan", "unseen_category")].examples == ["enterprise"]
    assert found[("score", "unparsed")].rows == [5]
    assert report.rows == [2, 3, 5] and report.new_columns == ("extra",)
    assert (
        "age: a value out of the training range in 1 row" in found[("age", "out_of_range")].text()
    )


def test_an_all_empty_column_is_one_finding(tmp_path: Path) -> None:
    frame, reference, profile = _run(tmp_path)
    rows = frame.head(5).assign(score=np.nan)
    report = check_contract(reference, profile, rows)
    assert [(i.column, i.kind, i.count) for i in report.issues] == [("score", "all_empty", 5)]
