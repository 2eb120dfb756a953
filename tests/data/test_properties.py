"""Property: any table written as CSV gives a profile or a clean AutomlError, nothing else."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automl.data import Profile, profile_table, read_table
from automl.errors import AutomlError

CELLS = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["", " ", "?", "NA", "N/A", "None", "yes", "no", "$1,234.5", "12%",
                     "2021-05-30", "20210530", "a,b", 'say "hi"', "line\nbreak", "é", "∑"]),
    st.text(max_size=12).map(lambda s: s.replace("\r", "")),
)  # fmt: skip
NAMES = st.text(min_size=1, max_size=8).filter(
    lambda s: s.strip() == s and not any(c in s for c in "\x00\r\n")
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    names = draw(st.lists(NAMES, min_size=1, max_size=6))
    n_rows = draw(st.integers(0, 30))
    data = {
        f"{name}_{i}": draw(st.lists(CELLS, min_size=n_rows, max_size=n_rows))
        for i, name in enumerate(names)
    }
    return pd.DataFrame(data, dtype=object)


@settings(
    max_examples=int(__import__("os").environ.get("HYP_N", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(frame=frames(), sep=st.sampled_from([",", ";", "\t", "|"]), use_target=st.booleans())
def test_random_tables_profile_or_fail_cleanly(
    frame: pd.DataFrame, sep: str, use_target: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "random.csv"
        frame.to_csv(path, sep=sep, index=False)
        target = str(frame.columns[-1]) if use_target else None
        try:
            profile = profile_table(read_table(path), target=target)
        except AutomlError as error:
            assert (error.message and str(path.name) in str(error)) or "Target" in str(error)
            return
    assert isinstance(profile, Profile)
    assert profile.n_rows == len(frame)
    assert [c.name for c in profile.columns] == [str(c) for c in frame.columns]
    for column in profile.columns:
        assert 0 <= column.n_missing <= profile.n_rows
    Profile.from_dict(profile.to_dict())


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=400),
)
def test_random_bytes_profile_or_fail_cleanly(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bytes.csv"
        path.write_bytes(data)
        with contextlib.suppress(AutomlError):
            profile_table(read_table(path))


def test_numeric_columns_keep_their_values() -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.csv"
        pd.DataFrame({"a": rng.normal(size=100)}).to_csv(path, index=False)
        profile = profile_table(read_table(path))
    assert profile.columns[0].role == "numeric"
