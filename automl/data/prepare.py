"""Apply a profile's decisions to raw cells: the same conversions at fit, predict and serve time.

Numbers stored as text become floats, missing markers become missing, yes/no become 1/0, date
strings and YYYYMMDD integers become datetimes, categorical codes become text labels. Columns the
profile does not know are left alone.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.data._parsing import parse_number_text
from automl.data.columns import MISSING_MARKERS, ColumnProfile

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile

__all__ = ["arrow_text", "prepare_column", "prepare_frame"]


def prepare_frame(frame: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """Convert every profiled feature column of ``frame`` as its profile says.

    Args:
        frame: Raw data with (at least) the profiled feature columns.
        profile: The training profile.

    Returns:
        A new frame with the feature columns in profile order, converted.
    """
    import pandas as pd

    return pd.DataFrame(
        {c.name: _prepared_values(frame[c.name], c) for c in profile.features},
        index=frame.index,
        copy=False,  # new arrays, or the caller's shared copy-on-write (pandas 3)
    )


def prepare_column(column: pd.Series, profile: ColumnProfile) -> pd.Series:
    """Convert one column's cells as its profile says.

    Args:
        column: Raw cells.
        profile: The column's profile.

    Returns:
        Floats for numeric and boolean columns, datetimes for dates, text for categorical and text
        columns; missing values as NaN / NaT.
    """
    import pandas as pd

    values = _prepared_values(column, profile)
    if isinstance(values, pd.Series):
        return values
    return pd.Series(values, index=column.index, copy=False)


def _prepared_values(column: pd.Series, profile: ColumnProfile) -> Any:
    """:func:`prepare_column`'s values: a Series, or an array to put in a frame as it is
    (a Series per column costs 20-50 microseconds more, on every prediction)."""
    import pandas as pd

    role = profile.role
    if role in ("identifier", "constant"):
        return column
    if role == "datetime":
        return _dates(column, profile)
    if len(column) <= SMALL_BATCH or pd.api.types.is_object_dtype(column):
        return _prepare_small(column, profile)
    is_text = not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ) or pd.api.types.is_object_dtype(column)
    text = _clean_text(column, profile) if is_text else None
    if role == "numeric":
        if text is None:
            return _float_values(column)
        return parse_number_text(text, profile.parse_options)
    if role == "boolean":
        if text is None:
            return _float_values(column)
        if profile.parse != "bool":  # 0/1 numbers, arriving as text
            return parse_number_text(text, profile.parse_options)
        true_value = str(profile.parse_options.get("true", "true"))
        lowered = text.str.lower()
        return np.where(lowered.isna(), np.nan, (lowered == true_value).astype("float64"))
    # categorical and text: labels as text; integer codes without a trailing ".0"
    if text is None:
        return _code_labels(_float_values(column))
    return text if text.dtype == _str_dtype() else text.astype("str")


def arrow_text(column: pd.Series) -> Any:
    """The column's Arrow array if it is Arrow-backed text (pandas 3's default ``str``), for
    Arrow compute; ``None`` for any other dtype."""
    import pandas as pd

    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        array = pa.array(column.array)  # a tenth of pa.array(column)'s cost
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return None


def _clean_text(column: pd.Series, profile: ColumnProfile) -> pd.Series:
    """Cells stripped, missing markers as missing (vectorised; Arrow compute when the column
    is Arrow-backed text, pandas 3's default, which is about 8 times faster than pandas)."""
    markers = missing_markers_of(profile)
    array = arrow_text(column)
    if array is not None:
        import pyarrow as pa
        import pyarrow.compute as pc

        stripped = pc.utf8_trim_whitespace(array)
        missing = pc.is_in(stripped, value_set=_marker_set(frozenset(markers), stripped.type))
        if pc.any(missing).as_py():
            stripped = pc.if_else(missing, pa.scalar(None, stripped.type), stripped)
        return _arrow_series(stripped, column.index)
    text = column.astype("str").str.strip()
    return text.where(column.notna() & ~text.isin(markers))


@functools.lru_cache(maxsize=256)
def _marker_set(markers: frozenset[str], arrow_type: Any) -> Any:
    """The missing markers as an Arrow array of ``arrow_type``, made once per profile and type."""
    import pyarrow as pa

    return pa.array(sorted(markers), type=arrow_type)


def _float_values(column: pd.Series) -> np.ndarray:
    """The column as a new float64 array, missing as NaN. NumPy's own numbers and booleans
    are cast directly: pandas' ``to_numpy`` with ``na_value`` costs 8 times as much."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return column.to_numpy().astype("float64")
    return column.to_numpy(dtype="float64", na_value=np.nan)


def _str_dtype() -> Any:
    """pandas 3's default text dtype (``str``: Arrow-backed, NaN for missing)."""
    import pandas as pd

    return pd.StringDtype("pyarrow", na_value=np.nan)


def _arrow_series(array: Any, index: pd.Index) -> pd.Series:
    """An Arrow string array as a ``str`` Series, without copying (``to_pandas`` then
    ``astype`` cost 3 times as much, per column, on every prediction)."""
    import pandas as pd

    return pd.Series(_arrow_strings(array), index=index, copy=False)


def _arrow_strings(array: Any) -> Any:
    """An Arrow string array as pandas' ``str`` array, without copying."""
    import pandas as pd

    return pd.arrays.ArrowStringArray(array, dtype=_str_dtype())  # type: ignore[call-arg]


#: Integer codes up to this size are exact in a float and in an int64.
_EXACT_INTEGERS = 2.0**53


def _code_labels(numbers: np.ndarray) -> Any:
    """Numbers as category labels (:func:`code_label` of each; missing stays missing),
    vectorised when every number is a whole number (integer codes: the usual case)."""
    import pandas as pd

    present = ~np.isnan(numbers)
    values = numbers[present]
    if np.all(np.abs(values) < _EXACT_INTEGERS) and np.all(values == np.round(values)):
        import pyarrow as pa

        codes = pa.array(np.where(present, numbers, 0.0).astype("int64"), mask=~present)
        return _arrow_strings(codes.cast(pa.large_string()))
    labels = [code_label(v) if ok else None for v, ok in zip(numbers, present, strict=True)]
    return pd.array(labels, dtype=_str_dtype())


#: Batches up to this size are converted value by value: the same results as the vectorised
#: path, without pandas' fixed cost per operation (what a one-row request to a service needs).
SMALL_BATCH = 64


def _prepare_small(column: pd.Series, profile: ColumnProfile) -> pd.Series:
    import pandas as pd

    values = column.tolist()
    numeric_input = (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ) and not pd.api.types.is_object_dtype(column)
    role = profile.role
    if numeric_input:
        numbers = [np.nan if _missing(v) else float(v) for v in values]
        if role in ("numeric", "boolean"):
            return pd.Series(numbers, index=column.index, dtype="float64")
        labels = [None if np.isnan(v) else code_label(v) for v in numbers]
        return pd.Series(labels, index=column.index, dtype="str")
    markers = missing_markers_of(profile)
    text = [_clean(v, markers) for v in values]
    if role == "numeric" or (role == "boolean" and profile.parse != "bool"):
        numbers = [_number(t, profile.parse_options) for t in text]
        return pd.Series(numbers, index=column.index, dtype="float64")
    if role == "boolean":
        true_value = str(profile.parse_options.get("true", "true"))
        truths = {true_value, "1"}  # "1": a JSON true
        flags = [np.nan if t is None else float(t.lower() in truths) for t in text]
        return pd.Series(flags, index=column.index, dtype="float64")
    return pd.Series(text, index=column.index, dtype="str")


def _missing(value: object) -> bool:
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def code_label(value: float) -> str:
    """A number as a category label: ``20`` for 20.0, lossless for long codes and decimals."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def missing_markers_of(profile: ColumnProfile) -> frozenset[str]:
    """The cell texts (after stripping) read as missing in this column: the usual markers
    and those the profile found, or only empty cells and the markers found when the column
    keeps its markers as values (``--keep-na-as-category``)."""
    base = _BLANK if profile.markers_kept else MISSING_MARKERS
    return base | frozenset(profile.missing_markers)


_BLANK = frozenset({""})


def _clean(value: object, markers: frozenset[str]) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return code_label(float(value))
    text = str(value).strip()
    return None if text in markers else text


def _number(text: str | None, options: dict[str, object]) -> float:
    """One cell of :func:`automl.data.columns.parse_number_text`."""
    if text is None:
        return np.nan
    if options.get("currency"):
        text = text.translate(_NO_CURRENCY)
    if options.get("percent"):
        text = text.replace("%", "")
    if options.get("thousands"):
        text = text.replace(",", "")
    text = text.replace(" ", "")
    if "_" in text:  # float() accepts 1_000, pandas does not
        return np.nan
    try:
        return float(text)
    except ValueError:
        return np.nan


_NO_CURRENCY = str.maketrans("", "", "$€£¥")


def _dates(column: pd.Series, profile: ColumnProfile) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    if profile.parse == "yyyymmdd":
        numbers = pd.to_numeric(column, errors="coerce")
        text = numbers.map(lambda v: np.nan if pd.isna(v) else str(int(v)))
        return pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    text = column.astype("str").str.strip()
    text = text.where(column.notna() & ~text.isin(MISSING_MARKERS))
    return pd.to_datetime(text, format=profile.parse_options.get("format"), errors="coerce")
