"""``automl report``: one self-contained HTML page about a run (plots and a model card)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._options import AliasOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    out_console,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

__all__ = ["report_command"]


def report_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="The HTML file to write.")],
    experiment: Annotated[
        str, typer.Option(metavar="NAME", help="Use the latest run of this experiment.")
    ] = "default",
    run: Annotated[str | None, typer.Option("--run", metavar="ID", help="Use this run.")] = None,
    alias: AliasOption = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            metavar="DATA",
            help="The training file, if it moved since the run (checked by SHA-256); it gives "
            "the out-of-fold curves their labels and the importance its rows.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Write one offline HTML page about a run: summary, leaderboard, model, importance, card."""
    with guarded(ctx):
        from automl.report import build_report

        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
        with stdout_to_stderr(as_json):  # native libraries may print while explaining
            result = build_report(store, ref, out, data=data)
        if as_json:
            emit_json(
                {
                    "experiment": ref.experiment,
                    "run_id": ref.run_id,
                    "out": str(result.out),
                    "bytes": result.n_bytes,
                    "sha256": result.sha256,
                    "sections": list(result.sections),
                    "plots": list(result.plots),
                    "notes": list(result.notes),
                }
            )
            return
        for note in result.notes:
            err_console().print(f"Note: {note}")
        out_console().print(
            f"Wrote {result.out} ({result.n_bytes / 1024:,.0f} KB, {len(result.plots)} plots) "
            f"for run {ref.study_name}.",
            soft_wrap=True,
        )
