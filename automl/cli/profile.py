"""``automl profile``: column roles, the target's task and warnings for one data file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from automl.cli._options import JsonOption, KeepNaOption
from automl.cli._output import emit_json, guarded, out_console, print_titled

if TYPE_CHECKING:
    from automl.data.profile import Profile

__all__ = ["profile_command"]

_ROLE_STYLE = {
    "numeric": "cyan",
    "categorical": "magenta",
    "boolean": "green",
    "datetime": "blue",
    "text": "yellow",
    "identifier": "dim",
    "constant": "dim",
}


def profile_command(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Argument(metavar="DATA", help="CSV (any delimiter, .gz too) or Parquet file.")
    ],
    target: Annotated[
        str | None, typer.Option("--target", "-t", metavar="COL", help="The column to predict.")
    ] = None,
    keep_na: KeepNaOption = None,
    as_json: JsonOption = False,
) -> None:
    """Profile DATA: each column's role with a reason, the target's task, and warnings."""
    with guarded(ctx):
        from automl.data import profile_table, read_table

        profile = profile_table(read_table(data), target=target, keep_na=keep_na or ())
        if as_json:
            emit_json(profile.to_dict())
        else:
            render_profile(profile)


def render_profile(profile: Profile) -> None:
    """Print the profile as a Rich table of columns, the target summary, then the warnings."""
    from rich.table import Table

    from automl.formatting import plural

    console = out_console()
    delimiter = f", delimiter {profile.delimiter!r}" if profile.delimiter else ""
    title = (
        f"{profile.source}: {plural(profile.n_rows, 'row')} x "
        f"{plural(profile.n_columns, 'column')} ({profile.format}{delimiter})"
    )
    table = Table(expand=False)
    table.add_column("column", overflow="fold")
    table.add_column("role")
    table.add_column("missing", justify="right")
    table.add_column("distinct", justify="right")
    table.add_column("reason", overflow="fold")
    target_name = profile.target.name if profile.target else None
    for column in profile.columns:
        role = f"[{_ROLE_STYLE[column.role]}]{column.role}[/]"
        name = f"[bold]{column.name}[/] (target)" if column.name == target_name else column.name
        missing = f"{column.n_missing:,}" if column.n_missing else ""
        table.add_row(name, role, missing, f"{column.n_unique:,}", _escape(column.reason))
    print_titled(console, title, table)
    target = profile.target
    if target is not None:
        line = f"[bold]Target[/] {target.name!r}: [bold]{target.task}[/] ({target.reason})"
        if target.classes:
            total = sum(count for _, count in target.classes)
            shown = ", ".join(
                f"{label!r} {count:,} ({count / total:.1%})" for label, count in target.classes[:10]
            )
            line += f"; classes {_escape(shown)}"
            if target.positive_class is not None:
                line += f"; positive class {target.positive_class!r}"
        else:
            stats = target.stats
            line += f"; min {stats['min']:g}, mean {stats['mean']:g}, max {stats['max']:g}"
        if target.n_missing:
            line += f"; {plural(target.n_missing, 'row')} without a target"
        console.print(line)
    if profile.warnings:
        console.print(f"[bold yellow]{plural(len(profile.warnings), 'warning')}[/]")
        for warning in profile.warnings:
            console.print(f"  [yellow]![/] {_escape(warning.message)}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
