"""Run the ``automl`` command as a child process, measuring its wall time and peak memory."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._result import BenchmarkError

__all__ = ["ChildRun", "find_automl", "run_automl", "run_child"]

# ``ru_maxrss`` is in bytes on macOS and in KiB on Linux and the BSDs.
_MAXRSS_UNIT = 1 if sys.platform == "darwin" else 1024

# Spawns the command, waits for it and writes "<wait status> <seconds> <ru_maxrss> <cpu seconds>"
# to argv[1].
# Plain os and time only: everything it imports raises the floor of the memory measurement.
_LAUNCHER = """
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(report, "w") as fh:
    fh.write(f"{status} {seconds!r} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime!r}")
"""


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
        cpu_seconds: The CPU time it used (user and system, its waited-for children
            included): on a busy machine, where wall time grows with the load, the work
            done.
    """

    argv: tuple[str, ...]
    returncode: int
    wall_seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0


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
    cwd: Path | None = None,
) -> ChildRun:
    """Run ``argv`` to completion and measure it with ``os.wait4``.

    The command is started by a small launcher process rather than by this one: on Linux a
    process's peak RSS includes that of the address space it was forked from, so a child
    spawned directly by a runner holding a large dataset would report the runner's memory.
    The launcher's own footprint (about 10 MB) is the floor of the measurement. Output goes to
    temporary files rather than pipes, so that a large output cannot block the child.

    Args:
        argv: The command line.
        env: The child's environment; this process's by default.
        timeout: Kill the child after this many seconds.
        cwd: The child's working folder; this process's by default.

    Returns:
        The exit code, wall time (spawn to exit, without the launcher's start-up), peak memory
        and output.

    Raises:
        BenchmarkError: The child was killed by ``timeout``, or the launcher failed.
    """
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = Path(scratch) / "report"
        launcher = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
            start_new_session=True,  # one process group to kill: launcher and command
        )
        _wait(launcher, argv, timeout)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
        stderr = err.read().decode("utf-8", errors="replace")
        if launcher.returncode != 0 or not report.exists():
            raise BenchmarkError(f"Could not run {' '.join(argv)}: {stderr[-500:]}")
        status, wall, maxrss, cpu = report.read_text().split()
    return ChildRun(
        argv=tuple(argv),
        returncode=os.waitstatus_to_exitcode(int(status)),
        wall_seconds=float(wall),
        peak_rss_bytes=int(maxrss) * _MAXRSS_UNIT,
        stdout=stdout,
        stderr=stderr,
        cpu_seconds=float(cpu),
    )


def _wait(launcher: subprocess.Popen[bytes], argv: Sequence[str], timeout: float | None) -> None:
    """Wait for the launcher; kill it and its command on timeout or Ctrl-C.

    Raises:
        BenchmarkError: ``timeout`` passed.
    """
    try:
        launcher.wait(timeout)
    except subprocess.TimeoutExpired:
        _kill_group(launcher)
        raise BenchmarkError(
            f"{' '.join(argv)} did not finish within {timeout:g} s; killed."
        ) from None
    except BaseException:  # Ctrl-C, which the command's new session does not receive
        _kill_group(launcher)
        raise


def _kill_group(launcher: subprocess.Popen[bytes]) -> None:
    """Kill the launcher and the command it started (they share a process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(launcher.pid, signal.SIGKILL)
    launcher.wait()


def run_automl(home: Path, *args: str, label: str, timeout: float) -> str:
    """Run ``automl --home HOME ARGS...`` (logged on stderr under ``label``) and return its
    stdout.

    Raises:
        BenchmarkError: The command exited with an error; the message ends with its stderr.
    """
    from benchmarks._result import BenchmarkError

    argv = [find_automl(), "--home", str(home), *args]
    print(f"{label}: {' '.join(argv)}", file=sys.stderr)
    child = run_child(argv, timeout=timeout)
    if child.returncode != 0:
        raise BenchmarkError(
            f"automl {args[0]} exited with {child.returncode}: {child.stderr[-800:]!r}"
        )
    return str(child.stdout)
