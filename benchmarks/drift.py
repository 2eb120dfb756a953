"""``drift``: the drift verdict's false alarms and detection, and ``automl drift`` at scale.

1. On ``--drift-splits`` (default 100) random 50/50 splits of three training files
   (``--drift-datasets``, default telco_churn, churn, 537_houses; see
   :mod:`benchmarks._drift_splits`): unchanged halves must say ``none`` on at least 95 of 100;
   a +0.5 sd shift of a top-3 column, or 20% of a top-3 categorical swapped, must be ``drift``
   on at least 95 of 100 with that column ranked first; a column emptied on 30% of the rows
   must be flagged by its missing rate. Cached per dataset and number of splits.
2. ``automl drift --json`` on the 1,000,000 x 20 mixed CSV of ``profile_large`` against a
   model fitted on 20,000 of its rows: wall time under 10 s, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._drift_splits import SPLIT_DATASETS, study_dataset
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["add_options", "run"]

LARGE_ROWS = 1_000_000
FIT_ROWS = 20_000
TARGET_SECONDS = 10.0
TARGET_PEAK_MB = 2000.0
#: At least this many of 100 splits (scaled to --drift-splits).
NEEDED = 95


def add_options(group: argparse._ArgumentGroup) -> None:
    """``--drift-splits N``, ``--drift-datasets a,b``, ``--drift-part splits|large``."""
    group.add_argument("--drift-splits", type=int, default=100, metavar="N",
                       help="random 50/50 splits per dataset (default 100)")  # fmt: skip
    group.add_argument("--drift-datasets", default=",".join(SPLIT_DATASETS), metavar="NAMES",
                       help="datasets of the split study (comma-separated)")  # fmt: skip
    group.add_argument("--drift-part", choices=("all", "splits", "large"), default="all",
                       help="run only the split study or only the 1M-row run")  # fmt: skip


def run(context: Context) -> Result:
    """Run the split study and the large run; figures with their targets."""
    options = context.options
    part = options.get("drift_part") or "all"
    figures: list[Figure] = []
    notes: list[str] = []
    details: dict[str, Any] = {}
    if part in ("all", "splits"):
        n = int(options.get("drift_splits") or 100)
        for name in str(options.get("drift_datasets") or ",".join(SPLIT_DATASETS)).split(","):
            tallies = _cached_study(context, name.strip(), n)
            found, said = _figures(name.strip(), tallies, n)
            figures += found
            notes += said
            details[name] = {k: v for k, v in tallies.items() if k != "splits"}
    if part in ("all", "large"):
        large = _large(context)
        figures += large[0]
        details["large"] = large[1]
    return Result(figures=tuple(figures), notes=tuple(notes), details=details)


def _cached_study(context: Context, name: str, n: int) -> dict[str, Any]:
    if name not in SPLIT_DATASETS:
        raise BenchmarkError(f"unknown dataset {name!r}; choose from {', '.join(SPLIT_DATASETS)}")
    key = f"{name}-splits{n}"
    cached = None if context.force else context.cache.load("drift", key)
    if cached is not None:
        return cached.payload
    tallies = study_dataset(name, n)
    context.cache.save("drift", tallies, key)
    return tallies


def _figures(name: str, tallies: dict[str, Any], n: int) -> tuple[list[Figure], list[str]]:
    splits = tallies["splits"]
    need = NEEDED * n / 100 - 0.5
    figures = [Figure(f"{name}: unchanged halves 'none'",
                      sum(s["none"]["verdict"] == "none" for s in splits), f"/{n}", need,
                      "higher")]  # fmt: skip
    columns = tallies["columns"]
    for key, what in (("shift", "+0.5 sd"), ("swap", "20% swapped")):
        if columns.get(key) is None:
            continue
        drift = sum(s[key]["verdict"] == "drift" for s in splits)
        first = sum(s[key]["verdict"] == "drift" and s[key]["first"] == columns[key]
                    for s in splits)  # fmt: skip
        figures.append(Figure(f"{name}: {columns[key]} {what} 'drift'", drift, f"/{n}", need,
                              "higher"))  # fmt: skip
        figures.append(Figure(f"{name}: ... and ranked first", first, f"/{n}", need, "higher"))
    flagged = sum(bool(s["empty"].get("missing_flagged")) for s in splits)
    figures.append(Figure(f"{name}: {columns['empty']} 30% emptied, flagged by missing rate",
                          flagged, f"/{n}", need, "higher"))  # fmt: skip
    alarms = [
        f"{name} split {s['seed']}: {s['none']['verdict']} "
        f"({'; '.join(s['none'].get('reasons', []))})"
        for s in splits
        if s["none"]["verdict"] != "none"
    ][:5]
    return figures, alarms


def _large(context: Context) -> tuple[list[Figure], dict[str, Any]]:
    """``automl drift --json`` on 1,000,000 rows against a model of 20,000 of them."""
    import pandas as pd

    from benchmarks._synthetic import TARGET, mixed_csv

    path = mixed_csv(context.cache.data_dir, n_rows=LARGE_ROWS, seed=0)
    automl = find_automl()
    with tempfile.TemporaryDirectory(prefix="automl-drift-large-") as tmp:
        small = Path(tmp) / "train.csv"
        pd.read_csv(path, nrows=FIT_ROWS).to_csv(small, index=False)
        home = Path(tmp) / "home"
        fit = run_child([automl, "--home", str(home), "fit", str(small), "--target", TARGET,
                         "--models", "lightgbm", "--no-ensemble", "--n-trials", "2",
                         "--n-jobs", "1"], timeout=1800)  # fmt: skip
        if fit.returncode != 0:
            raise BenchmarkError(f"fit failed: {fit.stderr[-800:]}")
        print(f"drift: automl drift {path.name} --json", file=sys.stderr)
        child = run_child([automl, "--home", str(home), "drift", str(path), "--json"],
                          timeout=600)  # fmt: skip
        if child.returncode != 0:
            raise BenchmarkError(f"automl drift failed: {child.stderr[-800:]}")
    import json

    document = json.loads(child.stdout)
    figures = [
        Figure("1M x 20: automl drift wall", child.wall_seconds, "s", TARGET_SECONDS),
        Figure("1M x 20: automl drift cpu", child.cpu_seconds, "s"),
        Figure("1M x 20: peak memory", child.peak_rss_bytes / 1e6, "MB", TARGET_PEAK_MB),
    ]
    load = os.getloadavg()[0]
    return figures, {"verdict": document["verdict"], "wall": child.wall_seconds, "load": load,
                     "peak_mb": child.peak_rss_bytes / 1e6}  # fmt: skip
