"""Render a template folder (files ending ``.jinja`` are rendered, undefined variables are
errors; every other file is copied as it is), and move a rendered folder into place."""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from automl.errors import UsageError

__all__ = ["check_no_symlinked_folders", "check_out_folder", "move_into", "render_tree"]


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


def check_out_folder(out: Path, *, force: bool, marker: str, writer: str) -> bool:
    """Refuse an output folder that is a file, or not empty without ``force``, or not empty
    and without ``marker`` (the file each generator writes last) even with ``force``.

    Args:
        out: The folder to write.
        force: Whether the user allowed writing over an earlier output.
        marker: The marker file's name.
        writer: The command named in the message (``scaffold-serve``).

    Returns:
        Whether ``out`` holds an earlier output (``False``: absent or empty).

    Raises:
        UsageError: One of the cases above.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; expected a folder.")
    if not (out.is_dir() and any(out.iterdir())):
        return False
    if not force:
        raise UsageError(
            f"{out} is not empty; refusing to overwrite it.",
            hint="Choose an empty or new folder, or pass --force.",
        )
    if not (out / marker).is_file():
        raise UsageError(
            f"{out} is not empty and was not written by {writer} (it has no {marker}); "
            "refusing to overwrite it, even with --force.",
            hint="Choose an empty or new folder.",
        )
    return True


def check_no_symlinked_folders(out: Path, files: list[str]) -> None:
    """Refuse to write below a symbolic link to a folder inside ``out``: the files would land
    wherever the link points. (A file that is a link is replaced by a real file, its target
    left alone.)

    Raises:
        UsageError: A folder on the way to one of ``files`` is a symbolic link.
    """
    for name in files:
        folder = out
        for part in Path(name).parts[:-1]:
            folder = folder / part
            if folder.is_symlink():
                raise UsageError(
                    f"{folder} is a symbolic link; refusing to write through it.",
                    hint="Remove the link, or generate the service into another folder.",
                )


def move_into(staging: Path, out: Path, files: list[str]) -> None:
    """Put each of ``files`` from ``staging`` at the same place under ``out``: copied to a
    temporary name beside its destination, then renamed over it (``os.replace``). Each file is
    either the old one or the new one, never half-written, and a symbolic link in the way is
    replaced, not written through."""
    for name in files:
        destination = out / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.{secrets.token_hex(4)}.tmp")
        try:
            shutil.copyfile(staging / name, temporary)
            os.replace(temporary, destination)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
