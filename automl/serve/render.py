"""Render a template folder: files ending ``.jinja`` are rendered (undefined variables are
errors), every other file is copied as it is."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

__all__ = ["render_tree"]


def render_tree(source: Path, target: Path, context: dict[str, Any]) -> list[Path]:
    """Render ``source`` into ``target`` (which must exist).

    Args:
        source: The template folder.
        target: Where the files go.
        context: Template variables.

    Returns:
        The files written, relative to ``target``.

    Raises:
        jinja2.UndefinedError: A template uses a variable the context lacks.
    """
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    environment.filters["pyrepr"] = repr
    written = []
    for path in sorted(source.rglob("*")):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(source)
        if path.suffix == ".jinja":
            destination = target / relative.with_suffix("")
            destination.parent.mkdir(parents=True, exist_ok=True)
            template = environment.get_template(relative.as_posix())
            destination.write_text(template.render(**context), encoding="utf-8")
        else:
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        written.append(destination.relative_to(target))
    return written
