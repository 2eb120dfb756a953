"""``automl predict``: batch predictions from a run's model."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from automl.cli._options import JsonOption, RunExperimentOption, RunOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

__all__ = ["predict_command"]


def predict_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to predict: CSV or Parquet.")],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="PATH", help="Where to write the CSV; '-' for stdout."
        ),
    ],
    experiment: RunExperimentOption = "default",
    run: RunOption = None,
    ids: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            metavar="COL",
            help="Copy this input column into the output, before the predictions (repeatable).",
        ),
    ] = None,
    excel_safe: Annotated[
        bool,
        typer.Option(
            "--excel-safe",
            help="Prefix text cells starting with = + - @ (or a tab or carriage return) with ' so "
            "that a spreadsheet shows them instead of running them as formulas.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write `prediction` (and `proba_<class>` columns for classification) for every row."""
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.store.predict import predict_file

        to_stdout = output == "-"
        if to_stdout and as_json:
            raise UsageError(
                "--json and --output - both write to stdout; choose one.",
                hint="Write the predictions to a file with --output PATH to get the JSON "
                "summary, or drop --json.",
            )
        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        with stdout_to_stderr(to_stdout or as_json):
            result = predict_file(
                store,
                ref,
                data,
                None if to_stdout else Path(output),
                id_columns=ids or (),
                excel_safe=excel_safe,
            )
        if result.text is not None:
            sys.stdout.write(result.text)
            sys.stdout.flush()
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
