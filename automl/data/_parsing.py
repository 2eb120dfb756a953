"""How a column's cells are read: numbers stored as text (thousands separators, currency,
percent), yes/no text, date formats, YYYYMMDD integers."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

_TRUE_FALSE = (
    ({"yes", "no"}, "yes"),
    ({"y", "n"}, "y"),
    ({"true", "false"}, "true"),
    ({"t", "f"}, "t"),
)
_CURRENCY = "$€£¥"
_NUMBER_TEXT = re.compile(
    r"^[+-]?["
    + _CURRENCY
    + r"]?\s?[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?\s?[%"
    + _CURRENCY
    + r"]?$"
)
_THOUSANDS = re.compile(r"\d,\d{3}(?:\D|$)")
_DATE_SHAPE = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}:\d{2}|[A-Za-z]{3,9}\s+\d{1,2},?\s+\d{4}"
)
_SAMPLE = 2000


def _looks_like_yyyymmdd(uniques: np.ndarray) -> bool:
    if uniques[0] < 19000101 or uniques[-1] > 21001231:
        return False
    ints = uniques.astype("int64")
    month = (ints // 100) % 100
    day = ints % 100
    return bool(np.all((month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)))


def _try_numbers(values: pd.Series) -> tuple[pd.Series, dict[str, Any], dict[str, int]] | None:
    """Parse text as numbers if nearly every value is one; return numbers, options, new markers."""
    import pandas as pd

    if values.empty:
        return None
    uniques = pd.Series(values.unique())
    looks = uniques.str.fullmatch(_NUMBER_TEXT.pattern) & uniques.str.contains(r"\d", regex=True)
    if looks.mean() < 0.95:
        return None
    bad = uniques[~looks]
    bad_counts = values[values.isin(set(bad))].value_counts()
    if len(bad) > 3 or bad_counts.sum() > 0.02 * len(values):
        return None
    options: dict[str, Any] = {}
    good = uniques[looks]
    if good.str.contains(_THOUSANDS.pattern, regex=True).any():
        options["thousands"] = ","
    if good.str.contains(f"[{_CURRENCY}]", regex=True).any():
        options["currency"] = True
    if good.str.contains("%", regex=False).any():
        options["percent"] = True
    numbers = parse_number_text(values, options)
    extra = {str(k): int(v) for k, v in bad_counts.items()}
    return numbers, options, extra


def parse_number_text(values: pd.Series, options: dict[str, Any]) -> pd.Series:
    """Turn number text (with the separators and signs in ``options``) into floats.

    Args:
        values: Text cells; missing markers must already be removed or NaN.
        options: ``thousands``, ``currency`` and ``percent`` as found by the profile.

    Returns:
        Floats, NaN where a cell is not a number.
    """
    import pandas as pd

    numbers = _arrow_numbers(values, options)
    if numbers is not None:
        return pd.Series(numbers, index=values.index, dtype="float64")
    text = values.astype("str").str.strip()
    if options.get("currency"):
        text = text.str.replace(f"[{_CURRENCY}]", "", regex=True)
    if options.get("percent"):
        text = text.str.replace("%", "", regex=False)
    if options.get("thousands"):
        text = text.str.replace(",", "", regex=False)
    text = text.str.replace(" ", "", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _arrow_numbers(values: pd.Series, options: dict[str, Any]) -> np.ndarray | None:
    """:func:`parse_number_text` with Arrow compute, 3 times faster on Arrow-backed text;
    ``None`` when the column is not Arrow text or some cell is not a number in Arrow's reading
    (then pandas' path decides, turning such cells into NaN). Where Arrow reads a number,
    pandas reads the same one (checked on signs, exponents, inf, nan, digits of other scripts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from automl.data.prepare import arrow_text

    array = arrow_text(values)
    if array is None:
        return None
    text = pc.utf8_trim_whitespace(array)
    if options.get("currency"):
        text = pc.replace_substring_regex(text, f"[{_CURRENCY}]", "")
    for sign, option in (("%", "percent"), (",", "thousands")):
        if options.get(option):
            text = pc.replace_substring(text, sign, "")
    text = pc.replace_substring(text, " ", "")
    try:
        numbers = pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return np.asarray(numbers.to_numpy(zero_copy_only=False), dtype="float64")


def _boolean_text(values: pd.Series) -> str | None:
    uniques = {str(v).lower() for v in values.unique()}
    if len(uniques) != 2:
        return None
    for pair, true_value in _TRUE_FALSE:
        if uniques == pair:
            return true_value
    return None


def _date_format(values: pd.Series) -> str | None:
    import warnings

    import pandas as pd

    sample = values.drop_duplicates().head(_SAMPLE)
    if sample.empty or sample.str.contains(_DATE_SHAPE.pattern, regex=True).mean() < 0.95:
        return None
    from pandas.tseries.api import guess_datetime_format

    best, best_share = None, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        formats = {
            guess_datetime_format(str(v), dayfirst=dayfirst)
            for v in sample.head(20)
            for dayfirst in (False, True)
        }
        for fmt in sorted(f for f in formats if f):
            share = float(pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean())
            if share > best_share:
                best, best_share = fmt, share
    return best if best_share >= 0.95 else None
