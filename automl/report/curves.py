"""The report's plots of the saved model's out-of-fold predictions: ROC and precision-recall
curves with the decision point, calibration and the confusion matrix (classification);
predicted against actual values and residuals (regression)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.report.figure import ACCENT, DECISION, HALF, Plot, make_plot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from automl.report.collect import Evaluation

__all__ = [
    "calibration",
    "confusion",
    "curve_points",
    "decision",
    "decision_label",
    "precision_recall",
    "predicted_vs_actual",
    "residuals",
    "roc",
]

#: Points drawn at most for a curve or a scatter (the rest would only add bytes).
MAX_POINTS = 2_000
CURVE_POINTS = 400


def _unit_square(
    ax: Axes, xlabel: str, ylabel: str, legend: Literal["lower right", "lower left", "upper left"]
) -> None:
    """Axes from 0 to 1 both ways (rates, probabilities), labelled, with a legend."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.legend(loc=legend)


def _curves(
    ax: Axes,
    views: list[tuple[str, np.ndarray, np.ndarray]],
    binary: bool,
    curve: Callable[[np.ndarray, np.ndarray], tuple[Any, Any, str]],
) -> None:
    """One curve per class view (classes present and absent both), thinned, labelled."""
    for name, truth, score in views:
        if truth.all() or not truth.any():
            continue
        x, y, figure = curve(truth, score)
        x, y = curve_points(np.asarray(x), np.asarray(y))
        ax.plot(
            x,
            y,
            linewidth=1.6,
            color=ACCENT if binary else None,
            label=f"{'positive' if binary else 'class'} {name}: {figure}",
        )


def _decision_dot(ax: Axes, x: float, y: float, label: str) -> None:
    """The point where the model's decision sits on a curve."""
    ax.scatter([x], [y], s=50, color=DECISION, zorder=4, label=label)


def decision(evaluation: Evaluation) -> np.ndarray:
    """The class code the model predicts for each row, as ``predict`` does: at the run's
    threshold on the (calibrated) probability for a binary run that saved one, else the
    most probable class."""
    chosen = evaluation.decision
    if chosen is None:
        return np.argmax(evaluation.prediction, axis=1)
    return chosen.codes(chosen.calibrate(evaluation.prediction))


def _decided_by(evaluation: Evaluation) -> str:
    """How the predicted class is chosen, for a caption."""
    chosen = evaluation.decision
    if chosen is None or chosen.threshold is None:
        return "the most probable class"
    return f"positive at or above the run's threshold, {decision_label(evaluation)}"


def decision_label(evaluation: Evaluation) -> str:
    """How the model decides, for a legend: ``p >= 0.372 (f1)`` or ``p > 0.5``."""
    chosen = evaluation.decision
    if chosen is None or chosen.threshold is None:
        return "p > 0.5"
    calibrated = "calibrated " if chosen.calibrated else ""
    return f"{calibrated}p >= {chosen.threshold:.3g}, {chosen.rule}"


def curve_points(
    x: np.ndarray, y: np.ndarray, limit: int = CURVE_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` points of a curve, its ends kept (a curve of 100,000 thresholds
    looks the same with 400 and weighs 250 times less)."""
    if len(x) <= limit:
        return x, y
    keep = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
    return x[keep], y[keep]


def _binary_views(
    evaluation: Evaluation, labels: Sequence[Any]
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, is this class, probability of it): the positive class for binary, each class
    (one against the rest) for multiclass."""
    proba = evaluation.prediction
    if len(labels) == 2:
        return [(str(labels[1]), evaluation.y == 1, proba[:, 1])]
    return [(str(label), evaluation.y == k, proba[:, k]) for k, label in enumerate(labels)][:10]


def roc(evaluation: Evaluation, labels: Sequence[Any]) -> Plot:
    """ROC curve(s) with the area, and the decision point for binary."""
    from sklearn.metrics import roc_auc_score, roc_curve

    views = _binary_views(evaluation, labels)
    binary = len(labels) == 2

    def draw(ax: Axes) -> None:
        ax.plot([0, 1], [0, 1], color="#b0b7bf", linestyle="--", linewidth=0.8)

        def curve(truth: np.ndarray, score: np.ndarray) -> tuple[Any, Any, str]:
            fpr, tpr, _ = roc_curve(truth, score)
            return fpr, tpr, f"AUC {roc_auc_score(truth, score):.4f}"

        _curves(ax, views, binary, curve)
        if binary:
            predicted = decision(evaluation) == 1
            truth = views[0][1]
            tpr_at = predicted[truth].mean()
            fpr_at = predicted[~truth].mean()
            _decision_dot(
                ax,
                fpr_at,
                tpr_at,
                f"decision ({decision_label(evaluation)}): TPR {tpr_at:.3f}, FPR {fpr_at:.3f}",
            )
        _unit_square(ax, "false positive rate", "true positive rate", "lower right")

    caption = (
        "Out-of-fold probabilities of the positive class; the red dot is where the model's "
        "decision sits (its threshold, chosen out of fold by the run's --decision rule; 0.5 "
        "for a run saved without one)."
        if binary
        else "Out-of-fold probabilities of each class against the rest (at most 10 classes)."
    )
    return make_plot("roc", "ROC curve (out-of-fold)", caption, draw)


def precision_recall(evaluation: Evaluation, labels: Sequence[Any]) -> Plot:
    """Precision-recall curve(s), with the decision point for binary."""
    from sklearn.metrics import average_precision_score, precision_recall_curve

    views = _binary_views(evaluation, labels)
    binary = len(labels) == 2

    def draw(ax: Axes) -> None:
        def curve(truth: np.ndarray, score: np.ndarray) -> tuple[Any, Any, str]:
            precision, recall, _ = precision_recall_curve(truth, score)
            return recall, precision, f"AP {average_precision_score(truth, score):.4f}"

        _curves(ax, views, binary, curve)
        if binary:
            truth = views[0][1]
            predicted = decision(evaluation) == 1
            ax.axhline(
                truth.mean(),
                color="#b0b7bf",
                linestyle="--",
                linewidth=0.8,
                label=f"share of positives {truth.mean():.3f}",
            )
            if predicted.any():
                precision_at = truth[predicted].mean()
                recall_at = predicted[truth].mean()
                label = (
                    f"decision ({decision_label(evaluation)}): precision {precision_at:.3f}, "
                    f"recall {recall_at:.3f}"
                )
                _decision_dot(ax, recall_at, precision_at, label)
        _unit_square(ax, "recall", "precision", "lower left")

    return make_plot(
        "pr",
        "Precision-recall curve (out-of-fold)",
        "Precision against recall as the threshold moves; AP is the average precision.",
        draw,
    )


def calibration(evaluation: Evaluation, labels: Sequence[Any]) -> Plot:
    """Mean predicted probability against the observed frequency, in 10 quantile bins."""
    from sklearn.calibration import calibration_curve

    binary = len(labels) == 2
    chosen = evaluation.decision
    if binary:
        truth, score = evaluation.y == 1, evaluation.prediction[:, 1]
        xlabel = f"predicted probability of {labels[1]}"
        ylabel = f"observed share of {labels[1]}"
    else:
        truth = np.argmax(evaluation.prediction, axis=1) == evaluation.y
        score = evaluation.prediction.max(axis=1)
        xlabel, ylabel = "probability of the predicted class", "observed accuracy"

    def draw(ax: Axes) -> None:
        observed, predicted = calibration_curve(truth, score, n_bins=10, strategy="quantile")
        ax.plot(
            [0, 1],
            [0, 1],
            color="#b0b7bf",
            linestyle="--",
            linewidth=0.8,
            label="perfectly calibrated",
        )
        ax.plot(
            predicted,
            observed,
            marker="o",
            markersize=4,
            color=ACCENT,
            linewidth=1.6,
            label="model (10 bins of equal size)",
        )
        if chosen is not None and chosen.calibrator is not None:
            calibrated = chosen.calibrate(evaluation.prediction)
            after = calibrated[:, 1] if binary else calibrated.max(axis=1)
            hit = truth if binary else np.argmax(calibrated, axis=1) == evaluation.y
            observed, predicted = calibration_curve(hit, after, n_bins=10, strategy="quantile")
            label = f"calibrated ({chosen.calibrator.kind}), as predicted"
            ax.plot(predicted, observed, marker="s", markersize=4, color=DECISION,
                    linewidth=1.2, label=label)  # fmt: skip
        _unit_square(ax, xlabel, ylabel, "upper left")

    return make_plot(
        "calibration",
        "Calibration (out-of-fold)",
        "Points on the diagonal mean the probabilities can be read as frequencies. When the "
        "run kept a calibrator, its curve is what predict reports (fitted on these same "
        "out-of-fold rows, so a little optimistic here).",
        draw,
    )


def confusion(evaluation: Evaluation, labels: Sequence[Any]) -> Plot:
    """Counts of true against predicted class."""
    n = len(labels)
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (evaluation.y.astype(int), decision(evaluation)), 1)

    def draw(ax: Axes) -> None:
        edges = np.arange(n + 1) - 0.5  # vector cells (imshow would embed a PNG)
        ax.pcolormesh(edges, edges, matrix, cmap="Blues", edgecolors="white", linewidth=1.0)
        ax.invert_yaxis()
        top = matrix.max() or 1
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{matrix[i, j]:,}",
                    ha="center",
                    va="center",
                    fontsize=11 if n <= 4 else 8,
                    color="white" if matrix[i, j] > 0.6 * top else "#1d2733",
                )
        names = [str(label) for label in labels]
        ax.set_xticks(
            range(n), names, rotation=30 if n > 4 else 0, ha="right" if n > 4 else "center"
        )
        ax.set_yticks(range(n), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.grid(False)

    return make_plot(
        "confusion",
        "Confusion matrix (out-of-fold)",
        f"Rows are the true classes, columns the predicted ones ({_decided_by(evaluation)}).",
        draw,
        (HALF[0], max(HALF[1], 0.4 * n)),
    )


def _sample(n: int) -> np.ndarray:
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, MAX_POINTS, replace=False))


def predicted_vs_actual(evaluation: Evaluation, target: str) -> Plot:
    """Out-of-fold predictions against the true values."""
    rows = _sample(evaluation.n_rows)
    actual, predicted = evaluation.y[rows], evaluation.prediction[rows]

    def draw(ax: Axes) -> None:
        low = float(min(actual.min(), predicted.min()))
        high = float(max(actual.max(), predicted.max()))
        ax.plot([low, high], [low, high], color="#b0b7bf", linestyle="--", linewidth=0.8)
        ax.scatter(actual, predicted, s=7, color=ACCENT, alpha=0.45, linewidths=0)
        ax.set_xlabel(f"actual {target}")
        ax.set_ylabel(f"predicted {target}")

    shown = "" if len(rows) == evaluation.n_rows else f" ({len(rows):,} rows sampled)"
    return make_plot(
        "actual",
        "Predicted vs actual (out-of-fold)",
        "Each dot is a row, predicted "
        f"by a model that did not see it{shown}; the dashed line is perfect.",
        draw,
    )


def residuals(evaluation: Evaluation, target: str) -> Plot:
    """Residuals (actual - predicted) against the predicted value."""
    rows = _sample(evaluation.n_rows)
    predicted = evaluation.prediction[rows]
    residual = evaluation.y[rows] - predicted

    def draw(ax: Axes) -> None:
        ax.axhline(0.0, color="#b0b7bf", linestyle="--", linewidth=0.8)
        ax.scatter(predicted, residual, s=7, color=ACCENT, alpha=0.45, linewidths=0)
        ax.set_xlabel(f"predicted {target}")
        ax.set_ylabel("actual - predicted")

    shown = "" if len(rows) == evaluation.n_rows else f" ({len(rows):,} rows sampled)"
    return make_plot(
        "residuals",
        "Residuals by predicted value (out-of-fold)",
        f"A band centred on zero with an even width is what a good model leaves{shown}.",
        draw,
    )
