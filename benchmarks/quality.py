"""``quality``: test-set scores of ``automl fit`` against default LightGBM, FLAML and AutoGluon.

For every dataset of ``../shared/datasets/MANIFEST.csv`` (12), a 75/25 split (stratified for
classification, written once under ``.bench-cache/splits/``; see :mod:`benchmarks._datasets`),
every system ("peer", :mod:`benchmarks._peers`) fits on the 75% within the same time budget and
writes predictions for the 25%. One function, :func:`score_predictions`, scores every file with
the task's default metric: ROC AUC (binary), log loss (multiclass), RMSE (regression). Datasets
under 2,000 rows are scored as the mean over the splits of seeds 0, 1 and 2.

Systems: ``automl`` (the real CLI: ``automl fit`` then ``automl predict``, ``AUTOML_HOME`` in a
fresh temporary folder), ``lightgbm_default`` (LightGBM's defaults, in automl's environment),
``flaml`` (``flaml[automl]`` in ``.bench-cache/venvs/flaml``), and, only when named,
``autogluon_medium`` and ``autogluon_best`` (``.bench-cache/venvs/autogluon``). Environments are
created on first use.

Options (after ``quality``, anywhere on the line; a lone ``--`` is ignored)::

    python -m benchmarks quality                                   # 12 datasets, 3 systems, 60 s
    python -m benchmarks quality --datasets titanic,phoneme --systems automl,flaml --budget 20
    python -m benchmarks quality --systems all                     # AutoGluon too
    python -m benchmarks quality --retry-errors                    # re-run failed runs only
    nox -s bench -- quality --datasets titanic --budget 20

Each run (dataset, seed, system, budget) is cached as
``.bench-cache/<system-key>/quality/<dataset>-seed<seed>-<system>-<budget>s.json``, errors
included, so an interrupted benchmark resumes where it stopped; ``--force`` re-runs everything
selected. A run's files (predictions, logs, automl's ``run.json`` and ``leaderboard.json``) stay
in ``.bench-cache/<system-key>/quality-work/<same key>/``.

Output: the scores per dataset and system with the winner, automl's wins, losses and ties
against each system (a tie is a difference under 0.002 AUC, or under 0.5% of the other system's
log loss or RMSE), each system's mean rank, every system's wins, losses and ties against
every other by the same rule, and automl's fit wall time against its limit
(1.1 x budget + 10 s), and every system's chosen model's predict time per 1,000 rows
(automl's target: under 50 ms). Beside the fixed tie band, a paired bootstrap over the test
rows (:func:`paired_bootstrap`: the same resampled rows for both systems, seeds averaged) gives
each difference its 95% interval and the share of resamples with automl ahead, read from the
predictions kept in the work folders; the figure ``clearly_ahead_of_<system>`` counts the
datasets where that share is at least 0.95. Targets, stated for
the 12 datasets at 60 s and scaled to the number of datasets selected: automl ahead of default
LightGBM on 11 of 12 datasets, ahead of or tied with FLAML on 9 of 12, and every automl fit
within its wall-time limit. A system that fails on a dataset loses it (a failure on both sides
is not counted).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks._datasets import DEFAULT_MANIFEST, Dataset, Split, load_manifest, make_split
from benchmarks._peers import PEERS, Job, Peer, PeerError
from benchmarks._quality_plan import DEFAULT_BUDGET, NAME, Plan, plain, wall_limit
from benchmarks._quality_report import report
from benchmarks._quality_scoring import RowScores, ScoreError, row_scores, score_predictions
from benchmarks._quality_stats import Paired, paired_bootstrap
from benchmarks._result import BenchmarkError, Context, Result

__all__ = [
    "Paired",
    "RowScores",
    "add_options",
    "paired_bootstrap",
    "row_scores",
    "run",
    "score_predictions",
]


def add_options(group: argparse._ArgumentGroup) -> None:
    """The quality benchmark's options."""
    group.add_argument(
        "--datasets",
        metavar="A,B",
        help="datasets of the manifest to run, comma-separated (default: all)",
    )
    group.add_argument(
        "--systems",
        metavar="A,B",
        type=_systems,
        help=(
            f"systems to compare, comma-separated, or 'all' (default: "
            f"{','.join(p.name for p in PEERS.values() if p.default)}; "
            f"all: {','.join(PEERS)})"
        ),
    )
    group.add_argument(
        "--budget",
        type=_budget,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help=f"time budget of every fit (default: {DEFAULT_BUDGET:g})",
    )
    group.add_argument(
        "--retry-errors",
        action="store_true",
        help="re-run the cached runs that failed (--force re-runs all)",
    )


def _systems(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if names == ["all"]:
        return list(PEERS)
    unknown = [n for n in names if n not in PEERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown system {', '.join(map(repr, unknown)) or repr(text)}; "
            f"choose from {', '.join(PEERS)} or 'all'"
        )
    return list(dict.fromkeys(names))


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Running: one cached entry per (dataset, seed, system, budget).


def run(context: Context) -> Result:
    """Run (or read from the cache) every selected fit, then compare the systems.

    Args:
        context: The cache, ``force``, and the options of :func:`add_options`.

    Returns:
        Figures for the targets, mean ranks and automl's timing; tables of scores, wins and
        timings; notes for every failed run.

    Raises:
        BenchmarkError: The manifest cannot be read or ``--datasets`` names an unknown dataset.
    """
    plan = _plan(context.options)
    cache = context.cache
    jobs = [(d, seed, p) for d in plan.datasets for seed in d.seeds for p in plan.peers]
    budget_key = f"{plan.budget:g}"
    print(
        f"quality: {len(plan.datasets)} datasets, systems {', '.join(p.name for p in plan.peers)}"
        f", budget {budget_key} s: {len(jobs)} runs",
        file=sys.stderr,
    )
    runs: list[dict[str, Any]] = []
    from_cache = 0
    splits: dict[tuple[str, int], Split | str] = {}
    for number, (dataset, seed, peer) in enumerate(jobs, start=1):
        key = f"{dataset.name}-seed{seed}-{peer.name}-{budget_key}s"
        entry = None if context.force else cache.load(NAME, key)
        if entry is not None and not (plan.retry_errors and entry.payload.get("error")):
            runs.append(entry.payload)
            from_cache += 1
            print(f"[{number}/{len(jobs)}] {key}: cached ({_said(entry.payload)})", file=sys.stderr)
            continue
        if (dataset.name, seed) not in splits:
            try:
                splits[dataset.name, seed] = make_split(dataset, seed, cache.root / "splits")
            except BenchmarkError as exc:
                splits[dataset.name, seed] = str(exc)
        split = splits[dataset.name, seed]
        if isinstance(split, str):  # not cached: the file may be fixed before the next run
            runs.append(_payload(dataset, seed, peer, plan.budget, error=f"split: {split}"))
            continue
        print(f"[{number}/{len(jobs)}] {key}: running ...", file=sys.stderr)
        work = cache.root / cache.system / f"{NAME}-work" / key
        payload = _run_one(peer, split, plan.budget, work, cache.root)
        cache.save(NAME, payload, key)
        runs.append(payload)
        print(f"[{number}/{len(jobs)}] {key}: {_said(payload)}", file=sys.stderr)
    paired = _paired_results(plan, runs, cache.root / cache.system / f"{NAME}-work",
                             cache.root / "splits")  # fmt: skip
    return report(plan, runs, from_cache, cache.root / cache.system / NAME, paired)


def _plan(options: Any) -> Plan:
    manifest = load_manifest(DEFAULT_MANIFEST)
    by_name = {d.name: d for d in manifest}
    wanted = options.get("datasets")
    if wanted:
        names = [n.strip() for n in wanted.split(",") if n.strip()]
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise BenchmarkError(
                f"Unknown dataset {', '.join(map(repr, unknown))}; the manifest has "
                f"{', '.join(by_name)}."
            )
        datasets = [by_name[n] for n in dict.fromkeys(names)]
    else:
        datasets = manifest
    systems = options.get("systems") or [p.name for p in PEERS.values() if p.default]
    return Plan(
        datasets=datasets,
        peers=[PEERS[name] for name in systems],
        budget=float(options.get("budget") or DEFAULT_BUDGET),
        retry_errors=bool(options.get("retry_errors")),
    )


def _payload(
    dataset: Dataset, seed: int, peer: Peer, budget: float, **fields: Any
) -> dict[str, Any]:
    return {
        "dataset": dataset.name,
        "seed": seed,
        "system": peer.name,
        "budget": budget,
        "task": dataset.task,
        "metric": dataset.metric,
        "score": None,
        "error": None,
        "fit_wall_seconds": None,
        "wall_limit_seconds": wall_limit(budget),
        "score_notes": [],
        "info": {},
        **fields,
    }


def _run_one(peer: Peer, split: Split, budget: float, work: Path, root: Path) -> dict[str, Any]:
    """Run one peer on one split and score it; any failure becomes the entry's ``error``."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fields: dict[str, Any] = {
        "n_train": split.n_train,
        "n_test": split.n_test,
        "work": str(work),
    }
    started = time.perf_counter()
    try:
        done = peer.run(Job(split=split, budget=budget, work=work, cache_root=root))
    except PeerError as exc:
        fields.update(
            error=str(exc), info=exc.info, fit_wall_seconds=exc.info.get("fit_wall_seconds")
        )
    except Exception as exc:  # a bug in the harness or a peer: keep going with the others
        traceback.print_exc()
        fields.update(error=f"{type(exc).__name__}: {exc}")
    else:
        fields.update(info=done.info, fit_wall_seconds=round(done.fit_wall_seconds, 3))
        try:
            score, notes = score_predictions(split, done.predictions)
        except (ScoreError, ValueError, KeyError) as exc:
            fields.update(error=f"scoring {done.predictions}: {exc}")
        else:
            fields.update(score=score, score_notes=notes)
    fields["seconds"] = round(time.perf_counter() - started, 3)
    return plain(_payload(split.dataset, split.seed, peer, budget, **fields))


def _said(payload: dict[str, Any]) -> str:
    if payload.get("error"):
        return f"error: {str(payload['error'])[:200]}"
    wall = payload.get("fit_wall_seconds")
    wall_text = f", fit {wall:.1f} s" if isinstance(wall, int | float) else ""
    return f"{payload['metric']} {payload['score']:.5g}{wall_text}"


def _paired_results(
    plan: Plan, runs: list[dict[str, Any]], work: Path, splits: Path
) -> dict[str, dict[str, Paired | str]]:
    """automl against each other system on each dataset, where every seed's predictions of
    both are in their folders under ``work`` (a reason otherwise). Each split and each
    predictions file is read once."""
    names = [p.name for p in plan.peers]
    if "automl" not in names:
        return {}
    budget_key = f"{plan.budget:g}"
    scored = {(r["dataset"], r["seed"], r["system"]) for r in runs if r.get("score") is not None}
    table: dict[str, dict[str, Paired | str]] = {}
    for dataset in plan.datasets:
        found: dict[tuple[int, str], RowScores] = {}
        for seed in dataset.seeds:
            try:
                split = make_split(dataset, seed, splits)
            except BenchmarkError:
                continue
            for system in names:
                if (dataset.name, seed, system) not in scored:
                    continue
                key = f"{dataset.name}-seed{seed}-{system}-{budget_key}s"
                try:
                    found[seed, system], _ = row_scores(split, work / key / "predictions.csv")
                except (ScoreError, OSError, ValueError):
                    continue
        table[dataset.name] = {}
        for other in names:
            if other == "automl":
                continue
            pairs = [(found.get((s, "automl")), found.get((s, other))) for s in dataset.seeds]
            complete = [(a, b) for a, b in pairs if a is not None and b is not None]
            table[dataset.name][other] = (
                paired_bootstrap(complete) if len(complete) == len(pairs) else "no predictions"
            )
    return table
