"""One fitted member's contributions per encoded feature, in that member's own output space.

Each function takes a family's fitted model and the rows encoded as that model reads them,
and returns a :class:`MemberContributions`: per row a base value and one contribution per
encoded feature, for each output (one for regression and binary, one per class for
multiclass), together with the member's actual output in the same space.

- LightGBM and CatBoost: their own exact TreeSHAP (``pred_contrib``; ``ShapValues``), in
  the raw score (log-odds, class margins or the value).
- Linear models: ``coef * (x - mean of the training encoding)``, exact in the raw score.
- The constant baseline: no contribution; the base is the output.
- Random forests, extra trees and HistGradientBoosting: path attribution
  (:mod:`automl.insight._paths`): additive, but not Shapley values.

A log-target regressor (:class:`automl.models.target.LogTarget`) is explained in
``log_value`` space, ``log1p`` of the prediction: its inner model's contributions are exact
there, except on rows whose prediction was clipped to the training range.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from automl.errors import UsageError
from automl.insight import _paths

__all__ = ["MemberContributions", "Method", "Space", "member_contributions"]

#: The output space contributions are in (see ``docs/explain.md``).
Space = Literal["log_odds", "margin", "probability", "value", "log_value"]
#: How contributions were computed.
Method = Literal["tree_shap", "linear", "constant", "path", "combined"]

_EPS = 1e-15


@dataclass(frozen=True, eq=False)
class MemberContributions:
    """Contributions of one member, per encoded feature (or per input column once grouped).

    Attributes:
        base: ``(n_rows, n_outputs)``: the expected output.
        values: ``(n_rows, n_outputs, n_features)``.
        output: ``(n_rows, n_outputs)``: the member's actual output in ``space``.
        space: The output space.
        method: How the values were computed.
        exact: Whether they are exact Shapley values of this output.
    """

    base: np.ndarray
    values: np.ndarray
    output: np.ndarray
    space: Space
    method: Method
    exact: bool


def member_contributions(
    model: Any, X: Any, *, encoder: Any, task: str, n_classes: int
) -> MemberContributions:
    """Contributions of one fitted family model on encoded rows ``X``.

    Args:
        model: A fitted family model, possibly wrapped in a ``LogTarget``.
        X: The rows as the model predicts from them (encoded frame or code matrix).
        encoder: The member's fitted ``FeatureEncoder`` (linear models need its means).
        task: ``binary``, ``multiclass`` or ``regression``.
        n_classes: Number of classes (0 for regression).

    Raises:
        UsageError: A kind of model automl cannot explain.
    """
    from automl.models.target import LogTarget

    if isinstance(model, LogTarget):
        inner = member_contributions(
            model.model, X, encoder=encoder, task=task, n_classes=n_classes
        )
        clipped = np.clip(inner.output, model.low_, model.high_)
        return replace(inner, output=clipped, space="log_value")
    explain = _explainer(model)
    return explain(model, X, encoder=encoder, task=task, n_classes=n_classes)


def _explainer(model: Any) -> Any:
    from automl.models.catboost import CatBoostModel
    from automl.models.constant import ConstantModel
    from automl.models.forests import ForestModel
    from automl.models.hist_gb import HistGBModel
    from automl.models.lightgbm import LightGBMModel
    from automl.models.linear import LinearModel

    table: list[tuple[type, Any]] = [
        (LightGBMModel, _lightgbm),
        (CatBoostModel, _catboost),
        (LinearModel, _linear),
        (ConstantModel, _constant),
        (ForestModel, _forest),
        (HistGBModel, _hist_gb),
    ]
    for kind, explain in table:
        if isinstance(model, kind):
            return explain
    raise UsageError(
        f"automl cannot explain a model of type {type(model).__name__}.",
        hint="Contributions exist for the families automl trains; refit the run with this "
        "version of automl.",
    )


def _raw_space(task: str) -> Space:
    spaces: dict[str, Space] = {"binary": "log_odds", "multiclass": "margin"}
    return spaces.get(task, "value")


def _outputs(task: str, n_classes: int) -> int:
    return n_classes if task == "multiclass" else 1


def _check_classes(kind: str, classes: Any, n_classes: int) -> None:
    """A model fitted on fewer classes than the run has has no margin for the others."""
    if len(classes) != max(n_classes, 2):
        raise UsageError(
            f"This {kind} model saw {len(classes)} of {n_classes} classes in training, so "
            "its class margins cannot be explained.",
            hint="Refit the run on data where every class appears.",
        )


def _lightgbm(
    model: Any, X: Any, *, encoder: Any, task: str, n_classes: int
) -> MemberContributions:
    from automl.models._boosting import as_matrix

    matrix = as_matrix(X)
    options = {"num_iteration": model.n_iterations_, "num_threads": model.n_threads}
    contrib = np.asarray(model.booster_.predict(matrix, pred_contrib=True, **options))
    raw = np.asarray(model.booster_.predict(matrix, raw_score=True, **options))
    n, k = len(matrix), _outputs(task, n_classes)
    contrib = contrib.reshape(n, k, -1)  # multiclass: one block of features + bias per class
    return MemberContributions(
        base=contrib[..., -1].copy(),
        values=contrib[..., :-1].copy(),
        output=raw.reshape(n, k),
        space=_raw_space(task),
        method="tree_shap",
        exact=True,
    )


def _catboost(
    model: Any, X: Any, *, encoder: Any, task: str, n_classes: int
) -> MemberContributions:
    from catboost import Pool

    k = _outputs(task, n_classes)
    if task == "multiclass":
        _check_classes("CatBoost", model.classes_, n_classes)
    pool = Pool(model._frame(X), cat_features=model.cat_features_)
    threads = {"thread_count": model.n_threads}
    shap = np.asarray(model.model_.get_feature_importance(pool, type="ShapValues", **threads))
    raw = np.asarray(model.model_.predict(pool, prediction_type="RawFormulaVal", **threads))
    n = len(X)
    shap = shap.reshape(n, k, -1)
    return MemberContributions(
        base=shap[..., -1].copy(),
        values=shap[..., :-1].copy(),
        output=raw.reshape(n, k),
        space=_raw_space(task),
        method="tree_shap",
        exact=True,
    )


def _linear(model: Any, X: Any, *, encoder: Any, task: str, n_classes: int) -> MemberContributions:
    estimator = model.model_
    x = np.asarray(X, dtype="float64")
    n = len(x)
    if task != "regression":
        _check_classes("linear", estimator.classes_, n_classes)
    # encoders saved before the training means were kept: contributions against zero
    means = getattr(encoder, "means_", None)
    means = np.zeros(x.shape[1]) if means is None else np.asarray(means, dtype="float64")
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype="float64"))
    intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype="float64"))
    values = coef[None, :, :] * (x - means)[:, None, :]
    base = np.broadcast_to(intercept + coef @ means, (n, len(intercept))).copy()
    if task == "regression":
        output = np.asarray(estimator.predict(X), dtype="float64")
    else:
        output = np.asarray(estimator.decision_function(X), dtype="float64")
    return MemberContributions(
        base=base,
        values=values,
        output=output.reshape(n, -1),
        space=_raw_space(task),
        method="linear",
        exact=True,
    )


def _constant(
    model: Any, X: Any, *, encoder: Any, task: str, n_classes: int
) -> MemberContributions:
    n, width = len(X), np.shape(X)[1]
    estimator = model.model_
    if task == "regression":
        level = np.asarray(estimator.constant_, dtype="float64").reshape(1)
    else:
        prior = np.zeros(max(n_classes, 2))
        prior[np.asarray(model.classes_, dtype=int)] = estimator.class_prior_
        prior = np.clip(prior, _EPS, 1.0)
        level = np.log(prior) if task == "multiclass" else np.log(prior[1:] / prior[:1])
    base = np.broadcast_to(level, (n, len(level))).copy()
    return MemberContributions(
        base=base,
        values=np.zeros((n, len(level), width)),
        output=base.copy(),
        space=_raw_space(task),
        method="constant",
        exact=True,
    )


def _forest(model: Any, X: Any, *, encoder: Any, task: str, n_classes: int) -> MemberContributions:
    matrix = np.ascontiguousarray(np.asarray(X, dtype=np.float32))
    base, values = _paths.forest_paths(model.model_.estimators_, matrix)
    if task == "regression":
        output = np.asarray(model.predict(X), dtype="float64").reshape(-1, 1)
        space: Space = "value"
    else:
        base, values = _align_classes(base, values, model.classes_, max(n_classes, 2))
        prior = getattr(model, "prior_", None)
        if prior is not None:  # the class prior counts as one more tree
            share = len(model.model_.estimators_) / (len(model.model_.estimators_) + 1)
            base, values = share * base + (1 - share) * np.asarray(prior), share * values
        output = np.asarray(model.predict_proba(X), dtype="float64")
        if task == "binary":
            base, values, output = base[:, 1:], values[:, 1:], output[:, 1:]
        space = "probability"
    return MemberContributions(
        base=base, values=values, output=output, space=space, method="path", exact=False
    )


def _align_classes(
    base: np.ndarray, values: np.ndarray, classes: Any, n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Class columns of a forest fitted on a subset of the classes, in the full class order."""
    codes = np.asarray(classes, dtype=int)
    full_base = np.zeros((base.shape[0], n_classes))
    full_values = np.zeros((values.shape[0], n_classes, values.shape[2]))
    full_base[:, codes] = base
    full_values[:, codes, :] = values
    return full_base, full_values


def _hist_gb(model: Any, X: Any, *, encoder: Any, task: str, n_classes: int) -> MemberContributions:
    estimator = model.model_
    if task != "regression":
        _check_classes("HistGradientBoosting", estimator.classes_, n_classes)
    inputs = model._inputs(X)
    base, values = _paths.hist_gb_paths(estimator, inputs)
    output = np.asarray(estimator._raw_predict(inputs), dtype="float64")
    return MemberContributions(
        base=base,
        values=values,
        output=output.reshape(len(output), -1),
        space=_raw_space(task),
        method="path",
        exact=False,
    )
