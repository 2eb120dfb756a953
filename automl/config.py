"""Options shared by the commands, as frozen records with their defaults and validation."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_EXPERIMENT", "HOME_ENV", "resolve_home"]

#: The environment variable that says where experiments live.
HOME_ENV = "AUTOML_HOME"
#: The experiment used when none is named.
DEFAULT_EXPERIMENT = "default"


def resolve_home(home: str | Path | None = None) -> Path:
    """Return the folder where experiments live.

    Args:
        home: The ``--home`` option, if given.

    Returns:
        ``home`` if given, else ``$AUTOML_HOME`` if set, else ``./automl-runs``.
    """
    if home is not None and str(home):
        return Path(home)
    from_env = os.environ.get(HOME_ENV)
    if from_env:
        return Path(from_env)
    return Path.cwd() / "automl-runs"
