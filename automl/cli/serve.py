"""``automl scaffold-serve``: a FastAPI prediction service for a run, generated from templates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._output import emit_json, err_console, guarded, quiet_libraries, store_of

__all__ = ["scaffold_serve_command"]


def scaffold_serve_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="The folder to create.")],
    experiment: Annotated[str, typer.Option(help="Use the latest run of this experiment.")] = (
        "default"
    ),
    run: Annotated[str | None, typer.Option("--run", help="Use this run.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write over an earlier scaffold in --out.")
    ] = False,
    synthetic_golden: Annotated[
        bool,
        typer.Option(
            "--synthetic-golden",
            help="Make the test records and README example from the profile: no training row.",
        ),
    ] = False,
    hashes: Annotated[
        bool,
        typer.Option(
            "--hashes/--no-hashes",
            help="Hash-pin every requirement (asks the package index through pip).",
        ),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Generate a tested FastAPI service (Dockerfile, pinned requirements) for a run."""
    with guarded(ctx):
        from automl.serve import scaffold_service

        quiet_libraries()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        result = scaffold_service(
            store, ref, out, force=force, synthetic_golden=synthetic_golden, hashes=hashes
        )
        if as_json:
            emit_json({"run_id": result.run_id, "out": str(result.out), "files": result.files,
                       "hashed": result.hashed})  # fmt: skip
            return
        err_console().print(
            f"Wrote a service for run {result.run_id} to {result.out} "
            f"({len(result.files)} files).\n"
            f"Next: cd {result.out} && pip install {'--require-hashes ' if result.hashed else ''}"
            "-r requirements-test.txt && python -m pytest\n"
            f"Then: uvicorn app.main:app --host 127.0.0.1 --port 8000"
        )
