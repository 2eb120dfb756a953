"""The tables of the ``quality`` benchmark: scores per dataset, ranks, head to head, the paired
bootstrap, prediction times, and automl's own timings."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from benchmarks._datasets import Dataset
from benchmarks._peers import PREDICT_MS_LIMIT
from benchmarks._quality_plan import Plan, wall_limit
from benchmarks._quality_stats import (
    BOOTSTRAP_RESAMPLES,
    CLEARLY_AHEAD,
    HIGHER_IS_BETTER,
    TIE_AUC,
    TIE_RELATIVE,
    Paired,
    compare,
)
from benchmarks._table import text_table

#: automl's saved model must predict 1,000 rows within this many milliseconds (the limit the
#: automl peer passes to ``fit --max-predict-ms``).
PREDICT_MS_TARGET = PREDICT_MS_LIMIT


@dataclass(frozen=True)
class Cell:
    """One system on one dataset, over the dataset's seeds."""

    score: float | None
    error: str | None


def dataset_cells(plan: Plan, runs: list[dict[str, Any]]) -> dict[str, dict[str, Cell]]:
    table: dict[str, dict[str, Cell]] = {}
    for dataset in plan.datasets:
        row = table.setdefault(dataset.name, {})
        for peer in plan.peers:
            mine = [r for r in runs if r["dataset"] == dataset.name and r["system"] == peer.name]
            errors = [f"seed {r['seed']}: {r['error']}" for r in mine if r.get("error")]
            scores = [r["score"] for r in mine if r.get("score") is not None]
            if errors or len(scores) != len(dataset.seeds):
                row[peer.name] = Cell(None, "; ".join(errors) or "no result")
            else:
                row[peer.name] = Cell(statistics.fmean(scores), None)
    return table


def _format_score(metric: str, value: float | None) -> str:
    if value is None:
        return "error"
    if metric == "rmse":
        return f"{value:.5g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return f"{value:.4f}"


def _winner(metric: str, row: dict[str, Cell], names: list[str]) -> str:
    scored = {n: score for n in names if (score := row[n].score) is not None}
    if not scored:
        return "-"
    pick = max if HIGHER_IS_BETTER[metric] else min
    best = pick(scored, key=lambda n: scored[n])
    tied = [n for n in scored if n != best and compare(metric, scored[n], scored[best]) == "T"]
    return " ~".join([best, *tied])


def scores_table(
    plan: Plan,
    cells: dict[str, dict[str, Cell]],
    outcomes: dict[str, dict[str, str | None]],
    names: list[str],
    others: list[str],
) -> str:
    has_automl = "automl" in names
    vs = [f"vs {o}" for o in others] if has_automl else []
    rows = [["dataset", "metric", "seeds", *names, "best (~ tied)", *vs]]
    for dataset in plan.datasets:
        row = cells[dataset.name]
        rows.append(
            [
                dataset.name,
                dataset.metric,
                str(len(dataset.seeds)),
                *(_format_score(dataset.metric, row[n].score) for n in names),
                _winner(dataset.metric, row, names),
                *((outcomes[o][dataset.name] or "-") for o in others if has_automl),
            ]
        )
    title = (
        f"Test-set scores at {plan.budget:g} s (roc_auc: higher is better; log_loss, rmse: "
        "lower; mean over seeds 0-2 under 2,000 rows)."
    )
    if vs:
        title += " W/L/T: automl against that system."
    return title + "\n" + text_table(rows, right=set(range(2, 3 + len(names))))


def rank_table(
    names: list[str],
    others: list[str],
    outcomes: dict[str, dict[str, str | None]],
    mean_rank: dict[str, float],
) -> str:
    has_automl = "automl" in names
    header = ["system", "mean rank"]
    if has_automl:
        header += ["automl wins", "losses", "ties", "not compared"]
    rows = [header]
    for name in names:
        rank = f"{mean_rank[name]:.2f}" if name in mean_rank else "-"
        counts = []
        if has_automl and name in others:
            got = list(outcomes[name].values())
            counts = [str(got.count(x)) for x in ("W", "L", "T", None)]
        elif has_automl:
            counts = ["", "", "", ""]
        rows.append([name, rank, *counts])
    title = "Systems: mean rank over datasets (1 = best)"
    if has_automl:
        title += "; automl's wins, losses and ties against each"
    return title + "\n" + text_table(rows, right={1, 2, 3, 4, 5})


def head_to_head(
    plan: Plan, cells: dict[str, dict[str, Cell]], names: list[str]
) -> dict[str, dict[str, dict[str, str | None]]]:
    """``{system: {other: {dataset: W, L, T or None}}}`` by :func:`compare`, for every pair:
    automl's row gives its targets; the others show what those targets would give them."""
    return {
        name: {
            other: {
                d.name: compare(d.metric, cells[d.name][name].score, cells[d.name][other].score)
                for d in plan.datasets
            }
            for other in names
            if other != name
        }
        for name in names
    }


def versus_table(names: list[str], versus: dict[str, dict[str, dict[str, int]]]) -> str:
    rows = [["system", *(f"vs {n}" for n in names)]]
    for name in names:
        rows.append(
            [name]
            + [
                "-" if other == name else "{W}/{L}/{T}".format(**versus[name][other])
                for other in names
            ]
        )
    title = (
        "Every system against every other: wins/losses/ties of the row's system over the "
        f"datasets (a tie: ROC AUC within {TIE_AUC:g}, log loss or RMSE within "
        f"{TIE_RELATIVE:.1%} of the other's)"
    )
    return title + "\n" + text_table(rows, right=set(range(1, len(names) + 1)))


def paired_table(
    plan: Plan,
    cells: dict[str, dict[str, Cell]],
    paired: dict[str, dict[str, Paired | str]],
    others: list[str],
) -> str:
    rows = [["dataset", "metric", *others]]
    for dataset in plan.datasets:
        decimals = 4
        score = cells[dataset.name]["automl"].score
        if dataset.metric == "rmse" and score:  # as many digits as the scores show
            decimals = max(0, 4 - math.floor(math.log10(abs(score))))
        digits = f"{{:+,.{decimals}f}}"
        cells_of_row = []
        for other in others:
            result = paired[dataset.name].get(other, "-")
            if isinstance(result, Paired):
                cells_of_row.append(
                    f"{digits.format(result.difference)} [{digits.format(result.low)}, "
                    f"{digits.format(result.high)}] {result.ahead:.2f}"
                )
            else:
                cells_of_row.append(str(result))
        rows.append([dataset.name, dataset.metric, *cells_of_row])
    return (
        "automl against each system, paired bootstrap over the test rows "
        f"({BOOTSTRAP_RESAMPLES:,} resamples, the same rows for both, seeds averaged): the "
        "difference (positive favours automl), its 95% interval, and the share of resamples "
        f"with automl ahead (clearly ahead: {CLEARLY_AHEAD:.2f} or more)\n" + text_table(rows)
    )


def predict_table(plan: Plan, runs: list[dict[str, Any]], names: list[str]) -> str:
    """Each system's chosen model: milliseconds to predict 1,000 rows (median over seeds)."""
    times: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        value = (r.get("info") or {}).get("predict_ms_per_1000")
        if isinstance(value, int | float):
            times.setdefault((r["dataset"], r["system"]), []).append(float(value))
    rows = [["dataset", *names]]
    for dataset in plan.datasets:
        cells = []
        for name in names:
            got = times.get((dataset.name, name))
            cells.append(f"{statistics.median(got):.1f}" if got else "-")
        rows.append([dataset.name, *cells])
    return (
        "Chosen model: milliseconds to predict 1,000 rows (one warm-up call, median of 3; "
        f"median over seeds; automl's target: under {PREDICT_MS_TARGET:g})\n"
        + text_table(rows, right=set(range(1, 1 + len(names))))
    )


def automl_table(plan: Plan, runs: list[dict[str, Any]], by_name: dict[str, Dataset]) -> str:
    limit = wall_limit(plan.budget)
    rows = [["dataset", "seed", "fit wall s", "limit s", "ok", "refit s", "model",
             "predict ms/1k", "cv score", "test score", "trials ok/pruned/failed"]]  # fmt: skip
    order = {d.name: i for i, d in enumerate(plan.datasets)}
    for r in sorted(runs, key=lambda r: (order.get(r["dataset"], 0), r["seed"])):
        info: dict[str, Any] = r["info"] if isinstance(r.get("info"), dict) else {}
        wall = r.get("fit_wall_seconds")
        trials = info.get("trials") or {}
        metric = by_name[r["dataset"]].metric if r["dataset"] in by_name else r.get("metric")
        rows.append(
            [
                r["dataset"],
                str(r["seed"]),
                f"{wall:.1f}" if wall is not None else "-",
                f"{limit:g}",
                ("yes" if wall <= limit else "NO") if wall is not None else "-",
                _maybe(info.get("refit_seconds"), "{:.1f}"),
                str(info.get("model") or ("error" if r.get("error") else "-")),
                _maybe(info.get("predict_ms_per_1000"), "{:.1f}"),
                _maybe(info.get("cv_mean"), "{:.5g}"),
                _format_score(str(metric), r.get("score")) if r.get("score") is not None else "-",
                "/".join(str(trials.get(k, "?")) for k in ("complete", "pruned", "failed"))
                if trials
                else "-",
            ]
        )
    return (
        "automl: fit wall time (start to exit) against 1.1 x budget + 10 s; seconds of the "
        "final refit (every member of an ensemble); chosen model\n"
        + text_table(rows, right={1, 2, 3, 5, 7, 8, 9})
    )


def _maybe(value: Any, pattern: str) -> str:
    return pattern.format(value) if isinstance(value, int | float) else "-"
