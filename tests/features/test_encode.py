"""Feature encodings fitted on training rows and applied to new ones."""

from __future__ import annotations

import numpy as np
import pandas as pd

from automl.features.encode import OTHER, FeatureEncoder

ROLES = {"n": "numeric", "c": "categorical", "d": "datetime", "t": "text"}


def train_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "n": [1.0, 2.0, np.nan, 4.0] * 10,
            "c": ["red", "blue", "red", None] * 10,
            "d": pd.to_datetime(["2021-01-01", "2021-06-15", None, "2022-03-01"] * 10),
            "t": ["good cheap food", "bad service", "good food", "cheap bad food"] * 10,
        }
    )


def test_native_encoding_keeps_training_levels_and_groups_unseen_ones() -> None:
    encoder = FeatureEncoder(ROLES, "native").fit(train_frame())
    new = train_frame().head(3).assign(c=["green", None, "red"])
    out = encoder.transform(new)
    categorical = out.iloc[:, 1]
    assert list(categorical.cat.categories) == ["red", "blue", OTHER]
    assert categorical.tolist()[0] == OTHER and pd.isna(categorical.tolist()[1])
    assert "d.year" in encoder.feature_names_ and "d.days" in encoder.feature_names_
    assert any(name.startswith("t~") for name in encoder.feature_names_)
    assert list(out.columns) == [f"f{i}" for i in range(out.shape[1])]


def test_onehot_encoding_is_scaled_imputed_and_stable_in_width() -> None:
    encoder = FeatureEncoder(ROLES, "onehot").fit(train_frame())
    full = encoder.transform(train_frame())
    assert not full.isna().any().any()
    assert abs(full["f0"].mean()) < 1e-9
    one_row = encoder.transform(train_frame().iloc[[0]])
    assert one_row.shape[1] == full.shape[1]
    assert "n missing" in encoder.feature_names_


def test_ordinal_encoding_gives_codes_and_nan() -> None:
    encoder = FeatureEncoder({"c": "categorical"}, "ordinal").fit(train_frame())
    out = encoder.transform(pd.DataFrame({"c": ["blue", None, "pink"]}))
    assert out["f0"].iloc[0] == 1.0 and np.isnan(out["f0"].iloc[1]) and out["f0"].iloc[2] == 2.0


def test_arrow_text_and_python_objects_encode_identically() -> None:
    """pandas 3 reads text as Arrow-backed ``str``, which takes the Arrow compute fast path;
    cells given as Python objects (a JSON request) must get exactly the same codes."""
    frame = train_frame()
    new = pd.DataFrame({"c": [" red", "green", None, "blue", "__other__", "red "] * 20})
    arrow = new.astype({"c": "str"})
    assert isinstance(arrow["c"].dtype, pd.StringDtype) and arrow["c"].dtype.storage == "pyarrow"
    as_objects = new.astype({"c": object})
    for encoding in ("native", "ordinal", "onehot"):
        encoder = FeatureEncoder({"c": "categorical"}, encoding).fit(frame)
        fast = (
            encoder.transform(arrow).to_numpy("float64", na_value=np.nan)
            if encoding == "onehot"
            else encoder.transform_matrix(arrow)
        )
        slow = (
            encoder.transform(as_objects).to_numpy("float64", na_value=np.nan)
            if encoding == "onehot"
            else encoder.transform_matrix(as_objects)
        )
        assert np.array_equal(fast, slow, equal_nan=True), encoding
    codes = (
        FeatureEncoder({"c": "categorical"}, "ordinal").fit(frame).transform_matrix(arrow)[:6, 0]
    )
    # " red" is not stripped here (the Preparer strips); unseen and "__other__" -> other (2)
    assert codes[1] == 2.0 and np.isnan(codes[2]) and codes[3] == 1.0 and codes[4] == 2.0


def test_onehot_maps_skewed_numbers_to_normal_scores_and_keeps_order() -> None:
    """A count column (heavy right tail) would give a linear model a few huge values after
    plain standardising; it is mapped through its training quantiles instead, keeping order,
    and new values beyond the training range stay finite."""
    rng = np.random.default_rng(0)
    counts = np.round(rng.lognormal(3.0, 1.5, size=500))
    train = pd.DataFrame({"count": counts, "even": rng.normal(size=500)})
    roles = {"count": "numeric", "even": "numeric"}
    encoder = FeatureEncoder(roles, "onehot", normal_scores=True).fit(train)
    out = encoder.transform(train)
    mapped, plain = out["f0"].to_numpy(), out["f1"].to_numpy()
    assert np.abs(mapped).max() < 6.0  # standardised, the largest count is over 10 sd out
    assert (counts.max() - counts.mean()) / counts.std() > 10.0
    order = np.argsort(counts, kind="stable")
    assert np.all(np.diff(mapped[order]) >= 0)  # monotone in the count
    expected = (train["even"] - train["even"].mean()) / train["even"].std(ddof=0)
    assert np.allclose(plain, expected)  # a symmetric column is standardised as before
    new = encoder.transform(pd.DataFrame({"count": [-5.0, 1e12, np.nan], "even": [0.0] * 3}))
    values = new["f0"].to_numpy()
    assert np.isfinite(values).all() and values[0] < mapped.min() + 1e-9 < values[1]
    assert values[1] <= mapped.max() + 1e-9  # beyond the training range: as its largest value
    standardised = FeatureEncoder(roles, "onehot").fit(train).transform(train)["f0"]
    assert standardised.max() > 10.0  # without normal scores (regression): as before


def test_every_encoded_feature_names_its_input_column() -> None:
    """What contributions are summed back to: a level, a word, a date part, a missing
    indicator each belong to the column they came from; one-hot keeps the training means."""
    from automl.features.encode import feature_sources

    for encoding in ("native", "ordinal", "onehot"):
        encoder = FeatureEncoder(ROLES, encoding).fit(train_frame())
        sources = feature_sources(encoder)
        assert (
            len(sources) == len(encoder.feature_names_) == encoder.transform(train_frame()).shape[1]
        )
        for name, source in zip(encoder.feature_names_, sources, strict=True):
            assert name == source or name.startswith(source), (name, source)
        assert sources.count("d") >= 6 and sources.count("t") >= 2
    full = encoder.transform(train_frame()).to_numpy()
    np.testing.assert_allclose(encoder.means_, full.mean(axis=0), atol=1e-12)
    assert sources.count("c") == 3 and sources.count("n") == 2  # red, blue, other; n missing
