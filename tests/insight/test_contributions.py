"""Per-row contributions of the input columns: additive, grouped exactly, in input row order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl.errors import DataError
from automl.features.encode import feature_sources
from automl.insight import contributions
from automl.models.registry import FAMILIES
from tests.insight.helpers import fit_predictor, rows, synthetic

FEATURES = ("x1", "n1", "n2", "x2", "n3", "n4", "n5", "n6", "colour", "note")


def fitted(family: str, task: str, tmp_path: Path, **options: object):
    data = synthetic(0, n=400, task=task)
    params = FAMILIES[family].portfolio(task)[0]
    predictor = fit_predictor(data, "y", [(family, params)], folder=tmp_path, **options)
    return predictor, rows(data)


def raw_output(predictor, X: pd.DataFrame) -> np.ndarray:
    """The single model's raw score, asked of the library itself: (rows, outputs)."""
    encoder, model = predictor.model.members[0]
    prepared = predictor.model.preparer.transform(X)
    if hasattr(model, "booster_"):  # LightGBM
        raw = model.booster_.predict(encoder.transform_matrix(prepared), raw_score=True)
    elif hasattr(model, "cat_features_"):  # CatBoost
        from catboost import Pool

        pool = Pool(model._frame(encoder.transform(prepared)), cat_features=model.cat_features_)
        raw = model.model_.predict(pool, prediction_type="RawFormulaVal")
    elif predictor.task == "regression":  # linear
        raw = model.model_.predict(encoder.transform(prepared))
    else:
        raw = model.model_.decision_function(encoder.transform(prepared))
    return np.asarray(raw, dtype="float64").reshape(len(X), -1)


@pytest.mark.parametrize("family", ["lightgbm", "catboost", "linear"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_base_plus_contributions_is_the_raw_model_output_on_every_row(
    family: str, task: str, tmp_path: Path
) -> None:
    predictor, X = fitted(family, task, tmp_path)
    found = contributions(predictor, X)
    assert found.columns == FEATURES and found.exact
    assert found.space == {"binary": "log_odds", "multiclass": "margin"}.get(task, "value")
    total = found.base + found.values.sum(axis=-1)
    assert np.max(np.abs(total - raw_output(predictor, X))) < 1e-6
    assert found.max_error < 1e-6
    # and the raw output is what users get: probabilities through the link, values as they are
    if task == "binary":
        assert found.outputs == ("yes",)
        np.testing.assert_allclose(
            1 / (1 + np.exp(-total[:, 0])), predictor.predict_proba(X)[:, 1], atol=1e-9
        )
    elif task == "multiclass":
        assert found.outputs == ("high", "low", "mid")
        softmax = np.exp(total) / np.exp(total).sum(axis=1, keepdims=True)
        np.testing.assert_allclose(softmax, predictor.predict_proba(X), atol=1e-9)
    else:
        np.testing.assert_allclose(total[:, 0], predictor.predict(X), atol=1e-6)


def test_grouping_sums_each_columns_encoded_features_exactly(tmp_path: Path) -> None:
    """The text column becomes one feature per frequent word, the date-free one-hot colour one
    per level: each input column's contribution is the sum of its features' ones."""
    import lightgbm  # noqa: F401  (the booster's own pred_contrib, asked directly)

    predictor, X = fitted("lightgbm", "binary", tmp_path)
    encoder, model = predictor.model.members[0]
    matrix = encoder.transform_matrix(predictor.model.preparer.transform(X))
    encoded = model.booster_.predict(matrix, pred_contrib=True)[:, :-1]
    words = [i for i, name in enumerate(encoder.feature_names_) if name.startswith("note~")]
    assert len(words) > 5 and encoded.shape[1] == len(encoder.feature_names_) > len(FEATURES)
    found = contributions(predictor, X)
    note = found.for_output("yes")[:, FEATURES.index("note")]
    np.testing.assert_allclose(note, encoded[:, words].sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(found.values.sum(axis=-1)[:, 0], encoded.sum(axis=1), atol=1e-12)


def test_linear_one_hot_levels_and_missing_indicators_sum_to_their_column(tmp_path: Path) -> None:
    data = synthetic(1, n=400, task="regression")
    data.loc[::7, "n1"] = np.nan  # gives n1 a missing indicator
    params = FAMILIES["linear"].portfolio("regression")[0]
    predictor = fit_predictor(data, "y", [("linear", params)], folder=tmp_path)
    encoder, model = predictor.model.members[0]
    assert "n1 missing" in encoder.feature_names_
    assert sum(name.startswith("colour=") for name in encoder.feature_names_) >= 5
    X = rows(data)
    found = contributions(predictor, X)
    x = encoder.transform(predictor.model.preparer.transform(X)).to_numpy()
    per_feature = model.model_.coef_ * (x - x.mean(axis=0))  # training rows: their own mean
    for column in ("n1", "colour"):
        chosen = [i for i, s in enumerate(feature_sources(encoder)) if s == column]
        assert len(chosen) >= 2
        expected = per_feature[:, chosen].sum(axis=1)
        np.testing.assert_allclose(
            found.for_output()[:, FEATURES.index(column)], expected, atol=1e-9
        )


def test_rows_keep_their_order_and_index(tmp_path: Path) -> None:
    predictor, X = fitted("lightgbm", "multiclass", tmp_path)
    X = X.iloc[:60].set_index(pd.Index([f"r{i}" for i in range(60)]))
    shuffled = X.sample(frac=1.0, random_state=3)
    whole = contributions(predictor, X)
    mixed = contributions(predictor, shuffled)
    assert list(mixed.index) == list(shuffled.index)
    positions = [X.index.get_loc(label) for label in shuffled.index]
    np.testing.assert_allclose(mixed.values, whole.values[positions], atol=1e-12)
    one = contributions(predictor, X.iloc[[17]])
    np.testing.assert_allclose(one.values[0], whole.values[17], atol=1e-12)


@pytest.mark.parametrize("family", ["lightgbm", "catboost", "linear"])
def test_an_entirely_missing_column_and_unseen_categories_are_explained(
    family: str, tmp_path: Path
) -> None:
    predictor, X = fitted(family, "binary", tmp_path)
    X = X.iloc[:50].copy()
    X["x1"] = np.nan
    X["colour"] = ["purple", "red", None, "ultraviolet", "blue"] * 10
    found = contributions(predictor, X)
    assert np.isfinite(found.values).all() and found.max_error < 1e-6
    total = found.base + found.values.sum(axis=-1)
    np.testing.assert_allclose(total, raw_output(predictor, X), atol=1e-6)


def test_a_log_target_is_explained_in_log_space(tmp_path: Path) -> None:
    data = synthetic(2, n=400, task="regression")
    data["y"] = np.exp(data["y"] / 2)  # positive and skewed: what the log transform is for
    params = FAMILIES["lightgbm"].portfolio("regression")[0]
    predictor = fit_predictor(data, "y", [("lightgbm", params)], folder=tmp_path,
                              transforms=["log"])  # fmt: skip
    X = rows(data)
    found = contributions(predictor, X)
    assert found.space == "log_value" and found.exact
    total = found.base + found.values.sum(axis=-1)
    np.testing.assert_allclose(total[:, 0], np.log1p(predictor.predict(X)), atol=1e-6)


@pytest.mark.parametrize("family", ["random_forest", "extra_trees", "hist_gb"])
@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_forests_and_hist_gb_get_additive_path_contributions(
    family: str, task: str, tmp_path: Path
) -> None:
    predictor, X = fitted(family, task, tmp_path, iterations=30)
    X = X.iloc[:150]
    found = contributions(predictor, X)
    assert found.method == "path" and not found.exact
    total = found.base + found.values.sum(axis=-1)
    if family == "hist_gb" or task == "regression":
        assert found.space in ("log_odds", "margin", "value")
        np.testing.assert_allclose(total, raw_output_of_sklearn(predictor, X), atol=1e-9)
    else:  # forest classifiers: the class probabilities, the prior counted as one more tree
        assert found.space == "probability"
        proba = predictor.predict_proba(X)
        np.testing.assert_allclose(total, proba[:, 1:] if task == "binary" else proba, atol=1e-9)
    assert found.max_error < 1e-9


def raw_output_of_sklearn(predictor, X: pd.DataFrame) -> np.ndarray:
    encoder, model = predictor.model.members[0]
    prepared = predictor.model.preparer.transform(X)
    if predictor.task == "regression":
        return np.asarray(predictor.predict(X)).reshape(-1, 1)
    matrix = encoder.transform_matrix(prepared)
    return np.asarray(model.model_.decision_function(matrix)).reshape(len(X), -1)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    predictor, X = fitted("lightgbm", "binary", tmp_path)
    with pytest.raises(DataError, match="lack 2 columns the model needs: 'x2', 'note'"):
        contributions(predictor, X.drop(columns=["x2", "note"]))


def test_top_contributions_are_the_largest_by_absolute_value(tmp_path: Path) -> None:
    predictor, X = fitted("lightgbm", "multiclass", tmp_path)
    found = contributions(predictor, X.iloc[:20])
    top = found.top(3, output="low")
    values = found.for_output("low")
    for i in range(20):
        expected = sorted(range(len(FEATURES)), key=lambda j: -abs(values[i, j]))[:3]
        assert list(top.columns[i]) == [FEATURES[j] for j in expected]
        np.testing.assert_allclose(top.values[i], values[i, expected])
    chosen = found.predicted()
    best = np.argmax(predictor.predict_proba(X.iloc[:20]), axis=1)
    np.testing.assert_allclose(chosen, found.values[np.arange(20), best])


def test_encoders_saved_before_sources_were_kept_map_the_same_way(tmp_path: Path) -> None:
    for family in ("lightgbm", "linear"):
        predictor, _ = fitted(family, "binary", tmp_path)
        encoder = predictor.model.members[0][0]
        recorded = feature_sources(encoder)
        del encoder.sources_
        assert feature_sources(encoder) == recorded
