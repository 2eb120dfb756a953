"""pandas data frames given to the Python API, read as if from a file.

A frame is converted to Arrow, then back to pandas exactly as a Parquet file is read
(:func:`automl.data.load.arrow_table`), so that ``automl.profile(frame)`` and a file holding
the same table give the same profile, and a frame written to Parquet for ``fit``
(:mod:`automl.store.frames`) is read back unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, UsageError

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.load import Table

__all__ = ["FRAME_NAME", "frame_arrow", "frame_table"]

#: How messages name a data frame that has no file.
FRAME_NAME = "the DataFrame"


def frame_arrow(frame: Any, *, name: str = FRAME_NAME) -> Any:
    """``frame`` as an Arrow table (its index left out).

    Args:
        frame: A pandas data frame.
        name: How messages name it.

    Raises:
        UsageError: ``frame`` is not a pandas data frame.
        DataError: A column mixes types Arrow cannot store together (numbers and text in one
            object column...), or a column name is not text.
    """
    import pandas as pd
    import pyarrow as pa

    if not isinstance(frame, pd.DataFrame):
        raise UsageError(
            f"Expected a pandas DataFrame or the path of a CSV or Parquet file, got "
            f"{type(frame).__name__}.",
            hint="Wrap arrays with pandas.DataFrame(X, columns=[...]) first.",
        )
    names = [c for c in frame.columns if not isinstance(c, str)]
    if names:
        raise DataError(
            f"{name} has column names that are not text: {', '.join(map(repr, names[:5]))}.",
            hint="Name the columns with strings, for example frame.columns = "
            "[str(c) for c in frame.columns].",
        )
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"{name} cannot be read as a table: {exc}",
            hint="Give each column a single type: for example frame[col].astype(str) for a "
            "column that mixes numbers and text.",
        ) from exc


def frame_table(frame: pd.DataFrame, *, name: str = FRAME_NAME) -> Table:
    """``frame`` as the :class:`~automl.data.load.Table` a Parquet file of it would give.

    Raises:
        UsageError: ``frame`` is not a pandas data frame.
        DataError: As :func:`frame_arrow`; duplicate column names, nested columns, or no rows.
    """
    from automl.data.load import arrow_table

    return arrow_table(frame_arrow(frame, name=name), Path(name), "dataframe")
