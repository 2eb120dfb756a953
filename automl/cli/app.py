"""The Typer application: global options and the command table.

Heavy libraries (pandas, scikit-learn, LightGBM...) are imported inside the commands, never here,
so that ``automl --help`` answers at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl import __version__
from automl.cli._output import AppState
from automl.cli.fit import fit_command
from automl.cli.leaderboard import leaderboard_command
from automl.cli.predict import predict_command
from automl.cli.profile import profile_command
from automl.cli.runs import experiments_command, runs_command, show_command
from automl.cli.serve import scaffold_serve_command
from automl.cli.worker import worker_command

app = typer.Typer(
    name="automl",
    help="From a tabular dataset to a tuned, honestly validated model and a prediction service.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"automl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="Where experiments live. Default: $AUTOML_HOME, else ./automl-runs.",
            show_default=False,
        ),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage",
            help="Optuna storage URL of the runs (postgresql://...). Default: "
            "$AUTOML_STORAGE_URL, else SQLite in the home.",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """From a tabular dataset to a tuned, honestly validated model and a prediction service.

    Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 bad input data, 4 not found,
    5 no trial succeeded, 130 interrupted.
    """
    ctx.obj = AppState(home=home, storage=storage, debug=debug)


app.command("profile")(profile_command)
app.command("fit")(fit_command)
app.command("leaderboard")(leaderboard_command)
app.command("predict")(predict_command)
app.command("experiments")(experiments_command)
app.command("runs")(runs_command)
app.command("show")(show_command)
app.command("worker")(worker_command)
app.command("scaffold-serve")(scaffold_serve_command)


def main() -> None:
    """Entry point of the ``automl`` console script."""
    app()
