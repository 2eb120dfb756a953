"""Artifacts written atomically with their SHA-256; models unpickled only when the hash matches."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from automl.errors import DataError, NotFoundError

__all__ = ["dump_model", "load_model", "read_json", "sha256_of", "write_bytes", "write_json"]


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to a temporary name beside ``path``, then rename; return its SHA-256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; artifacts are as readable as normal files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def write_json(path: Path, document: Any) -> str:
    """Write a JSON document atomically; return its SHA-256."""
    return write_bytes(path, (json.dumps(document, indent=2, default=_default) + "\n").encode())


def read_json(path: Path) -> Any:
    """Read a JSON document.

    Raises:
        NotFoundError: The file does not exist.
        DataError: It is not valid JSON.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path} not found.") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}.") from exc


def dump_model(path: Path, model: Any) -> str:
    """Pickle ``model`` with joblib to a temporary name, rename, and return the file's SHA-256."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        joblib.dump(model, tmp, compress=3)
        digest = sha256_of(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; artifacts are as readable as normal files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def load_model(path: Path, expected_sha256: str) -> Any:
    """Unpickle a model, but only if its SHA-256 matches the one recorded at training.

    Raises:
        NotFoundError: The file does not exist.
        DataError: The file's hash differs from the recorded one (it was changed or corrupted);
            the file is not unpickled.
    """
    import joblib

    if not path.is_file():
        raise NotFoundError(f"Model file {path} not found.", hint="Was the run folder moved?")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise DataError(
            f"Model file {path} does not match its recorded SHA-256 "
            f"(expected {expected_sha256[:12]}..., found {actual[:12]}...); refusing to load it.",
            hint="The file was modified or corrupted after training. Re-run `automl fit`.",
        )
    return joblib.load(path)


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} as JSON")
