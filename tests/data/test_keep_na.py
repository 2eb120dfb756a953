"""A marker such as 'NA' that names a category ("no pool"): the warning says so, and
``--keep-na-as-category`` keeps it as one, the same at fit, predict and serve time."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from automl.data import profile_table, read_table
from automl.data.prepare import prepare_frame
from automl.errors import NotFoundError
from tests.conftest import dataset, run_automl


@pytest.fixture
def pools(tmp_path: Path) -> Path:
    path = tmp_path / "pools.csv"
    rows = ["NA,1,150000"] * 18 + ["Gd,2,250000", "Ex,3,300000", ",2,180000", "N/A,1,140000"]
    path.write_text("PoolQC,rooms,price\n" + "\n".join(rows) + "\n")
    return path


def test_the_warning_says_the_marker_may_be_a_category_and_how_to_keep_it(pools: Path) -> None:
    profile = profile_table(read_table(pools), target="price")
    (warning,) = [w for w in profile.warnings if w.kind == "mostly_missing"]
    assert warning.column == "PoolQC"
    assert "Most are 'NA'" in warning.message and "may mean 'none'" in warning.message
    assert "--keep-na-as-category PoolQC" in warning.message


def test_kept_markers_are_a_category_and_only_empty_cells_are_missing(pools: Path) -> None:
    table = read_table(pools)
    column = profile_table(table, target="price", keep_na=["PoolQC"]).column("PoolQC")
    assert column.markers_kept and column.role == "categorical"
    assert column.n_missing == 1 and dict(column.stats["top"])["NA"] == 18
    profile = profile_table(table, target="price", keep_na=["PoolQC"])
    prepared = prepare_frame(table.frame, profile)["PoolQC"]
    assert prepared.iloc[0] == "NA" and prepared.iloc[21] == "N/A" and pd.isna(prepared.iloc[20])
    one_row = prepare_frame(table.frame.iloc[[0]], profile)["PoolQC"]  # the per-request path
    assert one_row.iloc[0] == "NA"
    default = prepare_frame(table.frame, profile_table(table, target="price"))["PoolQC"]
    assert pd.isna(default.iloc[0])


def test_an_unknown_column_is_not_found(pools: Path) -> None:
    with pytest.raises(NotFoundError, match="--keep-na-as-category column 'Pool'"):
        profile_table(read_table(pools), keep_na=["Pool"])


def test_house_prices_pool_quality_through_the_command() -> None:
    ds = dataset("house_prices")
    plain = run_automl("profile", ds.path, "--target", ds.target)
    assert plain.code == 0, plain.stderr
    text = " ".join(plain.stdout.split())
    assert "'PoolQC' is 99.5% missing (1,453 of 1,460 rows). Most are 'NA'" in text
    kept = run_automl("profile", ds.path, "--target", ds.target, "--keep-na-as-category",
                      "PoolQC", "--keep-na-as-category", "Fence")  # fmt: skip
    assert kept.code == 0, kept.stderr
    text = " ".join(kept.stdout.split())
    assert "'PoolQC' is 99.5% missing" not in text and "'Fence' is" not in text
    missing = run_automl("profile", ds.path, "--keep-na-as-category", "poolqc")
    assert missing.code == 4 and "Did you mean 'PoolQC'" in missing.stderr
