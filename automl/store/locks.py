"""A lock per run folder, held by the ``fit`` that searches it, so that two processes never
search, refit and save one run at once (two ``fit --resume`` of the same run, or a resume
while the first ``fit`` still runs).

The lock is ``fcntl.flock`` on ``<run folder>/fit.lock``: the operating system releases it
when its process ends, however it ends (``kill -9`` included), so it never goes stale. The file
holds the holder's process id and host, for the message the next process shows.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from automl.errors import DataError

__all__ = ["LOCK_FILE", "RunBusyError", "RunLock"]

LOCK_FILE = "fit.lock"


class RunBusyError(DataError):
    """Another process holds the run's lock (exit code 3)."""


class RunLock:
    """The exclusive lock of one run folder.

    Args:
        run_dir: The run folder (it must exist).
        name: The run, for messages (``<experiment>/<run_id>``).
    """

    def __init__(self, run_dir: Path, name: str) -> None:
        self.path = Path(run_dir) / LOCK_FILE
        self.name = name
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or fail at once if another process holds it.

        Raises:
            RunBusyError: Another process holds it; the message names its process and host.
        """
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").split()
            os.close(fd)
            who = "another process"
            if len(holder) >= 2:
                who = f"process {holder[0]} on host {holder[1]}"
            raise RunBusyError(
                f"Run {self.name} is being fitted by {who} (it holds {self.path}).",
                hint="Wait until that fit ends, or stop it, then resume. The lock goes with its "
                "process, even after kill -9.",
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        """Let the lock go (the file stays: deleting it would race with the next holder)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
