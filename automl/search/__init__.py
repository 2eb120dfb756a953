"""Metrics, the cross-validated objective, the study, workers, and the ``fit`` coordinator."""

from __future__ import annotations

__all__: list[str] = []
