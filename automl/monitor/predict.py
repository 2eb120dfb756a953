"""``automl predict --on-invalid``: predictions with the input contract checked first."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, NotFoundError
from automl.formatting import plural
from automl.monitor.contract import ContractReport, OnInvalid, check_contract

if TYPE_CHECKING:
    from automl.store.predict import PredictResult
    from automl.store.runs import RunRef, Store

__all__ = ["predict_checked"]

logger = logging.getLogger(__name__)


def predict_checked(
    store: Store,
    ref: RunRef,
    data: Path,
    output: Path | None,
    *,
    on_invalid: OnInvalid = "warn",
    id_columns: Sequence[str] = (),
    excel_safe: bool = False,
    decision: str | None = None,
) -> tuple[PredictResult, ContractReport | None]:
    """Check the rows against the run's input contract, then predict them
    (:func:`automl.store.predict.predict_file`).

    Args:
        store: Where the run lives.
        ref: The run.
        data: The rows.
        output: The CSV to write (``None``: returned as text).
        on_invalid: ``warn``: predict every row and report the findings; ``reject``: write
            nothing and fail naming the rows; ``ignore``: no check.
        id_columns: See :func:`~automl.store.predict.predict_file`.
        excel_safe: See :func:`~automl.store.predict.predict_file`.
        decision: See :func:`~automl.store.predict.predict_file`.

    Returns:
        What was written, and the findings (``None`` with ``ignore``, or for a run saved
        without a reference).

    Raises:
        DataError: ``reject`` and a row breaks the contract (exit 3), or as ``predict_file``.
        NotFoundError: As ``predict_file``.
    """
    from automl.monitor.run import load_reference, run_profile
    from automl.store.predict import predict_file

    found: list[ContractReport] = []

    def check(predictor: Any, table: Any, ignored: list[str]) -> None:
        if on_invalid == "ignore":
            return
        try:
            reference = load_reference(store, ref)
        except NotFoundError as missing:  # a run saved before automl kept a reference
            logger.info("No input contract checked: %s", missing.message)
            return
        report = check_contract(reference, run_profile(store, ref), table.frame,
                                new_columns=tuple(ignored))  # fmt: skip
        found.append(report)
        if on_invalid == "reject" and report.issues:
            raise _rejected(report, data, ref.run_id)

    result = predict_file(store, ref, data, output, id_columns=id_columns,
                          excel_safe=excel_safe, before=check, decision=decision)  # fmt: skip
    return result, (found[0] if found else None)


def _rejected(report: ContractReport, data: Path, run_id: str) -> DataError:
    """The error of ``--on-invalid reject``: the rows, then the findings."""
    rows = report.rows
    shown = ", ".join(str(r) for r in rows[:20]) + (", ..." if len(rows) > 20 else "")
    lines = "; ".join(i.text() for i in report.issues[:5])
    return DataError(
        f"{data}: {plural(len(rows), 'row')} ({shown}; 1 = the first data row) "
        f"{'breaks' if len(rows) == 1 else 'break'} the input contract of run "
        f"{run_id}: {lines}. Nothing was written.",
        hint="Fix or drop those rows, or predict them anyway with --on-invalid warn.",
    )
