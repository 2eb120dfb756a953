"""Contributions of a saved run's model for every row of a file (``automl explain``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automl.store.predict import RowsWritten, read_id_columns, read_rows

if TYPE_CHECKING:
    from automl.store.runs import RunRef, Store

__all__ = ["ExplainResult", "explain_file"]


@dataclass(frozen=True, kw_only=True)
class ExplainResult(RowsWritten):
    """What ``explain`` wrote, and how the contributions were computed.

    Attributes:
        explained: What each row's contributions explain (``"positive class 'yes'"``...).
        space: The output space (``log_odds``, ``margin``, ``probability``, ``value``,
            ``log_value``).
        method: ``tree_shap``, ``linear``, ``constant``, ``path`` or ``combined``.
        exact: Whether they are exact Shapley values of the output.
        max_error: Largest ``|base + sum - output|`` over the rows, measured.
        mean_error: Mean of the same.
        top: Contributions per row in the CSV, ``None`` for one per input column.
    """

    explained: str
    space: str
    method: str
    exact: bool
    max_error: float
    mean_error: float
    top: int | None = None


def explain_file(
    store: Store,
    ref: RunRef,
    data: Path,
    output: Path | None,
    *,
    top: int | None = None,
    label: object = None,
    id_columns: Sequence[str] = (),
    excel_safe: bool = False,
) -> ExplainResult:
    """Explain every row of ``data`` with the run's model and write ``output`` (CSV).

    The input is read and checked as ``predict`` does. Each row gets ``base``, one
    contribution per input column (or the ``top`` largest, with the cells as written in the
    file, and ``rest``) and ``output``, in the rows' order: see
    :meth:`automl.insight.RowExplanations.frame`.

    Args:
        store: Where the run lives.
        ref: The run.
        data: The rows to explain.
        output: The CSV to write; ``None`` returns the CSV as ``text`` instead.
        top: Contributions per row (largest absolute first); ``None`` for every column.
        label: The class to explain on every row (see :func:`automl.insight.explain_rows`).
        id_columns: Input columns copied first into the output, as written in ``data``.
        excel_safe: Make text cells that start like a formula inert for spreadsheets.

    Raises:
        NotFoundError: The data file, the run's model or an ``id_columns`` column does not
            exist.
        DataError: Columns the model needs are missing, or the model file was tampered with.
        UsageError: ``top`` is below 1, ``label`` is not a class of the model, or an
            ``id_columns`` column has the name of an output column.
    """
    from automl.insight import explain_rows

    rows = read_rows(store, ref, data, id_columns)
    features = rows.predictor.features
    explained = explain_rows(rows.predictor, rows.table.frame, label=label)
    cells = read_id_columns(rows.table, features) if top is not None else rows.table.frame
    written = rows.write(explained.frame(cells, top=top), output, excel_safe=excel_safe,
                         what="an explanation")  # fmt: skip
    return ExplainResult(
        **vars(written),
        explained=explained.explained,
        space=explained.space,
        method=explained.method,
        exact=explained.exact,
        max_error=explained.max_error,
        mean_error=explained.mean_error,
        top=None if top is None else min(top, len(features)),
    )
