"""CSV cells that a spreadsheet would run as formulas, made inert (``predict --excel-safe``).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, per OWASP's guidance on CSV injection, a tab or a carriage return) as a formula:
a class label such as ``=HYPERLINK(...)`` learnt from the training data would then run when
someone opens the predictions. OWASP's remedy is to prefix such cells with a single quote,
which spreadsheets show as text. Only text columns are touched, and never a cell that is a
plain number (``-1.5`` stays a number).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_STARTS", "excel_safe"]

#: What a spreadsheet cell may start with to be read as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells that start like a formula begin with ``'``.

    Args:
        frame: The table about to be written as CSV.

    Returns:
        The table with such cells prefixed; numeric columns and plain numbers unchanged.
    """
    import pandas as pd

    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        if not (pd.api.types.is_string_dtype(column) or column.dtype == object):
            continue
        text = column.map(lambda v: v if isinstance(v, str) else None)
        risky = text.map(_looks_like_formula, na_action="ignore").fillna(False).astype(bool)
        if risky.any():
            safe[name] = column.astype("object").where(~risky, "'" + text.where(risky, ""))
    return safe


def _looks_like_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(cell)
