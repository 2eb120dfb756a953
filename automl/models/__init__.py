"""Model families behind one :class:`ModelFamily` interface, and their immutable registry.

LightGBM and CatBoost are imported inside their estimators' ``fit``, never at import time.
"""

from __future__ import annotations

from automl.models.base import Encoding, ModelFamily
from automl.models.registry import FAMILIES, resolve_families

__all__ = ["FAMILIES", "Encoding", "ModelFamily", "resolve_families"]
