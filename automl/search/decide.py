"""Choose the saved model's decision from its out-of-fold predictions (end of ``fit``).

No model is fitted again: the calibrator is fitted on the final model's out-of-fold
probabilities (an ensemble's: the weighted average of its members'), and judged by
cross-fitting it over the run's own folds (fitted on the other folds' predictions, scored on
each fold's), so that "calibration improves the log loss" is an honest out-of-fold claim.
The threshold (binary) is then chosen on the calibrated out-of-fold probabilities by the
``--decision`` rule (:mod:`automl.store.threshold`).
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from automl.config import CalibrateOption
from automl.errors import UsageError
from automl.store.decision import Calibrator, Decision, choose
from automl.store.threshold import LABEL_RULES, Curve, parse_rule

__all__ = [
    "check_decision_options",
    "decide",
    "default_rule",
    "expected_calibration_error",
    "fit_calibrator",
]

logger = logging.getLogger(__name__)

#: Isotonic calibration takes part in ``auto`` from this many out-of-fold rows (it overfits
#: small sets: scikit-learn's guide says about 1,000).
ISOTONIC_MIN_ROWS = 1000
#: A calibrator is kept when it lowers the cross-fitted log loss by at least this share.
MIN_GAIN = 0.001
ECE_BINS = 10


def default_rule(metric: str) -> str:
    """The rule when ``--decision`` is not given: the run's metric when it scores labels
    (``f1``, ``accuracy``, ``balanced_accuracy``, ``mcc``), else the fixed ``0.5``."""
    return metric if metric in LABEL_RULES else "0.5"


def check_decision_options(decision: str | None, task: str) -> None:
    """``fit --decision`` against the task, before the search starts.

    Raises:
        UsageError: Not a rule, or a threshold rule for a task that is not binary (exit 2).
    """
    if decision is None:
        return
    rule = parse_rule(decision)
    if task != "binary" and not (rule.kind == "fixed" and rule.a == 0.5):
        raise UsageError(
            f"--decision {decision!r} applies to binary tasks; this one is {task}.",
            hint="Multiclass models predict the most probable (calibrated) class; "
            "leave --decision out.",
        )


def decide(
    y: np.ndarray,
    proba: np.ndarray,
    fold_ids: np.ndarray,
    *,
    task: str,
    rule: str | None,
    metric: str,
    calibrate: CalibrateOption = "auto",
    weights: np.ndarray | None = None,
) -> Decision:
    """The decision for out-of-fold probabilities ``proba`` of class codes ``y``.

    Args:
        y: Class codes of the out-of-fold rows (binary: 1 is the positive class).
        proba: Their out-of-fold probabilities, one column per class.
        fold_ids: Each row's validation fold (for cross-fitting the calibrator).
        task: ``binary`` or ``multiclass``.
        rule: ``--decision``; ``None`` for :func:`default_rule`.
        metric: The run's metric.
        calibrate: ``--calibrate``.
        weights: Sample weights of the rows, or ``None``.
    """
    started = time.perf_counter()
    y = np.asarray(y).astype(int)
    proba = np.clip(np.asarray(proba, dtype="float64"), 0.0, None)
    proba = proba / np.clip(proba.sum(axis=1, keepdims=True), 1e-15, None)
    calibrator, calibration = _calibration(y, proba, fold_ids, calibrate, weights)
    calibrated = proba if calibrator is None else calibrator.apply(proba)
    base = Decision(task=task, rule=None, calibrator=calibrator, calibration=calibration,
                    n_rows=len(y), weighted=weights is not None)  # fmt: skip
    if task == "binary":
        curve = Curve.of(y, calibrated[:, 1], weights)
        base = choose(curve, parse_rule(rule or default_rule(metric)), base)
    return dataclasses.replace(base, seconds=round(time.perf_counter() - started, 4))


def _calibration(
    y: np.ndarray,
    proba: np.ndarray,
    fold_ids: np.ndarray,
    method: CalibrateOption,
    weights: np.ndarray | None,
) -> tuple[Calibrator | None, dict[str, object]]:
    """The calibrator kept (or ``None``) and the record of what was tried."""
    n_classes = proba.shape[1]
    before = _log_loss(y, proba, weights)
    record: dict[str, object] = {
        "method": method, "kind": "none", "log_loss_before": before, "log_loss_after": before,
        "ece_before": expected_calibration_error(y, proba, weights),
    }  # fmt: skip
    record["ece_after"] = record["ece_before"]
    kinds = _kinds(method, n_classes, len(y))
    if not kinds or len(np.unique(fold_ids)) < 2:
        return None, record
    tried: dict[str, tuple[float, np.ndarray]] = {}
    for kind in kinds:
        crossed = _cross_fitted(kind, y, proba, fold_ids, weights)
        tried[kind] = (_log_loss(y, crossed, weights), crossed)
    best = min(tried, key=lambda k: tried[k][0])
    loss, crossed = tried[best]
    record["tried"] = {k: v[0] for k, v in tried.items()}
    if not loss < before * (1 - MIN_GAIN):
        logger.info("Calibration (%s) kept out: out-of-fold log loss %.5g, %.5g without.",
                    best, loss, before)  # fmt: skip
        return None, record
    record.update(kind=best, log_loss_after=loss,
                  ece_after=expected_calibration_error(y, crossed, weights))  # fmt: skip
    return fit_calibrator(best, y, proba, weights), record


def _kinds(method: CalibrateOption, n_classes: int, n_rows: int) -> list[str]:
    parametric = "sigmoid" if n_classes == 2 else "temperature"
    if method == "none":
        return []
    if method == "sigmoid":
        return [parametric]
    if method == "isotonic":
        return ["isotonic"]
    return [parametric] + (["isotonic"] if n_rows >= ISOTONIC_MIN_ROWS else [])


def _cross_fitted(kind: str, y: np.ndarray, proba: np.ndarray, fold_ids: np.ndarray,
                  weights: np.ndarray | None) -> np.ndarray:  # fmt: skip
    """Each fold's probabilities calibrated by a calibrator fitted on the other folds'."""
    out = np.empty_like(proba)
    for fold in np.unique(fold_ids):
        held = fold_ids == fold
        w = None if weights is None else weights[~held]
        out[held] = fit_calibrator(kind, y[~held], proba[~held], w).apply(proba[held])
    return out


def fit_calibrator(kind: str, y: np.ndarray, proba: np.ndarray,
                   weights: np.ndarray | None = None) -> Calibrator:  # fmt: skip
    """Fit a :class:`~automl.store.decision.Calibrator` of ``kind`` (``sigmoid``,
    ``temperature`` or ``isotonic``) to probabilities and class codes."""
    if kind == "sigmoid":
        from sklearn.linear_model import LogisticRegression

        p = np.clip(proba[:, 1], 1e-15, 1 - 1e-15)
        logit = np.log(p / (1 - p)).reshape(-1, 1)
        model = LogisticRegression(C=1e6, max_iter=1000).fit(logit, y == 1, sample_weight=weights)
        return Calibrator("sigmoid", {"a": float(model.coef_[0, 0]),
                                      "b": float(model.intercept_[0])})  # fmt: skip
    if kind == "temperature":
        from scipy.optimize import minimize_scalar

        def loss(log_t: float) -> float:
            scaled = Calibrator("temperature", {"t": float(np.exp(log_t))}).apply(proba)
            return _log_loss(y, scaled, weights)

        found = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
        return Calibrator("temperature", {"t": float(np.exp(found.x))})
    from sklearn.isotonic import IsotonicRegression

    classes = [1] if proba.shape[1] == 2 else list(range(proba.shape[1]))
    xs, ys = [], []
    for k in classes:
        fitted = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
            proba[:, k], (y == k).astype(float), sample_weight=weights
        )
        xs.append([float(v) for v in fitted.X_thresholds_])
        ys.append([float(v) for v in fitted.y_thresholds_])
    return Calibrator("isotonic", {"x": xs, "y": ys})


def _log_loss(y: np.ndarray, proba: np.ndarray, weights: np.ndarray | None) -> float:
    from sklearn.metrics import log_loss

    clipped = np.clip(proba, 1e-15, 1 - 1e-15)
    clipped = clipped / clipped.sum(axis=1, keepdims=True)
    return float(log_loss(y, clipped, labels=list(range(proba.shape[1])), sample_weight=weights))


def expected_calibration_error(y: np.ndarray, proba: np.ndarray,
                               weights: np.ndarray | None = None) -> float:  # fmt: skip
    """Expected calibration error over :data:`ECE_BINS` equal-width bins: of the positive
    class's probability (binary), else of the most probable class's (its confidence against
    its accuracy)."""
    y = np.asarray(y).astype(int)
    proba = np.asarray(proba, dtype="float64")
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype="float64")
    if proba.shape[1] == 2:
        confidence, hit = proba[:, 1], (y == 1).astype(float)
    else:
        top = np.argmax(proba, axis=1)
        confidence, hit = proba[np.arange(len(y)), top], (top == y).astype(float)
    bins = np.minimum((confidence * ECE_BINS).astype(int), ECE_BINS - 1)
    total = w.sum()
    ece = 0.0
    for b in np.unique(bins):
        inside = bins == b
        mass = w[inside].sum()
        if mass > 0:
            gap = np.average(confidence[inside], weights=w[inside]) - np.average(
                hit[inside], weights=w[inside]
            )
            ece += mass / total * abs(gap)
    return float(ece)
