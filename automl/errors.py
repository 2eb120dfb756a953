"""Errors that users see, and the exit codes they map to.

Every error meant for a user is an :class:`AutomlError`: a message that says what was expected and
what was found, and a hint that says how to fix it. The command line turns one into a single
paragraph on stderr and the exit code of its class; nothing else in the package exits.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from enum import IntEnum

__all__ = [
    "AutomlError",
    "CheckFailedError",
    "DataError",
    "ExitCode",
    "FileSystemError",
    "NoTrialSucceededError",
    "NotFoundError",
    "UsageError",
    "file_system_error",
    "os_errno",
]


class ExitCode(IntEnum):
    """The documented exit codes of the ``automl`` command."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    BAD_DATA = 3
    NOT_FOUND = 4
    NO_TRIAL_SUCCEEDED = 5
    CHECK_FAILED = 6
    INTERRUPTED = 130


class AutomlError(Exception):
    """Base class of the errors a user can act on.

    Args:
        message: What was expected and what was found, naming the file, column or value.
        hint: How to fix it; shown after the message.
    """

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class UsageError(AutomlError):
    """The options contradict each other or a value is out of range (exit code 2)."""

    exit_code = ExitCode.USAGE


class DataError(AutomlError):
    """The input data cannot be used as it is (exit code 3)."""

    exit_code = ExitCode.BAD_DATA


class NotFoundError(AutomlError):
    """A file, column, experiment or run does not exist (exit code 4)."""

    exit_code = ExitCode.NOT_FOUND


class NoTrialSucceededError(AutomlError):
    """A search ended without a single successful trial (exit code 5)."""

    exit_code = ExitCode.NO_TRIAL_SUCCEEDED


class CheckFailedError(AutomlError):
    """A check worked and its verdict is negative (exit code 6).

    Raised by the commands a pipeline gates on (``drift --fail-on``, ``compare --fail-unless``,
    ``promote --if-better``) after they have printed their result: the message says which
    condition was met, so a log shows why the step failed.
    """

    exit_code = ExitCode.CHECK_FAILED


class FileSystemError(DataError):
    """The file system refused a read or a write: full, over quota, read-only, or not
    permitted (exit code 3)."""


_SPACE_HINT = (
    "Free some space, or point --home (fit) or --output (predict) at another disk, and run "
    "the command again. Files are written under a temporary name and renamed, so nothing "
    "half-written was kept."
)
#: What each error number means for a user, and what to do about it.
_FILE_SYSTEM_ERRORS = {
    errno.ENOSPC: ("No space left on the device", _SPACE_HINT),
    errno.EDQUOT: ("Disk quota exceeded", _SPACE_HINT),
    errno.EROFS: (
        "The file system is read-only",
        "Reading commands (runs, show, leaderboard, predict) work on a read-only home; fit "
        "needs a writable --home, and predict a writable --output.",
    ),
    errno.EACCES: (
        "Permission denied",
        "Check the permissions of that file and its folder, or choose another location.",
    ),
    errno.EPERM: (
        "Operation not permitted",
        "Check the permissions of that file and its folder, or choose another location.",
    ),
}
#: SQLite's own words for the same conditions (it reports them without an errno).
_SQLITE_ERRNOS = {
    "database or disk is full": errno.ENOSPC,
    "attempt to write a readonly database": errno.EROFS,
}


def os_errno(error: BaseException) -> tuple[int, str | None] | None:
    """The error number of a full, read-only or forbidden file system behind ``error`` (itself,
    its cause or context, or a database driver's original error), with the file concerned.

    Returns:
        ``(errno, filename or None)``, or ``None`` if no such condition is behind ``error``.
    """
    for current in _chain(error):
        if isinstance(current, OSError) and current.errno in _FILE_SYSTEM_ERRORS:
            name = current.filename
            return current.errno, None if name is None else str(name)
        text = str(current).lower()
        for words, number in _SQLITE_ERRNOS.items():
            if words in text:
                return number, None
    return None


def file_system_error(error: BaseException) -> FileSystemError | None:
    """A :class:`FileSystemError` for a full, read-only or forbidden file system behind
    ``error`` (see :func:`os_errno`), or ``None``."""
    found = os_errno(error)
    if found is None:
        return None
    number, filename = found
    what, hint = _FILE_SYSTEM_ERRORS[number]
    where = f": {filename}" if filename else ""
    return FileSystemError(f"{what} [{errno.errorcode[number]}]{where}.", hint=hint)


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        original = getattr(current, "orig", None)  # SQLAlchemy's wrapper of a driver error
        if isinstance(original, BaseException) and id(original) not in seen:
            yield original
            seen.add(id(original))
        current = current.__cause__ or current.__context__
