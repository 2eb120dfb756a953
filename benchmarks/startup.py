"""``startup``: how long ``automl --help`` takes, the floor under every command."""

from __future__ import annotations

import statistics
import sys

from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

WARMUPS = 2
RUNS = 15
TARGET_SECONDS = 0.3
_TIMEOUT = 60.0


def run(context: Context) -> Result:
    """Time ``automl --help``: the median of 15 runs after 2 warm-ups.

    Args:
        context: Unused; the runner caches the result.

    Returns:
        Median (target under 0.3 s), fastest and slowest run.

    Raises:
        BenchmarkError: The command failed or printed no usage text.
    """
    argv = [find_automl(), "--help"]
    print(f"startup: {WARMUPS} + {RUNS} runs of {' '.join(argv)}", file=sys.stderr)
    times = []
    for i in range(WARMUPS + RUNS):
        child = run_child(argv, timeout=_TIMEOUT)
        if child.returncode != 0 or "Usage" not in child.stdout:
            raise BenchmarkError(
                f"{' '.join(argv)} exited with {child.returncode}; stderr: {child.stderr[-500:]!r}"
            )
        if i >= WARMUPS:
            times.append(child.wall_seconds)
    return Result(
        figures=(
            Figure("median", statistics.median(times), "s", TARGET_SECONDS),
            Figure("fastest", min(times), "s"),
            Figure("slowest", max(times), "s"),
        ),
        details={"command": argv, "seconds": times},
    )
