"""What the commands that write one output row per input row share (``predict``, ``explain``):
the ``--output``, ``--id``, ``--excel-safe`` options and where the CSV goes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer

__all__ = [
    "ExcelSafeOption",
    "IdOption",
    "OutputOption",
    "csv_destination",
    "run_on_rows",
    "write_stdout",
]

#: ``--output PATH`` (``-`` for stdout).
OutputOption = Annotated[
    str,
    typer.Option("--output", "-o", metavar="PATH", help="Where to write the CSV; '-' for stdout."),
]
#: ``--id COL`` (repeatable).
IdOption = Annotated[
    list[str] | None,
    typer.Option(
        "--id",
        metavar="COL",
        help="Copy this input column into the output, before the results (repeatable).",
    ),
]
#: ``--excel-safe``.
ExcelSafeOption = Annotated[
    bool,
    typer.Option(
        "--excel-safe",
        help="Prefix text cells starting with = + - @ (or a tab or carriage return) with ' so "
        "that a spreadsheet shows them instead of running them as formulas.",
    ),
]


def csv_destination(output: str, *, as_json: bool, what: str) -> Path | None:
    """The CSV file to write, or ``None`` for stdout (``--output -``).

    Args:
        output: The ``--output`` value.
        as_json: Whether ``--json`` was given.
        what: What the CSV holds, for the hint (``"predictions"``).

    Raises:
        UsageError: ``--output -`` and ``--json`` together: both would write to stdout.
    """
    from automl.errors import UsageError

    if output != "-":
        return Path(output)
    if as_json:
        raise UsageError(
            "--json and --output - both write to stdout; choose one.",
            hint=f"Write the {what} to a file with --output PATH to get the JSON "
            "summary, or drop --json.",
        )
    return None


def write_stdout(text: str | None) -> None:
    """Write the CSV to stdout when it was not written to a file."""
    if text is not None:
        sys.stdout.write(text)
        sys.stdout.flush()


class _WroteRows(Protocol):
    @property
    def text(self) -> str | None: ...


Result = TypeVar("Result", bound=_WroteRows)


def run_on_rows(
    ctx: typer.Context,
    work: Callable[[Any, Any, Path | None], Result],
    *,
    output: str,
    as_json: bool,
    what: str,
    experiment: str,
    run: str | None,
    alias: str | None = None,
) -> Result:
    """Resolve the run (one with a model), call ``work(store, ref, destination)`` with
    stdout kept clean, then write the CSV to stdout if that is where it goes.

    Raises:
        UsageError: ``--output -`` together with ``--json``.
    """
    from automl.cli._output import quiet_libraries, stdout_to_stderr, store_of

    destination = csv_destination(output, as_json=as_json, what=what)
    quiet_libraries()
    store = store_of(ctx)
    ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
    with stdout_to_stderr(destination is None or as_json):
        result = work(store, ref, destination)
    write_stdout(result.text)
    return result
