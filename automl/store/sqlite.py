"""The home's SQLite file: opened read-only for commands that only read, checked for damage,
switched to WAL and locked while a writer opens it.

A home can be a model store mounted read-only. Reading it must then create nothing: no lock
file, no WAL switch, no schema. SQLite opens a WAL database read-only (``mode=ro``) only if it
can use, or create, the ``-shm`` file beside it, which a read-only file system forbids; there,
the file is opened as ``immutable`` (nobody can be writing it on such a mount). A damaged file
gives one clear error with the command that checks it, wherever the damage is.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from automl.errors import DataError

__all__ = [
    "check_database",
    "damage_of",
    "damaged",
    "enable_wal",
    "file_lock",
    "has_schema",
    "read_only_connector",
    "sqlite_path",
    "writable_connector",
]

#: What SQLite says about a damaged file (SQLITE_CORRUPT, SQLITE_NOTADB).
_DAMAGE = ("malformed", "not a database", "file is encrypted")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL; ``None`` for other storages."""
    return Path(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else None


def read_only_connector(path: Path) -> Callable[[], sqlite3.Connection]:
    """A connection factory (SQLAlchemy's ``creator``) that opens ``path`` read-only.

    Raises:
        DataError: The file is damaged or cannot be read.
    """
    uri = _uri(path, immutable=False)
    try:
        _try_read(uri)
    except sqlite3.OperationalError as error:  # a WAL file on a read-only file system
        uri = _uri(path, immutable=True)
        try:
            _try_read(uri)
        except sqlite3.Error:
            raise DataError(f"Cannot read the experiment storage {path}: {error}.") from None
    except sqlite3.DatabaseError as error:
        raise damaged(path, error) from None

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=60, check_same_thread=False)

    return connect


def _try_read(uri: str) -> None:
    connection = sqlite3.connect(uri, uri=True, timeout=60)
    try:
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        connection.close()


def _uri(path: Path, *, immutable: bool) -> str:
    quoted = urllib.parse.quote(str(path.resolve()))
    return f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")


def check_database(connect: Callable[[], sqlite3.Connection], path: Path) -> None:
    """Run SQLite's ``quick_check`` (a few milliseconds for a home of a few hundred runs).

    Raises:
        DataError: The file is not a database or its pages are damaged.
    """
    try:
        connection = connect()
        try:
            rows = connection.execute("PRAGMA quick_check(5)").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise damaged(path, error) from None
    problems = [str(row[0]) for row in rows if row and row[0] != "ok"]
    if problems:
        raise damaged(path, "; ".join(problems))


def has_schema(connect: Callable[[], sqlite3.Connection]) -> bool:
    """Whether the database holds Optuna's tables (an empty file has none)."""
    connection = connect()
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'studies'"
        ).fetchone()
    finally:
        connection.close()
    return found is not None


def damaged(path: Path, error: object) -> DataError:
    """The error for a damaged SQLite file."""
    return DataError(
        f"The experiment storage {path} is damaged: {error}.",
        hint=f"Check it with: sqlite3 {path} 'PRAGMA integrity_check'. Restore it from a "
        "backup, or rescue what is left with sqlite3's .recover command.",
    )


def damage_of(error: BaseException) -> str | None:
    """SQLite's report of a damaged file behind ``error`` (itself, a driver's original error,
    its cause or context), such as ``database disk image is malformed``; ``None`` if none."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        corrupt = isinstance(current, sqlite3.DatabaseError) and not isinstance(
            current, sqlite3.OperationalError
        )
        if corrupt and any(marker in str(current).lower() for marker in _DAMAGE):
            return str(current)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


@contextmanager
def file_lock(path: Path | None) -> Iterator[None]:
    """An exclusive advisory lock on ``path`` (no lock when ``None`` or without fcntl)."""
    if path is None:
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def enable_wal(path: Path) -> None:
    """Switch the database to write-ahead logging (several processes write at once).

    Raises:
        DataError: The file is damaged or cannot be opened.
    """
    try:
        with sqlite3.connect(path, timeout=60) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as error:
        if any(marker in str(error).lower() for marker in _DAMAGE):
            raise damaged(path, error) from None
        raise DataError(f"Cannot open the SQLite storage {path}: {error}.") from error


def writable_connector(path: Path) -> Callable[[], sqlite3.Connection]:
    """A plain connection factory, for :func:`check_database` before a writer opens the file."""
    return lambda: sqlite3.connect(os.fspath(path), timeout=60)
