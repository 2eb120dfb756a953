"""``parallel``: what a second worker process buys, and whether ``fit`` ends on time for a short
budget.

1. The same trials: ``automl fit spambase.csv --target target --n-trials 12`` with ``--n-jobs 1``
   and then ``--n-jobs 2`` (each in a fresh ``AUTOML_HOME``). Every run queues the same
   known-good configurations first (the portfolio, 12 of them for classification), so both
   runs evaluate the same 12 configurations; the figures are the ratio of wall times, of the
   whole fit and without the final refit (the same single process either way). With more
   trials than the portfolio, each run samples its own configurations and the ratio measures
   the mix of trials as much as parallelism (one sampled CatBoost of depth 8 took 90 s of a
   133 s run).
2. The same time: ``--time-budget 60`` with 1 and with 2 workers; the figure is the ratio of
   trials evaluated (completed, pruned or failed).
3. ``--time-budget 10`` and ``--time-budget 30`` runs check the contract "the whole fit ends
   within 10% + 10 s of the budget".
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._datasets import DATASETS
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

#: The portfolio's size: the first trials of every run, the same configurations each time.
N_TRIALS = 12
BUDGET = 60
_TIMEOUT = 1800.0


def _fit(argv_tail: list[str], data: Path, target: str) -> tuple[float, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="automl-bench-") as home:
        argv = [find_automl(), "--home", home, "fit", str(data), "--target", target,
                *argv_tail, "--json"]  # fmt: skip
        print(f"parallel: {' '.join(argv[3:])}", file=sys.stderr)
        child = run_child(argv, timeout=_TIMEOUT)
        if child.returncode != 0:
            raise BenchmarkError(f"fit exited {child.returncode}: {child.stderr[-800:]}")
        document: dict[str, Any] = json.loads(child.stdout)
        record = json.loads((Path(document["run_dir"]) / "run.json").read_text(encoding="utf-8"))
        document["timings"] = record.get("timings") or {}
        return child.wall_seconds, document


def _search_seconds(wall: float, document: dict[str, Any]) -> float:
    """The fit's wall time without the final refit, which is the same work for any number of
    workers (one process with every core)."""
    return wall - float(document["timings"].get("refit_seconds") or 0.0)


def _configurations(document: dict[str, Any]) -> dict[int, str]:
    """Trial number -> family and parameters, from ``fit --json``'s leaderboard."""
    return {
        int(row["trial"]): json.dumps([row["family"], row.get("params")], sort_keys=True)
        for row in document["leaderboard"]
        if row.get("trial") is not None
    }


def _evaluated(document: dict[str, Any]) -> int:
    return sum(int(document["trials"][state]) for state in ("complete", "pruned", "failed"))


def run(context: Context) -> Result:
    """Measure the 2-worker speed-up on the same trials and in the same time, and the
    time-budget contract.

    Returns:
        Speed-ups (the search's: target over 1.3), trials in 60 s, and wall times against
        budgets.
    """
    spambase = DATASETS / "spambase.csv"
    same = ["--n-trials", str(N_TRIALS), "--seed", "0"]
    one, doc_one = _fit([*same, "--n-jobs", "1"], spambase, "target")
    two, doc_two = _fit([*same, "--n-jobs", "2"], spambase, "target")
    notes = []
    if _configurations(doc_one) != _configurations(doc_two):
        notes.append("the two runs did not evaluate the same configurations: compare with care")
    timed = ["--time-budget", str(BUDGET), "--seed", "0"]
    _, budget_one = _fit([*timed, "--n-jobs", "1"], spambase, "target")
    _, budget_two = _fit([*timed, "--n-jobs", "2"], spambase, "target")
    search_one, search_two = _search_seconds(one, doc_one), _search_seconds(two, doc_two)
    figures = [
        Figure(f"1 worker, {N_TRIALS} portfolio trials", one, "s"),
        Figure(f"2 workers, {N_TRIALS} portfolio trials", two, "s"),
        Figure("speed-up of 2 workers, whole fit", one / two, "x"),
        Figure("1 worker, without the final refit", search_one, "s"),
        Figure("2 workers, without the final refit", search_two, "s"),
        Figure("speed-up of 2 workers, search", search_one / search_two, "x", 1.3, "higher"),
        Figure(f"trials in {BUDGET} s, 1 worker", _evaluated(budget_one), ""),
        Figure(f"trials in {BUDGET} s, 2 workers", _evaluated(budget_two), ""),
        Figure(f"trials in {BUDGET} s, 2 workers / 1",
               _evaluated(budget_two) / max(_evaluated(budget_one), 1), "x"),
    ]  # fmt: skip
    details: dict[str, object] = {
        "one": doc_one["trials"],
        "two": doc_two["trials"],
        f"one-{BUDGET}s": {"trials": budget_one["trials"], "best": budget_one["best"]},
        f"two-{BUDGET}s": {"trials": budget_two["trials"], "best": budget_two["best"]},
    }
    for budget, name, target in ((10, "titanic", "Survived"), (30, "537_houses", "target")):
        wall, document = _fit(["--time-budget", str(budget)], DATASETS / f"{name}.csv", target)
        figures.append(Figure(f"wall, {name} budget {budget} s", wall, "s", 1.1 * budget + 10))
        details[f"{name}-{budget}"] = {"wall": wall, "best": document["best"]}
    return Result(figures=tuple(figures), details=details, notes=tuple(notes))
