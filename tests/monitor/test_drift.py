"""The drift verdict on synthetic tables: nothing changed is ``none``; a shifted, swapped or
emptied column is ``drift`` and ranked first; the reference stays small and holds no row."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.data import profile_table, read_table
from automl.data.prepare import prepare_frame
from automl.monitor.drift import compare
from automl.monitor.reference import Reference, build_reference


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "income": rng.normal(50_000, 12_000, n).round(2),
        "balance": rng.lognormal(3, 1, n).round(3),
        "plan": rng.choice(["basic", "plus", "pro", "team"], n, p=[0.4, 0.3, 0.2, 0.1]),
        "children": rng.poisson(1.2, n),
        "y": rng.integers(0, 2, n),
    })  # fmt: skip


def _prepared(frame: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, object]:
    path = folder / "train.csv"
    frame.to_csv(path, index=False)
    profile = profile_table(read_table(path), target="y")
    return prepare_frame(frame, profile), profile


@pytest.fixture(scope="module")
def halves(tmp_path_factory: pytest.TempPathFactory) -> tuple[Reference, pd.DataFrame]:
    frame = _table(6000, 0)
    prepared, profile = _prepared(frame, tmp_path_factory.mktemp("drift"))
    reference = build_reference(prepared.iloc[:3000], profile, task="binary", labels=[0, 1],
                                predictions=None)  # fmt: skip
    return reference, prepared.iloc[3000:].reset_index(drop=True)


def test_rows_from_the_same_distribution_are_none(halves) -> None:
    reference, new = halves
    report = compare(reference, new, seed=0)
    assert report.verdict == "none", report.reasons
    assert report.document["domain_classifier"]["auc"] < 0.6


def test_a_half_standard_deviation_shift_is_drift_and_ranked_first(halves) -> None:
    reference, new = halves
    shifted = new.assign(income=new["income"] + 0.5 * new["income"].std())
    report = compare(reference, shifted, seed=0)
    assert report.verdict == "drift"
    first = report.columns[0]
    assert first["name"] == "income" and first["severity"] == "drift" and first["psi"] >= 0.2
    assert report.reasons[0]["column"] == "income"


def test_a_fifth_of_a_categorical_swapped_is_drift(halves) -> None:
    reference, new = halves
    swapped = new.copy()
    rows = np.random.default_rng(1).choice(len(new), len(new) // 5, replace=False)
    swapped.loc[rows, "plan"] = "team"
    report = compare(reference, swapped, seed=0)
    assert report.verdict == "drift"
    assert report.columns[0]["name"] == "plan"


def test_a_column_emptied_on_30_percent_of_rows_is_flagged_by_missing_rate(halves) -> None:
    reference, new = halves
    emptied = new.copy()
    emptied.loc[emptied.sample(frac=0.3, random_state=2).index, "balance"] = np.nan
    report = compare(reference, emptied, seed=0)
    column = next(c for c in report.columns if c["name"] == "balance")
    assert column["severity"] == "drift" and "missing_rate" in column["measures"]
    assert column["psi"] < 0.1  # the values left look as before: the missing rate says it
    assert "missing 0.0% -> 30.0%" in report.reasons[0]["text"]


def test_counts_moved_off_their_integers_are_drift(halves) -> None:
    reference, new = halves
    report = compare(reference, new.assign(children=new["children"] + 0.5), seed=0)
    column = next(c for c in report.columns if c["name"] == "children")
    assert column["kind"] == "discrete" and column["severity"] == "drift"


def test_importance_weights_rank_two_equal_shifts(halves) -> None:
    reference, new = halves
    weighted = build_reference(new, _profile_of(reference, new), task="binary", labels=[0, 1],
                               predictions=None, weights={"income": 1.0, "balance": 0.1},
                               weights_source="mean_abs_contribution")  # fmt: skip
    both = new.assign(income=new["income"] * 1.5, balance=new["balance"] * 1.5)
    report = compare(weighted, both, seed=0)
    names = [c["name"] for c in report.columns[:2]]
    assert names == ["income", "balance"]
    assert report.document["weights_source"] == "mean_abs_contribution"


def _profile_of(reference: Reference, frame: pd.DataFrame) -> object:
    from automl.data.columns import ColumnProfile
    from automl.data.profile import Profile

    columns = tuple(ColumnProfile(name=c.name, role=c.role, reason="", dtype=c.dtype, n_missing=0)
                    for c in reference.columns)  # fmt: skip
    return Profile(source="x", format="csv", delimiter=",", n_rows=len(frame),
                   n_columns=len(columns), n_duplicate_rows=0, columns=columns)  # fmt: skip


def test_a_reference_of_100_columns_is_small_and_holds_no_row(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"x{i}": rng.normal(size=5000).round(6) for i in range(100)})
    frame["y"] = rng.integers(0, 2, 5000)
    prepared, profile = _prepared(frame, tmp_path)
    reference = build_reference(prepared, profile, task="binary", labels=[0, 1],
                                predictions=rng.random((5000, 2)))  # fmt: skip
    text = json.dumps(reference.to_dict())
    assert len(text) < 1_000_000
    assert str(frame.iloc[1234, 5]) not in text  # a value of a row is not kept
    again = Reference.from_dict(json.loads(text))
    assert again.to_dict() == reference.to_dict()
