"""Column roles and parsing decisions on small, hand-made columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from automl.data.columns import profile_column


def col(values, name: str = "x") -> pd.Series:
    return pd.Series(values, name=name)


def test_numbers_as_text_with_currency_thousands_percent_and_markers() -> None:
    profile = profile_column(col(["$1,234.50", "$20", "?", " ", "$3,000", "$7.25"]))
    assert profile.role == "numeric"
    assert profile.parse == "number"
    assert profile.parse_options == {"thousands": ",", "currency": True}
    assert profile.missing_markers == {"?": 1, " ": 1}
    assert profile.n_missing == 2
    assert profile.stats["max"] == 3000.0
    percent = profile_column(col(["5%", "12.5%", "100%", "N/A"]))
    assert percent.role == "numeric" and percent.parse_options == {"percent": True}


def test_integer_codes_are_categorical_but_a_contiguous_range_is_ordinal() -> None:
    rng = np.random.default_rng(0)
    codes = rng.choice([20, 30, 40, 45, 50, 60, 70, 75, 80, 90, 120, 150, 160, 180, 190], 500)
    assert profile_column(col(codes, "zoning")).role == "categorical"
    assert profile_column(col(rng.integers(1, 11, 500), "quality")).role == "numeric"
    # a count with a gap (no 6 or 7 siblings) is still a count
    counts = rng.choice([0, 1, 2, 3, 4, 5, 8], 500)
    assert profile_column(col(counts, "siblings")).role == "numeric"
    # a name that says code makes small integers categorical
    assert profile_column(col(rng.integers(1, 4, 500), "region_code")).role == "categorical"


def test_identifiers_text_and_constants() -> None:
    ids = [f"{i:04d}-ABCD" for i in range(300)]
    assert profile_column(col(ids, "customerID")).role == "identifier"
    assert profile_column(col(np.arange(1, 301), "row")).role == "identifier"
    sentences = [f"the quick brown fox number {i} jumps" for i in range(300)]
    assert profile_column(col(sentences, "comment")).role == "text"
    assert profile_column(col(["a"] * 50 + [None] * 5)).role == "constant"
    assert profile_column(col([3.0] * 40)).role == "constant"
    # many floats, all distinct, are a measurement, not an identifier
    assert profile_column(col(np.linspace(0, 1, 300), "ratio")).role == "numeric"


def test_booleans_from_yes_no_and_zero_one() -> None:
    yes_no = profile_column(col(["Yes", "No", "yes", "NO", None]))
    assert yes_no.role == "boolean" and yes_no.parse == "bool" and yes_no.n_missing == 1
    assert profile_column(col([0, 1, 1, 0, 1])).role == "boolean"
    assert profile_column(col(["Male", "Female", "Male"])).role == "categorical"


@pytest.mark.parametrize(
    ("values", "parse"),
    [
        (["2021-05-30", "2021-06-01", "2022-01-15", "NA"], "date"),
        (["30/05/2021", "01/06/2021", "15/01/2022"], "date"),
        ([20210530, 20210601, 20220115, 20191231], "yyyymmdd"),
    ],
)
def test_dates_from_strings_and_numbers(values, parse: str) -> None:
    profile = profile_column(col(values, "when"))
    assert profile.role == "datetime"
    assert profile.parse == parse
    assert profile.stats["min"].startswith("2019" if parse == "yyyymmdd" else "2021")


def test_text_categories_are_stripped_and_na_words_counted() -> None:
    profile = profile_column(col(["Gd", " Gd ", "TA", "NA", "NA", "Ex"]))
    assert profile.role == "categorical"
    assert profile.n_unique == 3
    assert profile.missing_markers == {"NA": 2}
    assert "'NA' in 2 rows read as missing" in profile.reason


def test_identifier_names_in_any_case_and_distinct_integers_that_are_measurements() -> None:
    rng = np.random.default_rng(3)
    for name in ("USER_ID", "sku_id", "customerID", "PassengerId", "id"):
        values = rng.permutation(10_000)[:300] * 7 + 1
        assert profile_column(col(values, name)).role == "identifier", name
    income = rng.permutation(np.arange(20_000, 80_000, 13))[:300]
    assert profile_column(col(income, "income")).role == "numeric"
    assert profile_column(col(np.arange(300) * 3 + 5, "row_number")).role == "identifier"


def test_day_first_dates_are_recognised_from_any_sample_value() -> None:
    days = pd.date_range("2021-01-01", periods=300, freq="D")
    values = [d.strftime("%d/%m/%Y") for d in days]
    profile = profile_column(col(values, "when"))
    assert profile.role == "datetime"
    assert profile.parse_options["format"] == "%d/%m/%Y"


def test_single_value_boolean_is_constant() -> None:
    assert profile_column(col([True] * 20 + [None], "flag").astype("boolean")).role == "constant"
