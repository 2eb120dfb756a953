"""Insight into saved models: contributions of the user's columns, and their importance.

Above :mod:`automl.models` and :mod:`automl.features`, below ``store`` and ``cli``; it reads
a :class:`~automl.models.predictor.Predictor` and raw rows, never how runs are stored.
"""

from __future__ import annotations

from automl.insight.contributions import Contributions, TopContributions, contributions
from automl.insight.importance import Importance, importance
from automl.insight.rows import RowExplanations, explain_rows

__all__ = [
    "Contributions",
    "Importance",
    "RowExplanations",
    "TopContributions",
    "contributions",
    "explain_rows",
    "importance",
]
