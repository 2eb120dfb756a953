"""``automl explain``: per-row contributions of the input columns to a run's model output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

if TYPE_CHECKING:
    from automl.store.explain import ExplainResult

__all__ = ["explain_command"]


def explain_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to explain: CSV or Parquet.")],
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="PATH", help="Where to write the CSV; '-' for stdout."
        ),
    ],
    experiment: Annotated[
        str, typer.Option(metavar="NAME", help="Use the latest run of this experiment.")
    ] = "default",
    run: Annotated[str | None, typer.Option("--run", metavar="ID", help="Use this run.")] = None,
    top: Annotated[
        int | None,
        typer.Option(
            "--top",
            metavar="K",
            min=1,
            help="Write each row's K largest contributions (by absolute value) with the "
            "columns' names and values, and the sum of the others, instead of one column per "
            "input column.",
        ),
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            "--class",
            metavar="LABEL",
            help="Explain this class's score on every row. Default: the positive class "
            "(binary), each row's predicted class (multiclass).",
        ),
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            metavar="COL",
            help="Copy this input column into the output, before the contributions (repeatable).",
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
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Write each row's base value and the contribution of every input column (or the top K).

    base + the contributions = output, the model's score in the space printed: log-odds
    (binary), class margin (multiclass), the prediction (regression). See docs/explain.md.
    """
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.store.explain import explain_file

        to_stdout = output == "-"
        if to_stdout and as_json:
            raise UsageError(
                "--json and --output - both write to stdout; choose one.",
                hint="Write the contributions to a file with --output PATH to get the JSON "
                "summary, or drop --json.",
            )
        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        with stdout_to_stderr(to_stdout or as_json):
            result = explain_file(
                store,
                ref,
                data,
                None if to_stdout else Path(output),
                top=top,
                label=label,
                id_columns=ids or (),
                excel_safe=excel_safe,
            )
        if result.text is not None:
            sys.stdout.write(result.text)
            sys.stdout.flush()
        if as_json:
            emit_json(_document(result))
        else:
            _summarise(result)


def _document(result: ExplainResult) -> dict[str, object]:
    return {
        "run_id": result.run_id,
        "experiment": result.experiment,
        "output": str(result.output),
        "n_rows": result.n_rows,
        "columns": result.columns,
        "ignored_columns": result.ignored_columns,
        "id_columns": result.id_columns,
        "top": result.top,
        "explained": result.explained,
        "space": result.space,
        "method": result.method,
        "exact": result.exact,
        "max_error": result.max_error,
        "mean_error": result.mean_error,
    }


def _summarise(result: ExplainResult) -> None:
    from automl.formatting import plural

    console = err_console()
    where = "stdout" if result.output is None else result.output
    exact = "exact Shapley values" if result.exact else "not exact Shapley values"
    lines = [
        f"Explained {plural(result.n_rows, 'row')} from run {result.run_id} to {where}",
        f"Method: {result.method} ({exact}); space: {result.space} of the {result.explained}",
        f"Additivity: largest |base + sum - output| {result.max_error:.2e}, mean "
        f"{result.mean_error:.2e}" + ("" if result.exact else " (see docs/explain.md)"),
    ]
    for line in lines:
        console.print(line, markup=False, highlight=False)
