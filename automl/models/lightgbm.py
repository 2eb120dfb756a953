"""LightGBM: gradient-boosted trees with native categoricals, early stopping and a deadline."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.models._boosting import (
    EARLY_STOPPING_ROUNDS,
    MAX_ITERATIONS,
    as_matrix,
    inner_split,
)
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

__all__ = ["LightGBMFamily", "LightGBMModel"]

#: LightGBM's other names for the settings automl controls (threads, seed, verbosity, task).
_LGB_ALIASES = ("num_thread", "nthread", "nthreads", "n_jobs", "random_seed", "random_state",
                "verbose", "application", "app", "objective_type", "num_classes")  # fmt: skip


class LightGBMModel(FamilyModel):
    """A LightGBM booster trained through ``lightgbm.train``.

    Args:
        task: The learning task.
        n_classes: Number of classes (0 for regression).
        params: LightGBM parameters (learning rate, leaves...).
        n_threads: Threads for training and prediction.
        seed: Random seed.
        n_iterations: Train exactly this many rounds; ``None`` early-stops on an inner split.
    """

    #: Predicts from a float matrix with category codes (see ``FeatureEncoder.transform_matrix``).
    takes_matrix = True

    def _lgb_params(self) -> dict[str, Any]:
        safety: dict[str, Any] = {
            "verbosity": -1,
            "num_threads": self.n_threads,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
        }
        if self.task == "binary":
            safety["objective"] = "binary"
        elif self.task == "multiclass":
            safety.update(objective="multiclass", num_class=self.n_classes)
        else:
            safety["objective"] = "regression"
        params = safe_params(self.params, safety, *_LGB_ALIASES)
        if params.get("bagging_fraction", 1.0) < 1.0:
            params.setdefault("bagging_freq", 1)
        return params

    def fit(self, X: Any, y: np.ndarray, deadline: float | None = None,
            sample_weight: np.ndarray | None = None) -> LightGBMModel:  # fmt: skip
        """Train; early-stop on an inner 10% split unless ``n_iterations`` is set; rows
        weighted by ``sample_weight`` and the ``class_weight`` parameter."""
        import lightgbm as lgb

        params = self._lgb_params()
        self.stopped_at_deadline_ = False
        callbacks = [_deadline_callback(deadline, self)] if deadline is not None else []
        y = np.asarray(y)
        weights = fit_weights(self.params, y, sample_weight)
        if self.n_iterations is not None:
            train = lgb.Dataset(X, label=y, weight=weights, free_raw_data=True)
            self.booster_ = lgb.train(
                params, train, num_boost_round=self.n_iterations, callbacks=callbacks
            )
            self.n_iterations_ = self.booster_.current_iteration()
            return self
        split = inner_split(
            X, y, classification=self.task != "regression", seed=self.seed, weights=weights
        )
        X_tr, X_va, y_tr, y_va = split[:4]
        w_tr, w_va = split[4:] if weights is not None else (None, None)
        train = lgb.Dataset(X_tr, label=y_tr, weight=w_tr)
        valid = lgb.Dataset(X_va, label=y_va, weight=w_va, reference=train)
        callbacks.append(lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False))
        self.booster_ = lgb.train(
            params,
            train,
            num_boost_round=MAX_ITERATIONS,
            valid_sets=[valid],
            callbacks=callbacks,
        )
        best = self.booster_.best_iteration or self.booster_.current_iteration()
        self.n_iterations_ = max(1, int(best))
        return self

    def _raw(self, X: Any) -> np.ndarray:
        return np.asarray(
            self.booster_.predict(
                as_matrix(X), num_iteration=self.n_iterations_, num_threads=self.n_threads
            )
        )

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class."""
        raw = self._raw(X)
        if self.task == "binary":
            return np.column_stack([1.0 - raw, raw])
        return raw

    def predict(self, X: Any) -> np.ndarray:
        """Values (regression) or class codes (classification)."""
        if self.task == "regression":
            return self._raw(X)
        return np.argmax(self.predict_proba(X), axis=1)


def _deadline_callback(deadline: float, model: LightGBMModel) -> Any:
    """Stop training after the round that passes ``deadline``, marking ``model`` as cut short
    (LightGBM also stops by itself when no split gains anything: that is not a deadline)."""
    import lightgbm as lgb

    def stop_at_deadline(env: Any) -> None:
        if time.monotonic() > deadline:
            model.stopped_at_deadline_ = env.iteration + 1 < env.end_iteration
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list or [])

    stop_at_deadline.order = 40  # type: ignore[attr-defined]
    return stop_at_deadline


class LightGBMFamily(ModelFamily):
    """LightGBM with native categoricals."""

    name = "lightgbm"
    openmp = True
    encoding = "native"
    is_baseline = False
    is_boosting = True
    grows_incrementally = False
    leads_portfolio = True
    model_class = LightGBMModel

    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """Draw learning rate, tree shape, sampling and regularisation."""
        p = self.name
        max_leaves = int(np.clip(n_rows // 10, 8, 512))
        return {
            "learning_rate": trial.suggest_float(f"{p}.learning_rate", 0.01, 0.3, log=True),
            "num_leaves": trial.suggest_int(f"{p}.num_leaves", 4, max_leaves, log=True),
            "min_data_in_leaf": trial.suggest_int(f"{p}.min_data_in_leaf", 2, 128, log=True),
            "feature_fraction": trial.suggest_float(f"{p}.feature_fraction", 0.3, 1.0),
            "bagging_fraction": trial.suggest_float(f"{p}.bagging_fraction", 0.5, 1.0),
            "lambda_l2": trial.suggest_float(f"{p}.lambda_l2", 1e-3, 30.0, log=True),
            "lambda_l1": trial.suggest_float(f"{p}.lambda_l1", 1e-3, 10.0, log=True),
            "cat_smooth": trial.suggest_float(f"{p}.cat_smooth", 1.0, 50.0, log=True),
            **suggest_class_weight(trial, p, task),
        }

    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """LightGBM's defaults with early stopping, then three diverse known-good shapes."""
        base = {"lambda_l1": 1e-3, "cat_smooth": 10.0}
        return unweighted([
            {**base, "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 20,
             "feature_fraction": 1.0, "bagging_fraction": 1.0, "lambda_l2": 1e-3},
            {**base, "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10,
             "feature_fraction": 0.7, "bagging_fraction": 0.8, "lambda_l2": 1.0},
            {**base, "learning_rate": 0.03, "num_leaves": 64, "min_data_in_leaf": 20,
             "feature_fraction": 0.5, "bagging_fraction": 0.8, "lambda_l2": 3.0},
            {**base, "learning_rate": 0.05, "num_leaves": 8, "min_data_in_leaf": 40,
             "feature_fraction": 0.9, "bagging_fraction": 0.9, "lambda_l2": 10.0},
        ], task)  # fmt: skip
