"""Consoles, JSON output and the error wrapper shared by every command."""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console

from automl.errors import AutomlError, ExitCode

__all__ = [
    "AppState",
    "emit_json",
    "err_console",
    "fail",
    "guarded",
    "out_console",
    "print_titled",
    "storage_of",
]

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class AppState:
    """Global options, stored on the Typer context."""

    home: Path | None = None
    storage: str | None = None
    debug: bool = False


def out_console() -> Console:
    """The console for results (stdout), as wide as the terminal; when stdout is not a
    terminal, ``COLUMNS`` wide, else 80 (Rich alone would take the width of a terminal on
    stdin or stderr). Rich drops colour when stdout is not a terminal."""
    width = None
    if not sys.stdout.isatty():
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() and int(columns) > 0 else 80
    return Console(soft_wrap=False, highlight=False, width=width)


def print_titled(console: Console, title: str, table: Any) -> None:
    """Print ``title`` on a line of its own, never wrapped, then ``table``: a table's own
    title is wrapped to the table's width, which can cut it in the middle of a parenthesis."""
    from rich.markup import escape

    console.print(f"[bold]{escape(title)}[/]", soft_wrap=True)
    console.print(table)


def err_console() -> Console:
    """The console for progress, logs and errors (stderr)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def state(ctx: typer.Context) -> AppState:
    """Return the global options of this invocation."""
    found = ctx.find_root().obj
    return found if isinstance(found, AppState) else AppState()


def emit_json(document: dict[str, Any]) -> None:
    """Write one JSON document to stdout, with ``schema_version`` first."""
    payload = _finite({"schema_version": SCHEMA_VERSION, **document})
    sys.stdout.write(json.dumps(payload, indent=2, default=_json_default, allow_nan=False) + "\n")
    sys.stdout.flush()


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by ``null``, recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def fail(error: AutomlError, *, debug: bool = False) -> NoReturn:
    """Print one paragraph for ``error`` on stderr and exit with its code."""
    console = err_console()
    text = f"[bold red]Error:[/] {_escape(error.message)}"
    if error.hint:
        text += f"\n[dim]Hint:[/] {_escape(error.hint)}"
    console.print(text)
    if debug:
        console.print_exception()
    raise typer.Exit(int(error.exit_code))


@contextmanager
def guarded(ctx: typer.Context) -> Iterator[None]:
    """Turn exceptions into a one-paragraph message and the documented exit code."""
    debug = state(ctx).debug
    configure_logging(debug)
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except AutomlError as error:
        fail(error, debug=debug)
    except KeyboardInterrupt:
        err_console().print("[yellow]Interrupted.[/]")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as error:
        known = _known_error(ctx, error)
        if known is not None:
            fail(known, debug=debug)
        console = err_console()
        console.print(
            f"[bold red]Unexpected error:[/] {type(error).__name__}: {_escape(str(error))}\n"
            "[dim]Run again with --debug for the traceback, and please report it.[/]"
        )
        if debug:
            console.print_exception()
        raise typer.Exit(int(ExitCode.UNEXPECTED)) from None


def _known_error(ctx: typer.Context, error: Exception) -> AutomlError | None:
    """The user's error behind a library exception: a full, read-only or forbidden file
    system (exit 3), or a damaged SQLite storage (exit 3)."""
    from automl.errors import file_system_error
    from automl.store.sqlite import damage_of, damaged, sqlite_path

    found = file_system_error(error)
    damage = damage_of(error) if found is None else None
    if damage is not None:
        storage = storage_of(ctx)
        path = (sqlite_path(storage) if storage else None) or home_of(ctx) / "automl.db"
        return damaged(path, damage)
    return found


def configure_logging(debug: bool) -> None:
    """Send automl's log records to stderr through Rich; quiet the libraries' chatter."""
    from rich.logging import RichHandler

    logger = logging.getLogger("automl")
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        handler = RichHandler(console=err_console(), show_path=False, show_time=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@contextmanager
def stdout_to_stderr(active: bool = True) -> Iterator[None]:
    """Point file descriptor 1 at stderr while working, so native libraries cannot write to
    stdout; the JSON document is written after this context ends."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def quiet_libraries() -> None:
    """Silence Optuna's log handler and the libraries' warnings for this command."""
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.disable_default_handler()
    for category in (UserWarning, FutureWarning, DeprecationWarning, RuntimeWarning):
        warnings.filterwarnings("ignore", category=category)


def store_of(ctx: typer.Context, storage: str | None = None, *, writable: bool = False) -> Any:
    """The store of this invocation: ``--home`` and the storage URL (``storage`` if given,
    else the global ``--storage``, else ``$AUTOML_STORAGE_URL``, else the home's SQLite
    file).

    Read-only unless ``writable`` (the commands that only read work on a home mounted
    read-only; ``promote``, ``rollback`` and ``refit`` write)."""
    from automl.store.runs import Store

    return Store(home_of(ctx), storage_of(ctx, storage), read_only=not writable)


def storage_of(ctx: typer.Context, storage: str | None = None) -> str | None:
    """The storage URL: ``storage`` (a command's own option), else the global ``--storage``,
    else ``$AUTOML_STORAGE_URL``; ``None`` for the SQLite file in the home."""
    from automl.config import resolve_storage

    return resolve_storage(storage or state(ctx).storage)


def home_of(ctx: typer.Context) -> Path:
    """The home folder: ``--home``, else ``$AUTOML_HOME``, else ``./automl-runs``."""
    from automl.config import resolve_home

    return resolve_home(state(ctx).home)
