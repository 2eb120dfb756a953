"""The report's plots: matplotlib figures written as SVG text, the same bytes on every build.

matplotlib is imported inside the functions (it is the ``report`` extra), through its
object-oriented API only: no pyplot, no global backend. Each figure is drawn inside an
``rc_context`` (restored afterwards) that fixes what would otherwise vary between builds or
machines: the SVG id salt (one per plot, so that ids never collide within a page), no date,
text kept as text (``svg.fonttype`` ``none``: smaller, selectable, printed sharp).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from automl.insight import Importance
    from automl.report.collect import Evaluation, TrialTime

__all__ = ["Plot", "curve_points", "decision"]

#: Points drawn at most for a curve or a scatter (the rest would only add bytes).
MAX_POINTS = 2_000
CURVE_POINTS = 400
FAMILY_COLOURS = {
    "lightgbm": "#1f77b4",
    "catboost": "#ff7f0e",
    "hist_gb": "#2ca02c",
    "random_forest": "#d62728",
    "extra_trees": "#9467bd",
    "linear": "#8c564b",
    "constant": "#7f7f7f",
    "ensemble": "#e377c2",
}
ACCENT = "#1f4e79"
DECISION = "#c0392b"


@dataclass(frozen=True)
class Plot:
    """One plot of the page.

    Attributes:
        key: Its stable name (the figure's id in the page: ``plot-<key>``).
        title: What it shows, as the SVG's ``<title>`` and the figure's caption.
        svg: The ``<svg>`` element, ready to inline.
        caption: One sentence on how to read it.
        wide: Whether it spans the page's width (else half of it).
    """

    key: str
    title: str
    svg: str
    caption: str
    wide: bool = False


@contextmanager
def _figure(key: str, size: tuple[float, float] = (6.0, 3.9)) -> Iterator[tuple[Figure, Axes]]:
    import matplotlib
    from matplotlib.figure import Figure

    style: Any = {
        "svg.hashsalt": f"automl-report-{key}",
        "svg.fonttype": "none",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
        "font.size": 9.0,
        "axes.titlesize": 10.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.color": "#e3e6ea",
        "grid.linewidth": 0.7,
        "axes.edgecolor": "#9aa3ad",
        "axes.axisbelow": True,
        "legend.frameon": False,
        "legend.fontsize": 8.0,
        "path.simplify": True,
    }
    with matplotlib.rc_context(style):
        figure = Figure(figsize=size, layout="constrained")
        yield figure, figure.add_subplot()


def _svg(figure: Figure, title: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    # the page sizes the plot (CSS), keeping its aspect ratio from the viewBox
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    opening = text.index(">") + 1
    return f'{text[: opening - 1]} role="img">\n<title>{_escape(title)}</title>{text[opening:]}'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: Figure sizes in inches: half the page's width, and all of it (the text keeps one size).
HALF = (5.0, 4.0)
WIDE = 10.0


def _make(key: str, title: str, caption: str, draw: Any, size: tuple[float, float] = HALF) -> Plot:
    with _figure(key, size) as (figure, axes):
        draw(axes)
        axes.set_title(title, loc="left", fontweight="bold")
        return Plot(
            key=key, title=title, svg=_svg(figure, title), caption=caption, wide=size[0] >= WIDE
        )


# -- the search ------------------------------------------------------------------------------
def family_scores(rows: Sequence[dict[str, Any]], *, metric: str, maximize: bool) -> Plot | None:
    """Every completed trial's CV score, one row of dots per family, with a box."""
    by_family: dict[str, list[float]] = {}
    for row in rows:
        if (
            row["trial"] is not None
            and row["state"] == "complete"
            and row["cv_mean"] is not None
            and row["family"] != "constant"
        ):
            by_family.setdefault(row["family"], []).append(float(row["cv_mean"]))
    if not by_family:
        return None
    best = max if maximize else min
    order = sorted(by_family, key=lambda f: best(by_family[f]), reverse=not maximize)
    order = order[::-1]  # the best family on top

    def draw(ax: Axes) -> None:
        rng = np.random.default_rng(0)
        for i, family in enumerate(order):
            scores = np.asarray(by_family[family])
            colour = FAMILY_COLOURS.get(family, ACCENT)
            if len(scores) > 2:
                ax.boxplot(
                    [scores],
                    positions=[i],
                    vert=False,
                    widths=0.5,
                    showfliers=False,
                    medianprops={"color": colour},
                    boxprops={"color": "#9aa3ad"},
                    whiskerprops={"color": "#9aa3ad"},
                    capprops={"color": "#9aa3ad"},
                )
            jitter = rng.uniform(-0.15, 0.15, len(scores))
            ax.scatter(
                scores,
                i + jitter,
                s=18,
                color=colour,
                alpha=0.85,
                zorder=3,
                edgecolors="white",
                linewidths=0.5,
            )
        ax.set_yticks(range(len(order)), [f"{f} ({len(by_family[f])})" for f in order])
        ax.set_xlabel(
            f"{metric} (CV mean){'  higher is better' if maximize else '  lower is better'}"
        )
        ax.grid(axis="y", visible=False)

    return _make(
        "families",
        "Score by family",
        "Each dot is a completed trial's CV mean; "
        "the box spans its family's middle half (families with 3 trials or more); the "
        "constant baseline is in the leaderboard.",
        draw,
        (HALF[0], max(HALF[1], 1.0 + 0.42 * len(order))),
    )


def search_over_time(
    times: Sequence[TrialTime], rows: Sequence[dict[str, Any]], *, metric: str, maximize: bool
) -> Plot | None:
    """Every trial at the time it ended, coloured by family; the best score so far."""
    scores = {r["trial"]: r["cv_mean"] for r in rows if r["trial"] is not None}
    times = [t for t in times if t.family != "constant"]
    done = [
        (t.end, scores[t.trial], t.family)
        for t in times
        if t.state == "complete" and t.end is not None and scores.get(t.trial) is not None
    ]
    if not done:
        return None
    pruned = [
        (t.end, t.last_value, t.family)
        for t in times
        if t.state == "pruned" and t.end is not None and t.last_value is not None
    ]

    def draw(ax: Axes) -> None:
        done.sort(key=lambda d: d[0])
        ends = np.array([d[0] for d in done])
        values = np.array([d[1] for d in done], dtype=float)
        running = np.maximum.accumulate(values) if maximize else np.minimum.accumulate(values)
        ax.step(
            ends, running, where="post", color=ACCENT, linewidth=1.6, label="best so far", zorder=2
        )
        for family in sorted({d[2] for d in done} | {p[2] for p in pruned}):
            colour = FAMILY_COLOURS.get(family, ACCENT)
            mine = [d for d in done if d[2] == family]
            if mine:
                ax.scatter(
                    [d[0] for d in mine],
                    [d[1] for d in mine],
                    s=22,
                    color=colour,
                    label=family,
                    zorder=3,
                    edgecolors="white",
                    linewidths=0.5,
                )
            cut = [p for p in pruned if p[2] == family]
            if cut:
                ax.scatter(
                    [p[0] for p in cut],
                    [p[1] for p in cut],
                    s=26,
                    marker="x",
                    color=colour,
                    linewidths=1.2,
                    zorder=3,
                    label=None if mine else family,
                )
        if pruned:
            ax.scatter([], [], marker="x", color="#555555", label="pruned (score when stopped)")
        ax.set_xlabel("seconds since the search started")
        ax.set_ylabel(f"{metric} (CV)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)

    return _make(
        "search",
        "Search over time",
        "Each trial at the time it ended: dots completed, "
        "crosses pruned (at their running fold mean when stopped); the line is the "
        "best CV score so far (the constant baseline left out).",
        draw,
        (HALF[0], 4.6),
    )


# -- the chosen model --------------------------------------------------------------------------
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
    """The class code the model predicts for each row: the most probable class, as
    ``predict`` does."""
    return np.argmax(evaluation.prediction, axis=1)


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
                ax, fpr_at, tpr_at, f"decision (p > 0.5): TPR {tpr_at:.3f}, FPR {fpr_at:.3f}"
            )
        _unit_square(ax, "false positive rate", "true positive rate", "lower right")

    caption = (
        "Out-of-fold probabilities of the positive class; the red dot is where the model's "
        "decision (the most probable class) sits."
        if binary
        else "Out-of-fold probabilities of each class against the rest (at most 10 classes)."
    )
    return _make("roc", "ROC curve (out-of-fold)", caption, draw)


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
                label = f"decision: precision {precision_at:.3f}, recall {recall_at:.3f}"
                _decision_dot(ax, recall_at, precision_at, label)
        _unit_square(ax, "recall", "precision", "lower left")

    return _make(
        "pr",
        "Precision-recall curve (out-of-fold)",
        "Precision against recall as the threshold moves; AP is the average precision.",
        draw,
    )


def calibration(evaluation: Evaluation, labels: Sequence[Any]) -> Plot:
    """Mean predicted probability against the observed frequency, in 10 quantile bins."""
    from sklearn.calibration import calibration_curve

    binary = len(labels) == 2
    if binary:
        truth, score = evaluation.y == 1, evaluation.prediction[:, 1]
        xlabel = f"predicted probability of {labels[1]}"
        ylabel = f"observed share of {labels[1]}"
    else:
        truth = decision(evaluation) == evaluation.y
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
        _unit_square(ax, xlabel, ylabel, "upper left")

    return _make(
        "calibration",
        "Calibration (out-of-fold)",
        "Points on the diagonal mean the probabilities can be read as frequencies.",
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

    return _make(
        "confusion",
        "Confusion matrix (out-of-fold)",
        "Rows are the true classes, columns the predicted ones (the most probable class).",
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
    return _make(
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
    return _make(
        "residuals",
        "Residuals by predicted value (out-of-fold)",
        f"A band centred on zero with an even width is what a good model leaves{shown}.",
        draw,
    )


def fold_scores(members: Sequence[tuple[str, list[float]]], *, metric: str) -> Plot | None:
    """Each member's score on each fold."""
    members = [(name, scores) for name, scores in members if scores]
    if not members:
        return None

    def draw(ax: Axes) -> None:
        for name, scores in members:
            family = name.partition("#")[0]
            folds = np.arange(1, len(scores) + 1)
            ax.plot(
                folds,
                scores,
                marker="o",
                markersize=4,
                linewidth=1.2,
                label=name,
                color=FAMILY_COLOURS.get(family, ACCENT),
            )
        k = max(len(s) for _, s in members)
        ax.set_xticks(range(1, k + 1))
        ax.set_xlabel("fold")
        ax.set_ylabel(metric)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)

    return _make(
        "folds",
        "Score per fold",
        "Each line is one trial of the saved model, scored on each fold it did not train on.",
        draw,
    )


def importance_bars(found: Importance, *, top: int = 20) -> Plot:
    """The most important columns, as horizontal bars (with the spread over shuffles)."""
    columns = list(found.columns[:top])[::-1]
    values = np.asarray(found.values[:top])[::-1]
    spread = np.asarray(found.spread[:top])[::-1]
    permutation = found.method == "permutation"

    def draw(ax: Axes) -> None:
        ax.barh(
            range(len(columns)),
            values,
            color=ACCENT,
            height=0.65,
            xerr=spread if permutation else None,
            error_kw={"ecolor": "#7f8c99", "capsize": 2, "linewidth": 0.8},
        )
        ax.set_yticks(range(len(columns)), columns)
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(
            f"loss of {found.space} when the column is shuffled"
            if permutation
            else f"mean |contribution| ({found.space.replace('_', '-')})"
        )

    more = (
        f" (the {top} most important of {len(found.columns)})" if len(found.columns) > top else ""
    )
    return _make(
        "importance",
        "Importance of the input columns",
        f"Per input column{more}; encoded features are summed back to the column they came from.",
        draw,
        (WIDE, 1.0 + 0.3 * len(columns)),
    )
