"""``--snapshot``: run the benchmarks against a frozen copy of the committed code.

A quality run takes up to half an hour; with an editable install, any edit made meanwhile
would change the code under it. With ``--snapshot``, ``python -m benchmarks`` checks the
current commit out as a git worktree under ``.bench-cache/snapshots/<commit>/`` (made once,
reused), and runs the same command there with ``PYTHONPATH`` on that worktree, so that the
``automl`` it starts imports the frozen code, and with ``AUTOML_BENCH_CACHE`` and
``AUTOML_BENCH_DATASETS`` on this checkout's cache and datasets, so that results, splits and
peer environments are shared. Uncommitted changes are not measured (a warning says so).
Remove old snapshots with ``git worktree remove``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks._cache import DEFAULT_ROOT
from benchmarks._datasets import DATASETS

__all__ = ["run_in_snapshot"]

REPO = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def run_in_snapshot(argv: Sequence[str]) -> int:
    """Run ``python -m benchmarks ARGV`` (without ``--snapshot``) in a worktree of HEAD.

    Returns:
        The exit code of that run; 2 when no snapshot can be made (not a git checkout).
    """
    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--untracked-files=no"))
        snapshot = DEFAULT_ROOT / "snapshots" / commit[:12]
        if not (snapshot / "benchmarks").is_dir():
            _git("worktree", "add", "--detach", str(snapshot), commit)
    except (OSError, RuntimeError) as exc:
        print(f"error: --snapshot needs a git checkout: {exc}", file=sys.stderr)
        return 2
    if dirty:
        print(
            f"warning: uncommitted changes are not measured: the snapshot is commit {commit[:12]}.",
            file=sys.stderr,
        )
    print(f"snapshot: commit {commit[:12]} in {snapshot}", file=sys.stderr)
    path = os.environ.get("PYTHONPATH")
    env = {
        **os.environ,
        "PYTHONPATH": str(snapshot) + (os.pathsep + path if path else ""),
        "AUTOML_BENCH_CACHE": str(DEFAULT_ROOT),
        "AUTOML_BENCH_DATASETS": str(DATASETS),
    }
    args = [arg for arg in argv if arg != "--snapshot"]
    command = [sys.executable, "-m", "benchmarks", *args]
    return subprocess.run(command, cwd=snapshot, env=env).returncode
