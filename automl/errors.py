"""Errors that users see, and the exit codes they map to.

Every error meant for a user is an :class:`AutomlError`: a message that says what was expected and
what was found, and a hint that says how to fix it. The command line turns one into a single
paragraph on stderr and the exit code of its class; nothing else in the package exits.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = [
    "AutomlError",
    "DataError",
    "ExitCode",
    "NoTrialSucceededError",
    "NotFoundError",
    "UsageError",
]


class ExitCode(IntEnum):
    """The documented exit codes of the ``automl`` command."""

    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    BAD_DATA = 3
    NOT_FOUND = 4
    NO_TRIAL_SUCCEEDED = 5
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
