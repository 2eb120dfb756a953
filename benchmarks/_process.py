"""Run the ``automl`` command as a child process, measuring its wall time and peak memory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._result import BenchmarkError

__all__ = ["ChildRun", "find_automl", "run_child"]

# ``ru_maxrss`` is in bytes on macOS and in KiB on Linux and the BSDs.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024


@dataclass(frozen=True)
class ChildRun:
    """How one child process went.

    Attributes:
        argv: The command line.
        returncode: Its exit code (negative: killed by that signal).
        wall_seconds: From just before the start to just after the exit.
        peak_rss_bytes: Its peak resident memory (and that of children it waited for).
        stdout: What it printed on stdout.
        stderr: What it printed on stderr.
    """

    argv: tuple[str, ...]
    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str


def find_automl() -> str:
    """Return the ``automl`` command next to this Python, else the one on ``PATH``.

    The one next to ``sys.executable`` comes first so that the command measured belongs to the
    environment running the benchmarks (the nox session's, or the project's virtualenv).

    Raises:
        BenchmarkError: Neither exists.
    """
    beside = Path(sys.executable).parent / ("automl.exe" if os.name == "nt" else "automl")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("automl")
    if found is None:
        raise BenchmarkError(
            f"No 'automl' command next to {sys.executable} nor on PATH; "
            "install the project (pip install -e .) in this environment."
        )
    return found


def run_child(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> ChildRun:
    """Run ``argv`` to completion and measure it with ``os.wait4``.

    Output goes to temporary files rather than pipes, so that a large output cannot block the
    child and reading it costs nothing while the clock runs.

    Args:
        argv: The command line.
        env: The child's environment; this process's by default.
        timeout: Kill the child after this many seconds.

    Returns:
        The exit code, wall time, peak memory and output.

    Raises:
        BenchmarkError: The child was killed by ``timeout``.
        OSError: The command cannot be started.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv), stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        timer = threading.Timer(timeout, process.kill) if timeout is not None else None
        if timer is not None:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if timer is not None:
                timer.cancel()
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
    if timer is not None and timer.finished.is_set() and process.returncode < 0:
        raise BenchmarkError(f"{' '.join(argv)} did not finish within {timeout:g} s; killed.")
    return ChildRun(
        argv=tuple(argv),
        returncode=process.returncode,
        wall_seconds=wall,
        peak_rss_bytes=int(usage.ru_maxrss) * _MAXRSS_UNIT,
        stdout=stdout,
        stderr=stderr,
    )
