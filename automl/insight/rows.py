"""One explained output per row: what ``automl explain`` writes and ``/v1/explain`` answers.

:func:`explain_rows` picks, for every row, the one output whose contributions are shown:

- regression: the prediction (``value`` or ``log_value`` space);
- binary: the positive class's log-odds; naming the other class gives its log-odds, the
  same contributions with their signs turned (``log(p0 / p1) = -log(p1 / p0)``, exact);
- multiclass: each row's predicted class (its margin); naming a class explains that class
  on every row.

:meth:`RowExplanations.frame` is the CSV of ``automl explain`` (every column, or the top K)
and :meth:`RowExplanations.records` the JSON of the service: both come from here, so that the
two agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import UsageError
from automl.insight._members import Method, Space
from automl.insight.contributions import contributions, top_order

if TYPE_CHECKING:
    import pandas as pd

    from automl.models.predictor import Predictor

__all__ = ["CONTRIBUTION_PREFIX", "RowExplanations", "explain_rows"]

_EXACT = 2**53  # floats up to this size hold whole numbers exactly
#: Header of a column's contribution in the full CSV: ``contrib_<column>``.
CONTRIBUTION_PREFIX = "contrib_"


@dataclass(frozen=True, eq=False)
class RowExplanations:
    """Per row, one output explained: ``base + values.sum(axis=1) = output``.

    Attributes:
        columns: The input columns, in the model's order.
        classes: Per row, the class whose score is explained; ``None`` for regression.
        base: ``(n_rows,)`` the expected output.
        values: ``(n_rows, n_columns)`` the contributions.
        output: ``(n_rows,)`` the model's actual output in :attr:`space`.
        space: As in :class:`~automl.insight.Contributions`.
        method: As in :class:`~automl.insight.Contributions`.
        exact: As in :class:`~automl.insight.Contributions`.
        max_error: Largest ``|base + sum - output|`` over the rows, for the outputs
            explained.
        mean_error: Mean of the same.
        explained: What was explained, in words: ``"prediction"``, ``"positive class 'yes'"``,
            ``"class 'no'"`` or ``"predicted class"``.
    """

    columns: tuple[str, ...]
    classes: list[Any] | None
    base: np.ndarray
    values: np.ndarray
    output: np.ndarray
    space: Space
    method: Method
    exact: bool
    max_error: float
    mean_error: float
    explained: str

    def top_positions(self, k: int) -> np.ndarray:
        """``(n_rows, min(k, n_columns))``: each row's column positions, largest absolute
        contribution first (ties in column order).

        Raises:
            UsageError: ``k`` is below 1.
        """
        return top_order(self.values, k)

    def frame(self, raw: pd.DataFrame, *, top: int | None = None) -> pd.DataFrame:
        """The table ``automl explain`` writes, one row per row explained, in order.

        Columns: ``class`` (classification), ``base``, then ``contrib_<column>`` for every
        input column, or with ``top`` the ``top<i>_column``, ``top<i>_value`` (the cell as in
        ``raw``) and ``top<i>_contribution`` of the ``top`` largest, then ``rest`` (the sum of
        the others); last ``output``.

        Args:
            raw: The rows as given (at least the input columns), in the same order.
            top: How many contributions per row; ``None`` for every column.
        """
        import pandas as pd

        parts: dict[str, Any] = {}
        if self.classes is not None:
            parts["class"] = self.classes
        parts["base"] = self.base
        if top is None:
            for i, name in enumerate(self.columns):
                parts[f"{CONTRIBUTION_PREFIX}{name}"] = self.values[:, i]
        else:
            positions = self.top_positions(top)
            cells = _cells(raw, self.columns, positions)
            names = np.asarray(self.columns, dtype=object)[positions]
            chosen = np.take_along_axis(self.values, positions, axis=1)
            for j in range(positions.shape[1]):
                parts[f"top{j + 1}_column"] = names[:, j]
                parts[f"top{j + 1}_value"] = cells[:, j]
                parts[f"top{j + 1}_contribution"] = chosen[:, j]
            parts["rest"] = self.values.sum(axis=1) - chosen.sum(axis=1)
        parts["output"] = self.output
        return pd.DataFrame(parts)

    def records(self, raw: pd.DataFrame, *, top: int) -> list[dict[str, Any]]:
        """The same as :meth:`frame` with ``top``, as JSON-ready records (``/v1/explain``):
        ``{"class", "base", "contributions": [{"column", "value", "contribution"}], "rest",
        "output"}``, ``class`` left out for regression."""
        positions = self.top_positions(top)
        cells = _cells(raw, self.columns, positions)
        answers = []
        for i, row in enumerate(positions):
            answer: dict[str, Any] = {}
            if self.classes is not None:
                answer["class"] = _plain(self.classes[i])
            chosen = [float(self.values[i, p]) for p in row]
            answer["base"] = float(self.base[i])
            answer["contributions"] = [
                {"column": self.columns[p], "value": _plain(cells[i, j]), "contribution": c}
                for j, (p, c) in enumerate(zip(row, chosen, strict=True))
            ]
            answer["rest"] = float(self.values[i].sum() - sum(chosen))
            answer["output"] = float(self.output[i])
            answers.append(answer)
        return answers


def explain_rows(
    predictor: Predictor, frame: pd.DataFrame, *, label: Any = None
) -> RowExplanations:
    """Explain each row of ``frame`` by one output (see the module's docstring).

    Args:
        predictor: A saved model.
        frame: Raw rows with at least ``predictor.features``.
        label: A class to explain on every row (compared as text, so ``"1"`` names ``1``);
            ``None`` for the default: the positive class (binary), the predicted class
            (multiclass).

    Raises:
        UsageError: ``label`` is given for a regression, or is not a class of the model; the
            model cannot be explained.
        DataError: ``frame`` lacks columns the model needs.
    """
    found = contributions(predictor, frame)
    rows = np.arange(len(found.base))
    pick, classes, sign, explained = _output_per_row(predictor, found.output, label)
    base = sign * found.base[rows, pick]
    values = sign * found.values[rows, pick, :]
    output = sign * found.output[rows, pick]
    gap = np.abs(base + values.sum(axis=1) - output)
    return RowExplanations(
        columns=found.columns,
        classes=classes,
        base=base,
        values=values,
        output=output,
        space=found.space,
        method=found.method,
        exact=found.exact,
        max_error=float(gap.max()) if gap.size else 0.0,
        mean_error=float(gap.mean()) if gap.size else 0.0,
        explained=explained,
    )


def _output_per_row(
    predictor: Predictor, output: np.ndarray, label: Any
) -> tuple[np.ndarray, list[Any] | None, float, str]:
    """Which output each row explains: its index, the class per row (``None`` for a
    regression), the sign (-1 for a binary model's negative class) and what it is.

    Raises:
        UsageError: ``label`` is given for a regression, or is not a class of the model.
    """
    n = len(output)
    if predictor.task == "regression":
        if label is not None:
            raise UsageError(
                "--class names a class, but this model is a regression.",
                hint="Leave --class out: the prediction itself is explained.",
            )
        return np.zeros(n, dtype=int), None, 1.0, "prediction"
    if predictor.task == "binary":
        chosen = predictor.labels[-1] if label is None else _label(predictor.labels, label)
        if chosen == predictor.labels[-1]:
            return np.zeros(n, dtype=int), [chosen] * n, 1.0, f"positive class {chosen!r}"
        return np.zeros(n, dtype=int), [chosen] * n, -1.0, f"class {chosen!r}"
    if label is None:
        pick = np.argmax(output, axis=1)
        return pick, [predictor.labels[i] for i in pick], 1.0, "predicted class"
    chosen = _label(predictor.labels, label)
    return np.full(n, predictor.labels.index(chosen)), [chosen] * n, 1.0, f"class {chosen!r}"


def _label(labels: list[Any], given: Any) -> Any:
    for label in labels:
        if label == given or str(label) == str(given):
            return label
    raise UsageError(
        f"{given!r} is not a class of this model.",
        hint=f"Choose one of {', '.join(repr(str(v)) for v in labels)}.",
    )


def _cells(raw: pd.DataFrame, columns: tuple[str, ...], positions: np.ndarray) -> np.ndarray:
    """``(n_rows, k)``: the cells of ``raw`` at each row's chosen column positions."""
    table = raw.loc[:, list(columns)].to_numpy(dtype=object)
    return np.take_along_axis(table, positions, axis=1)


def _plain(value: Any) -> Any:
    """A cell as JSON: ``None`` for a missing one, Python scalars for NumPy's, whole numbers
    as integers."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT:
        return int(value)  # a code made a float by a gap in its column: 3, not 3.0
    if isinstance(value, (str, int, float, bool)):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
