"""``automl predict``: batch predictions from a run's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._output import emit_json, err_console, guarded, quiet_libraries, store_of

__all__ = ["predict_command"]


def predict_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(help="Rows to predict: CSV or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the CSV.")],
    experiment: Annotated[str, typer.Option(help="Use the latest run of this experiment.")] = (
        "default"
    ),
    run: Annotated[str | None, typer.Option("--run", help="Use this run.")] = None,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="Prefix text cells starting with = + - @ (or a tab or carriage return) with ' so "
            "that a spreadsheet shows them instead of running them as formulas.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Write `prediction` (and `proba_<class>` columns for classification) for every row."""
    with guarded(ctx):
        from automl.store.predict import predict_file

        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        result = predict_file(store, ref, data, output, excel_safe=excel_safe)
        if as_json:
            emit_json(
                {
                    "run_id": result.run_id,
                    "experiment": result.experiment,
                    "output": str(result.output),
                    "n_rows": result.n_rows,
                    "columns": result.columns,
                    "ignored_columns": result.ignored_columns,
                }
            )
        else:
            err_console().print(
                f"Wrote {result.n_rows:,} predictions from run {result.run_id} to {result.output}"
            )
