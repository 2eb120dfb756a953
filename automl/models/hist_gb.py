"""scikit-learn's HistGradientBoosting, with native categoricals and early stopping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from automl.models._boosting import MAX_ITERATIONS, as_matrix, categorical_mask
from automl.models._sklearn import SklearnModel
from automl.models.base import ModelFamily, safe_params, suggest_class_weight, unweighted

if TYPE_CHECKING:
    import optuna

    from automl.data.target import Task

__all__ = ["HistGBFamily", "HistGBModel"]


class HistGBModel(SklearnModel):
    """HistGradientBoosting grown 100 rounds at a time (warm start), early-stopped inside.

    It is fitted and predicts on a float matrix with categories as codes (as LightGBM does):
    given a frame, scikit-learn would ordinal-encode its categorical columns again on every
    prediction, which costs more than the trees themselves.
    """

    chunk = 100
    max_members = MAX_ITERATIONS

    @property
    def takes_matrix(self) -> bool:
        """Predicts from a float matrix with category codes (``FeatureEncoder.transform_matrix``);
        not a model saved before code matrices, which wants its frame."""
        return hasattr(self, "categorical_")

    def fit(self, X: Any, y: np.ndarray, deadline: float | None = None,
            sample_weight: np.ndarray | None = None) -> HistGBModel:  # fmt: skip
        """Fit on the codes matrix of ``X``, its categorical columns declared as such."""
        self.categorical_ = categorical_mask(X)
        super().fit(as_matrix(X), y, deadline=deadline, sample_weight=sample_weight)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class."""
        return super().predict_proba(self._inputs(X))

    def predict(self, X: Any) -> np.ndarray:
        """Values (regression) or class codes (classification)."""
        if self.task != "regression":
            return np.argmax(self.predict_proba(X), axis=1)
        return super().predict(self._inputs(X))

    def _inputs(self, X: Any) -> Any:
        return as_matrix(X) if self.takes_matrix else X

    def _make(self) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        fixed = self.n_iterations is not None
        params = safe_params(
            self.params,
            {
                "categorical_features": self.categorical_ if self.categorical_.any() else None,
                "random_state": self.seed,
                "warm_start": True,
                "early_stopping": not fixed,
                "validation_fraction": 0.1,
                "n_iter_no_change": 30,
                "verbose": 0,
            },
            "max_iter",
        )
        if self.task == "regression":
            return HistGradientBoostingRegressor(**params)
        return HistGradientBoostingClassifier(**params)

    def _grow(self, members: int) -> None:
        self.model_.set_params(max_iter=members)

    def _members(self) -> int:
        return int(self.model_.n_iter_)

    def _done(self) -> bool:
        return bool(self.model_.n_iter_ < self.model_.max_iter)


class HistGBFamily(ModelFamily):
    """scikit-learn HistGradientBoosting."""

    name = "hist_gb"
    openmp = True
    encoding = "native"
    is_baseline = False
    is_boosting = True
    grows_incrementally = False
    leads_portfolio = False
    model_class = HistGBModel

    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """Draw learning rate, leaves, leaf size and L2."""
        p = self.name
        return {
            "learning_rate": trial.suggest_float(f"{p}.learning_rate", 0.02, 0.3, log=True),
            "max_leaf_nodes": trial.suggest_int(f"{p}.max_leaf_nodes", 8, 128, log=True),
            "min_samples_leaf": trial.suggest_int(f"{p}.min_samples_leaf", 2, 100, log=True),
            "l2_regularization": trial.suggest_float(
                f"{p}.l2_regularization", 1e-4, 10.0, log=True
            ),
            **suggest_class_weight(trial, p, task),
        }

    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """scikit-learn's defaults."""
        return unweighted([
            {"learning_rate": 0.1, "max_leaf_nodes": 31, "min_samples_leaf": 20,
             "l2_regularization": 1e-4},
        ], task)  # fmt: skip
