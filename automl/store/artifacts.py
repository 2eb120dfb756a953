"""Artifacts written atomically with their SHA-256; models unpickled only when the hash matches."""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, NotFoundError

if TYPE_CHECKING:
    from automl.models.predictor import Predictor

__all__ = [
    "dump_model",
    "load_model",
    "load_saved_predictor",
    "read_json",
    "read_verified",
    "sha256_of",
    "write_bytes",
    "write_json",
]


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_bytes(path: Path, data: bytes) -> str:
    """Write ``data`` to a temporary name beside ``path``, then rename; return its SHA-256.

    The file gets the permissions of any new file (0666 less the process's umask), as
    ``open`` would give it: a umask of 077 keeps it private.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        with os.fdopen(os.open(tmp, flags, 0o666), "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def write_json(path: Path, document: object) -> str:
    """Write a JSON document atomically; return its SHA-256."""
    return write_bytes(path, (json.dumps(document, indent=2, default=_default) + "\n").encode())


def read_json(path: Path) -> dict[str, Any]:
    """Read a JSON document whose top level is an object (every document a run folder holds).

    Raises:
        NotFoundError: The file does not exist.
        DataError: It is not valid JSON, or not an object.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFoundError(f"{path} not found.") from exc
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}.") from exc
    if not isinstance(document, dict):
        raise DataError(
            f"{path} holds a JSON {type(document).__name__}, where a JSON object was expected.",
            hint="The run folder was changed by hand or damaged; fit again to rebuild it.",
        )
    return document


def dump_model(path: Path, model: object) -> str:
    """Pickle ``model`` with joblib, write it atomically (:func:`write_bytes`), and return the
    SHA-256 of the bytes written."""
    import joblib

    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    return write_bytes(path, buffer.getvalue())


def load_model(path: Path, expected_sha256: str) -> object:
    """Unpickle a model, but only if its SHA-256 matches the one recorded at training.

    The file is read once: the bytes that are hashed are the bytes that are unpickled, so a
    file swapped after the check is never loaded. Unpickling runs code: a run folder must be
    trusted like code.

    Raises:
        NotFoundError: The file does not exist.
        DataError: The file's hash differs from the recorded one (it was changed or corrupted);
            the file is not unpickled.
    """
    import joblib

    return joblib.load(io.BytesIO(read_verified(path, expected_sha256)))


def load_saved_predictor(path: Path, expected_sha256: str) -> Predictor:
    """:func:`load_model` for a run's ``model.joblib``: the object must be automl's predictor.

    Raises:
        NotFoundError, DataError: As :func:`load_model`; DataError also when the file holds
            something else.
    """
    from automl.models.predictor import Predictor

    model = load_model(path, expected_sha256)
    if not isinstance(model, Predictor):
        raise DataError(
            f"{path} holds a {type(model).__name__}, where automl's saved model was expected.",
            hint="The run folder was changed by hand; fit again to rebuild it.",
        )
    return model


def read_verified(path: Path, expected_sha256: str) -> bytes:
    """A model file's bytes, read once, if their SHA-256 is ``expected_sha256``: what
    :func:`load_model` unpickles, and what an export copies.

    Raises:
        NotFoundError: The file does not exist.
        DataError: The bytes' hash differs from the recorded one.
    """
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(
            f"{_what(path)} {path} not found.", hint="Was the run folder moved?"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise DataError(
            f"{_what(path)} {path} does not match its recorded SHA-256 "
            f"(expected {expected_sha256[:12]}..., found {actual[:12]}...); refusing to load it.",
            hint="The file was modified or corrupted after training. Re-run `automl fit`.",
        )
    return data


def _what(path: Path) -> str:
    """How messages name a run file: the model, or another artifact."""
    return "Model file" if path.suffix == ".joblib" else "Run file"


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"Cannot write {type(value).__name__} as JSON")
