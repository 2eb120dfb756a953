"""``automl scaffold-serve``: a FastAPI prediction service for a run, generated from templates."""

from __future__ import annotations

from typing import Annotated

import typer

from automl.cli._options import (
    AliasOption,
    ExperimentOption,
    HashesOption,
    JsonOption,
    OutOption,
    RunOption,
)
from automl.cli._output import emit_json, err_console, guarded, quiet_libraries, store_of

__all__ = ["scaffold_serve_command"]

#: Above this many milliseconds per 1,000 rows, scaffold-serve suggests ``--max-predict-ms``
#: (the quality benchmark's target for the saved model).
SLOW_PREDICT_MS = 50.0


def scaffold_serve_command(
    ctx: typer.Context,
    out: OutOption,
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
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
    hashes: HashesOption = True,
    as_json: JsonOption = False,
) -> None:
    """Generate a tested FastAPI service (Dockerfile, pinned requirements) for a run."""
    with guarded(ctx):
        from automl.serve import scaffold_service

        quiet_libraries()
        store = store_of(ctx)
        version = None
        if alias and not run:
            from automl.store.aliases import alias_version

            ref, version = alias_version(store, experiment, alias)
        else:
            ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
        result = scaffold_service(store, ref, out, force=force, synthetic_golden=synthetic_golden,
                                  hashes=hashes, alias=version)  # fmt: skip
        predict_ms = store.run_record(ref).predict_ms_per_1000
        if as_json:
            emit_json({"run_id": result.run_id, "out": str(result.out), "files": result.files,
                       "hashed": result.hashed, "predict_ms_per_1000": predict_ms,
                       "alias": version})  # fmt: skip
            return
        from automl.formatting import plural

        err_console().print(
            f"Wrote a service for run {result.run_id}"
            + (f" ({alias} since {version['promoted_at']})" if version else "")
            + f" to {result.out} "
            f"({plural(len(result.files), 'file')}).\n"
            f"Next: cd {result.out} && pip install {'--require-hashes ' if result.hashed else ''}"
            "-r requirements-test.txt && python -m pytest\n"
            f"Then: uvicorn app.main:app --host 127.0.0.1 --port 8000"
        )
        if predict_ms is not None:
            err_console().print(_latency(float(predict_ms)))


def _latency(predict_ms: float) -> str:
    """The saved model's measured prediction time, and a hint when it is slow."""
    text = (
        f"The model predicts 1,000 rows in {predict_ms:,.1f} ms in one batch "
        f"({predict_ms / 1000:.3f} ms per row; measured after the refit). A request of a few "
        "rows costs more per row: the service's fixed cost per request dominates."
    )
    if predict_ms > SLOW_PREDICT_MS:
        text += (
            f"\n[yellow]That is over {SLOW_PREDICT_MS:g} ms per 1,000 rows.[/] For a faster "
            f"model, fit again with --max-predict-ms {SLOW_PREDICT_MS:g}: smaller ensembles, or "
            "a faster trial within noise of the best (the leaderboard's ms/1k column shows "
            "each trial's time)."
        )
    return text
