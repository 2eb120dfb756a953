"""A weighted average of fitted pipelines that share their first step (the profile's
conversions), so raw rows are prepared once per prediction, not once per member."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["EnsembleModel"]


class EnsembleModel:
    """Average of members' predictions with fixed weights (greedy ensemble selection).

    Args:
        preparer: The shared, stateless first step (raw rows to prepared columns).
        members: ``(encoder, model)`` pairs, each fitted on prepared rows.
        weights: One non-negative weight per member; they are normalised (kept as given when
            they already sum to 1 within 1e-12).
        task: ``binary``, ``multiclass`` or ``regression``.
        names: A label per member for reports (``lightgbm#12``).
    """

    def __init__(
        self,
        preparer: Any,
        members: list[tuple[Any, Any]],
        weights: list[float],
        *,
        task: str,
        names: list[str],
    ) -> None:
        total = float(sum(weights))
        if not members or total <= 0 or len(weights) != len(members):
            raise ValueError("an ensemble needs members with positive total weight")
        self.preparer = preparer
        self.members = members
        # weights that already sum to 1 (a refit of a saved ensemble) are kept as they are:
        # dividing by a sum of 0.9999999999999999 would move them by a rounding step
        exact = abs(total - 1.0) <= 1e-12
        self.weights = [float(w) if exact else w / total for w in weights]
        self.task = task
        self.names = names

    def _average(self, X: Any, method: str) -> np.ndarray:
        prepared = self.preparer.transform(X)
        total: np.ndarray | None = None
        encoded: dict[tuple[int, bool], Any] = {}  # members may share an encoder: encode once
        for (encoder, model), weight in zip(self.members, self.weights, strict=True):
            matrix = bool(getattr(model, "takes_matrix", False))
            key = (id(encoder), matrix)
            if key not in encoded:
                encoded[key] = (
                    encoder.transform_matrix(prepared) if matrix else encoder.transform(prepared)
                )
            X_model = encoded[key]
            prediction = np.asarray(getattr(model, method)(X_model), float)
            total = weight * prediction if total is None else total + weight * prediction
        assert total is not None
        return total

    def predict_proba(self, X: Any) -> np.ndarray:
        """Weighted average of the members' class probabilities."""
        return self._average(X, "predict_proba")

    def predict(self, X: Any) -> np.ndarray:
        """Weighted average (regression) or the most probable class code."""
        if self.task == "regression":
            return self._average(X, "predict")
        return np.argmax(self.predict_proba(X), axis=1)
