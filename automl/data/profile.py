"""Profile a table: a role for every column, the target's task, and warnings worth reading.

The :class:`Profile` is a frozen, JSON-serialisable record. ``automl profile`` prints it and
``automl fit`` stores it in the run folder and builds its preprocessing from it, so column roles
are decided here once.
"""

from __future__ import annotations

import difflib
import logging
import shlex
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from automl.data._strength import _leak_sample, _predictive_strength
from automl.data.columns import ABSENCE_MARKERS, ColumnProfile, profile_column
from automl.data.target import TargetProfile, analyse_target
from automl.errors import NotFoundError
from automl.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.load import Table

__all__ = ["Profile", "ProfileWarning", "find_column", "profile_table"]

logger = logging.getLogger(__name__)

WarningKind = Literal[
    "identifier",
    "constant",
    "near_constant",
    "duplicate_rows",
    "high_cardinality",
    "mostly_missing",
    "class_imbalance",
    "rare_class",
    "leakage",
    "missing_target",
    "too_few_rows",
]

_NEAR_CONSTANT_SHARE = 0.99
_MOSTLY_MISSING_SHARE = 0.5
_HIGH_CARDINALITY = 50
_IMBALANCE_RATIO = 20.0
#: ``fit`` needs at least this many rows with a target.
_MIN_FIT_ROWS = 10


@dataclass(frozen=True)
class ProfileWarning:
    """Something in the data worth a user's attention.

    Attributes:
        kind: A stable name for scripts.
        message: One sentence for people.
        column: The column concerned, if one.
    """

    kind: WarningKind
    message: str
    column: str | None = None


@dataclass(frozen=True)
class Profile:
    """The profile of a table.

    Attributes:
        source: The file that was profiled.
        format: ``csv`` or ``parquet``.
        delimiter: The CSV delimiter, or ``None``.
        n_rows: Data rows.
        n_columns: Columns, target included.
        n_duplicate_rows: Rows that repeat an earlier row exactly.
        columns: One profile per column, in file order (the target's included).
        target: The target's analysis, when a target was given.
        warnings: What deserves attention, most serious first.
    """

    source: str
    format: str
    delimiter: str | None
    n_rows: int
    n_columns: int
    n_duplicate_rows: int
    columns: tuple[ColumnProfile, ...]
    target: TargetProfile | None = None
    warnings: tuple[ProfileWarning, ...] = field(default_factory=tuple)

    def column(self, name: str) -> ColumnProfile:
        """Return the profile of one column.

        Raises:
            NotFoundError: No such column.
        """
        for column in self.columns:
            if column.name == name:
                return column
        raise NotFoundError(f"Column {name!r} is not in the profile of {self.source}.")

    @property
    def features(self) -> tuple[ColumnProfile, ...]:
        """The columns ``fit`` uses as model inputs: not the target, identifiers or constants."""
        target = self.target.name if self.target else None
        return tuple(c for c in self.columns if c.is_feature and c.name != target)

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as plain JSON-compatible data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        """Rebuild a profile from :meth:`to_dict` output.

        Args:
            data: The dictionary, for example read back from ``profile.json``.

        Returns:
            The profile.
        """
        target = data.get("target")
        return cls(
            source=data["source"],
            format=data["format"],
            delimiter=data["delimiter"],
            n_rows=data["n_rows"],
            n_columns=data["n_columns"],
            n_duplicate_rows=data["n_duplicate_rows"],
            columns=tuple(ColumnProfile(**c) for c in data["columns"]),
            target=TargetProfile(**target) if target else None,
            warnings=tuple(ProfileWarning(**w) for w in data["warnings"]),
        )


def find_column(frame: pd.DataFrame, name: str, *, source: str, what: str = "Column") -> str:
    """Return ``name`` if it is a column, else raise with the closest names as suggestions.

    Args:
        frame: The table.
        name: The requested column.
        source: The file name, for the message.
        what: How to call the column in the message (``Target column``...).

    Returns:
        The column name.

    Raises:
        NotFoundError: No column of that name; the message suggests close matches, a
            case-insensitive one first.
    """
    columns = [str(c) for c in frame.columns]
    if name in columns:
        return name
    suggestions = [c for c in columns if c.casefold() == name.casefold()]
    suggestions += [
        c for c in difflib.get_close_matches(name, columns, n=3, cutoff=0.6) if c not in suggestions
    ]
    shown = ", ".join(repr(c) for c in columns[:60])
    if len(columns) > 60:
        shown += f" and {len(columns) - 60} more"
    hint = f"Did you mean {' or '.join(repr(s) for s in suggestions[:3])}? " if suggestions else ""
    raise NotFoundError(f"{what} {name!r} not found in {source}.", hint=f"{hint}Columns: {shown}.")


def profile_table(
    table: Table, *, target: str | None = None, keep_na: Sequence[str] = ()
) -> Profile:
    """Profile every column of a table and, if given, analyse the target.

    Args:
        table: The table from :func:`automl.data.load.read_table`.
        target: The target column's name.
        keep_na: Columns whose missing markers (``NA``, ``None``...) are values, a category
            of their own, rather than missing (``--keep-na-as-category``).

    Returns:
        The profile.

    Raises:
        NotFoundError: The target column, or a ``keep_na`` column, does not exist.
        DataError: The target is entirely missing or has a single value (in two rows or more:
            a file with one data row is profiled, with a warning, and no target analysis).
    """
    frame = table.frame
    source = str(table.path)
    if target is not None:
        target = find_column(frame, target, source=source, what="Target column")
    kept = {find_column(frame, n, source=source, what="--keep-na-as-category column")
            for n in keep_na}  # fmt: skip
    columns = tuple(
        profile_column(frame[name], keep_markers=str(name) in kept) for name in frame.columns
    )
    target_profile = None
    if target is not None and len(frame) >= 2:
        index = list(frame.columns).index(target)
        target_profile = analyse_target(frame[target], columns[index], source=source)
    n_duplicates = _count_duplicates(frame)
    warnings = _size_warnings(source, len(frame), target)
    warnings += _warnings(frame, columns, target_profile, n_duplicates, target_name=target)
    return Profile(
        source=source,
        format=table.format,
        delimiter=table.delimiter,
        n_rows=len(frame),
        n_columns=frame.shape[1],
        n_duplicate_rows=n_duplicates,
        columns=columns,
        target=target_profile,
        warnings=tuple(warnings),
    )


def _size_warnings(source: str, n_rows: int, target: str | None) -> list[ProfileWarning]:
    """A warning for a file too small to fit on (one row: no task can be inferred either)."""
    if n_rows >= _MIN_FIT_ROWS:
        return []
    message = f"{source} has only {n_rows} data row(s); fit needs at least {_MIN_FIT_ROWS} rows"
    message += " with a target."
    if n_rows < 2 and target is not None:
        message += f" The task of {target!r} cannot be inferred from one value."
    return [ProfileWarning("too_few_rows", message, target)]


def _count_duplicates(frame: pd.DataFrame) -> int:
    import pandas as pd

    if frame.empty:
        return 0
    hashes = pd.util.hash_pandas_object(frame, index=False)
    return int(hashes.duplicated().sum())


def _warnings(
    frame: pd.DataFrame,
    columns: tuple[ColumnProfile, ...],
    target: TargetProfile | None,
    n_duplicates: int,
    *,
    target_name: str | None = None,
) -> list[ProfileWarning]:
    n = len(frame)
    found: list[ProfileWarning] = []
    if target is not None:
        found += _target_warnings(target, n)
        found += _leakage_warnings(frame, columns, target)
        target_name = target.name
    for column in columns:
        if column.name == target_name:
            continue
        found += _column_warnings(column, n)
    if n_duplicates:
        found.append(
            ProfileWarning(
                "duplicate_rows",
                f"{plural(n_duplicates, 'row')} ({n_duplicates / n:.1%}) "
                f"{'repeats' if n_duplicates == 1 else 'repeat'} an earlier row exactly; "
                "cross-validation scores may be optimistic.",
            )
        )
    return found


def _column_warnings(column: ColumnProfile, n: int) -> list[ProfileWarning]:
    found = []
    name = column.name
    if column.role == "identifier":
        found.append(
            ProfileWarning(
                "identifier",
                f"{name!r} looks like an identifier ({column.reason}); fit ignores it.",
                name,
            )
        )
    elif column.role == "constant":
        found.append(
            ProfileWarning(
                "constant", f"{name!r} is constant ({column.reason}); fit ignores it.", name
            )
        )
    else:
        top = column.stats.get("top")
        if top and n - column.n_missing > 0:
            share = top[0][1] / (n - column.n_missing)
            if share >= _NEAR_CONSTANT_SHARE:
                found.append(
                    ProfileWarning(
                        "near_constant",
                        f"{name!r} is nearly constant: {share:.1%} of values are {top[0][0]!r}.",
                        name,
                    )
                )
    if column.role == "categorical" and column.n_unique > _HIGH_CARDINALITY:
        found.append(
            ProfileWarning(
                "high_cardinality",
                f"{name!r} is a categorical column with {column.n_unique} distinct values; "
                "rare values are grouped when encoding.",
                name,
            )
        )
    if n and column.n_missing / n >= _MOSTLY_MISSING_SHARE and column.role != "constant":
        found.append(
            ProfileWarning(
                "mostly_missing",
                f"{name!r} is {column.n_missing / n:.1%} missing ({column.n_missing:,} of "
                f"{plural(n, 'row')}).{_absence_note(column)}",
                name,
            )
        )
    return found


def _absence_note(column: ColumnProfile) -> str:
    """For a column of categories whose missing cells are mostly a marker such as ``NA`` or
    ``None``: that the marker may name a category ("no pool"), and how to keep it as one."""
    if column.role not in ("categorical", "text", "boolean"):
        return ""
    absent = {k: v for k, v in column.missing_markers.items() if k.strip() in ABSENCE_MARKERS}
    if not absent or 2 * sum(absent.values()) < column.n_missing:
        return ""
    marker = max(absent, key=lambda k: absent[k])
    return (
        f" Most are {marker!r}, which in a column of categories may mean 'none' (no such "
        "thing) rather than unknown: models see it as a level of its own, and "
        f"--keep-na-as-category {shlex.quote(column.name)} keeps it as a named category."
    )


def _target_warnings(target: TargetProfile, n: int) -> list[ProfileWarning]:
    found = []
    if target.n_missing:
        found.append(
            ProfileWarning(
                "missing_target",
                f"{plural(target.n_missing, 'row')} "
                f"{'has' if target.n_missing == 1 else 'have'} no target value; fit drops "
                f"{'it' if target.n_missing == 1 else 'them'}.",
                target.name,
            )
        )
    if target.classes:
        counts = [count for _, count in target.classes]
        for label, count in target.classes:
            if count < 2:
                found.append(
                    ProfileWarning(
                        "rare_class",
                        f"Class {label!r} of {target.name!r} has only {count} row; fit drops it.",
                        target.name,
                    )
                )
        majority, minority = max(counts), min(counts)
        if majority / minority >= _IMBALANCE_RATIO:
            label = next(label for label, count in target.classes if count == minority)
            found.append(
                ProfileWarning(
                    "class_imbalance",
                    f"Extreme class imbalance in {target.name!r}: class {label!r} has {minority} "
                    f"rows against {majority} for the largest class. fit keeps every class in "
                    "each fold, searches class_weight (none or balanced) in every family, and "
                    "chooses the threshold with --decision (f1, cost:FP,FN, recall>=X...).",
                    target.name,
                )
            )
    return found


def _leakage_warnings(
    frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], target: TargetProfile
) -> list[ProfileWarning]:
    """Flag single features that predict the target almost perfectly on their own."""
    rows, y = _leak_sample(frame, columns, target)
    found = []
    for column in columns:
        if column.name == target.name or column.role not in ("numeric", "categorical", "boolean"):
            continue
        x = frame[column.name].iloc[rows].reset_index(drop=True)
        strength = _predictive_strength(x, y, column, target)
        if strength is not None:
            found.append(
                ProfileWarning(
                    "leakage",
                    f"{column.name!r} alone predicts {target.name!r} almost perfectly "
                    f"({strength}); check that it is known before the target is.",
                    column.name,
                )
            )
    return found
