"""``refit``: ``automl refit`` of a run on its own data, against the run's final refit.

A run is fitted once with the real ``automl fit`` on the synthetic mixed CSV (20,000 rows;
``--models lightgbm,catboost,random_forest,linear --n-trials 8 --cv 3``, so that the model may
be an ensemble of several families). Then ``automl refit DATA --from RUN`` runs twice on the
same file. The figures: the refit's fit seconds over the parent's final refit seconds (both
as recorded by automl: the time to fit the final model, the faster of the two refits; target
at most 1.3), the whole command's wall time, and the largest difference between the two
models' predicted probabilities on the file (target: under 1e-9, the same model).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks._process import run_automl
from benchmarks._result import Context, Figure, Result
from benchmarks._synthetic import TARGET, mixed_csv

__all__ = ["run"]

N_ROWS = 20_000
SEED = 0
TARGET_RATIO = 1.3
TARGET_DIFFERENCE = 1e-9
_TIMEOUT = 1800.0


def run(context: Context) -> Result:
    """Fit once, refit twice on the same data, and compare.

    Args:
        context: Gives the data folder where the CSV is generated once.

    Returns:
        Refit over parent seconds (target at most 1.3), command seconds, largest prediction
        difference (target under 1e-9).

    Raises:
        BenchmarkError: A command failed.
    """
    data = mixed_csv(context.cache.data_dir, n_rows=N_ROWS, seed=SEED)
    home = Path(tempfile.mkdtemp(prefix="automl-bench-refit-"))
    try:
        fitted = json.loads(_automl(home, "fit", str(data), "--target", TARGET, "--models",
                                    "lightgbm,catboost,random_forest,linear", "--n-trials", "8",
                                    "--cv", "3", "--n-jobs", "1", "--json"))  # fmt: skip
        parent = str(fitted["run_id"])
        refits, walls, loads = [], [], []
        for _ in range(2):
            loads.append(os.getloadavg()[0])
            started = time.perf_counter()
            refits.append(json.loads(_automl(home, "refit", str(data), "--from", parent,
                                             "--json")))  # fmt: skip
            walls.append(time.perf_counter() - started)
        difference = _largest_difference(home, data, parent, str(refits[0]["run_id"]))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    parent_seconds = float(refits[0]["parent_refit_seconds"])
    each = [float(r["refit_seconds"]) for r in refits]
    seconds = min(each)
    return Result(
        figures=(
            Figure("refit / parent", seconds / parent_seconds, "x", TARGET_RATIO),
            Figure("refit", seconds, "s"),
            Figure("parent refit", parent_seconds, "s"),
            Figure("command", min(walls), "s"),
            Figure("max |difference|", difference, "", TARGET_DIFFERENCE),
        ),
        notes=(
            f"{N_ROWS:,} rows; members {', '.join(refits[0]['members'])}; refits "
            f"{', '.join(f'{x:.2f} s' for x in each)}; load average "
            f"before each {', '.join(f'{x:.1f}' for x in loads)} on {os.cpu_count()} cores",
        ),
        details={"parent": fitted["model"], "refits": refits, "walls": walls},
    )


def _largest_difference(home: Path, data: Path, parent: str, child: str) -> float:
    """The largest absolute difference between the two runs' predicted probabilities."""
    import pandas as pd

    frames = []
    for run in (parent, child):
        out = home / f"{run}.csv"
        _automl(home, "predict", str(data), "--run", run, "--output", str(out))
        frames.append(pd.read_csv(out).filter(like="proba_").to_numpy())
    return float(abs(frames[0] - frames[1]).max())


def _automl(home: Path, *args: str) -> str:
    return run_automl(home, *args, label="refit", timeout=_TIMEOUT)
