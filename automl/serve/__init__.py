"""Render ``templates/`` into a prediction service project for a run."""

from __future__ import annotations

from automl.serve.scaffold import ScaffoldResult, scaffold_service

__all__ = ["ScaffoldResult", "scaffold_service"]
