"""Regression target transforms: a model trained on ``log(1 + y)``, predicting on ``y``'s scale.

For a right-skewed, non-negative target (prices, counts, durations), a model fitted on
``log1p(y)`` often has a lower RMSE on the original scale than one fitted on ``y``, because a
few large values no longer dominate its loss. Whether it does is decided by cross-validation:
the search draws ``target_transform`` (``none`` or ``log``) like any other parameter, and every
score is computed on the original scale.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LOG_SKEW", "LogTarget", "log_target_allowed", "with_transform"]

#: A target is offered the log transform when its skewness is above this (and it is >= 0).
LOG_SKEW = 0.75
#: Predictions are kept within the training range of ``log1p(y)`` widened by this much.
_MARGIN = 1.0


def log_target_allowed(y: np.ndarray) -> bool:
    """Whether the search should try ``log1p`` on this regression target."""
    y = np.asarray(y, dtype="float64")
    if len(y) < 3 or not np.all(np.isfinite(y)) or y.min() < 0:
        return False
    centred = y - y.mean()
    spread = float(np.sqrt(np.mean(centred**2)))
    if spread == 0.0:
        return False
    return float(np.mean(centred**3)) / spread**3 > LOG_SKEW


class LogTarget:
    """A regressor fitted on ``log1p(y)`` whose predictions are mapped back with ``expm1``.

    Args:
        model: An unfitted family estimator (``fit(X, y, deadline=None)``, ``predict``).

    Everything else (``n_iterations_``, ``n_threads``, ``takes_matrix``...) is the inner
    model's, so the search, the refit and the ensemble treat it like the model itself.
    """

    def __init__(self, model: Any) -> None:
        self.model = model

    def fit(self, X: Any, y: np.ndarray, deadline: float | None = None,
            sample_weight: np.ndarray | None = None) -> LogTarget:  # fmt: skip
        """Fit the inner model on ``log1p(y)``."""
        z = np.log1p(np.asarray(y, dtype="float64"))
        self.low_, self.high_ = float(z.min()) - _MARGIN, float(z.max()) + _MARGIN
        self.model.fit(X, z, deadline=deadline, sample_weight=sample_weight)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions on the target's original scale."""
        z = np.asarray(self.model.predict(X), dtype="float64")
        return np.expm1(np.clip(z, self.low_, self.high_))

    def __getattr__(self, name: str) -> Any:
        if name == "model":  # not set yet (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.model, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("model", "low_", "high_"):
            object.__setattr__(self, name, value)
        else:  # n_threads and the like belong to the inner model
            setattr(self.model, name, value)

    def __repr__(self) -> str:
        return f"LogTarget({self.model!r})"


def with_transform(model: Any, transform: str) -> Any:
    """``model`` wrapped for ``transform`` (``none`` returns it unchanged)."""
    if transform == "none":
        return model
    if transform == "log":
        return LogTarget(model)
    raise ValueError(f"unknown target transform {transform!r}; expected 'none' or 'log'")
