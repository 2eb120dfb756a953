"""A base for families built on scikit-learn estimators: thread limits, class alignment, and
growing ensembles in chunks so that a fit stops at a deadline with what it has."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from automl.models.base import FamilyModel, align_proba, fit_weights

__all__ = ["SklearnModel"]


class SklearnModel(FamilyModel):
    """Wraps one scikit-learn estimator made by :meth:`_make`.

    Args:
        task: The learning task.
        n_classes: Number of classes (0 for regression).
        params: Parameters of the underlying estimator.
        n_threads: Threads it may use.
        seed: Random seed.
        n_iterations: For ensembles grown in chunks: exactly this many members.
    """

    #: Members added per step when growing an ensemble (0: fit in one go).
    chunk: int = 0
    #: The most members an ensemble may grow to.
    max_members: int = 0

    def _make(self) -> Any:
        raise NotImplementedError

    def _members(self) -> int:
        """How many members the fitted estimator has (trees, boosting rounds)."""
        return 1

    def _grow(self, members: int) -> None:
        """Set the estimator up to grow to ``members`` on the next warm-start fit."""

    def _done(self) -> bool:
        """Whether growing should stop before ``max_members`` (early stopping)."""
        return False

    def fit(self, X: Any, y: np.ndarray, deadline: float | None = None,
            sample_weight: np.ndarray | None = None) -> SklearnModel:  # fmt: skip
        """Fit, growing ensembles chunk by chunk until full, converged or out of time; rows
        weighted by ``sample_weight`` and the ``class_weight`` parameter."""
        from threadpoolctl import threadpool_limits

        y = np.asarray(y)
        self.model_ = self._make()
        self.stopped_at_deadline_ = False
        weights = fit_weights(self.params, y, sample_weight)
        extra = {} if weights is None else {"sample_weight": weights}
        with threadpool_limits(limits=self.n_threads):
            if not self.chunk:
                self.model_.fit(X, y, **extra)
            else:
                target = self.n_iterations or self.max_members
                members = min(self.chunk, target)
                while True:
                    self._grow(members)
                    self.model_.fit(X, y, **extra)
                    out_of_time = deadline is not None and time.monotonic() > deadline
                    if members >= target or self._done():
                        break
                    if out_of_time:
                        self.stopped_at_deadline_ = True
                        break
                    members = min(members + self.chunk, target)
        self.n_iterations_ = self._members()
        if self.task != "regression":
            self.classes_ = np.asarray(self.model_.classes_, dtype=int)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class."""
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads):
            proba = self.model_.predict_proba(X)
        return align_proba(proba, self.classes_, self.n_classes)

    def predict(self, X: Any) -> np.ndarray:
        """Values (regression) or class codes (classification)."""
        from threadpoolctl import threadpool_limits

        if self.task != "regression":
            return np.argmax(self.predict_proba(X), axis=1)
        with threadpool_limits(limits=self.n_threads):
            return np.asarray(self.model_.predict(X), dtype="float64")
