"""The profile's decisions applied to raw cells, as fit and predict will apply them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from automl.data import prepare_frame, profile_table, read_table


def test_prepare_frame_converts_as_the_profile_says(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(
        "id,amount,paid,code,when,city,y\n"
        + "".join(
            f'{i},"${1000 + 7 * ((i * 37) % 100):,}",{"Yes" if i % 2 else "No"},'
            f"{(i % 3) * 40 + 20},"
            f"2021-01-{i % 28 + 1:02d},{'ab'[i % 2]},{i % 2}\n"
            for i in range(100)
        )
        + '100," ",?,20,NA,?,1\n'
    )
    profile = profile_table(read_table(path), target="y")
    frame = prepare_frame(read_table(path).frame, profile)
    assert list(frame.columns) == ["amount", "paid", "code", "when", "city"]
    assert frame["amount"].iloc[5] == 1000 + 7 * ((5 * 37) % 100)
    assert np.isnan(frame["amount"].iloc[100])
    assert frame["paid"].iloc[:2].tolist() == [0.0, 1.0]
    assert np.isnan(frame["paid"].iloc[100])
    assert frame["code"].iloc[:3].tolist() == ["20", "60", "100"]
    assert pd.api.types.is_datetime64_any_dtype(frame["when"])
    assert pd.isna(frame["when"].iloc[100])
    assert pd.isna(frame["city"].iloc[100])


def test_small_batches_convert_exactly_like_large_ones(monkeypatch) -> None:
    """The value-by-value path for a few rows (a service request) must equal the vectorised one."""
    import automl.data.prepare as prepare
    from tests.conftest import dataset

    for name in ("telco_churn", "titanic", "house_prices", "churn"):
        ds = dataset(name)
        table = read_table(ds.path)
        profile = profile_table(table, target=ds.target)
        rows = table.frame.iloc[:40]
        small = prepare_frame(rows, profile)
        monkeypatch.setattr(prepare, "SMALL_BATCH", 0)
        large = prepare_frame(rows, profile)
        monkeypatch.setattr(prepare, "SMALL_BATCH", 64)
        pd.testing.assert_frame_equal(small, large, check_dtype=False)
        objects = rows.astype(object).where(rows.notna(), None)  # as a JSON request builds them
        pd.testing.assert_frame_equal(prepare_frame(objects, profile), large, check_dtype=False)


def test_text_in_several_arrow_chunks_converts_like_one_chunk(tmp_path: Path) -> None:
    """Arrow-backed text can arrive in several chunks (a large file read in blocks, rows
    concatenated from several requests); labels, missing markers and level codes must not
    depend on that."""
    from automl.features.encode import FeatureEncoder

    path = tmp_path / "d.csv"
    cities = ["Oslo", " Lima ", "?", "", "Pune", "Oslo"]
    path.write_text(
        "city,amount,paid,y\n"
        + "".join(
            f"{cities[i % 6]},{i % 40},{'Yes' if i % 3 else 'No'},{i % 2}\n" for i in range(120)
        )
    )
    table = read_table(path)
    profile = profile_table(table, target="y")
    one = table.frame
    several = pd.concat([one.iloc[:50], one.iloc[50:]], ignore_index=True)
    assert several["city"].array._pa_array.num_chunks == 2  # the case under test
    prepared = prepare_frame(several, profile)
    pd.testing.assert_frame_equal(prepared, prepare_frame(one, profile), check_exact=True)
    assert prepared["city"].iloc[:4].tolist()[:2] == ["Oslo", "Lima"]
    assert prepared["city"].iloc[2:4].isna().all()  # "?" and "" are missing
    assert prepared["amount"].dtype == "float64" and prepared["amount"].iloc[47] == 7.0
    encoder = FeatureEncoder({"city": "categorical"}, "native").fit(prepare_frame(one, profile))
    assert np.array_equal(
        encoder.transform_matrix(prepared),
        encoder.transform_matrix(prepare_frame(one, profile)),
        equal_nan=True,
    )
