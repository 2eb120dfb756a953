"""automl: from a tabular dataset to a tuned, honestly validated model and a prediction service."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
