"""``explain``: contributions of 10,000 rows with a single boosted model (LightGBM, CatBoost).

A model is fitted once per family with the real ``automl fit`` (``--models FAMILY --no-ensemble
--n-trials 2``) on the synthetic mixed CSV (19 columns: numbers, categories among them a
50,000-level city, a date, yes/no columns, 5% missing cells), and loaded from its run folder
as users will have it. Two figures per family (best of three each):

- ``FAMILY``: the wall time of :func:`automl.insight.contributions` on the 10,000 rows as
  read from the file, which is what explaining adds to reading the file;
- ``FAMILY cli``: the real ``automl explain DATA --output CSV`` end to end, as a child
  process: start-up and imports, reading and checking the file, loading the model, the
  contributions and writing the 10,000-row CSV; ``FAMILY cli cpu`` is that run's CPU time
  (user and system), which a busy machine inflates less than the wall time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result
from benchmarks._synthetic import TARGET, mixed_csv

if TYPE_CHECKING:
    import pandas as pd

    from automl.insight import Contributions
    from automl.models.predictor import Predictor

__all__ = ["run"]

N_ROWS = 10_000
SEED = 0
TARGET_SECONDS = 5.0
FAMILIES = ("lightgbm", "catboost")
_REPEATS = 3
_FIT_TIMEOUT = 600.0


def run(context: Context) -> Result:
    """Fit one model per boosted family, then time its contributions on 10,000 rows.

    Args:
        context: Gives the data folder where the CSV is generated once.

    Returns:
        One wall time per family (target under 5 s each), with the largest additivity error
        in the notes.

    Raises:
        BenchmarkError: A fit failed, or its model is not the single booster asked for.
    """
    from automl.data import read_table

    path = mixed_csv(context.cache.data_dir, n_rows=N_ROWS, seed=SEED)
    frame = read_table(path).frame.drop(columns=[TARGET])
    figures: list[Figure] = []
    notes: list[str] = [f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"]
    details: dict[str, Any] = {}
    home = Path(tempfile.mkdtemp(prefix="automl-bench-explain-"))
    try:
        for family in FAMILIES:
            predictor = _fitted(path, home / family, family)
            seconds, found = _timed(predictor, frame)
            figures.append(Figure(family, seconds, "s", TARGET_SECONDS))
            command, cpu = _command_seconds(path, home / family)
            figures.append(Figure(f"{family} cli", command, "s", TARGET_SECONDS))
            figures.append(Figure(f"{family} cli cpu", cpu, "s"))
            notes.append(
                f"{family}: {found.space}, exact={found.exact}, largest |base + sum - output| "
                f"{found.max_error:.2e} over {len(frame):,} rows x {len(found.columns)} columns"
            )
            details[family] = {"seconds": seconds, "cli_seconds": command, "cli_cpu": cpu,
                               "max_error": found.max_error}  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return Result(figures=tuple(figures), notes=tuple(notes), details=details)


def _fitted(data: Path, home: Path, family: str) -> Predictor:
    from automl.store.runs import Store

    argv = [find_automl(), "--home", str(home), "fit", str(data), "--target", TARGET,
            "--models", family, "--no-ensemble", "--n-trials", "2", "--n-jobs", "1",
            "--cv", "3"]  # fmt: skip
    print(f"explain: {' '.join(argv)}", file=sys.stderr)
    child = run_child(argv, timeout=_FIT_TIMEOUT)
    if child.returncode != 0:
        raise BenchmarkError(f"automl fit exited with {child.returncode}: {child.stderr[-800:]!r}")
    store = Store(home)
    predictor: Predictor
    predictor, _ = store.load_predictor(store.resolve(experiment=None, run_id=None))
    names = getattr(predictor.model, "names", [])
    if len(names) != 1 or not names[0].startswith(family):
        raise BenchmarkError(f"expected a single {family} model, the run saved {names}")
    return predictor


def _command_seconds(data: Path, home: Path) -> tuple[float, float]:
    """Best of three wall times of ``automl explain DATA --output CSV`` (the whole command),
    and the CPU seconds of that run."""
    out = home / "contributions.csv"
    argv = [find_automl(), "--home", str(home), "explain", str(data), "--output", str(out)]
    print(f"explain: {' '.join(argv)}", file=sys.stderr)
    timings = []
    for _ in range(_REPEATS):
        child = run_child(argv, timeout=_FIT_TIMEOUT)
        if child.returncode != 0:
            raise BenchmarkError(f"automl explain exited with {child.returncode}: "
                                 f"{child.stderr[-800:]!r}")  # fmt: skip
        timings.append((child.wall_seconds, child.cpu_seconds))
    return min(timings)


def _timed(predictor: Predictor, frame: pd.DataFrame) -> tuple[float, Contributions]:
    from automl.insight import contributions

    timings = []
    for _ in range(_REPEATS):
        started = time.perf_counter()
        found = contributions(predictor, frame)
        timings.append(time.perf_counter() - started)
    return min(timings), found
