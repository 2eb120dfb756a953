"""``automl worker``: join a run's search from another machine through a shared storage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._options import JsonOption
from automl.cli._output import emit_json, err_console, guarded, quiet_libraries, storage_of

__all__ = ["worker_command"]


def worker_command(
    ctx: typer.Context,
    data: Annotated[
        Path, typer.Argument(metavar="DATA", help="An exact copy of the run's data file.")
    ],
    experiment: Annotated[
        str, typer.Option(metavar="NAME", help="The experiment whose latest run to join.")
    ],
    storage: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The run's storage URL (postgresql://...). Default: $AUTOML_STORAGE_URL.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Join the search of the experiment's latest run until its deadline or trial count."""
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.search.worker import join_run

        url = storage_of(ctx, storage)
        if url is None:
            raise UsageError(
                "automl worker needs the run's storage: give --storage URL or set "
                "AUTOML_STORAGE_URL.",
                hint="The environment variable keeps the password out of the process list.",
            )
        quiet_libraries()
        study_name, ran = join_run(data, url, experiment)
        if as_json:
            emit_json({"run": study_name, "trials": ran})
        else:
            from automl.formatting import plural

            err_console().print(f"Worker done: ran {plural(ran, 'trial')} of run {study_name}.")
