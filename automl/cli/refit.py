"""``automl refit``: a run's chosen configuration fitted again on new data, as a new run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from automl.cli._options import AliasOption, JsonOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    out_console,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

__all__ = ["refit_command"]


def refit_command(
    ctx: typer.Context,
    data: Annotated[Path, typer.Argument(metavar="DATA", help="The new data: CSV or Parquet.")],
    parent: Annotated[
        str | None, typer.Option("--from", metavar="RUN_ID", help="The run to refit.")
    ] = None,
    alias: AliasOption = None,
    experiment: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="The alias's experiment, and the new run's (default: the parent's).",
        ),
    ] = None,
    cv: Annotated[
        bool,
        typer.Option("--cv", help="Also cross-validate the refit pipeline on the new data."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Fit a run's chosen pipeline (preparation, family and parameters, ensemble members and
    weights) on new data without a search; the new run is linked to its parent."""
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.search.retrain import refit_from

        if not (parent or alias):
            raise UsageError("Give the run to refit: --from RUN_ID or --alias NAME.")
        quiet_libraries()
        store = store_of(ctx, writable=True)
        try:
            ref = store.resolve(experiment=experiment, run_id=parent, alias=alias, with_model=True)
            with stdout_to_stderr():
                result = refit_from(store, ref, data, experiment=experiment, cv=cv)
        finally:
            store.close()
        if as_json:
            emit_json({"experiment": result.experiment, "run_id": result.run_id,
                       "run_dir": str(result.run_dir), "parent": result.parent,
                       "data": result.data, "data_sha256": result.data_sha256,
                       "n_rows": result.n_rows, "members": result.members,
                       "weights": result.weights, "refit_seconds": result.refit_seconds,
                       "parent_refit_seconds": result.parent_refit_seconds,
                       "metric": result.metric, "cv": result.cv,
                       "notes": result.notes})  # fmt: skip
            return
        from automl.formatting import format_score_pair, plural

        for note in result.notes:
            err_console().print(f"Note: {note}", markup=False)
        members = ", ".join(f"{m} ({w:.2f})" for m, w in zip(result.members, result.weights,
                                                             strict=True))  # fmt: skip
        lines = [f"Refitted run {result.parent} on {plural(result.n_rows, 'row')} of "
                 f"{result.data} in {result.refit_seconds:.1f} s: {members}."]  # fmt: skip
        if result.cv is not None:
            mean, std = format_score_pair(result.cv["mean"], result.cv["std"])
            lines.append(f"Cross-validated on the new data ({result.cv['n_folds']} folds): "
                         f"{result.metric} {mean} ± {std}")  # fmt: skip
        lines.append(f"Saved run {result.run_id} in {result.run_dir}")
        for line in lines:
            out_console().print(line, markup=False, soft_wrap=True)
