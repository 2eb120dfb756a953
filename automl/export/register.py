"""``automl export --register NAME --tracking-uri URI``: log an exported folder to an MLflow
tracking server and register it as a new version of a registered model.

Everything goes through an ``MlflowClient`` made for ``URI``: MLflow's process-wide tracking
URI and active run are left alone. The run is logged in the MLflow experiment named like the
automl experiment, created if needed; for a local store (``sqlite:///...`` or a folder) a new
experiment keeps its artifacts in ``mlartifacts/`` beside the database, never in the current
folder (MLflow's default, ``./mlruns``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl.errors import DataError

__all__ = ["RegisteredVersion", "register_export"]

logger = logging.getLogger(__name__)

#: Where the folder goes in the MLflow run's artifacts.
ARTIFACT_PATH = "model"


@dataclass(frozen=True)
class RegisteredVersion:
    """The registered model version.

    Attributes:
        name: The registered model.
        version: Its new version number.
        mlflow_run_id: The MLflow run the folder was logged to.
        experiment_id: That run's MLflow experiment.
        source: Where the registry points (the run's artifact URI of the folder).
        tracking_uri: The tracking URI, any password replaced by ``***``.
    """

    name: str
    version: str
    mlflow_run_id: str
    experiment_id: str
    source: str
    tracking_uri: str

    @property
    def model_uri(self) -> str:
        """The URI ``mlflow.pyfunc.load_model`` takes for this version."""
        return f"models:/{self.name}/{self.version}"


def register_export(
    folder: Path, *, name: str, tracking_uri: str, experiment: str, metadata: dict[str, Any]
) -> RegisteredVersion:
    """Log ``folder`` (an exported MLflow model) to a run and register it under ``name``.

    Args:
        folder: The exported folder.
        name: The registered model; created if it does not exist.
        tracking_uri: The MLflow tracking (and registry) URI: ``http(s)://...``,
            ``sqlite:///path/mlflow.db``, ``postgresql://...``.
        experiment: The MLflow experiment to log the run in (created if needed).
        metadata: The export's ``automl`` metadata (run id, task, metric, score...), logged
            as the run's tags, parameters and metric.

    Returns:
        The new version.

    Raises:
        DataError: The tracking server cannot be reached or refused a step; the message
            names the URI (without its password) and MLflow's reason.
    """
    from mlflow.tracking import MlflowClient

    from automl.config import redact_url

    shown = redact_url(tracking_uri)
    step = "connect"
    try:
        client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
        step = "find or create the experiment"
        experiment_id = _experiment_id(client, experiment, tracking_uri)
        step = "log the run"
        run_id = _log_run(client, experiment_id, folder, metadata)
        step = "register the model"
        version = _register(client, name, run_id, metadata)
    except DataError:
        raise
    except Exception as error:  # MLflow and its drivers raise many types
        raise DataError(
            f"Could not {step} at the MLflow tracking URI {shown}: "
            f"{redact_url(_first_line(error))}",
            hint="Check the URI (sqlite:///path/to/mlflow.db, http://host:5000) and that the "
            "server is running; the export folder itself was written.",
        ) from None
    return RegisteredVersion(
        name=name,
        version=str(version.version),
        mlflow_run_id=run_id,
        experiment_id=experiment_id,
        source=str(version.source),
        tracking_uri=shown,
    )


def _experiment_id(client: Any, name: str, tracking_uri: str) -> str:
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = _local_artifact_root(tracking_uri)
    return str(client.create_experiment(name, artifact_location=location))


def _local_artifact_root(tracking_uri: str) -> str | None:
    """``mlartifacts/`` beside a local store's database or folder; ``None`` for a server,
    which decides where artifacts go."""
    if tracking_uri.startswith("sqlite:///"):
        database = Path(tracking_uri[len("sqlite:///") :])
        return (database.resolve().parent / "mlartifacts").as_uri()
    if tracking_uri.startswith("file://") or "://" not in tracking_uri:
        folder = Path(tracking_uri.removeprefix("file://"))
        return (folder.resolve() / "mlartifacts").as_uri()
    return None


def _log_run(client: Any, experiment_id: str, folder: Path, metadata: dict[str, Any]) -> str:
    run = client.create_run(
        experiment_id,
        run_name=str(metadata["run_id"]),
        tags={
            "automl.run_id": str(metadata["run_id"]),
            "automl.experiment": str(metadata["experiment"]),
            "automl.model_sha256": str(metadata["model_sha256"]),
            "automl.version": str(metadata["automl_version"]),
        },
    )
    run_id = str(run.info.run_id)
    try:
        for key in ("task", "metric", "target"):
            client.log_param(run_id, key, str(metadata[key]))
        if metadata.get("score") is not None:
            client.log_metric(run_id, f"{metadata['metric']}_{metadata['score_kind']}",
                              float(metadata["score"]))  # fmt: skip
        client.log_artifacts(run_id, str(folder), artifact_path=ARTIFACT_PATH)
    except BaseException:
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id)
    return run_id


def _register(client: Any, name: str, run_id: str, metadata: dict[str, Any]) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException:
        client.create_registered_model(name, description="Exported by automl.")
    source = f"{client.get_run(run_id).info.artifact_uri}/{ARTIFACT_PATH}"
    return client.create_model_version(
        name,
        source=source,
        run_id=run_id,
        tags={
            "automl.run_id": str(metadata["run_id"]),
            "automl.model_sha256": str(metadata["model_sha256"]),
        },
        description=f"automl run {metadata['run_id']} ({metadata['experiment']}), "
        f"{metadata['task']}, {metadata['metric']}.",
    )


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:400]
