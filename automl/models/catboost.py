"""CatBoost: ordered boosting with native categoricals, early stopping and a deadline."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.models._boosting import EARLY_STOPPING_ROUNDS, inner_split
from automl.models.base import (
    FamilyModel,
    ModelFamily,
    fit_weights,
    safe_params,
    suggest_class_weight,
    unweighted,
)

if TYPE_CHECKING:
    import optuna

    from automl.data.target import Task

__all__ = ["CatBoostFamily", "CatBoostModel"]

MAX_ITERATIONS = 1000
#: CatBoost's other names for the settings automl controls, and what would write files.
_CATBOOST_ALIASES = ("num_boost_round", "n_estimators", "num_trees", "n_jobs", "random_state",
                     "verbose", "silent", "verbose_eval", "metric_period", "train_dir",
                     "save_snapshot", "snapshot_file", "loss_function")  # fmt: skip


class _Deadline:
    """CatBoost callback: stop after the iteration that passes the deadline."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False

    def after_iteration(self, info: Any) -> bool:
        self.fired = time.monotonic() >= self.deadline
        return not self.fired


class CatBoostModel(FamilyModel):
    """A CatBoost model; categorical columns are those with ``category`` dtype.

    Args:
        task: The learning task.
        n_classes: Number of classes (0 for regression).
        params: CatBoost parameters (depth, learning rate...).
        n_threads: Threads for training and prediction.
        seed: Random seed.
        n_iterations: Train exactly this many trees; ``None`` early-stops on an inner split.
    """

    def _make(self, iterations: int) -> Any:
        import catboost

        safety: dict[str, Any] = {
            "iterations": iterations,
            "thread_count": self.n_threads,
            "random_seed": self.seed,
            "logging_level": "Silent",
            "allow_writing_files": False,
        }
        params = safe_params(self.params, safety, *_CATBOOST_ALIASES)
        if self.task == "regression":
            return catboost.CatBoostRegressor(loss_function="RMSE", **params)
        loss = "Logloss" if self.task == "binary" else "MultiClass"
        return catboost.CatBoostClassifier(loss_function=loss, **params)

    def fit(self, X: Any, y: np.ndarray, deadline: float | None = None,
            sample_weight: np.ndarray | None = None) -> CatBoostModel:  # fmt: skip
        """Train; early-stop on an inner 10% split unless ``n_iterations`` is set; rows
        weighted by ``sample_weight`` and the ``class_weight`` parameter."""
        self.cat_features_ = [i for i, dt in enumerate(X.dtypes) if str(dt) == "category"]
        X = self._frame(X)
        callbacks = [_Deadline(deadline)] if deadline is not None else None
        y = np.asarray(y)
        weights = fit_weights(self.params, y, sample_weight)
        if self.n_iterations is not None:
            self.model_ = self._make(self.n_iterations)
            self.model_.fit(X, y, cat_features=self.cat_features_, callbacks=callbacks,
                            sample_weight=weights)  # fmt: skip
        else:
            split = inner_split(
                X, y, classification=self.task != "regression", seed=self.seed, weights=weights
            )
            X_tr, X_va, y_tr, y_va = split[:4]
            w_tr = split[4] if weights is not None else None
            self.model_ = self._make(MAX_ITERATIONS)  # slow per tree: fewer than LightGBM
            self.model_.fit(
                X_tr,
                y_tr,
                sample_weight=w_tr,
                cat_features=self.cat_features_,
                eval_set=(X_va, y_va),
                early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                use_best_model=True,
                callbacks=callbacks,
            )
        self.n_iterations_ = max(1, int(self.model_.tree_count_))
        fired = bool(callbacks and callbacks[0].fired)  # may fire after the last tree too
        self.stopped_at_deadline_ = fired and self.n_iterations_ < (
            self.n_iterations or MAX_ITERATIONS
        )
        if self.task != "regression":
            self.classes_ = np.asarray(self.model_.classes_, dtype=int)
        return self

    def _frame(self, X: Any) -> Any:
        """CatBoost refuses NaN and floats in categoricals: pass them as strings with a marker."""
        if not self.cat_features_:
            return X
        X = X.copy()
        for name in X.columns[self.cat_features_]:
            column = X[name].astype("object")
            X[name] = column.where(column.notna(), "__missing__").astype("str")
        return X

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class."""
        from automl.models.base import align_proba

        proba = self.model_.predict_proba(self._frame(X), thread_count=self.n_threads)
        return align_proba(proba, self.classes_, self.n_classes)

    def predict(self, X: Any) -> np.ndarray:
        """Values (regression) or class codes (classification)."""
        if self.task == "regression":
            return np.asarray(self.model_.predict(self._frame(X), thread_count=self.n_threads))
        return np.argmax(self.predict_proba(X), axis=1)


class CatBoostFamily(ModelFamily):
    """CatBoost with native categoricals."""

    name = "catboost"
    encoding = "native"
    is_baseline = False
    is_boosting = True
    grows_incrementally = False
    leads_portfolio = False
    model_class = CatBoostModel

    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """Draw depth, learning rate, L2 and randomness."""
        p = self.name
        return {
            "depth": trial.suggest_int(f"{p}.depth", 3, 8),
            "learning_rate": trial.suggest_float(f"{p}.learning_rate", 0.03, 0.3, log=True),
            "l2_leaf_reg": trial.suggest_float(f"{p}.l2_leaf_reg", 0.5, 30.0, log=True),
            "random_strength": trial.suggest_float(f"{p}.random_strength", 0.1, 5.0, log=True),
            "bagging_temperature": trial.suggest_float(f"{p}.bagging_temperature", 0.0, 2.0),
            **suggest_class_weight(trial, p, task),
        }

    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """CatBoost's defaults (with a quicker learning rate), then a shallower variant."""
        return unweighted([
            {"depth": 6, "learning_rate": 0.1, "l2_leaf_reg": 3.0, "random_strength": 1.0,
             "bagging_temperature": 1.0},
            {"depth": 4, "learning_rate": 0.1, "l2_leaf_reg": 10.0, "random_strength": 1.0,
             "bagging_temperature": 0.5},
        ], task)  # fmt: skip
