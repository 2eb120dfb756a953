"""The Python API: the library functions the ``automl`` command calls, for notebooks and
pipelines (see docs/python-api.md).

``fit`` searches and saves a run (:class:`Run`), ``load`` loads a saved model
(:class:`Predictor`), ``profile`` profiles a table (:class:`~automl.data.profile.Profile`).
"""

from __future__ import annotations

from automl.api._fit import Run, fit, profile
from automl.api._predictor import Predictor, load

__all__ = ["Predictor", "Run", "fit", "load", "profile"]
