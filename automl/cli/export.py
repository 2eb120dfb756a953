"""``automl export --format mlflow``: a run's model as an MLflow pyfunc folder, optionally
registered in an MLflow model registry."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from automl.cli._options import AliasOption, ExperimentOption, HashesOption, OutOption, RunOption
from automl.cli._output import (
    emit_json,
    err_console,
    guarded,
    quiet_libraries,
    stdout_to_stderr,
    store_of,
)

__all__ = ["export_command"]


def export_command(
    ctx: typer.Context,
    out: OutOption,
    format_: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="mlflow: an MLflow pyfunc model folder."),
    ],
    experiment: ExperimentOption = "default",
    run: RunOption = None,
    alias: AliasOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an earlier export in --out.")
    ] = False,
    hashes: HashesOption = True,
    register: Annotated[
        str | None,
        typer.Option(
            "--register",
            metavar="NAME",
            help="Also log the folder to an MLflow run and register it as a new version of "
            "this registered model (needs --tracking-uri).",
        ),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            metavar="URI",
            envvar="MLFLOW_TRACKING_URI",
            show_envvar=False,
            help="The MLflow tracking server or store for --register (http://host:5000, "
            "sqlite:///path/mlflow.db). Default: $MLFLOW_TRACKING_URI.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")] = False,
) -> None:
    """Export a run's model for another tool: an MLflow pyfunc model folder."""
    with guarded(ctx):
        from automl.errors import UsageError
        from automl.export import export_mlflow

        if format_ != "mlflow":
            raise UsageError(
                f"--format must be mlflow, got {format_!r}.",
                hint="automl export writes MLflow pyfunc folders: --format mlflow.",
            )
        if register is not None and not tracking_uri:
            raise UsageError(
                "--register needs an MLflow tracking URI.",
                hint="Pass --tracking-uri (sqlite:///path/mlflow.db, http://host:5000) or set "
                "MLFLOW_TRACKING_URI.",
            )
        quiet_libraries()
        _quiet_mlflow()
        store = store_of(ctx)
        ref = store.resolve(experiment=experiment, run_id=run, alias=alias, with_model=True)
        with stdout_to_stderr(as_json):
            result = export_mlflow(store, ref, out, force=force, hashes=hashes)
            registered = None
            if register is not None and tracking_uri:
                registered = _register(result, register, tracking_uri)
        document = _document(result, registered)
        if as_json:
            emit_json(document)
            return
        _render(document)


def _quiet_mlflow() -> None:
    """Import MLflow (a clear error if it is missing), then quiet it: it logs each step at
    INFO on stderr, and the command says what it did itself."""
    import logging

    from automl.export.mlflow_model import import_mlflow

    import_mlflow()  # configures MLflow's logger; after that, ours wins
    logging.getLogger("mlflow").setLevel(logging.WARNING)


def _register(result: Any, name: str, tracking_uri: str) -> Any:
    from automl.export.register import register_export

    return register_export(
        result.out,
        name=name,
        tracking_uri=tracking_uri,
        experiment=result.experiment,
        metadata=result.metadata,
    )


def _document(result: Any, registered: Any) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "experiment": result.experiment,
        "format": "mlflow",
        "out": str(result.out),
        "files": result.files,
        "hashed": result.hashed,
        "mlflow_version": result.mlflow_version,
        "inputs": [c.to_dict() for c in result.inputs],
        "registered": None
        if registered is None
        else {
            "name": registered.name,
            "version": registered.version,
            "model_uri": registered.model_uri,
            "mlflow_run_id": registered.mlflow_run_id,
            "experiment_id": registered.experiment_id,
            "source": registered.source,
            "tracking_uri": registered.tracking_uri,
        },
    }


def _render(document: dict[str, Any]) -> None:
    from automl.formatting import plural

    console = err_console()
    console.print(
        f"Exported run {document['run_id']} as an MLflow model to {document['out']} "
        f"({plural(len(document['files']), 'file')}, MLflow {document['mlflow_version']})."
    )
    refused = [c["name"] for c in document["inputs"] if not c["takes_missing"]]
    if refused:
        shown = ", ".join(refused[:8]) + (", ..." if len(refused) > 8 else "")
        console.print(
            f"{plural(len(refused), 'column')} complete in training, typed long or boolean in "
            f"the signature, must not hold a missing value: {shown}."
        )
    console.print(
        f"Next: mlflow models predict -m {document['out']} -i rows.csv -t csv --env-manager local"
    )
    registered = document["registered"]
    if registered is not None:
        console.print(
            f"Registered {registered['name']} version {registered['version']} at "
            f"{registered['tracking_uri']}: load it with "
            f"mlflow.pyfunc.load_model({registered['model_uri']!r})."
        )
