"""``automl drift --html``: the drift report as one offline HTML page, in the report's style
(``templates/report/report.css`` inlined; bars drawn as inline SVG; no script, no request)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from automl.monitor.drift import DriftReport

__all__ = ["render_drift_page", "write_drift_page"]

#: Columns drawn as bars: the flagged ones, or the first ones of the ranking.
DRAWN = 8


def render_drift_page(report: DriftReport) -> str:
    """The page's HTML text."""
    from automl import __version__
    from automl.resources import page_environment

    env, folder = page_environment()
    document = report.document
    drawn = [c for c in document["columns"] if c["severity"] != "none"][:DRAWN]
    if not drawn:
        drawn = document["columns"][: min(3, DRAWN)]
    return env.get_template("drift.html.jinja").render(
        css=(folder / "report.css").read_text(encoding="utf-8"),
        doc=document,
        drawn=[_bars(c) for c in drawn],
        prediction=None
        if document["prediction"] is None
        else _bars({"name": "predictions", **document["prediction"]}),
        version=__version__,
    )


def write_drift_page(report: DriftReport, out: Path) -> int:
    """Write the page atomically; return its size in bytes."""
    from automl.store.artifacts import write_bytes

    data = render_drift_page(report).encode("utf-8")
    write_bytes(Path(out), data)
    return len(data)


def _bars(column: dict[str, Any]) -> dict[str, Any]:
    """Bin shares as SVG rectangles: the reference grey, the new data coloured."""
    old = list(column.get("reference_shares") or [])
    new = list(column.get("shares") or [])
    n = max(len(old), len(new), 1)
    top = max([*old, *new, 1e-9])
    width, height, gap = 560.0, 120.0, 2.0
    step = width / n
    rects = []
    for i in range(n):
        for j, share in enumerate((old[i] if i < len(old) else 0.0,
                                   new[i] if i < len(new) else 0.0)):  # fmt: skip
            h = height * share / top
            rects.append({"x": round(i * step + j * step / 2 + gap / 2, 2),
                          "y": round(height - h, 2), "w": round(max(step / 2 - gap, 1.0), 2),
                          "h": round(h, 2), "new": j == 1, "share": share})  # fmt: skip
    return {"name": column["name"], "severity": column["severity"], "psi": column.get("psi"),
            "rects": rects, "width": width, "height": height}  # fmt: skip
