"""automl: from a tabular dataset to a tuned, honestly validated model and a prediction service.

The public names below are imported on first use (PEP 562), so ``import automl`` stays fast:
pandas, scikit-learn and Optuna load only when ``fit``, ``load`` or ``profile`` is called.
See docs/python-api.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from automl.api import Predictor, Run, fit, load, profile
    from automl.data.profile import Profile
    from automl.errors import (
        AutomlError,
        CheckFailedError,
        DataError,
        FileSystemError,
        NotFoundError,
        NoTrialSucceededError,
        UsageError,
    )

#: Where each public name lives.
_LAZY = {
    "fit": "automl.api",
    "load": "automl.api",
    "profile": "automl.api",
    "Run": "automl.api",
    "Predictor": "automl.api",
    "Profile": "automl.data.profile",
    "AutomlError": "automl.errors",
    "CheckFailedError": "automl.errors",
    "DataError": "automl.errors",
    "FileSystemError": "automl.errors",
    "NoTrialSucceededError": "automl.errors",
    "NotFoundError": "automl.errors",
    "UsageError": "automl.errors",
}

__all__ = [
    "AutomlError",
    "CheckFailedError",
    "DataError",
    "FileSystemError",
    "NoTrialSucceededError",
    "NotFoundError",
    "Predictor",
    "Profile",
    "Run",
    "UsageError",
    "__version__",
    "fit",
    "load",
    "profile",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'automl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
