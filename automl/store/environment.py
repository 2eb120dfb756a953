"""What a run records about the machine: package versions and platform."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

__all__ = ["TRAINING_PACKAGES", "package_versions", "platform_info"]

#: Distributions whose versions a saved model depends on.
TRAINING_PACKAGES = (
    "automl",
    "numpy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "scipy",
    "lightgbm",
    "catboost",
    "optuna",
    "joblib",
    "threadpoolctl",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the training packages (and Python)."""
    versions = {"python": platform.python_version()}
    for name in TRAINING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def platform_info() -> dict[str, str]:
    """The operating system, machine and interpreter."""
    return {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
    }
