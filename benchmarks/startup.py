"""``startup``: how long ``automl --help`` and ``python -c "import automl"`` take, the floor
under every command and every script that uses the Python API."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Sequence

from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

WARMUPS = 2
RUNS = 15
TARGET_SECONDS = 0.3
_TIMEOUT = 60.0


def run(context: Context) -> Result:
    """Time ``automl --help`` and ``python -c "import automl"``: the median of 15 runs each,
    after 2 warm-ups.

    Args:
        context: Unused; the runner caches the result.

    Returns:
        For the command: median (target under 0.3 s), fastest and slowest run; for the import:
        median (target under 0.3 s) and slowest.

    Raises:
        BenchmarkError: A run failed, or the command printed no usage text.
    """
    command = [find_automl(), "--help"]
    importing = [sys.executable, "-c", "import automl"]
    times = _times(command, expect="Usage")
    imports = _times(importing, expect=None)
    return Result(
        figures=(
            Figure("median", statistics.median(times), "s", TARGET_SECONDS),
            Figure("fastest", min(times), "s"),
            Figure("slowest", max(times), "s"),
            Figure("import_median", statistics.median(imports), "s", TARGET_SECONDS),
            Figure("import_slowest", max(imports), "s"),
        ),
        details={
            "command": command,
            "seconds": times,
            "import": importing,
            "import_seconds": imports,
        },
    )


def _times(argv: Sequence[str], *, expect: str | None) -> list[float]:
    """Wall seconds of ``RUNS`` runs of ``argv`` after ``WARMUPS``; each must exit 0 (and
    print ``expect`` on stdout, if given)."""
    print(f"startup: {WARMUPS} + {RUNS} runs of {' '.join(argv)}", file=sys.stderr)
    times = []
    for i in range(WARMUPS + RUNS):
        child = run_child(argv, timeout=_TIMEOUT)
        if child.returncode != 0 or (expect is not None and expect not in child.stdout):
            raise BenchmarkError(
                f"{' '.join(argv)} exited with {child.returncode}; stderr: {child.stderr[-500:]!r}"
            )
        if i >= WARMUPS:
            times.append(child.wall_seconds)
    return times
