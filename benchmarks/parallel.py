"""``parallel``: the speed-up of 2 worker processes over 1 on the same number of trials, and
whether ``fit`` ends on time for a short budget.

``automl fit spambase.csv --target target --n-trials 24 --n-jobs 1`` and then ``--n-jobs 2``
(each in a fresh ``AUTOML_HOME``); the figure is the ratio of wall times. Then
``--time-budget 10`` and ``--time-budget 30`` runs check the contract "the whole fit ends within
10% + 10 s of the budget".
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from benchmarks._datasets import DATASETS
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

N_TRIALS = 24
_TIMEOUT = 1800.0


def _fit(argv_tail: list[str], data: Path, target: str) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="automl-bench-") as home:
        argv = [find_automl(), "--home", home, "fit", str(data), "--target", target,
                *argv_tail, "--json"]  # fmt: skip
        print(f"parallel: {' '.join(argv[3:])}", file=sys.stderr)
        child = run_child(argv, timeout=_TIMEOUT)
        if child.returncode != 0:
            raise BenchmarkError(f"fit exited {child.returncode}: {child.stderr[-800:]}")
        document: dict[str, object] = json.loads(child.stdout)
        return child.wall_seconds, document


def run(context: Context) -> Result:
    """Measure the 2-worker speed-up and the time-budget contract.

    Returns:
        Speed-up (target over 1.3), trials per minute, and wall times against budgets.
    """
    spambase = DATASETS / "spambase.csv"
    one, doc_one = _fit(["--n-trials", str(N_TRIALS), "--n-jobs", "1"], spambase, "target")
    two, doc_two = _fit(["--n-trials", str(N_TRIALS), "--n-jobs", "2"], spambase, "target")
    figures = [
        Figure("1 worker, 24 trials", one, "s"),
        Figure("2 workers, 24 trials", two, "s"),
        Figure("speed-up of 2 workers", one / two, "x", 1.3, "higher"),
    ]
    details: dict[str, object] = {"one": doc_one["trials"], "two": doc_two["trials"]}
    for budget, name, target in ((10, "titanic", "Survived"), (30, "537_houses", "target")):
        wall, document = _fit(["--time-budget", str(budget)], DATASETS / f"{name}.csv", target)
        figures.append(Figure(f"wall, {name} budget {budget} s", wall, "s", 1.1 * budget + 10))
        details[f"{name}-{budget}"] = {"wall": wall, "best": document["best"]}
    return Result(figures=tuple(figures), details=details)
