"""Export a run's model to other tools: ``automl export --format mlflow``.

MLflow is imported only by the export itself (:func:`export_mlflow`), never here.
"""

from __future__ import annotations

from automl.export.mlflow_model import ExportResult, export_mlflow

__all__ = ["ExportResult", "export_mlflow"]
