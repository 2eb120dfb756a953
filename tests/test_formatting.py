"""One plural rule and one number format for a score and its spread."""

from __future__ import annotations

import pytest

from automl.formatting import decimals_for, format_score, format_score_pair, plural


def test_plural_says_one_row_and_many_rows_with_separators() -> None:
    assert plural(1, "row") == "1 row"
    assert plural(0, "trial") == "0 trials"
    assert plural(1453, "row") == "1,453 rows"
    assert plural(3, "class") == "3 classes"
    assert plural(2, "entry", "entries") == "2 entries"


@pytest.mark.parametrize(
    ("mean", "std", "expected"),
    [
        (25195.3, 2750.4, ("25,195", "2,750")),  # was 25195 ± 2.75e+03
        (0.868246, 0.020894, ("0.86825", "0.02089")),
        (0.5, 0.0, ("0.50000", "0.00000")),
        (0.012, 0.25, ("0.01200", "0.25000")),  # the larger sets the decimals
    ],
)
def test_a_score_and_its_spread_share_one_format(mean, std, expected) -> None:
    assert format_score_pair(mean, std) == expected
    shown, spread = format_score_pair(mean, std)
    assert "e+" not in shown + spread and "e-" not in shown + spread


def test_single_scores_have_five_significant_digits() -> None:
    assert format_score(0.86825123) == "0.86825"
    assert format_score(123456.7) == "123,457"
    assert format_score(None) == ""
    assert decimals_for(0.0) == 4
