"""The Typer application: global options and the command table.

Heavy libraries (pandas, scikit-learn, LightGBM...) are imported inside the commands, never here,
so that ``automl --help`` answers at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand

from automl import __version__
from automl.cli._output import AppState
from automl.cli.compare import compare_command
from automl.cli.drift import drift_command
from automl.cli.evaluate import evaluate_command
from automl.cli.explain import explain_command
from automl.cli.export import export_command
from automl.cli.fit import fit_command
from automl.cli.leaderboard import leaderboard_command
from automl.cli.lifecycle import aliases_command, promote_command, rollback_command
from automl.cli.predict import predict_command
from automl.cli.profile import profile_command
from automl.cli.refit import refit_command
from automl.cli.report import report_command
from automl.cli.runs import experiments_command, runs_command, show_command
from automl.cli.serve import scaffold_serve_command
from automl.cli.worker import worker_command


class PlainUsageCommand(TyperCommand):
    """A command whose usage line names a required argument as Click does (``DATA``), not
    in the braces Typer puts around it (``{DATA}``)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:  # Typer's vendored Click context
        return [_REQUIRED.sub(r"\1", piece) for piece in super().collect_usage_pieces(ctx)]


_REQUIRED = re.compile(r"^\{(.*)\}(?=(\.\.\.)?$)")

app = typer.Typer(
    name="automl",
    help="From a tabular dataset to a tuned, honestly validated model and a prediction service.",
    add_completion=False,
    # Click's plain help: flags shown as flags (Typer's Rich panels print `--json <bool>`),
    # and help text wrapped at the terminal's width instead of cut off
    rich_markup_mode=None,
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
            metavar="DIR",
            help="Where experiments live. Default: ./automl-runs, or $AUTOML_HOME if set.",
            show_default=False,
        ),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage",
            metavar="URL",
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
    5 no trial succeeded, 6 a check failed (drift --fail-on, compare --fail-unless,
    promote --if-better), 130 interrupted.
    """
    ctx.obj = AppState(home=home, storage=storage, debug=debug)


def _command(name: str, short_help: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a command (with :class:`PlainUsageCommand`, so every usage line is plain)."""
    return app.command(name, cls=PlainUsageCommand, short_help=short_help)


_command("profile", "Column roles, the target's task and warnings.")(profile_command)
_command("fit", "Search models with cross-validation; save the best.")(fit_command)
_command("leaderboard", "Every trial of a run, ranked.")(leaderboard_command)
_command("predict", "Predict every row of a file with a run's model.")(predict_command)
_command("evaluate", "Score a run's model on rows that hold the target.")(evaluate_command)
_command("drift", "Does a file still look like the training data? Exit 6 on --fail-on.")(
    drift_command
)
_command("explain", "Each input column's contribution to each row's prediction.")(explain_command)
_command("experiments", "List experiments with their number of runs.")(experiments_command)
_command("runs", "List runs with status, task, metric and score.")(runs_command)
_command("show", "Everything about one run, and what was saved.")(show_command)
_command("report", "One offline HTML page about a run: plots, model card.")(report_command)
_command("worker", "Join a run's search from another machine.")(worker_command)
_command("scaffold-serve", "Generate a FastAPI service for a run.")(scaffold_serve_command)
_command("export", "Export a run's model as an MLflow pyfunc folder.")(export_command)
_command("promote", "Point an alias (production...) at a run, with history.")(promote_command)
_command("rollback", "Point an alias back at its previous run.")(rollback_command)
_command("aliases", "Who holds each alias, since when (--history: every change).")(aliases_command)
_command("refit", "Fit a run's chosen pipeline on new data, as a new run.")(refit_command)
_command("compare", "Challenger against champion on labelled rows, with a verdict.")(
    compare_command
)


def main() -> None:
    """Entry point of the ``automl`` console script.

    When the command has finished, the process ends through :func:`_end` rather than through
    the interpreter's own finalization: native thread pools (pyarrow's CSV readers, OpenMP in
    LightGBM and CatBoost) can abort while Python tears its modules down, which turned a clean
    exit 3 into SIGABRT ("terminate called without an active exception", apache/arrow#34314)
    on a loaded machine. An exception other than the exit itself propagates as usual.
    """
    try:
        app()
    except SystemExit as done:
        _end(done.code)


def _end(code: int | str | None) -> NoReturn:
    """End the process with ``code`` as ``sys.exit`` would: stop thread pools and wait for
    non-daemon threads, run the ``atexit`` handlers (temporary folders, multiprocessing and
    joblib workers), flush the output, then exit without finalizing the interpreter."""
    import atexit
    import contextlib
    import os
    import sys
    import threading

    if sys.getprofile() is not None or sys.gettrace() is not None:
        raise SystemExit(code)  # a profiler or debugger wants to see the end (cProfile -m automl)
    if isinstance(code, str):
        print(code, file=sys.stderr)
        status = 1
    else:
        status = code or 0
    # what the interpreter does first at exit: stop thread pools (their hooks registered
    # with threading), then wait for the other non-daemon threads
    threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # a closed pipe (`automl predict --output - | head`) is not an error of the command
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(status)
