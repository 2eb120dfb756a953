"""The metric table moved to :mod:`automl.metrics`, below ``store`` (``automl evaluate`` scores
saved models there); its public names stay importable from here."""

from __future__ import annotations

from automl.metrics import METRICS, Metric, default_metric, get_metric, score_predictions

__all__ = ["METRICS", "Metric", "default_metric", "get_metric", "score_predictions"]
