"""The loader MLflow calls for an exported model (``loader_module`` in its ``MLmodel``).

``mlflow.pyfunc.load_model(DIR)`` imports this module from the automl installed beside MLflow
(the wheel vendored in the folder) and calls :func:`_load_pyfunc` with the folder's ``data``
path. Nothing is pickled by MLflow: the only pickle is automl's own ``model.joblib``, and it
is unpickled by :func:`automl.store.artifacts.load_model`, which hashes the bytes it read and
unpickles those same bytes only if their SHA-256 is the one recorded at export (the run's).

This module imports neither MLflow nor pandas at import time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from automl.models.predictor import Predictor

from automl.store.schema import MODEL_FILE as RUN_MODEL_FILE

__all__ = ["MANIFEST_FILE", "MODEL_FILE", "AutomlPyfuncModel"]

#: The files of the ``data`` folder of an exported model.
MODEL_FILE = RUN_MODEL_FILE  # the run folder's name, kept in the exported folder
MANIFEST_FILE = "automl-model.json"


class AutomlPyfuncModel:
    """A run's model as MLflow's ``python_function`` flavour sees it.

    Args:
        predictor: The run's fitted predictor.
        manifest: The export's ``automl-model.json`` (run id, task, labels, features).
    """

    def __init__(self, predictor: Predictor, manifest: dict[str, Any]) -> None:
        self.predictor = predictor
        self.manifest = manifest

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Predict every row, as ``automl predict`` does.

        Args:
            model_input: The rows (a DataFrame, or anything ``pandas.DataFrame`` takes), after
                MLflow's schema enforcement; columns the model does not use are ignored.
            params: Unused (the signature declares no parameters).

        Returns:
            ``prediction`` and, for classification, one ``proba_<label>`` column per class,
            in the input's row order and index.

        Raises:
            DataError: Columns the model needs are missing.
        """
        import pandas as pd

        from automl.errors import DataError
        from automl.formatting import plural

        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        missing = [name for name in self.predictor.features if name not in frame.columns]
        if missing:
            shown = ", ".join(repr(m) for m in missing[:20])
            raise DataError(
                f"The rows lack {plural(len(missing), 'column')} the model needs: {shown}.",
                hint="Add them (missing values are fine where the signature says double or "
                "string).",
            )
        return self.predictor.predict_frame(frame)


def _load_pyfunc(data_path: str) -> AutomlPyfuncModel:
    """Load an exported model: MLflow's entry point for the ``python_function`` flavour.

    Raises:
        NotFoundError: ``model.joblib`` or the manifest is missing.
        DataError: ``model.joblib`` does not match the SHA-256 in the manifest (it is not
            unpickled).
    """
    from automl.errors import DataError, NotFoundError
    from automl.store.artifacts import load_saved_predictor
    from automl.store.decision import load_decision

    folder = Path(data_path)
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(
            f"{folder / MANIFEST_FILE} not found: {folder.parent} is not a complete automl export.",
            hint="Export the run again with `automl export --format mlflow`.",
        ) from None
    try:
        predictor = load_saved_predictor(folder / MODEL_FILE, manifest["model_sha256"])
    except DataError as error:
        raise DataError(
            error.message,
            hint="The exported folder was modified after `automl export`; an exported folder "
            "must be trusted like code. Export the run again.",
        ) from None
    decision = load_decision(folder, manifest.get("decision_sha256"))
    if decision is not None:
        predictor = predictor.with_decision(decision)
    return AutomlPyfuncModel(predictor, manifest)
