"""``automl predict``: batch predictions from a run's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from automl.cli._options import ExperimentOption, JsonOption, RunOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)
from automl.cli._rows import ExcelSafeOption, IdOption, OutputOption, csv_destination, write_stdout

__all__ = ["predict_command"]


def predict_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to predict: CSV or Parquet.")],
    output: OutputOption,
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    ids: IdOption = None,
    excel_safe: ExcelSafeOption = False,
    on_invalid: Annotated[
        Literal["warn", "reject", "ignore"],
        typer.Option(
            "--on-invalid",
            help="Rows out of the training range, with unseen categories, unparsable values or "
            "an all-empty column: warn (predict all, report them), reject (write nothing, exit "
            "3 naming the rows) or ignore.",
        ),
    ] = "warn",
    as_json: JsonOption = False,
) -> None:
    """Write `prediction` (and `proba_<class>` columns for classification) for every row."""
    with guarded(ctx):
        from automl.monitor.predict import predict_checked

        destination = csv_destination(output, as_json=as_json, what="predictions")
        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        with stdout_to_stderr(destination is None or as_json):
            result, contract = predict_checked(
                store,
                ref,
                data,
                destination,
                on_invalid=on_invalid,
                id_columns=ids or (),
                excel_safe=excel_safe,
            )
        write_stdout(result.text)
        if contract is not None and not as_json:
            _report_contract(contract)
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
                    "contract": None if contract is None else contract.to_dict(),
                }
            )
        else:
            from automl.formatting import plural

            where = "stdout" if result.output is None else result.output
            err_console().print(
                f"Wrote {plural(result.n_rows, 'prediction')} from run {result.run_id} to {where}"
            )


def _report_contract(contract: Any) -> None:
    """The input contract's findings on stderr, one line each."""
    console = err_console()
    for issue in contract.issues:
        console.print(f"[yellow]Warning:[/] {issue.text()}", soft_wrap=True, markup=True)
