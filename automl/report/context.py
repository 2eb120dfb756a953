"""The template's variables: the run's data arranged as the page shows it.

Values stay numbers here (the template formats them with ``num``, which records where each
comes from); only texts are composed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.formatting import plural
from automl.store.run_record import ModelSection

if TYPE_CHECKING:
    from automl.report.collect import ReportData
    from automl.report.figure import Plot

__all__ = ["page_context"]

_SPACES = {
    "log_odds": "log-odds of the positive class",
    "margin": "class margins (summed over classes)",
    "value": "the target's units",
    "log_value": "log(1 + target)",
    "probability": "probability",
}


def page_context(report: ReportData, plots: dict[str, list[Plot]]) -> dict[str, Any]:
    """Everything ``report.html.jinja`` reads."""
    from automl.report.page import TOP_ROWS

    run, record = report.run, report.record
    options = run.get("options") or {}
    model = run.get("model") or {}
    ranked = [r for r in report.leaderboard if r["rank"] is not None]
    by_trial = {r["trial"]: r for r in report.leaderboard if r["trial"] is not None}
    members = [
        {"label": label, "trial": n, "weight_index": i, "row": by_trial.get(n)}
        for i, (label, (n, _)) in enumerate(
            zip(model.get("members") or [], report.members, strict=True)
        )
    ]
    profile = report.profile
    target = str(record.target)
    return {
        "run": run,
        "record": record,
        "options": options,
        "model": model,
        "substitution": ModelSection.of(model).substitution,  # absent in 0.1.0 runs
        "target": target,
        "title": f"{run['experiment']} / {run['run_id']}",
        "budget": _budget(options),
        "top_rows": ranked[:TOP_ROWS],
        "n_ranked": len(ranked),
        "other_states": _other_states(report.leaderboard),
        "members": members,
        "fold_count": max((len(s) for s in report.fold_scores.values()), default=0),
        "fold_scores": report.fold_scores,
        "columns": [c for c in profile.columns if c.name != target],
        "warnings": list(profile.warnings),
        "left_out": _left_out(profile, target, options),
        "importance": _importance_rows(report),
        "importance_note": _importance_note(report),
        "evaluation_rows": None if report.evaluation is None else report.evaluation.n_rows,
        "period": report.period,
        "plots": plots,
        "notes": report.notes,
        "plural": plural,
        "positive": run.get("positive_class"),
        # absent for regression and in 0.1.0 runs
        "decision": record.decision,
        "labels": run.get("labels") or [],
        "versions": sorted((run.get("versions") or {}).items()),
        "command": " ".join(str(a) for a in run.get("command") or []),
    }


def _budget(options: dict[str, Any]) -> str:
    parts = []
    if options.get("time_budget") is not None:
        parts.append(f"{options['time_budget']:g} s")
    if options.get("n_trials") is not None:
        parts.append(plural(int(options["n_trials"]), "trial"))
    return " or ".join(parts) or "the default time budget"


def _other_states(rows: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        if row["rank"] is None:
            counts[row["state"]] = counts.get(row["state"], 0) + 1
    return ", ".join(f"{n:,} {state}" for state, n in sorted(counts.items()))


def _left_out(profile: Any, target: str, options: dict[str, Any]) -> list[str]:
    """The columns the model does not read, and why."""
    ignored = set(options.get("ignore") or [])
    group = options.get("group")
    found = []
    for column in profile.columns:
        if column.name == target:
            continue
        if column.name in ignored:
            found.append(f"{column.name}: ignored (--ignore)")
        elif column.name == group:
            found.append(f"{column.name}: the --group column")
        elif not column.is_feature:
            found.append(f"{column.name}: {column.role} ({column.reason})")
    return found


def _importance_rows(report: ReportData) -> list[dict[str, Any]]:
    found = report.importance
    if found is None:
        return []
    total = float(sum(abs(v) for v in found.values)) or 1.0
    return [
        {"column": c, "value": float(v), "spread": float(s), "share": abs(float(v)) / total}
        for c, v, s in zip(found.columns, found.values, found.spread, strict=True)
    ][:20]


def _importance_note(report: ReportData) -> str:
    found = report.importance
    if found is None:
        return ""
    rows = plural(found.n_rows, "row")
    if found.method == "permutation":
        return (
            f"Permutation importance: how much {found.space} gets worse when a column's values "
            f"are shuffled among {rows} of the training data (5 shuffles; ± their standard "
            "deviation). Used because this model's contributions are not exact Shapley values."
        )
    exact = "exact Shapley values" if found.exact else "approximate contributions"
    text = (
        f"Mean absolute contribution over {rows} of the training data, in "
        f"{_SPACES.get(found.space, found.space)}, from {exact} of each column."
    )
    if report.skipped_permutation is not None:
        text += (
            " Permutation importance, the measure for models without exact contributions, "
            f"would have taken about {report.skipped_permutation:.0f} s with this model "
            "(estimated from its prediction time), so it was not measured."
        )
    return text
