"""Build the report: gather the run's data, draw the plots, render the page, write it.

The page is ``templates/report/report.html.jinja`` rendered with Jinja2 (autoescaped,
undefined names are errors), with its stylesheet inlined and every plot an inline ``<svg>``:
one file, no script, nothing fetched. It holds no time of its own making, so building it
twice gives the same bytes.

Every number taken from the run is written by :func:`number` as
``<span class="num" data-key="..." data-value="...">`` with its source (``run.<path>`` in
``run.json``, ``lb.<trial>.<field>`` in the leaderboard) and its exact value, so that a test
(or a script) can check the page against the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import UsageError

if TYPE_CHECKING:
    from automl.report.collect import ReportData
    from automl.report.figure import Plot
    from automl.store.runs import RunRef, Store

__all__ = ["SECTIONS", "ReportResult", "build_report", "number"]

#: The page's sections: (id, heading), in order.
SECTIONS = (
    ("summary", "Run summary"),
    ("leaderboard", "Leaderboard"),
    ("model", "The chosen model"),
    ("importance", "Importance"),
    ("model-card", "Model card"),
)
#: Leaderboard rows shown.
TOP_ROWS = 15


@dataclass(frozen=True)
class ReportResult:
    """What was written.

    Attributes:
        out: The HTML file.
        n_bytes: Its size.
        sha256: Its SHA-256.
        sections: The section ids, in page order.
        plots: The plot keys (``plot-<key>`` in the page), in page order.
        notes: What the report leaves out, and why.
    """

    out: Path
    n_bytes: int
    sha256: str
    sections: tuple[str, ...]
    plots: tuple[str, ...]
    notes: tuple[str, ...]


def build_report(store: Store, ref: RunRef, out: Path, *, data: Path | None = None) -> ReportResult:
    """Write the HTML report of one run.

    Args:
        store: Where the run lives.
        ref: The run.
        out: The HTML file to write (replaced atomically).
        data: The training file, when it moved since the run (checked by SHA-256).

    Raises:
        UsageError: matplotlib (the ``report`` extra) is not installed, or ``out`` is a
            folder.
        NotFoundError: The run saved no model, or ``data`` does not exist.
        DataError: ``data`` is not the run's training file.
    """
    from automl.report.collect import collect_report
    from automl.store.artifacts import write_bytes

    require_matplotlib()
    if out.is_dir():
        raise UsageError(
            f"--out {out} is a folder; give the HTML file to write.",
            hint="For example: --out report.html",
        )
    report = collect_report(store, ref, data=data)
    plots = _plots(report)
    html = render_page(report, plots)
    payload = html.encode("utf-8")
    digest = write_bytes(out, payload)
    return ReportResult(
        out=out,
        n_bytes=len(payload),
        sha256=digest,
        sections=tuple(s for s, _ in SECTIONS),
        plots=tuple(p.key for group in plots.values() for p in group),
        notes=tuple(report.notes),
    )


def require_matplotlib() -> None:
    """Raise a usable error when matplotlib is missing.

    Raises:
        UsageError: It is not installed.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            "automl report draws its plots with matplotlib, which is not installed.",
            hint='Install the report extra: pip install "automl[report]".',
        ) from None


def _plots(report: ReportData) -> dict[str, list[Plot]]:
    """The plots of each section (a plot that has nothing to show is left out)."""
    from automl.report import curves, plots

    metric = str(report.run["metric"])
    maximize = report.record.direction == "maximize"
    task = report.run["task"]
    found: dict[str, list[Plot | None]] = {
        "leaderboard": [
            plots.family_scores(report.leaderboard, metric=metric, maximize=maximize),
            plots.search_over_time(
                report.times, report.leaderboard, metric=metric, maximize=maximize
            ),
        ],
        "model": [],
        "importance": [],
    }
    evaluation = report.evaluation
    labels = report.run.get("labels") or []
    target = str(report.record.target)
    if evaluation is not None and task == "regression":
        found["model"] += [
            curves.predicted_vs_actual(evaluation, target),
            curves.residuals(evaluation, target),
        ]
    elif evaluation is not None:
        found["model"] += [
            curves.roc(evaluation, labels),
            curves.precision_recall(evaluation, labels),
            curves.calibration(evaluation, labels),
            curves.confusion(evaluation, labels),
        ]
    found["model"].append(plots.fold_scores(_member_folds(report), metric=metric))
    if report.importance is not None:
        found["importance"].append(plots.importance_bars(report.importance))
    return {section: [p for p in group if p is not None] for section, group in found.items()}


def _member_folds(report: ReportData) -> list[tuple[str, list[float]]]:
    labels = (report.run.get("model") or {}).get("members") or []
    return [
        (str(label), report.fold_scores.get(n, []))
        for label, (n, _) in zip(labels, report.members, strict=True)
    ]


def number(value: Any, key: str, places: int | None = None, *, digits: bool = False) -> Any:
    """A number of the run, as the page shows it: formatted, with its source and exact value.

    Args:
        value: The number (``None`` gives an empty string).
        key: Where it comes from: ``run.<path>`` or ``lb.<trial>.<field>``.
        places: Decimal places (default: 5 significant digits, as the CLI's tables).
        digits: An integer count, shown with thousands separators.
    """
    from markupsafe import Markup, escape

    from automl.formatting import format_score

    if value is None:
        return Markup("")
    if isinstance(value, bool):
        raise TypeError(f"{key} is a boolean, not a number")
    if digits:
        text = f"{int(value):,}"
    elif isinstance(value, float) and not math.isfinite(value):
        text = str(value)
    else:
        text = format_score(float(value), places)
    exact = repr(value) if isinstance(value, float) else str(value)
    return Markup(
        f'<span class="num" data-key="{escape(key)}" data-value="{escape(exact)}">'
        f"{escape(text)}</span>"
    )


def places(*values: float | None) -> int:
    """Decimal places that show the largest of ``values`` with 5 significant digits: a
    score and its spread get the same places, as in the CLI's tables."""
    from automl.formatting import decimals_for

    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    return decimals_for(max(finite, default=0.0))


def render_page(report: ReportData, plots: dict[str, list[Plot]]) -> str:
    """The page's HTML text."""
    from automl.report.context import page_context
    from automl.resources import page_environment

    env, folder = page_environment()
    env.globals["num"] = number
    env.globals["places"] = places
    context = page_context(report, plots)
    context["css"] = (folder / "report.css").read_text(encoding="utf-8")
    context["sections"] = SECTIONS
    return env.get_template("report.html.jinja").render(context)
