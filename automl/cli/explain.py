"""``automl explain``: per-row contributions of the input columns to a run's model output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automl.cli._options import AliasOption, ExperimentOption, JsonOption, RunOption
from automl.cli._output import emit_json, err_console, guarded
from automl.cli._rows import ExcelSafeOption, IdOption, OutputOption, run_on_rows

if TYPE_CHECKING:
    from automl.store.explain import ExplainResult

__all__ = ["explain_command"]


def explain_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="Rows to explain: CSV or Parquet.")],
    output: OutputOption,
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
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
    ids: IdOption = None,
    excel_safe: ExcelSafeOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write each row's base value and the contribution of every input column (or the top K).

    base + the contributions = output, the model's score in the space printed: log-odds
    (binary), class margin (multiclass), the prediction (regression). See docs/explain.md.
    """
    with guarded(ctx):
        from automl.store.explain import explain_file

        result = run_on_rows(
            ctx,
            lambda store, ref, destination: explain_file(
                store, ref, data, destination, top=top, label=label, id_columns=ids or (),
                excel_safe=excel_safe,
            ),
            output=output, as_json=as_json, what="contributions", experiment=experiment, run=run,
            alias=alias,
        )  # fmt: skip
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
