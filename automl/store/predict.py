"""Batch predictions from a saved run: check the input against the schema, predict, write."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from automl.errors import DataError

if TYPE_CHECKING:
    from automl.store.runs import RunRef, Store

__all__ = ["PredictResult", "predict_file"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PredictResult:
    """What ``predict`` wrote."""

    run_id: str
    experiment: str
    output: Path
    n_rows: int
    columns: list[str]
    ignored_columns: list[str]


def predict_file(
    store: Store, ref: RunRef, data: Path, output: Path, *, excel_safe: bool = False
) -> PredictResult:
    """Predict every row of ``data`` with the run's model and write ``output`` (CSV).

    Rows keep their order. Extra columns are ignored (with a note); unseen categories and new
    missing values are handled by the model's preprocessing. With ``excel_safe``, text cells
    that a spreadsheet would run as a formula get a leading ``'``
    (:func:`automl.store.excel.excel_safe`).

    Raises:
        NotFoundError: The data file or the run's model does not exist.
        DataError: Columns the model needs are missing, or the model file was tampered with.
    """
    from automl.data import read_table
    from automl.store.artifacts import write_bytes

    predictor, record = store.load_predictor(ref)
    table = read_table(data)
    columns = [str(c) for c in table.frame.columns]
    missing = [name for name in predictor.features if name not in columns]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:20])
        raise DataError(
            f"{data} lacks {len(missing)} column(s) the model needs: {shown}.",
            hint="Add them (empty cells are fine); the model was trained on "
            f"{record['data']['name']}.",
        )
    target = record.get("target")
    ignored = [c for c in columns if c not in predictor.features and c != target]
    if ignored:
        logger.info("Ignoring %d column(s) the model does not use: %s", len(ignored),
                    ", ".join(ignored[:10]))  # fmt: skip
    frame = predictor.predict_frame(table.frame)
    if excel_safe:
        from automl.store.excel import excel_safe as neutralise

        frame = neutralise(frame)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_bytes(Path(output), buffer.getvalue().encode("utf-8"))
    return PredictResult(
        run_id=ref.run_id,
        experiment=ref.experiment,
        output=Path(output),
        n_rows=len(frame),
        columns=list(frame.columns),
        ignored_columns=ignored,
    )
