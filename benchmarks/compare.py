"""``compare``: ``automl compare`` of a full search against default LightGBM on phoneme.

On the quality benchmark's phoneme split (seed 0: 4,053 training rows, 1,351 test rows), two
runs are fitted with the real ``automl fit``: default LightGBM alone (``--models lightgbm
--n-trials 2 --no-ensemble``: the constant baseline, then LightGBM's defaults, which are
saved) and a full search of 60 s. ``automl compare FULL DEFAULT --data test.csv`` must say
``better`` for the full run: the quality benchmark measured it ahead of default LightGBM in
every resample at 60 s (docs/benchmarks.md). The figures are the share of resamples with the
full run ahead (target at least 0.95), the difference in ROC AUC, and whether the verdict is
``better`` (1) or not (0).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._datasets import load_manifest, make_split
from benchmarks._process import run_automl
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

DATASET = "phoneme"
BUDGET = 60
TARGET_AHEAD = 0.95
_TIMEOUT = 1800.0


def run(context: Context) -> Result:
    """Fit both runs and compare them on the test rows.

    Args:
        context: Gives the cache folder where the split is written once.

    Returns:
        The share of resamples with the full run ahead (target at least 0.95), the
        difference, and the verdict (1 for ``better``).

    Raises:
        BenchmarkError: A command failed.
    """
    dataset = {d.name: d for d in load_manifest()}[DATASET]
    split = make_split(dataset, 0, context.cache.root / "splits")
    home = Path(tempfile.mkdtemp(prefix="automl-bench-compare-"))
    load = os.getloadavg()[0]
    try:
        fit = ["fit", str(split.train), "--target", dataset.target]
        # the constant baseline is always the first trial: the second is default LightGBM
        default = _json(home, *fit, "--models", "lightgbm", "--n-trials", "2",
                        "--no-ensemble")  # fmt: skip
        if default["model"]["members"] != ["lightgbm#1"]:
            raise BenchmarkError(f"expected default LightGBM, saved {default['model']}")
        full = _json(home, *fit, "--time-budget", str(BUDGET))
        result = _json(home, "compare", full["run_id"], default["run_id"], "--data",
                       str(split.test))  # fmt: skip
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return Result(
        figures=(
            Figure("full ahead", float(result["challenger_ahead"]), "", TARGET_AHEAD, "higher"),
            Figure("difference", float(result["difference"]), "AUC"),
            Figure("better", float(result["verdict"] == "better"), "", 0.5, better="higher"),
        ),
        notes=(
            f"{DATASET}: {split.n_train:,} training rows, {split.n_test:,} test rows; full "
            f"{result['challenger_score']:.4f} ({full['model']['kind']}), default LightGBM "
            f"{result['champion_score']:.4f}; 95% interval [{result['low']:+.4f}, "
            f"{result['high']:+.4f}]; verdict {result['verdict']}; load average {load:.1f} on "
            f"{os.cpu_count()} cores before the fits",
        ),
        details={"comparison": result},
    )


def _json(home: Path, *args: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        run_automl(home, *args, "--json", label="compare", timeout=_TIMEOUT)
    )
    return document
