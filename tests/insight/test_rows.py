"""One explained output per row: which output (positive, named or predicted class), and the
tables ``automl explain`` writes and ``/v1/explain`` answers from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.errors import UsageError
from automl.insight import explain_rows
from tests.insight.helpers import fit_predictor, rows, synthetic

BOOST = {"num_leaves": 8, "learning_rate": 0.1, "min_child_samples": 5}


def test_binary_explains_the_positive_class_and_the_other_class_by_its_sign(
    tmp_path: Path,
) -> None:
    data = synthetic(1, n=300)
    predictor = fit_predictor(data, "y", [("lightgbm", BOOST)], folder=tmp_path)
    X = rows(data)
    positive = explain_rows(predictor, X)
    proba = predictor.predict_proba(X)[:, 1]
    assert positive.classes == ["yes"] * len(X) and positive.explained == "positive class 'yes'"
    np.testing.assert_allclose(positive.output, np.log(proba) - np.log1p(-proba), atol=1e-9)
    np.testing.assert_allclose(positive.base + positive.values.sum(axis=1), positive.output,
                               atol=1e-9)  # fmt: skip
    negative = explain_rows(predictor, X, label="no")
    assert negative.classes == ["no"] * len(X) and negative.explained == "class 'no'"
    np.testing.assert_allclose(negative.values, -positive.values)
    np.testing.assert_allclose(negative.output, np.log1p(-proba) - np.log(proba), atol=1e-9)
    with pytest.raises(UsageError, match="'maybe' is not a class"):
        explain_rows(predictor, X, label="maybe")


def test_multiclass_explains_each_rows_predicted_class_unless_one_is_named(
    tmp_path: Path,
) -> None:
    data = synthetic(2, n=300, task="multiclass")
    predictor = fit_predictor(data, "y", [("lightgbm", BOOST)], folder=tmp_path)
    X = rows(data)
    predicted = explain_rows(predictor, X)
    assert predicted.classes == list(predictor.predict(X))
    assert len(set(predicted.classes)) == 3
    named = explain_rows(predictor, X, label="high")
    assert named.classes == ["high"] * len(X)
    for found in (predicted, named):
        np.testing.assert_allclose(found.base + found.values.sum(axis=1), found.output, atol=1e-9)


def test_a_regression_has_no_class_to_name(tmp_path: Path) -> None:
    data = synthetic(3, n=200, task="regression")
    predictor = fit_predictor(data, "y", [("lightgbm", BOOST)], folder=tmp_path)
    X = rows(data)
    found = explain_rows(predictor, X)
    assert found.classes is None and found.explained == "prediction"
    np.testing.assert_allclose(found.output, predictor.predict(X), atol=1e-9)
    assert "class" not in found.frame(X).columns
    with pytest.raises(UsageError, match="regression"):
        explain_rows(predictor, X, label="1")


def test_the_top_table_and_the_records_agree_and_add_up(tmp_path: Path) -> None:
    data = synthetic(4, n=200)
    predictor = fit_predictor(data, "y", [("lightgbm", BOOST)], folder=tmp_path)
    X = rows(data).iloc[::-1]  # any order: rows come back in the order given
    X.loc[X.index[0], "colour"] = None
    found = explain_rows(predictor, X)
    full = found.frame(X)
    assert list(full.columns) == ["class", "base", *(f"contrib_{c}" for c in X.columns), "output"]
    top = found.frame(X, top=3)
    assert list(top.columns[:5]) == ["class", "base", "top1_column", "top1_value",
                                     "top1_contribution"]  # fmt: skip
    assert list(top.columns[-2:]) == ["rest", "output"]
    chosen = top[[f"top{i}_contribution" for i in (1, 2, 3)]].to_numpy()
    assert (np.abs(chosen[:, :-1]) >= np.abs(chosen[:, 1:])).all()  # largest first
    np.testing.assert_allclose(top["base"] + chosen.sum(axis=1) + top["rest"], top["output"],
                               atol=1e-9)  # fmt: skip
    assert top["top1_column"].iloc[0] in X.columns
    for i, row in enumerate(top.itertuples()):
        cell = X[row.top1_column].iloc[i]
        assert (pd.isna(cell) and pd.isna(row.top1_value)) or row.top1_value == cell
    records = found.records(X, top=3)
    assert len(records) == len(X)
    for record, (_, row) in zip(records, top.iterrows(), strict=True):
        assert [c["column"] for c in record["contributions"]] == [
            row[f"top{i}_column"] for i in (1, 2, 3)
        ]
        assert record["rest"] == pytest.approx(row["rest"], abs=1e-12)
    assert len(found.records(X, top=100)[0]["contributions"]) == len(X.columns)
    with pytest.raises(UsageError, match="at least 1"):
        found.frame(X, top=0)
