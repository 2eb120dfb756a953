"""Aligned text tables for the benchmarks' output."""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["text_table"]


def text_table(
    rows: Sequence[Sequence[str]], *, right: Collection[int] = (), underline: bool = True
) -> str:
    """Rows of cells as aligned text; the first row is the header (underlined unless
    ``underline`` is false); the columns in ``right`` align right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0 and underline:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
