"""The input contract: rows checked against what training saw, before they are predicted.

Kinds of finding, per column:

- ``unparsed``: a cell that is not empty but does not read as the column's type (``"abc"``
  in a numeric column, a date that does not parse);
- ``out_of_range``: a number below the training minimum or above its maximum;
- ``unseen_category``: a level training never saw (checked when training listed its levels:
  see :data:`automl.monitor.summary.MAX_KNOWN_LEVELS`);
- ``all_empty``: every cell of the column is missing, while training had values;
- ``new_column``: a column the model does not use (listed, never a reason to reject).

Missing required columns are an error before any of this (exit 3, as ``predict`` always did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.formatting import plural
from automl.monitor.reference import Reference, column_values
from automl.monitor.summary import in_levels

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile

__all__ = ["ContractIssue", "ContractReport", "OnInvalid", "check_contract"]

OnInvalid = Literal["warn", "reject", "ignore"]
#: Row numbers listed per finding at most (the count is always given).
ROWS_SHOWN = 10
#: Example values listed per finding at most.
EXAMPLES_SHOWN = 3


@dataclass(frozen=True)
class ContractIssue:
    """One kind of finding in one column.

    Attributes:
        column: The column.
        kind: ``unparsed``, ``out_of_range``, ``unseen_category``, ``all_empty``.
        count: Rows concerned.
        rows: The first of them, numbered from 1 (the first data row).
        examples: A few offending values, as text.
        expected: What training saw (the range, or how many levels).
    """

    column: str
    kind: str
    count: int
    rows: list[int]
    examples: list[str]
    expected: str

    def text(self) -> str:
        """One line for people."""
        rows = ", ".join(str(r) for r in self.rows)
        more = ", ..." if self.count > len(self.rows) else ""
        what = {
            "unparsed": "a value that does not parse",
            "out_of_range": "a value out of the training range",
            "unseen_category": "a category training never saw",
            "all_empty": "the column empty",
        }[self.kind]
        examples = f" (e.g. {', '.join(repr(e) for e in self.examples)})" if self.examples else ""
        return (f"{self.column}: {what} in {plural(self.count, 'row')}{examples}; expected "
                f"{self.expected}; row{'s' if self.count > 1 else ''} {rows}{more}")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` and the service show it."""
        return {
            "column": self.column,
            "kind": self.kind,
            "count": self.count,
            "rows": self.rows,
            "examples": self.examples,
            "expected": self.expected,
        }


@dataclass(frozen=True)
class ContractReport:
    """The findings on a batch of rows.

    Attributes:
        n_rows: Rows checked.
        issues: Findings per column and kind.
        new_columns: Columns the model does not use (ignored).
    """

    n_rows: int
    issues: tuple[ContractIssue, ...] = ()
    new_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows(self) -> list[int]:
        """Every row with a finding, numbered from 1."""
        found: set[int] = set()
        for issue in self.issues:
            found.update(issue.rows)
        return sorted(found)

    def to_dict(self) -> dict[str, Any]:
        """As ``predict --json`` shows it."""
        return {"n_rows": self.n_rows, "issues": [i.to_dict() for i in self.issues],
                "new_columns": list(self.new_columns), "notes": list(self.notes)}  # fmt: skip


def check_contract(
    reference: Reference,
    profile: Profile,
    raw: pd.DataFrame,
    *,
    new_columns: tuple[str, ...] = (),
) -> ContractReport:
    """Check raw rows against the reference.

    Args:
        reference: The run's reference (ranges, levels, missing rates).
        profile: The run's profile (how each column is read).
        raw: The rows as read, with every column the model needs.
        new_columns: Columns of the file the model does not use.
    """
    from automl.data.prepare import missing_markers_of, prepare_column

    issues: list[ContractIssue] = []
    for column in reference.columns:
        cells = raw[column.name]
        prepared = prepare_column(cells, profile.column(column.name))
        values, missing, _ = column_values(prepared, column.role)
        summary = column.summary
        if len(cells) and missing.all() and summary.missing_rate < 1.0:
            issues.append(ContractIssue(column.name, "all_empty", len(cells), _first(missing),
                                        [], f"{1 - summary.missing_rate:.0%} filled"))  # fmt: skip
            continue
        blank = _blank(cells, missing_markers_of(profile.column(column.name)))
        unparsed = missing & ~blank
        if unparsed.any():
            issues.append(_issue(column.name, "unparsed", unparsed, cells,
                                 f"a {column.role} value"))  # fmt: skip
        if column.role in ("numeric", "boolean") and summary.low is not None:
            outside = ~missing & ((values < summary.low) | (values > summary.high))
            if outside.any():
                issues.append(_issue(column.name, "out_of_range", outside, cells,
                                     f"{summary.low:g} to {summary.high:g}"))  # fmt: skip
        if column.role == "categorical" and summary.known_levels is not None:
            unseen = ~missing & ~in_levels(values, summary.known_levels)
            if unseen.any():
                known = plural(len(summary.known_levels), "level")
                issues.append(_issue(column.name, "unseen_category", unseen, cells,
                                     f"one of {known}"))  # fmt: skip
    return ContractReport(n_rows=len(raw), issues=tuple(issues), new_columns=new_columns)


def _blank(cells: pd.Series, markers: frozenset[str]) -> np.ndarray:
    """Cells that are missing as written: empty, a missing marker, or NaN."""
    text = cells.astype("string").str.strip()
    return (cells.isna() | text.isna() | text.isin([*markers, ""])).to_numpy(dtype=bool)


def _first(mask: np.ndarray) -> list[int]:
    return [int(i) + 1 for i in np.flatnonzero(mask)[:ROWS_SHOWN]]


def _issue(column: str, kind: str, mask: np.ndarray, cells: pd.Series,
           expected: str) -> ContractIssue:  # fmt: skip
    positions = np.flatnonzero(mask)
    examples = [str(v) for v in cells.iloc[positions[:EXAMPLES_SHOWN]]]
    return ContractIssue(column, kind, int(mask.sum()), _first(mask), examples, expected)
