"""The report's plots of the search: scores by family, the search over time, the scores per
fold of the saved model's trials, and the importance of the input columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.report.figure import ACCENT, FAMILY_COLOURS, HALF, WIDE, Plot, make_plot

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from automl.insight import Importance
    from automl.report.collect import TrialTime

__all__ = ["family_scores", "fold_scores", "importance_bars", "search_over_time"]


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

    return make_plot(
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
            _scatter_family(ax, family, [d for d in done if d[2] == family],
                            [p for p in pruned if p[2] == family])  # fmt: skip
        if pruned:
            ax.scatter([], [], marker="x", color="#555555", label="pruned (score when stopped)")
        ax.set_xlabel("seconds since the search started")
        ax.set_ylabel(f"{metric} (CV)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)

    return make_plot(
        "search",
        "Search over time",
        "Each trial at the time it ended: dots completed, "
        "crosses pruned (at their running fold mean when stopped); the line is the "
        "best CV score so far (the constant baseline left out).",
        draw,
        (HALF[0], 4.6),
    )


def _scatter_family(ax: Axes, family: str, done: list[tuple[Any, float, str]],
                    pruned: list[tuple[Any, float, str]]) -> None:  # fmt: skip
    """One family's completed trials as dots and its pruned ones as crosses."""
    colour = FAMILY_COLOURS.get(family, ACCENT)
    if done:
        ax.scatter(
            [d[0] for d in done],
            [d[1] for d in done],
            s=22,
            color=colour,
            label=family,
            zorder=3,
            edgecolors="white",
            linewidths=0.5,
        )
    if pruned:
        ax.scatter(
            [p[0] for p in pruned],
            [p[1] for p in pruned],
            s=26,
            marker="x",
            color=colour,
            linewidths=1.2,
            zorder=3,
            label=None if done else family,
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

    return make_plot(
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
    return make_plot(
        "importance",
        "Importance of the input columns",
        f"Per input column{more}; encoded features are summed back to the column they came from.",
        draw,
        (WIDE, 1.0 + 0.3 * len(columns)),
    )
