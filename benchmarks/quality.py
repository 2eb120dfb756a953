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
import statistics
import sys
import time
import traceback
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks._datasets import DEFAULT_MANIFEST, Dataset, Split, load_manifest, make_split
from benchmarks._peers import PEERS, PREDICT_MS_LIMIT, Job, Peer, PeerError
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = [
    "Paired",
    "RowScores",
    "add_options",
    "paired_bootstrap",
    "row_scores",
    "run",
    "score_predictions",
]

NAME = "quality"
DEFAULT_BUDGET = 60.0
#: The stated targets: automl ahead of LightGBM on 11 of 12 datasets, ahead or tied with FLAML
#: on 9 of 12. With fewer datasets the share is kept (rounded up).
AHEAD_OF_LIGHTGBM = 11 / 12
AHEAD_OR_TIED_FLAML = 9 / 12
FULL_DATASETS = 12
TARGET_BUDGET = 60.0
#: Ties: an absolute AUC difference, or a relative log-loss or RMSE difference, under these.
TIE_AUC = 0.002
#: automl's saved model must predict 1,000 rows within this many milliseconds (the limit the
#: automl peer passes to ``fit --max-predict-ms``).
PREDICT_MS_TARGET = PREDICT_MS_LIMIT
TIE_RELATIVE = 0.005
#: Paired bootstrap over test rows: resamples, and how many are drawn at once.
BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_CHUNK = 250
#: automl counts as clearly ahead of a system when it is ahead in this share of resamples.
CLEARLY_AHEAD = 0.95
_HIGHER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}
_EPS = 1e-15
#: What the overall result's details keep of each run (the full entries are in the cache).
_RUN_SUMMARY = ("dataset", "seed", "system", "score", "error", "fit_wall_seconds")


def wall_limit(budget: float) -> float:
    """The most an ``automl fit`` may take, start to exit: 1.1 x budget + 10 s."""
    return 1.1 * budget + 10.0


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
# Scoring: the one function every system's predictions go through.


class ScoreError(Exception):
    """A predictions file cannot be scored (wrong length, missing columns, NaN)."""


def label_key(label: object) -> str:
    """A class label as comparable text: ``1``, ``1.0`` and `` 1`` are all ``"1"``."""
    text = str(label).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number == int(number):
        return str(int(number))
    return repr(number)


def _label_order(key: str) -> tuple[int, float, str]:
    try:
        return (0, float(key), key)
    except ValueError:
        return (1, 0.0, key)


@dataclass(frozen=True)
class RowScores:
    """A predictions file reduced to what its score is computed from, row by row.

    Attributes:
        metric: ``roc_auc``, ``log_loss`` or ``rmse``.
        values: Per test row: the positive class's score (ROC AUC), minus the log of the true
            class's probability (log loss), or the squared error (RMSE).
        positive: Per test row, whether it is of the positive class (ROC AUC only).
    """

    metric: str
    values: Any
    positive: Any = None

    def score(self) -> float:
        """The metric over all rows."""
        import numpy as np

        if self.metric == "rmse":
            return float(np.sqrt(np.mean(self.values)))
        if self.metric == "log_loss":
            return float(np.mean(self.values))
        return float(_auc(self.positive[None, :], self.values[None, :])[0])

    def resampled(self, rows: Any) -> Any:
        """The metric on each row of ``rows``, a matrix of positions (one resample a row)."""
        import numpy as np

        values = self.values[rows]
        if self.metric == "rmse":
            return np.sqrt(values.mean(axis=1))
        if self.metric == "log_loss":
            return values.mean(axis=1)
        return _auc(self.positive[rows], values)


def _auc(positive: Any, scores: Any) -> Any:
    """ROC AUC of each row of two matrices, from ranks (ties share their mean rank); NaN for
    a row without both classes."""
    import numpy as np
    from scipy.stats import rankdata

    ranks = rankdata(scores, axis=1)
    n_positive = positive.sum(axis=1)
    n_negative = positive.shape[1] - n_positive
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * positive).sum(axis=1) - n_positive * (n_positive + 1) / 2) / (
            n_positive * n_negative
        )


def score_predictions(split: Split, predictions: Path) -> tuple[float, list[str]]:
    """Score a predictions file on the split's test rows with the dataset's metric.

    See :func:`row_scores`, which reads and checks the file.

    Returns:
        The score and notes on anything repaired (missing class columns, rows not summing to 1).

    Raises:
        ScoreError: The file cannot be scored.
    """
    rows, notes = row_scores(split, predictions)
    return rows.score(), notes


def row_scores(split: Split, predictions: Path) -> tuple[RowScores, list[str]]:
    """Read a predictions file and reduce it to per-row values of the dataset's metric.

    The file has automl's format: ``prediction`` (used for regression) and one
    ``proba_<class>`` column per class (classification; labels are matched as text, ``1.0``
    being ``1``). The classes are those of the training rows, sorted; the positive class of ROC
    AUC is the last. A class without a column gets probability 0. For log loss, rows are
    normalised to sum to 1 and clipped at 1e-15.

    Args:
        split: The split, whose ``test.csv`` holds the true targets.
        predictions: The file, one row per test row, in order.

    Returns:
        The per-row values and notes on anything repaired.

    Raises:
        ScoreError: The file cannot be read, has the wrong number of rows, lacks the needed
            columns, or holds missing or non-finite values.
    """
    import numpy as np
    import pandas as pd

    target = split.dataset.target
    truth = pd.read_csv(split.test, dtype=str, keep_default_na=False, usecols=[target])[target]
    try:
        frame = pd.read_csv(predictions)
    except (OSError, ValueError) as exc:
        raise ScoreError(f"cannot read {predictions}: {exc}") from exc
    if len(frame) != len(truth):
        raise ScoreError(f"{len(frame)} predictions for {len(truth)} test rows")
    metric = split.dataset.metric
    if metric == "rmse":
        if "prediction" not in frame.columns:
            raise ScoreError("no 'prediction' column")
        values = pd.to_numeric(frame["prediction"], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise ScoreError(f"{int((~np.isfinite(values)).sum())} missing or non-finite values")
        y = pd.to_numeric(truth).to_numpy(dtype=float)
        return RowScores(metric, (values - y) ** 2), []
    train_target = pd.read_csv(split.train, dtype=str, keep_default_na=False, usecols=[target])
    classes = sorted({label_key(v) for v in train_target[target]}, key=_label_order)
    columns = {label_key(c[len("proba_") :]): c for c in frame.columns if c.startswith("proba_")}
    if not columns:
        raise ScoreError("no proba_<class> column")
    notes = []
    missing = [c for c in classes if c not in columns]
    if missing:
        notes.append(f"no probability column for class(es) {', '.join(missing)}; taken as 0")
    proba = np.column_stack(
        [
            pd.to_numeric(frame[columns[c]], errors="coerce").to_numpy(dtype=float)
            if c in columns
            else np.zeros(len(frame))
            for c in classes
        ]
    )
    if not np.isfinite(proba).all():
        raise ScoreError(f"{int((~np.isfinite(proba)).sum())} missing or non-finite probabilities")
    y = np.array([label_key(v) for v in truth], dtype=object)
    if metric == "roc_auc":
        positive = y == classes[-1]
        if positive.all() or not positive.any():
            raise ScoreError("the test rows hold a single class; ROC AUC is undefined")
        # A binary file with only the negative class's column still ranks the rows.
        complement = classes[-1] not in columns and len(classes) == 2
        scores = 1.0 - proba[:, 0] if complement else proba[:, -1]
        return RowScores(metric, scores, positive.astype(bool)), notes
    sums = proba.sum(axis=1)
    if (sums <= 0).any():
        raise ScoreError(f"{int((sums <= 0).sum())} rows of probabilities sum to 0")
    off = np.abs(sums - 1.0) > 1e-3
    if off.any():
        notes.append(f"{int(off.sum())} rows of probabilities did not sum to 1; normalised")
    proba = np.clip(proba / sums[:, None], _EPS, 1.0)
    index = {c: i for i, c in enumerate(classes)}
    p_true = np.array(
        [proba[row, index[label]] if label in index else _EPS for row, label in enumerate(y)]
    )
    return RowScores(metric, -np.log(p_true)), notes


# ---------------------------------------------------------------------------------------------
# Running: one cached entry per (dataset, seed, system, budget).


@dataclass(frozen=True)
class _Plan:
    datasets: list[Dataset]
    peers: list[Peer]
    budget: float
    retry_errors: bool


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
    return _report(plan, runs, from_cache, cache.root / cache.system / NAME, paired)


def _plan(options: Any) -> _Plan:
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
    return _Plan(
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
    return _plain(_payload(split.dataset, split.seed, peer, budget, **fields))


def _said(payload: dict[str, Any]) -> str:
    if payload.get("error"):
        return f"error: {str(payload['error'])[:200]}"
    wall = payload.get("fit_wall_seconds")
    wall_text = f", fit {wall:.1f} s" if isinstance(wall, int | float) else ""
    return f"{payload['metric']} {payload['score']:.5g}{wall_text}"


def _plain(value: Any) -> Any:
    """JSON-safe data: non-finite floats become ``None``, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return str(value)


# ---------------------------------------------------------------------------------------------
# Comparing and reporting.


@dataclass(frozen=True)
class _Cell:
    """One system on one dataset, over the dataset's seeds."""

    score: float | None
    error: str | None


def _cells(plan: _Plan, runs: list[dict[str, Any]]) -> dict[str, dict[str, _Cell]]:
    table: dict[str, dict[str, _Cell]] = {}
    for dataset in plan.datasets:
        row = table.setdefault(dataset.name, {})
        for peer in plan.peers:
            mine = [r for r in runs if r["dataset"] == dataset.name and r["system"] == peer.name]
            errors = [f"seed {r['seed']}: {r['error']}" for r in mine if r.get("error")]
            scores = [r["score"] for r in mine if r.get("score") is not None]
            if errors or len(scores) != len(dataset.seeds):
                row[peer.name] = _Cell(None, "; ".join(errors) or "no result")
            else:
                row[peer.name] = _Cell(statistics.fmean(scores), None)
    return table


def compare(metric: str, mine: float | None, theirs: float | None) -> str | None:
    """``W``, ``L`` or ``T`` for ``mine`` against ``theirs``; ``None`` when both failed.

    A failed system (``None``) loses. A tie is an AUC difference under 0.002, or a log loss or
    RMSE difference under 0.5% of ``theirs``.
    """
    if mine is None and theirs is None:
        return None
    if mine is None:
        return "L"
    if theirs is None:
        return "W"
    difference = mine - theirs
    if metric == "roc_auc":
        tie = abs(difference) < TIE_AUC
    else:
        tie = abs(difference) < TIE_RELATIVE * abs(theirs)
    if tie:
        return "T"
    better = difference > 0 if _HIGHER_IS_BETTER[metric] else difference < 0
    return "W" if better else "L"


@dataclass(frozen=True)
class Paired:
    """automl against another system on one dataset, by a paired bootstrap over test rows.

    Attributes:
        difference: automl's score minus the other's (mean over seeds), signed so that a
            positive value favours automl (for log loss and RMSE: the other's minus automl's).
        low: The 2.5th percentile of the resampled differences.
        high: The 97.5th percentile.
        ahead: The share of resamples in which automl is ahead.
    """

    difference: float
    low: float
    high: float
    ahead: float


def paired_bootstrap(
    pairs: Sequence[tuple[RowScores, RowScores]], *, resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> Paired:  # fmt: skip
    """Resample the test rows of each seed's split with replacement, the same rows for both
    systems, and average the signed difference over seeds for each resample.

    Args:
        pairs: Per seed, automl's and the other system's row scores on the same test rows.
        resamples: How many resamples.
        seed: Seed of the resampling (fixed: the same files give the same figures).

    Returns:
        The observed difference, a 95% percentile interval and the share of resamples with
        automl ahead. Resamples in which a score is undefined (ROC AUC of a single class) are
        left out.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    sign = 1.0 if _HIGHER_IS_BETTER[pairs[0][0].metric] else -1.0
    observed = statistics.fmean(sign * (a.score() - b.score()) for a, b in pairs)
    total = np.zeros(resamples)
    for mine, theirs in pairs:
        n = len(mine.values)
        for start in range(0, resamples, _BOOTSTRAP_CHUNK):  # bounded memory on big test sets
            rows = rng.integers(0, n, size=(min(_BOOTSTRAP_CHUNK, resamples - start), n))
            stop = start + len(rows)
            total[start:stop] += sign * (mine.resampled(rows) - theirs.resampled(rows))
    total = total[np.isfinite(total)] / len(pairs)
    if not len(total):
        return Paired(observed, math.nan, math.nan, math.nan)
    low, high = np.percentile(total, [2.5, 97.5])
    return Paired(observed, float(low), float(high), float(np.mean(total > 0)))


def _paired_results(
    plan: _Plan, runs: list[dict[str, Any]], work: Path, splits: Path
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


def _ranks(metric: str, scores: dict[str, float | None]) -> dict[str, float]:
    """Rank 1 is the best; equal scores share their mean rank; failures share the last ranks."""
    higher = _HIGHER_IS_BETTER[metric]
    scored = sorted(
        ((s, name) for name, s in scores.items() if s is not None),
        key=lambda x: x[0],
        reverse=higher,
    )
    ranks: dict[str, float] = {}
    i = 0
    while i < len(scored):
        j = i
        while j + 1 < len(scored) and scored[j + 1][0] == scored[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[scored[k][1]] = (i + j) / 2 + 1
        i = j + 1
    failed = [name for name, s in scores.items() if s is None]
    for name in failed:
        ranks[name] = len(scored) + (len(failed) + 1) / 2
    return ranks


def _report(
    plan: _Plan,
    runs: list[dict[str, Any]],
    from_cache: int,
    cache_dir: Path,
    paired: dict[str, dict[str, Paired | str]],
) -> Result:
    cells = _cells(plan, runs)
    names = [p.name for p in plan.peers]
    others = [n for n in names if n != "automl"]
    has_automl = "automl" in names
    by_name = {d.name: d for d in plan.datasets}
    pairwise = _pairwise(plan, cells, names)
    outcomes = pairwise["automl"] if has_automl else {n: {} for n in others}
    rank_lists: dict[str, list[float]] = {n: [] for n in names}
    for dataset in plan.datasets:
        row = cells[dataset.name]
        for name, rank in _ranks(dataset.metric, {n: row[n].score for n in names}).items():
            rank_lists[name].append(rank)
    mean_rank = {n: statistics.fmean(r) for n, r in rank_lists.items() if r}
    automl_runs = [r for r in runs if r["system"] == "automl"]
    limit = wall_limit(plan.budget)

    figures: list[Figure] = []
    notes: list[str] = []
    n = len(plan.datasets)
    scaled = n != FULL_DATASETS or plan.budget != TARGET_BUDGET
    for other, share, counts, label in (
        ("lightgbm_default", AHEAD_OF_LIGHTGBM, ("W",), "ahead_of_lightgbm_default"),
        ("flaml", AHEAD_OR_TIED_FLAML, ("W", "T"), "ahead_or_tied_flaml"),
    ):
        if has_automl and other in others:
            achieved = sum(1 for o in outcomes[other].values() if o in counts)
            required = math.ceil(share * n - 1e-9)
            figures.append(Figure(label, achieved, f"of {n}", required - 0.5, "higher"))
            notes.append(f"{label}: needs {required} of {n} datasets, got {achieved}.")
    for other in others if paired else ():
        tested = [p for row in paired.values() if isinstance(p := row.get(other), Paired)]
        if tested:
            clearly = sum(1 for p in tested if p.ahead >= CLEARLY_AHEAD)
            figures.append(Figure(f"clearly_ahead_of_{other}", clearly, f"of {len(tested)}"))
    walls = [r["fit_wall_seconds"] for r in automl_runs if r.get("fit_wall_seconds") is not None]
    if walls:
        figures.append(Figure("automl_max_fit_wall", max(walls), "s", limit))
    predict_ms = [
        r["info"]["predict_ms_per_1000"]
        for r in automl_runs
        if isinstance(r.get("info"), dict) and r["info"].get("predict_ms_per_1000") is not None
    ]
    if predict_ms:
        figures.append(Figure("automl_median_predict", statistics.median(predict_ms), "ms/1k"))
        figures.append(Figure("automl_max_predict", max(predict_ms), "ms/1k", PREDICT_MS_TARGET))
    for name in names:
        if name in mean_rank:
            figures.append(Figure(f"mean_rank_{name}", mean_rank[name], f"of {len(names)}"))
    failed = [r for r in runs if r.get("error")]
    figures.append(Figure("failed_runs", len(failed), f"of {len(runs)}"))

    if scaled:
        notes.append(
            f"targets are stated for {FULL_DATASETS} datasets at {TARGET_BUDGET:g} s; this run "
            f"has {n} at {plan.budget:g} s, so the dataset counts are scaled (rounded up)."
        )
    sources = sorted({str((r.get("info") or {}).get("source")) for r in automl_runs})
    if len(sources) > 1:
        notes.append(
            f"the automl runs come from {len(sources)} different versions of the code "
            f"({', '.join(sources)}); --force re-runs them all with the current one."
        )
    for r in automl_runs:
        wall = r.get("fit_wall_seconds")
        if wall is not None and wall > limit:
            notes.append(
                f"automl fit on {r['dataset']} seed {r['seed']} took {wall:.1f} s, over the "
                f"{limit:g} s limit."
            )
    for r in failed:
        notes.append(f"error: {r['dataset']} seed {r['seed']} {r['system']}: {r['error']}")
    for r in runs:
        for note in r.get("score_notes") or ():
            notes.append(f"scoring {r['dataset']} seed {r['seed']} {r['system']}: {note}")
    if from_cache:
        notes.append(
            f"{from_cache} of {len(runs)} runs came from the cache in {cache_dir}; --force "
            "re-runs them, --retry-errors only the failed ones."
        )

    versus = {
        name: {other: {x: list(got.values()).count(x) for x in "WLT"} for other, got in row.items()}
        for name, row in pairwise.items()
    }
    tables = [
        _scores_table(plan, cells, outcomes, names, others),
        _rank_table(names, others, outcomes, mean_rank),
    ]
    if len(names) > 2:
        tables.append(_versus_table(names, versus))
    if paired:
        tables.append(_paired_table(plan, cells, paired, others))
    tables.append(_predict_table(plan, runs, names))
    if automl_runs:
        tables.append(_automl_table(plan, automl_runs, by_name))
    details = {
        "budget": plan.budget,
        "systems": names,
        "datasets": [d.name for d in plan.datasets],
        "scores": {d: {s: c.score for s, c in row.items()} for d, row in cells.items()},
        "outcomes_vs": outcomes,
        "mean_rank": mean_rank,
        "versus": versus,
        "paired_bootstrap": {
            d: {o: asdict(p) if isinstance(p, Paired) else p for o, p in row.items()}
            for d, row in paired.items()
        },
        "runs": [{k: r.get(k) for k in _RUN_SUMMARY} for r in runs],
    }
    return Result(
        figures=tuple(figures), notes=tuple(notes), details=_plain(details), tables=tuple(tables)
    )


def _format_score(metric: str, value: float | None) -> str:
    if value is None:
        return "error"
    if metric == "rmse":
        return f"{value:.5g}" if abs(value) < 1e5 else f"{value:,.0f}"
    return f"{value:.4f}"


def _winner(metric: str, row: dict[str, _Cell], names: list[str]) -> str:
    scored = {n: score for n in names if (score := row[n].score) is not None}
    if not scored:
        return "-"
    pick = max if _HIGHER_IS_BETTER[metric] else min
    best = pick(scored, key=lambda n: scored[n])
    tied = [n for n in scored if n != best and compare(metric, scored[n], scored[best]) == "T"]
    return " ~".join([best, *tied])


def _scores_table(
    plan: _Plan,
    cells: dict[str, dict[str, _Cell]],
    outcomes: dict[str, dict[str, str | None]],
    names: list[str],
    others: list[str],
) -> str:
    has_automl = "automl" in names
    vs = [f"vs {o}" for o in others] if has_automl else []
    rows = [["dataset", "metric", "seeds", *names, "best (~ tied)", *vs]]
    for dataset in plan.datasets:
        row = cells[dataset.name]
        rows.append(
            [
                dataset.name,
                dataset.metric,
                str(len(dataset.seeds)),
                *(_format_score(dataset.metric, row[n].score) for n in names),
                _winner(dataset.metric, row, names),
                *((outcomes[o][dataset.name] or "-") for o in others if has_automl),
            ]
        )
    title = (
        f"Test-set scores at {plan.budget:g} s (roc_auc: higher is better; log_loss, rmse: "
        "lower; mean over seeds 0-2 under 2,000 rows)."
    )
    if vs:
        title += " W/L/T: automl against that system."
    return title + "\n" + text_table(rows, right=set(range(2, 3 + len(names))))


def _rank_table(
    names: list[str],
    others: list[str],
    outcomes: dict[str, dict[str, str | None]],
    mean_rank: dict[str, float],
) -> str:
    has_automl = "automl" in names
    header = ["system", "mean rank"]
    if has_automl:
        header += ["automl wins", "losses", "ties", "not compared"]
    rows = [header]
    for name in names:
        rank = f"{mean_rank[name]:.2f}" if name in mean_rank else "-"
        counts = []
        if has_automl and name in others:
            got = list(outcomes[name].values())
            counts = [str(got.count(x)) for x in ("W", "L", "T", None)]
        elif has_automl:
            counts = ["", "", "", ""]
        rows.append([name, rank, *counts])
    title = "Systems: mean rank over datasets (1 = best)"
    if has_automl:
        title += "; automl's wins, losses and ties against each"
    return title + "\n" + text_table(rows, right={1, 2, 3, 4, 5})


def _pairwise(
    plan: _Plan, cells: dict[str, dict[str, _Cell]], names: list[str]
) -> dict[str, dict[str, dict[str, str | None]]]:
    """``{system: {other: {dataset: W, L, T or None}}}`` by :func:`compare`, for every pair:
    automl's row gives its targets; the others show what those targets would give them."""
    return {
        name: {
            other: {
                d.name: compare(d.metric, cells[d.name][name].score, cells[d.name][other].score)
                for d in plan.datasets
            }
            for other in names
            if other != name
        }
        for name in names
    }


def _versus_table(names: list[str], versus: dict[str, dict[str, dict[str, int]]]) -> str:
    rows = [["system", *(f"vs {n}" for n in names)]]
    for name in names:
        rows.append(
            [name]
            + [
                "-" if other == name else "{W}/{L}/{T}".format(**versus[name][other])
                for other in names
            ]
        )
    title = (
        "Every system against every other: wins/losses/ties of the row's system over the "
        f"datasets (a tie: ROC AUC within {TIE_AUC:g}, log loss or RMSE within "
        f"{TIE_RELATIVE:.1%} of the other's)"
    )
    return title + "\n" + text_table(rows, right=set(range(1, len(names) + 1)))


def _paired_table(
    plan: _Plan,
    cells: dict[str, dict[str, _Cell]],
    paired: dict[str, dict[str, Paired | str]],
    others: list[str],
) -> str:
    rows = [["dataset", "metric", *others]]
    for dataset in plan.datasets:
        decimals = 4
        score = cells[dataset.name]["automl"].score
        if dataset.metric == "rmse" and score:  # as many digits as the scores show
            decimals = max(0, 4 - math.floor(math.log10(abs(score))))
        digits = f"{{:+,.{decimals}f}}"
        cells_of_row = []
        for other in others:
            result = paired[dataset.name].get(other, "-")
            if isinstance(result, Paired):
                cells_of_row.append(
                    f"{digits.format(result.difference)} [{digits.format(result.low)}, "
                    f"{digits.format(result.high)}] {result.ahead:.2f}"
                )
            else:
                cells_of_row.append(str(result))
        rows.append([dataset.name, dataset.metric, *cells_of_row])
    return (
        "automl against each system, paired bootstrap over the test rows "
        f"({BOOTSTRAP_RESAMPLES:,} resamples, the same rows for both, seeds averaged): the "
        "difference (positive favours automl), its 95% interval, and the share of resamples "
        f"with automl ahead (clearly ahead: {CLEARLY_AHEAD:.2f} or more)\n" + text_table(rows)
    )


def _predict_table(plan: _Plan, runs: list[dict[str, Any]], names: list[str]) -> str:
    """Each system's chosen model: milliseconds to predict 1,000 rows (median over seeds)."""
    times: dict[tuple[str, str], list[float]] = {}
    for r in runs:
        value = (r.get("info") or {}).get("predict_ms_per_1000")
        if isinstance(value, int | float):
            times.setdefault((r["dataset"], r["system"]), []).append(float(value))
    rows = [["dataset", *names]]
    for dataset in plan.datasets:
        cells = []
        for name in names:
            got = times.get((dataset.name, name))
            cells.append(f"{statistics.median(got):.1f}" if got else "-")
        rows.append([dataset.name, *cells])
    return (
        "Chosen model: milliseconds to predict 1,000 rows (one warm-up call, median of 3; "
        f"median over seeds; automl's target: under {PREDICT_MS_TARGET:g})\n"
        + text_table(rows, right=set(range(1, 1 + len(names))))
    )


def _automl_table(plan: _Plan, runs: list[dict[str, Any]], by_name: dict[str, Dataset]) -> str:
    limit = wall_limit(plan.budget)
    rows = [["dataset", "seed", "fit wall s", "limit s", "ok", "refit s", "model",
             "predict ms/1k", "cv score", "test score", "trials ok/pruned/failed"]]  # fmt: skip
    order = {d.name: i for i, d in enumerate(plan.datasets)}
    for r in sorted(runs, key=lambda r: (order.get(r["dataset"], 0), r["seed"])):
        info: dict[str, Any] = r["info"] if isinstance(r.get("info"), dict) else {}
        wall = r.get("fit_wall_seconds")
        trials = info.get("trials") or {}
        metric = by_name[r["dataset"]].metric if r["dataset"] in by_name else r.get("metric")
        rows.append(
            [
                r["dataset"],
                str(r["seed"]),
                f"{wall:.1f}" if wall is not None else "-",
                f"{limit:g}",
                ("yes" if wall <= limit else "NO") if wall is not None else "-",
                _maybe(info.get("refit_seconds"), "{:.1f}"),
                str(info.get("model") or ("error" if r.get("error") else "-")),
                _maybe(info.get("predict_ms_per_1000"), "{:.1f}"),
                _maybe(info.get("cv_mean"), "{:.5g}"),
                _format_score(str(metric), r.get("score")) if r.get("score") is not None else "-",
                "/".join(str(trials.get(k, "?")) for k in ("complete", "pruned", "failed"))
                if trials
                else "-",
            ]
        )
    return (
        "automl: fit wall time (start to exit) against 1.1 x budget + 10 s; seconds of the "
        "final refit (every member of an ensemble); chosen model\n"
        + text_table(rows, right={1, 2, 3, 5, 7, 8, 9})
    )


def _maybe(value: Any, pattern: str) -> str:
    return pattern.format(value) if isinstance(value, int | float) else "-"


def text_table(rows: Sequence[Sequence[str]], *, right: Collection[int] = ()) -> str:
    """Rows of cells as aligned text; the first row is the header, underlined."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
