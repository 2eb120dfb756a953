"""Options that several commands share, declared once."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["KeepNaOption"]

#: ``--keep-na-as-category COL`` of ``profile`` and ``fit``.
KeepNaOption = Annotated[
    list[str] | None,
    typer.Option(
        "--keep-na-as-category",
        metavar="COL",
        help="In COL, read markers such as 'NA' or 'None' as a category of their own, not as "
        "missing (repeatable).",
    ),
]
