"""Batch predictions from a saved run: check the input against the schema, predict, write."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, UsageError
from automl.formatting import plural

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.load import Table
    from automl.models.predictor import Predictor
    from automl.store.decision import Decision
    from automl.store.run_record import RunRecord
    from automl.store.runs import RunRef, Store

__all__ = [
    "InputRows",
    "PredictResult",
    "RowsWritten",
    "applied_decision",
    "load_rows",
    "overridden",
    "predict_file",
    "read_id_columns",
    "read_rows",
    "require_features",
    "unused_columns",
    "write_rows",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowsWritten:
    """What a command that writes one output row per input row wrote (``predict``,
    ``explain``).

    Attributes:
        output: The CSV file written, or ``None`` when the CSV is in ``text``.
        text: The CSV itself when no output file was given (``--output -``).
        decision: The decision applied: ``rule``, ``threshold`` and ``calibrated`` (``None``
            for regression, or a run saved before decisions existed).
    """

    run_id: str
    experiment: str
    output: Path | None
    n_rows: int
    columns: list[str]
    ignored_columns: list[str]
    id_columns: list[str] = field(default_factory=list)
    text: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class PredictResult(RowsWritten):
    """What ``predict`` wrote.

    Attributes:
        decision: The decision applied: ``rule``, ``threshold`` and ``calibrated`` (``None``
            for regression, or a run saved before decisions existed).
    """

    decision: dict[str, Any] | None = None


@dataclass(frozen=True)
class InputRows:
    """A file's rows read and checked against a run's model, ready to predict or explain.

    Attributes:
        ids: The ``--id`` columns as written in the file.
        ignored: The file's columns the model does not use (logged).
    """

    ref: RunRef
    predictor: Predictor
    record: RunRecord
    table: Table
    ids: pd.DataFrame
    ignored: list[str]

    def write(self, results: pd.DataFrame, output: Path | None, *, excel_safe: bool,
              what: str) -> RowsWritten:  # fmt: skip
        """Write ``results`` (one row per input row) after the ``--id`` columns
        (:func:`write_rows`).

        Raises:
            UsageError: An ``--id`` column has the name of a result column.
        """
        frame, text = write_rows(results, self.ids, output, excel_safe=excel_safe, what=what)
        return RowsWritten(
            run_id=self.ref.run_id,
            experiment=self.ref.experiment,
            output=None if output is None else Path(output),
            n_rows=len(frame),
            columns=[str(c) for c in frame.columns],
            ignored_columns=self.ignored,
            id_columns=list(self.ids.columns),
            text=text,
        )


def read_rows(store: Store, ref: RunRef, data: Path, id_columns: Sequence[str]) -> InputRows:
    """The run's model and ``data``'s rows (:func:`load_rows`), with the ``--id`` columns.

    Raises:
        NotFoundError: The data file, the run's model or an ``id_columns`` column does not
            exist.
        DataError: Columns the model needs are missing, or the model file was tampered with.
    """
    predictor, record, table = load_rows(store, ref, data)
    ids = read_id_columns(table, id_columns)
    ignored = unused_columns(table, predictor, record, ids)
    return InputRows(ref, predictor, record, table, ids, ignored)


def predict_file(
    store: Store,
    ref: RunRef,
    data: Path,
    output: Path | None,
    *,
    id_columns: Sequence[str] = (),
    excel_safe: bool = False,
    decision: str | None = None,
    before: Callable[[Predictor, Table, list[str]], None] | None = None,
) -> PredictResult:
    """Predict every row of ``data`` with the run's model and write ``output`` (CSV).

    Rows keep their order. Extra columns are ignored (with a note); unseen categories and new
    missing values are handled by the model's preprocessing. With ``excel_safe``, text cells
    that a spreadsheet would run as a formula get a leading ``'``
    (:func:`automl.store.excel.excel_safe`).

    Args:
        store: Where the run lives.
        ref: The run.
        data: The rows to predict.
        output: The CSV to write; ``None`` returns the CSV as ``text`` instead.
        id_columns: Input columns copied first into the output, as written in ``data``.
        excel_safe: Make text cells that start like a formula inert for spreadsheets.
        decision: Another ``--decision`` rule for this call (binary), chosen on the run's
            saved threshold curve; probabilities are unchanged.
        before: Called with the model, the rows read and the columns it does not use, before
            anything is predicted or written (the input contract, which may raise).

    Raises:
        NotFoundError: The data file, the run's model or an ``id_columns`` column does not
            exist.
        DataError: Columns the model needs are missing, or the model file was tampered with.
        UsageError: An ``id_columns`` column has the name of an output column, or
            ``decision`` is not a rule or does not apply to the run.
    """
    rows = read_rows(store, ref, data, id_columns)
    if before is not None:
        before(rows.predictor, rows.table, rows.ignored)
    predictor = rows.predictor
    if decision is not None:
        predictor = predictor.with_decision(overridden(predictor, decision))
    results = predictor.predict_frame(rows.table.frame)
    written = rows.write(results, output, excel_safe=excel_safe, what="a prediction")
    return PredictResult(**vars(written), decision=applied_decision(predictor))


def overridden(predictor: Predictor, rule: str) -> Decision:
    """The run's decision with the threshold chosen again by ``rule`` (``predict
    --decision``).

    Raises:
        UsageError: ``rule`` is not a rule, the task is not binary, or (a run saved before
            decisions existed) the rule is not a fixed threshold.
    """
    from automl.store.decision import Decision
    from automl.store.threshold import parse_rule

    current = predictor.decision
    if isinstance(current, Decision):
        return current.with_rule(rule)
    parsed = parse_rule(rule)
    if predictor.task != "binary":
        raise UsageError(f"--decision {rule!r} needs a binary task; this run is {predictor.task}.")
    if parsed.kind != "fixed":
        raise UsageError(
            f"--decision {rule!r}: this run saved no threshold curve (it was fitted before "
            "decisions existed).",
            hint="Give a fixed threshold such as --decision 0.3, or fit the run again.",
        )
    return Decision(task="binary", rule=parsed.text, threshold=parsed.a)


def applied_decision(predictor: Predictor) -> dict[str, Any] | None:
    """The decision ``predict`` applied, as its ``--json`` reports it."""
    decision = getattr(predictor, "decision", None)
    if decision is None:
        return None
    return {"rule": decision.rule, "threshold": decision.threshold,
            "calibrated": decision.calibrated}  # fmt: skip


def unused_columns(
    table: Table, predictor: Predictor, record: RunRecord, ids: pd.DataFrame
) -> list[str]:
    """The file's columns that are neither features, ``--id`` columns nor the target; logged."""
    target = record.target
    used = {*predictor.features, *ids.columns}
    ignored = [str(c) for c in table.frame.columns if str(c) not in used and str(c) != target]
    if ignored:
        logger.info("Ignoring %s the model does not use: %s", plural(len(ignored), "column"),
                    ", ".join(ignored[:10]))  # fmt: skip
    return ignored


def write_rows(
    frame: pd.DataFrame, ids: pd.DataFrame, output: Path | None, *, excel_safe: bool, what: str
) -> tuple[pd.DataFrame, str | None]:
    """Put the ``--id`` columns first, neutralise formulas if asked, and write the CSV.

    Args:
        frame: The results, one row per input row, in order.
        ids: The ``--id`` columns (:func:`read_id_columns`).
        output: The CSV to write; ``None`` returns its text instead.
        excel_safe: See :func:`automl.store.excel.excel_safe`.
        what: What a result column is, for the clash message (``"a prediction"``).

    Returns:
        The table written, and the CSV text when ``output`` is ``None``.

    Raises:
        UsageError: An ``--id`` column has the name of a result column.
    """
    import pandas as pd

    from automl.store.artifacts import write_bytes

    clash = [c for c in ids.columns if c in frame.columns]
    if clash:
        raise UsageError(
            f"--id column {clash[0]!r} has the name of {what} column.",
            hint="Rename that column in the input file.",
        )
    if len(ids.columns):
        frame = pd.concat([ids.set_axis(frame.index), frame], axis=1)
    if excel_safe:
        from automl.store.excel import excel_safe as neutralise

        frame = neutralise(frame)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    if output is None:
        return frame, buffer.getvalue()
    write_bytes(Path(output), buffer.getvalue().encode("utf-8"))
    return frame, None


def load_rows(store: Store, ref: RunRef, data: Path) -> tuple[Predictor, RunRecord, Table]:
    """The run's model and record, and ``data`` read and checked to hold every column the
    model needs.

    Raises:
        NotFoundError: The data file or the run's model does not exist.
        DataError: Columns the model needs are missing, or the model file was tampered with.
    """
    from automl.data import read_table

    predictor, record = store.load_predictor(ref)
    table = read_table(data)
    require_features(predictor, table.frame, source=str(data), record=record)
    return predictor, record, table


def require_features(
    predictor: Predictor, frame: pd.DataFrame, *, source: str, record: RunRecord
) -> None:
    """Check that ``frame`` has every column the model needs.

    Args:
        predictor: The run's model.
        frame: The rows to predict.
        source: How messages name the rows (a file, or ``the DataFrame``).
        record: The run's ``run.json`` (for the training file's name).

    Raises:
        DataError: Columns the model needs are missing.
    """
    columns = [str(c) for c in frame.columns]
    missing = [name for name in predictor.features if name not in columns]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:20])
        raise DataError(
            f"{source} lacks {plural(len(missing), 'column')} the model needs: {shown}.",
            hint="Add them (empty cells are fine); the model was trained on "
            f"{record.data.name if record.data else '?'}.",
        )


def read_id_columns(table: Table, names: Sequence[str]) -> pd.DataFrame:
    """The ``--id`` columns as written in the file: text exactly as in a CSV (``0042`` stays
    ``0042``), typed values from Parquet.

    Raises:
        NotFoundError: A column does not exist; the message lists the file's columns.
    """
    import pandas as pd

    from automl.data.profile import find_column

    wanted = [
        find_column(table.frame, name, source=str(table.path), what="--id column")
        for name in dict.fromkeys(names)
    ]
    if not wanted or table.format != "csv":
        return table.frame.loc[:, wanted].reset_index(drop=True)
    text = pd.read_csv(
        table.path,
        sep=table.delimiter,
        usecols=lambda name: str(name).strip() in wanted,
        dtype=str,
        keep_default_na=False,
        compression=table.compression,
        encoding="utf-8-sig",
    )
    text.columns = [str(c).strip() for c in text.columns]
    if len(text) != len(table.frame) or set(text.columns) != set(wanted):
        return table.frame.loc[:, wanted].reset_index(drop=True)  # read differently: as typed
    return text.loc[:, wanted]
