"""How the report's plots become SVG text: the same bytes on every build.

matplotlib is imported inside the functions (it is the ``report`` extra), through its
object-oriented API only: no pyplot, no global backend. Each figure is drawn inside an
``rc_context`` (restored afterwards) that fixes what would otherwise vary between builds or
machines: the SVG id salt (one per plot, so that ids never collide within a page), no date,
text kept as text (``svg.fonttype`` ``none``: smaller, selectable, printed sharp).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ACCENT", "DECISION", "FAMILY_COLOURS", "HALF", "WIDE", "Plot", "make_plot"]

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
def _figure(key: str, size: tuple[float, float]) -> Iterator[tuple[Figure, Axes]]:
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


def make_plot(
    key: str,
    title: str,
    caption: str,
    draw: Callable[[Axes], None],
    size: tuple[float, float] = HALF,
) -> Plot:
    """Draw one plot with ``draw(axes)`` on a figure of ``size`` inches, titled.

    Args:
        key: The plot's stable name (and its SVG id salt).
        title: Its title, drawn and written as the SVG's ``<title>``.
        caption: How to read it.
        draw: Draws on the axes.
        size: Width and height in inches; :data:`WIDE` or wider spans the page.
    """
    with _figure(key, size) as (figure, axes):
        draw(axes)
        axes.set_title(title, loc="left", fontweight="bold")
        return Plot(
            key=key, title=title, svg=_svg(figure, title), caption=caption, wide=size[0] >= WIDE
        )
