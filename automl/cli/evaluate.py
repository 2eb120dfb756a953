"""``automl evaluate``: score a run's model on rows that still hold the target."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automl.cli._options import AliasOption, ExperimentOption, JsonOption, RunOption
from automl.cli._output import (
    emit_json,
    guarded,
    out_console,
    print_titled,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

if TYPE_CHECKING:
    from rich.console import Console

    from automl.store.evaluate import Evaluation

__all__ = ["evaluate_command"]


def evaluate_command(
    ctx: typer.Context,
    data: Annotated[
        Path,
        typer.Argument(metavar="DATA", help="Rows with the target column: CSV or Parquet."),
    ],
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
    as_json: JsonOption = False,
) -> None:
    """Score the run's model on DATA: its metric and companions, with a confusion matrix
    (classification) or a residual summary (regression)."""
    with guarded(ctx):
        from automl.store.evaluate import evaluate_file

        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
        with stdout_to_stderr(as_json):
            result = evaluate_file(store, ref, data)
        if as_json:
            emit_json(result.to_dict())
        else:
            _render(result)


def _render(result: Evaluation) -> None:
    from rich.markup import escape
    from rich.table import Table

    from automl.formatting import decimals_for, format_score, plural

    console = out_console()
    for note in result.notes:
        console.print(f"[yellow]Note:[/] {escape(note)}")
    table = Table()
    table.add_column("metric")
    table.add_column("score", justify="right")
    for name, value in result.scores.items():
        table.add_row(f"{name} (the run's metric)" if name == result.metric else name,
                      format_score(value))  # fmt: skip
    title = f"Run {result.run_id} on {result.data}: {plural(result.n_rows, 'row')} scored"
    print_titled(console, title, table)
    if result.cv_score is not None:
        kind = "out-of-fold" if result.cv_score_kind == "oof" else "CV"
        console.print(f"The saved model's score in the search: {kind} {result.metric} "
                      f"{format_score(result.cv_score)}.")  # fmt: skip
    if result.confusion_matrix:
        _confusion(console, result)
    if result.residuals:
        residuals = Table()
        for name in result.residuals:
            residuals.add_column(name, justify="right")
        places = decimals_for(max(abs(v) for v in result.residuals.values()))
        residuals.add_row(*(format_score(v, places) for v in result.residuals.values()))
        print_titled(console, "Residuals (true value - prediction)", residuals)


def _confusion(console: Console, result: Evaluation) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table()
    table.add_column("true \\ predicted")
    for label in result.labels:
        table.add_column(escape(str(label)), justify="right")
    for label, row in zip(result.labels, result.confusion_matrix, strict=True):
        table.add_row(escape(str(label)), *(f"{n:,}" for n in row))
    print_titled(console, "Confusion matrix (rows: true label; columns: predicted)", table)
