"""Options that several commands share, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "AliasOption",
    "DecisionOption",
    "ExperimentNameOption",
    "ExperimentOption",
    "HashesOption",
    "JsonOption",
    "KeepNaOption",
    "OutOption",
    "RunOption",
]

#: ``--json`` of every command.
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]

#: ``--experiment NAME`` of ``fit`` and ``leaderboard``.
ExperimentNameOption = Annotated[str, typer.Option(metavar="NAME", help="Experiment name.")]

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

#: ``--experiment NAME`` of the commands that read one run (the latest of the experiment).
ExperimentOption = Annotated[
    str, typer.Option(metavar="NAME", help="Use the latest run of this experiment.")
]

#: ``--run ID`` of the commands that read one run.
RunOption = Annotated[str | None, typer.Option("--run", metavar="ID", help="Use this run.")]

#: ``--alias NAME`` of the commands that read one run: the run the alias points at.
AliasOption = Annotated[
    str | None,
    typer.Option(
        "--alias",
        metavar="NAME",
        help="Use the run this alias of --experiment points at (see `automl aliases`).",
    ),
]

#: ``--out DIR`` of the commands that write a folder (scaffold-serve, export).
OutOption = Annotated[Path, typer.Option("--out", metavar="DIR", help="The folder to create.")]

#: ``--hashes/--no-hashes`` of the commands that lock requirements (scaffold-serve, export).
HashesOption = Annotated[
    bool,
    typer.Option(
        "--hashes/--no-hashes",
        help="Hash-pin every requirement (asks the package index through pip).",
    ),
]

#: ``--decision RULE`` of ``fit`` (chosen on the out-of-fold predictions) and ``predict``
#: (chosen again on the saved threshold curve, for one call).
DecisionOption = Annotated[
    str | None,
    typer.Option(
        "--decision",
        metavar="RULE",
        help="Binary: how the probability becomes the predicted class: f1, accuracy, "
        "balanced_accuracy, mcc (maximised), cost:FP,FN (expected cost minimised), "
        "precision>=X, recall>=X, or a fixed threshold such as 0.5. Default: the metric if it "
        "scores labels, else 0.5.",
    ),
]
