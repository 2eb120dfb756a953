"""``report``: ``automl report`` of a run on 100,000 rows: build time, size, same bytes twice.

A run is fitted once with the real ``automl fit`` on the synthetic mixed CSV (100,000 rows,
19 columns, 5% missing cells; ``--models lightgbm,hist_gb,linear --n-trials 8 --cv 3``, so
that the search has several families and the model may be an ensemble). The figures are the
wall time of the whole ``automl report`` command (process start, reading the 100,000 rows
back for the out-of-fold labels, the importance, the plots; the faster of two builds), the
page's size, and whether the two builds gave the same bytes; the CPU time of the build
(user and system) is reported too, as the wall time depends on what else the machine runs.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._process import run_automl
from benchmarks._result import Context, Figure, Result
from benchmarks._synthetic import TARGET, mixed_csv

__all__ = ["run"]

N_ROWS = 100_000
SEED = 0
TARGET_SECONDS = 10.0
TARGET_MB = 2.0
_TIMEOUT = 900.0


def run(context: Context) -> Result:
    """Fit once, build the report twice, and measure it.

    Args:
        context: Gives the data folder where the CSV is generated once.

    Returns:
        Build seconds (target under 10), size in MB (under 2), identical (1 = yes).

    Raises:
        BenchmarkError: The fit or a report failed.
    """
    data = mixed_csv(context.cache.data_dir, n_rows=N_ROWS, seed=SEED)
    home = Path(tempfile.mkdtemp(prefix="automl-bench-report-"))
    try:
        _automl(home, "fit", str(data), "--target", TARGET, "--models", "lightgbm,hist_gb,linear",
                "--n-trials", "8", "--cv", "3", "--n-jobs", "2")  # fmt: skip
        builds, loads, cpus = _build_twice(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    payloads = [b[1] for b in builds]
    seconds = min(b[0] for b in builds)
    size_mb = len(payloads[0]) / 1e6
    identical = float(payloads[0] == payloads[1])
    document = builds[0][2]
    return Result(
        figures=(
            Figure("build", seconds, "s", TARGET_SECONDS),
            Figure("build CPU", min(cpus), "s"),
            Figure("size", size_mb, "MB", TARGET_MB),
            Figure("identical", identical, "", 0.5, better="higher"),
        ),
        notes=(
            f"{N_ROWS:,} rows; plots {', '.join(document['plots'])}; builds "
            f"{', '.join(f'{b[0]:.1f} s' for b in builds)}; load average before each "
            f"{', '.join(f'{load:.1f}' for load in loads)} on {os.cpu_count()} cores",
        ),
        details={
            "seconds": [b[0] for b in builds],
            "bytes": len(payloads[0]),
            "plots": document["plots"],
            "notes": document["notes"],
        },
    )


def _build_twice(
    home: Path,
) -> tuple[list[tuple[float, bytes, dict[str, Any]]], list[float], list[float]]:
    """Build the report twice: (seconds, page, ``--json`` document) per build, the load
    average before each, and the CPU seconds of each."""
    builds: list[tuple[float, bytes, dict[str, Any]]] = []
    loads: list[float] = []
    cpus: list[float] = []
    for k in range(2):
        out = home / f"report-{k}.html"
        loads.append(os.getloadavg()[0])
        started, cpu = time.perf_counter(), _children_cpu()
        document = json.loads(_automl(home, "report", "--out", str(out), "--json"))
        cpus.append(_children_cpu() - cpu)
        builds.append((time.perf_counter() - started, out.read_bytes(), document))
    return builds, loads, cpus


def _children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _automl(home: Path, *args: str) -> str:
    return run_automl(home, *args, label="report", timeout=_TIMEOUT)
