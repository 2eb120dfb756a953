"""Options that several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["ExperimentOption", "JsonOption", "KeepNaOption", "RunExperimentOption", "RunOption"]

#: ``--json`` of every command.
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]

#: ``--experiment NAME`` of ``fit`` and ``leaderboard``.
ExperimentOption = Annotated[
    str, typer.Option("--experiment", metavar="NAME", help="Experiment name.")
]

#: ``--experiment NAME`` of the commands that use one run's model.
RunExperimentOption = Annotated[
    str,
    typer.Option("--experiment", metavar="NAME", help="Use the latest run of this experiment."),
]

#: ``--run ID`` of the commands that use one run's model.
RunOption = Annotated[str | None, typer.Option("--run", metavar="ID", help="Use this run.")]

#: ``--keep-na-as-category COL`` of ``profile`` and ``fit``.
KeepNaOption = Annotated[
    list[str] | None,
    typer.Option(
        "--keep-na-as-category",
        metavar="COL",
        help="In COL, read markers such as 'NA' or 'None' as a category of their own, not as "
        "missing (repeatable).",
    ),
]
