"""Decide the role of one column, with a short reason, and how to parse its cells.

This module is the one place that decides column roles; :func:`profile_column` returns a frozen
:class:`ColumnProfile` that ``fit``, ``predict`` and the generated service all reuse through
:func:`automl.data.prepare.prepare_frame`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.data._parsing import (
    _SAMPLE,
    _boolean_text,
    _date_format,
    _looks_like_yyyymmdd,
    _try_numbers,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ABSENCE_MARKERS", "MISSING_MARKERS", "ColumnProfile", "Role", "profile_column"]

Role = Literal["numeric", "categorical", "boolean", "datetime", "text", "identifier", "constant"]
Parse = Literal["number", "bool", "date", "yyyymmdd"]

#: Cell values (after stripping whitespace) that mean "missing". Compared case-sensitively.
MISSING_MARKERS = frozenset(
    {"", "?", "??", "NA", "N/A", "n/a", "na", "NaN", "nan", "NAN", "null", "NULL", "Null",
     "None", "none", "NONE", "-", "--", "#N/A", "#NA", "missing", "Missing", "MISSING"}
)  # fmt: skip
#: Markers that, in a column of categories, often name a category of their own ("no pool",
#: "no garage") rather than an unknown value.
ABSENCE_MARKERS = frozenset({"NA", "N/A", "n/a", "na", "None", "none", "NONE"})
_ID_NAME = re.compile(
    r"(?i:(^|[^a-z])(id|uuid|guid|key)$|^(id|uuid|guid)([^a-z]|$))|[a-z]ID$|[a-z]Id$"
)
_CODE_NAME = re.compile(r"code|type|class|categ|kind|zip|postal", re.IGNORECASE)
_MAX_CODES = 30
_TEXT_MIN_WORDS = 3.0
_MIN_ROWS_FOR_ID = 50


@dataclass(frozen=True)
class ColumnProfile:
    """What the profile found in one column.

    Attributes:
        name: The column name as in the file.
        role: What the column is for modelling.
        reason: Why it got that role, in a few words.
        dtype: The dtype as read.
        n_missing: Missing cells, counting missing markers such as ``?`` or a lone space.
        missing_markers: Each marker found and how many cells held it.
        n_unique: Distinct non-missing values (after parsing).
        parse: How cells are converted before use: ``number`` (numbers stored as text),
            ``bool``, ``date`` or ``yyyymmdd``; ``None`` when read values are used as they are.
        parse_options: Details for ``parse`` (thousands separator, true value, date format).
        stats: Summary numbers (numeric: min, max, mean, std) or top values with counts.
        markers_kept: Missing markers such as ``NA`` are values of this column, not missing
            (``--keep-na-as-category``): only empty cells are missing.
    """

    name: str
    role: Role
    reason: str
    dtype: str
    n_missing: int
    missing_markers: dict[str, int] = field(default_factory=dict)
    n_unique: int = 0
    parse: Parse | None = None
    parse_options: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    markers_kept: bool = False

    @property
    def is_feature(self) -> bool:
        """Whether ``fit`` uses this column as a model input."""
        return self.role not in ("identifier", "constant")


def profile_column(column: pd.Series, *, keep_markers: bool = False) -> ColumnProfile:
    """Profile one column: role, reason, missing markers, parsing and summary statistics.

    Args:
        column: The column as read by :func:`automl.data.load.read_table`.
        keep_markers: Read missing markers such as ``NA`` as values (only empty cells are
            missing).

    Returns:
        The column's profile.
    """
    import dataclasses

    import pandas as pd

    name = str(column.name)
    dtype = str(column.dtype)
    if pd.api.types.is_datetime64_any_dtype(column):
        return _datetime_profile(name, dtype, column, "parsed as dates", parse=None)
    if pd.api.types.is_bool_dtype(column):
        values = column.dropna()
        if values.nunique() < 2:
            reason = f"always {bool(values.iloc[0])}" if len(values) else "no values at all"
            return _finish(name, dtype, column, values, "constant", reason, None, {})
        return _finish(name, dtype, column, values, "boolean", "true/false values", None, {})
    if pd.api.types.is_numeric_dtype(column):
        return _numeric_profile(name, dtype, column, column.dropna(), {}, None, {})
    if keep_markers:  # text cells only: numbers, booleans and dates have no markers
        found = _text_profile(name, dtype, column, keep_markers=True)
        return dataclasses.replace(found, markers_kept=True)
    return _text_profile(name, dtype, column)


def _text_profile(
    name: str, dtype: str, column: pd.Series, *, keep_markers: bool = False
) -> ColumnProfile:
    import pandas as pd

    stripped = column.astype("str").str.strip()
    stripped = stripped.where(column.notna(), "")
    is_marker = (stripped == "") if keep_markers else stripped.isin(MISSING_MARKERS)
    markers = _marker_counts(column, stripped, is_marker)
    values = stripped[~is_marker]

    parsed = _try_numbers(values)
    if parsed is not None:
        numbers, options, extra = parsed
        for marker, count in extra.items():
            markers[marker] = count
        return _numeric_profile(name, dtype, column, numbers, markers, "number", options)

    bool_true = _boolean_text(values)
    if bool_true is not None:
        return _finish(
            name, dtype, column, values, "boolean", "two yes/no values", "bool",
            {"true": bool_true}, markers,
        )  # fmt: skip

    date_format = _date_format(values)
    if date_format is not None:
        parsed_dates = pd.to_datetime(values, format=date_format, errors="coerce")
        return _datetime_profile(
            name, dtype, column, "date strings", parse="date",
            options={"format": date_format}, values=parsed_dates.dropna(), markers=markers,
        )  # fmt: skip

    counts = values.value_counts()
    n_unique = len(counts)
    n_present = len(values)
    if n_unique <= 1:
        return _finish(name, dtype, column, values, "constant", _constant_reason(counts), None, {},
                       markers, counts=counts)  # fmt: skip
    words = _mean_words(values)
    unique_share = n_unique / max(n_present, 1)
    if words >= _TEXT_MIN_WORDS and unique_share >= 0.3:
        reason = f"free text ({words:.1f} words per value, {unique_share:.0%} distinct)"
        return _finish(name, dtype, column, values, "text", reason, None, {}, markers,
                       counts=counts)  # fmt: skip
    if n_present >= _MIN_ROWS_FOR_ID and (
        unique_share >= 0.999 or (unique_share >= 0.95 and _ID_NAME.search(name))
    ):
        reason = f"{unique_share:.0%} of values distinct"
        return _finish(name, dtype, column, values, "identifier", reason, None, {}, markers,
                       counts=counts)  # fmt: skip
    reason = f"{n_unique} distinct text values" + _marker_note(markers)
    return _finish(name, dtype, column, values, "categorical", reason, None, {}, markers,
                   counts=counts)  # fmt: skip


def _numeric_profile(
    name: str,
    dtype: str,
    column: pd.Series,
    values: pd.Series,
    markers: dict[str, int],
    parse: Parse | None,
    options: dict[str, Any],
) -> ColumnProfile:
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    array = array[~np.isnan(array)]
    text_note = " stored as text" if parse == "number" else ""
    if array.size == 0:
        return _finish(name, dtype, column, values, "constant", "no values at all", parse, options,
                       markers)  # fmt: skip
    uniques, counts = np.unique(array, return_counts=True)
    n_unique = len(uniques)
    if n_unique == 1:
        return _finish(name, dtype, column, values, "constant", f"always {_fmt(uniques[0])}",
                       parse, options, markers)  # fmt: skip
    if n_unique == 2 and set(uniques.tolist()) == {0.0, 1.0}:
        return _finish(name, dtype, column, values, "boolean", f"0/1 values{text_note}", parse,
                       options, markers)  # fmt: skip
    finite = array[np.isfinite(array)]
    integral = finite.size == array.size and bool(np.all(np.mod(finite, 1.0) == 0.0))
    if integral:
        increasing = bool(np.all(np.diff(array) > 0))
        role_reason = _integer_role(name, uniques, counts, array.size, increasing=increasing)
        if role_reason is not None:
            role, reason = role_reason
            if role == "datetime" and parse is None:
                dates = _yyyymmdd_dates(array)
                return _datetime_profile(
                    name, dtype, column, reason, parse="yyyymmdd", options={},
                    values=dates.dropna(), markers=markers,
                )  # fmt: skip
            return _finish(name, dtype, column, values, role, reason + text_note, parse, options,
                           markers, n_unique=n_unique)  # fmt: skip
        span = f"integers {_fmt(uniques[0])} to {_fmt(uniques[-1])}"
        if n_unique <= _MAX_CODES and uniques[-1] - uniques[0] + 1 == n_unique:
            span += " (contiguous: ordinal)"
        reason = span + text_note
    else:
        if n_unique == len(array) and len(array) >= _MIN_ROWS_FOR_ID and _ID_NAME.search(name):
            return _finish(name, dtype, column, values, "identifier",
                           "every value distinct and the name says id", parse, options, markers,
                           n_unique=n_unique)  # fmt: skip
        reason = "decimal numbers" + text_note
    reason += _format_notes(options)
    stats = _numeric_stats(array, finite, uniques, counts)
    return _finish(name, dtype, column, values, "numeric", reason, parse, options, markers,
                   n_unique=n_unique, stats=stats)  # fmt: skip


def _yyyymmdd_dates(array: np.ndarray) -> pd.Series:
    """Integers such as 20210530 parsed as dates (``NaT`` where they are not)."""
    import pandas as pd

    return pd.to_datetime(
        pd.Series(array.astype("int64")).astype(str), format="%Y%m%d", errors="coerce"
    )


def _format_notes(options: dict[str, Any]) -> str:
    """How the numbers were written as text: thousands separators, currency, percent signs."""
    notes = ""
    if options.get("thousands"):
        notes += ", thousands separators"
    if options.get("currency"):
        notes += ", currency signs"
    if options.get("percent"):
        notes += ", percent signs"
    return notes


def _numeric_stats(array: np.ndarray, finite: np.ndarray, uniques: np.ndarray,
                   counts: np.ndarray) -> dict[str, Any]:  # fmt: skip
    """The most frequent values, the range, the mean and the standard deviation."""
    order = np.argsort(-counts, kind="stable")[:5]
    top = [[_fmt(uniques[i]), int(counts[i])] for i in order]
    with np.errstate(all="ignore"):
        return {
            "top": top,
            "min": float(array.min()),
            "max": float(array.max()),
            "mean": float(finite.mean()) if finite.size else float("nan"),
            "std": float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
        }


def _integer_role(
    name: str, uniques: np.ndarray, counts: np.ndarray, n: int, *, increasing: bool
) -> tuple[Role, str] | None:
    n_unique = len(uniques)
    low, high = int(uniques[0]), int(uniques[-1])
    contiguous = high - low + 1 == n_unique
    if n_unique == n and n >= _MIN_ROWS_FOR_ID:
        if _ID_NAME.search(name) or contiguous:
            return "identifier", f"every value a distinct integer ({low} to {high})"
        if increasing:
            return "identifier", "every value a distinct integer, increasing row by row"
    if _looks_like_yyyymmdd(uniques):
        return "datetime", "numeric dates (YYYYMMDD)"
    if _CODE_NAME.search(name) and n_unique <= 100 and n_unique < n / 2:
        return "categorical", f"{n_unique} integer codes; the name says code/type/class"
    singletons = float(np.mean(counts == 1))
    density = n_unique / (high - low + 1)
    if n_unique <= _MAX_CODES and density < 0.5 and singletons <= 0.2 and n_unique < n / 2:
        return "categorical", f"{n_unique} integer codes spread from {low} to {high}"
    return None


def _datetime_profile(
    name: str,
    dtype: str,
    column: pd.Series,
    reason: str,
    *,
    parse: Parse | None,
    options: dict[str, Any] | None = None,
    values: pd.Series | None = None,
    markers: dict[str, int] | None = None,
) -> ColumnProfile:
    present = column.dropna() if values is None else values
    n_unique = int(present.nunique())
    role: Role = "datetime" if n_unique > 1 else "constant"
    stats = {"min": str(present.min()), "max": str(present.max())} if len(present) else {}
    return ColumnProfile(
        name=name,
        role=role,
        reason=reason if role == "datetime" else "a single date",
        dtype=dtype,
        n_missing=int(len(column) - len(present)),
        missing_markers=markers or {},
        n_unique=n_unique,
        parse=parse,
        parse_options=options or {},
        stats=stats,
    )


def _finish(
    name: str,
    dtype: str,
    column: pd.Series,
    values: pd.Series,
    role: Role,
    reason: str,
    parse: Parse | None,
    options: dict[str, Any],
    markers: dict[str, int] | None = None,
    *,
    counts: pd.Series | None = None,
    n_unique: int | None = None,
    stats: dict[str, Any] | None = None,
) -> ColumnProfile:
    present = values.dropna()
    if stats is None:
        if counts is None:
            counts = present.astype("str").value_counts()
        stats = {"top": [[str(k), int(v)] for k, v in counts.head(5).items()]}
        n_unique = len(counts) if n_unique is None else n_unique
    if n_unique is None:
        n_unique = int(present.nunique())
    return ColumnProfile(
        name=name,
        role=role,
        reason=reason,
        dtype=dtype,
        n_missing=int(len(column) - len(present)),
        missing_markers=markers or {},
        n_unique=int(n_unique),
        parse=parse,
        parse_options=options,
        stats=stats,
    )


def _marker_counts(column: pd.Series, stripped: pd.Series, is_marker: pd.Series) -> dict[str, int]:
    if not is_marker.any():
        return {}
    raw = column.where(column.notna(), "")[is_marker].astype("str")
    counts = raw.value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _marker_note(markers: dict[str, int]) -> str:
    words = {k: v for k, v in markers.items() if k.strip() and k.strip() != "?"}
    if not words:
        return ""
    from automl.formatting import plural

    shown = ", ".join(f"{k!r} in {plural(v, 'row')}" for k, v in words.items())
    return f"; {shown} read as missing (a level of its own for models)"


def _mean_words(values: pd.Series) -> float:
    sample = values.head(_SAMPLE)
    if sample.empty:
        return 0.0
    return float(sample.str.count(r"\S+").mean())


def _constant_reason(counts: pd.Series) -> str:
    return f"always {counts.index[0]!r}" if len(counts) else "no values at all"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
