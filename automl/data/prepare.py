"""Apply a profile's decisions to raw cells: the same conversions at fit, predict and serve time.

Numbers stored as text become floats, missing markers become missing, yes/no become 1/0, date
strings and YYYYMMDD integers become datetimes, categorical codes become text labels. Columns the
profile does not know are left alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from automl.data.columns import MISSING_MARKERS, ColumnProfile, parse_number_text

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile

__all__ = ["prepare_column", "prepare_frame"]


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
        {c.name: prepare_column(frame[c.name], c) for c in profile.features}, index=frame.index
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

    role = profile.role
    if role in ("identifier", "constant"):
        return column
    if role == "datetime":
        return _dates(column, profile)
    is_text = not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)
    ) or pd.api.types.is_object_dtype(column)
    if is_text:
        text = column.astype("str").str.strip()
        text = text.where(column.notna() & ~text.isin(MISSING_MARKERS))
        text = text.where(~text.isin(set(profile.missing_markers)))
    else:
        text = None
    if role == "numeric":
        if text is None:
            return column.astype("float64")
        return parse_number_text(text, profile.parse_options)
    if role == "boolean":
        if text is None:
            return column.astype("float64")
        if profile.parse == "number":
            return parse_number_text(text, profile.parse_options)
        true_value = str(profile.parse_options.get("true", "true"))
        lowered = text.str.lower()
        return pd.Series(
            np.where(lowered.isna(), np.nan, (lowered == true_value).astype("float64")),
            index=column.index,
            dtype="float64",
        )
    # categorical and text: labels as text; integer codes without a trailing ".0"
    if text is None:
        numbers = column.astype("float64")
        labels = numbers.map(lambda v: np.nan if np.isnan(v) else f"{v:g}")
        return labels.astype("str")
    return text.astype("str")


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
