"""The object saved as ``model.joblib``: a fitted pipeline plus the labels it predicts."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DecisionRule", "Predictor"]


class DecisionRule(Protocol):
    """How probabilities become a class (:class:`automl.store.decision.Decision`)."""

    def calibrate(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities."""
        ...

    def codes(self, proba: np.ndarray) -> np.ndarray:
        """Class codes for (calibrated) probabilities."""
        ...


class Predictor:
    """Predicts from raw rows (as read from a data file) in the training label type.

    Args:
        model: A fitted estimator taking raw rows (a pipeline or an ensemble of them);
            classification models return probabilities over ``labels`` in order.
        task: ``binary``, ``multiclass`` or ``regression``.
        labels: Class labels in model column order (empty for regression).
        features: The raw input columns the model reads.

    Attributes:
        decision: The run's decision (calibration, threshold), attached when the run is
            loaded (:meth:`with_decision`); ``None``: uncalibrated probabilities and the most
            probable class, as runs saved before decisions existed.
    """

    decision: DecisionRule | None = None  # pickles of earlier versions lack the attribute

    def __init__(self, model: Any, *, task: str, labels: list[Any], features: list[str]) -> None:
        self.model = model
        self.task = task
        self.labels = list(labels)
        self.features = list(features)

    def with_decision(self, decision: DecisionRule | None) -> Predictor:
        """A copy of this predictor (sharing the fitted model) that decides by ``decision``."""
        copied = copy.copy(self)
        copied.decision = decision
        return copied

    def raw_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The model's own probabilities, before calibration."""
        proba = np.asarray(self.model.predict_proba(X), dtype="float64")
        return proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-15, None)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probabilities, one column per label (classification only), calibrated when the
        run's decision kept a calibrator."""
        proba = self.raw_proba(X)
        return proba if self.decision is None else self.decision.calibrate(proba)

    def codes(self, proba: np.ndarray) -> np.ndarray:
        """The class codes predicted for probabilities from :meth:`predict_proba`: at the
        decision's threshold (binary), else the most probable class."""
        if self.decision is None:
            return np.argmax(proba, axis=1)
        return np.asarray(self.decision.codes(proba))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Predicted values, or labels in their training type."""
        if self.task == "regression":
            return np.asarray(self.model.predict(X), dtype="float64")
        codes = self.codes(self.predict_proba(X))
        return np.asarray(self.labels, dtype=object)[codes]

    def predict_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """``prediction`` plus, for classification, one ``proba_<label>`` column per class."""
        import pandas as pd

        if self.task == "regression":
            return pd.DataFrame({"prediction": self.predict(X)}, index=X.index)
        proba = self.predict_proba(X)
        labels = np.asarray(self.labels, dtype=object)
        out = pd.DataFrame({"prediction": labels[self.codes(proba)]}, index=X.index)
        out["prediction"] = out["prediction"].astype(_label_dtype(self.labels))  # type: ignore[call-overload]
        for i, label in enumerate(self.labels):
            out[f"proba_{label}"] = proba[:, i]
        return out


def _label_dtype(labels: list[Any]) -> str:
    if all(isinstance(v, bool) for v in labels):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in labels):
        return "int64"
    if all(isinstance(v, (int, float)) for v in labels):
        return "float64"
    return "str"
