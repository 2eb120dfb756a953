"""Files shipped with automl: where the service templates are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["page_environment", "templates_dir"]


def templates_dir() -> Path:
    """Return the folder of the service templates.

    In an installed wheel the templates live inside the package as ``automl/_templates``; in a
    source checkout (an editable install) they are the repository's ``templates/`` folder.

    Returns:
        The templates folder.

    Raises:
        FileNotFoundError: Neither place has them (a broken installation).
    """
    package = Path(__file__).resolve().parent
    for candidate in (package / "_templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"automl's templates are missing: looked in {package / '_templates'} and "
        f"{package.parent / 'templates'}. Reinstall automl."
    )


def page_environment() -> tuple[Any, Path]:
    """The Jinja2 environment of the HTML pages (``templates/report``: the report and the
    drift page), escaping everything and failing on an undefined variable; and that folder,
    whose ``report.css`` the pages inline."""
    import jinja2

    folder = templates_dir() / "report"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env, folder
