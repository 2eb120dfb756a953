"""Preprocessing built from the profile and fitted inside the CV folds."""

from __future__ import annotations

from automl.features.encode import FeatureEncoder, Preparer, feature_sources
from automl.features.pipeline import build_encoder, build_pipeline, feature_roles

__all__ = [
    "FeatureEncoder",
    "Preparer",
    "build_encoder",
    "build_pipeline",
    "feature_roles",
    "feature_sources",
]
