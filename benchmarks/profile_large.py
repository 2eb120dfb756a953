"""``profile_large``: ``automl profile --json`` on a 1,000,000-row, 20-column mixed CSV."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result
from benchmarks._synthetic import EXPECTED_ROLES, MISSING_SHARE, TARGET, mixed_csv

__all__ = ["run"]

N_ROWS = 1_000_000
SEED = 0
TARGET_SECONDS = 15.0
TARGET_PEAK_MB = 2000.0
_TIMEOUT = 600.0


def run(context: Context) -> Result:
    """Profile the large synthetic CSV in a child process; measure wall time and peak memory.

    Args:
        context: Gives the data folder where the CSV is generated once.

    Returns:
        Wall time (target under 15 s), peak RSS (target under 2,000 MB), rows per second, and
        notes for every column whose role or missing count differs from what was generated.

    Raises:
        BenchmarkError: The command failed, printed no JSON, or did not find a binary task.
    """
    started = time.perf_counter()
    path = mixed_csv(context.cache.data_dir, n_rows=N_ROWS, seed=SEED)
    prepared = time.perf_counter() - started
    size_mb = path.stat().st_size / 1e6
    print(f"profile_large: {path} ({size_mb:,.0f} MB, ready in {prepared:.1f} s)", file=sys.stderr)
    argv = [find_automl(), "profile", str(path), "--target", TARGET, "--json"]
    print(f"profile_large: {' '.join(argv)}", file=sys.stderr)
    child = run_child(argv, timeout=_TIMEOUT)
    if child.returncode != 0:
        raise BenchmarkError(
            f"automl profile exited with {child.returncode}; stderr: {child.stderr[-800:]!r}"
        )
    try:
        profile = json.loads(child.stdout)
    except ValueError as exc:
        raise BenchmarkError(f"automl profile --json printed invalid JSON: {exc}") from exc
    task = (profile.get("target") or {}).get("task")
    if task != "binary":
        raise BenchmarkError(f"automl profile found task {task!r} for {TARGET!r}, not 'binary'.")
    peak_mb = child.peak_rss_bytes / 1e6
    return Result(
        figures=(
            Figure("wall", child.wall_seconds, "s", TARGET_SECONDS),
            Figure("peak_rss", peak_mb, "MB", TARGET_PEAK_MB),
            Figure("throughput", N_ROWS / child.wall_seconds, "rows/s"),
        ),
        notes=tuple(_surprises(profile)),
        details={
            "command": argv,
            "file_mb": round(size_mb, 1),
            "stderr": child.stderr[-2000:],
            "roles": {c["name"]: c["role"] for c in profile.get("columns", [])},
        },
    )


def _surprises(profile: dict[str, Any]) -> list[str]:
    """Where the profile disagrees with how the data was generated."""
    found = []
    if profile.get("n_rows") != N_ROWS:
        found.append(f"n_rows is {profile.get('n_rows')!r}, expected {N_ROWS:,}.")
    columns = {column["name"]: column for column in profile.get("columns", [])}
    expected_missing = round(N_ROWS * MISSING_SHARE)
    for name, role in EXPECTED_ROLES.items():
        column = columns.get(name)
        if column is None:
            found.append(f"column {name!r} is missing from the profile.")
            continue
        if column["role"] != role:
            found.append(
                f"{name!r} profiled as {column['role']} ({column['reason']}), expected {role}."
            )
        if column["n_missing"] != expected_missing:
            found.append(
                f"{name!r} has n_missing {column['n_missing']:,}, expected {expected_missing:,}."
            )
    return found
