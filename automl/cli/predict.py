"""``automl predict``: batch predictions from a run's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._options import AliasOption, ExperimentOption, JsonOption, RunOption
from automl.cli._output import emit_json, err_console, guarded
from automl.cli._rows import ExcelSafeOption, IdOption, OutputOption, run_on_rows

__all__ = ["predict_command"]


def predict_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to predict: CSV or Parquet.")],
    output: OutputOption,
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
    ids: IdOption = None,
    excel_safe: ExcelSafeOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write `prediction` (and `proba_<class>` columns for classification) for every row."""
    with guarded(ctx):
        from automl.store.predict import predict_file

        result = run_on_rows(
            ctx,
            lambda store, ref, destination: predict_file(
                store, ref, data, destination, id_columns=ids or (), excel_safe=excel_safe
            ),
            output=output, as_json=as_json, what="predictions", experiment=experiment, run=run,
            alias=alias,
        )  # fmt: skip
        if as_json:
            emit_json(
                {
                    "run_id": result.run_id,
                    "experiment": result.experiment,
                    "output": str(result.output),
                    "n_rows": result.n_rows,
                    "columns": result.columns,
                    "ignored_columns": result.ignored_columns,
                    "id_columns": result.id_columns,
                }
            )
        else:
            from automl.formatting import plural

            where = "stdout" if result.output is None else result.output
            err_console().print(
                f"Wrote {plural(result.n_rows, 'prediction')} from run {result.run_id} to {where}"
            )
