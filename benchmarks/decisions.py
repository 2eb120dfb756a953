"""``decisions``: tuned thresholds and calibration on imbalanced binary sets (issue 21).

Each dataset of ``../shared/datasets`` named below is made imbalanced by keeping every negative
row and a seeded sample of positives (6% of the rows), then split 70/30, stratified. On the
training part, two real ``automl fit`` runs (``--n-jobs 1``, ``--n-trials``, a time budget):

- ``--metric f1`` (so the decision is ``f1``): on the held-out part, ``automl predict`` gives
  F1 at the tuned threshold against ``--decision 0.5`` (target: at least 0.05 better), the
  expected cost of ``--decision cost:1,10`` against 0.5 (lower), and the held-out precision
  of ``--decision precision>=0.9`` (within 0.05 of 0.9, unless the run says it cannot be
  reached); the held-out log loss of the calibrated probabilities against the model's own
  (``auto`` must not be more than 1% worse);
- ``--models random_forest``: held-out ECE of the calibrated probabilities against the
  forest's own (at least 30% lower) and log loss (not higher).

The time the decision step took (``decision.seconds`` in ``run.json``) is reported as a share
of the fit's budget (target: under 2%). Results are cached per dataset and seed;
``--decision-datasets`` runs a subset, ``--decision-seeds 0,1,2`` repeats each dataset on other
seeded subsamples and splits (the figures are then means over the seeds).

Held-out figures on a few dozen test positives are noisy, so each F1 gain comes with a paired
bootstrap over the test rows (the same resampled rows for both thresholds: a 95% interval of
the difference) and with its ceiling: the best F1 any threshold reaches on the test rows
themselves (chosen with the answers, so no rule can beat it). The held-out precision of
``precision>=0.9`` comes with how many rows it was predicted positive for and a 95% Wilson
interval.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._datasets import DATASETS, load_manifest
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["add_options", "run"]

DEFAULT_DATASETS = ("churn", "telco_churn", "phoneme")
POSITIVE_SHARE = 0.06
SEED = 0
N_TRIALS = 12
RESAMPLES = 2000
BUDGET = 90.0
_TIMEOUT = 900.0
_VERSION = 2


def add_options(group: argparse._ArgumentGroup) -> None:
    """``--decision-datasets A,B``: the datasets to run (default: churn, telco_churn,
    phoneme)."""
    group.add_argument("--decision-datasets", metavar="A,B", default=",".join(DEFAULT_DATASETS),
                       help="comma-separated datasets of ../shared/datasets (binary)")  # fmt: skip
    group.add_argument("--decision-seeds", metavar="0,1", default=str(SEED),
                       help="seeds of the subsample and split (means over them)")  # fmt: skip


def run(context: Context) -> Result:
    """Fit, predict and score each dataset (cached per dataset), and gather the figures.

    Raises:
        BenchmarkError: A dataset is unknown or not binary, or a command failed.
    """
    names = [n for n in str(context.options.get("decision_datasets") or "").split(",") if n]
    known = {d.name: d for d in load_manifest()}
    figures: list[Figure] = []
    rows: list[str] = []
    notes = [f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}"]
    details: dict[str, Any] = {}
    seeds = [int(s) for s in str(context.options.get("decision_seeds") or SEED).split(",") if s]
    for name in names or DEFAULT_DATASETS:
        if name not in known or known[name].task != "binary":
            raise BenchmarkError(f"{name!r} is not a binary dataset of {DATASETS}")
        runs = []
        for seed in seeds:
            key = f"{name}-seed{seed}-v{_VERSION}"
            cached = None if context.force else context.cache.load("decisions", key)
            found = cached.payload if cached else _measure(known[name], context, seed)
            if cached is None:
                context.cache.save("decisions", found, key)
            details[f"{name}-seed{seed}"] = found
            rows.append(_row(f"{name} (seed {seed})", found))
            runs.append(found)
        figures += _figures(name, _mean(runs))
    header = (
        "dataset | f1 tuned / 0.5 (ceiling) | f1 gain [95%] | cost tuned / 0.5 | "
        "precision>=0.9 (predicted +) [95%] | RF ECE raw -> cal | RF log loss raw -> cal | "
        "auto log loss raw -> cal | decision s / budget"
    )
    return Result(figures=tuple(figures), notes=tuple(notes), details=details,
                  tables=("\n".join([header, *rows]),))  # fmt: skip


def _mean(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures' inputs averaged over seeds (one seed: itself)."""
    if len(runs) == 1:
        return runs[0]

    def average(parts: list[Any]) -> Any:
        first = parts[0]
        if isinstance(first, dict):
            return {k: average([p[k] for p in parts]) for k in first}
        if isinstance(first, bool):
            return all(parts)
        if isinstance(first, (int, float)) and first is not None:
            return float(np.mean(parts))
        return first

    return dict(average(runs))


def _figures(name: str, found: dict[str, Any]) -> list[Figure]:
    f1, cost, rf, auto = found["f1"], found["cost"], found["rf"], found["auto"]
    precision = found["precision"]
    figures = [
        Figure(f"{name} f1 gain", f1["tuned"] - f1["default"], "", 0.05, "higher"),
        Figure(f"{name} cost ratio", cost["tuned"] / max(cost["default"], 1e-12), "", 1.0),
        Figure(f"{name} rf ece drop", 1 - rf["ece_cal"] / max(rf["ece_raw"], 1e-12), "", 0.3,
               "higher"),
        Figure(f"{name} rf log loss change", rf["ll_cal"] / rf["ll_raw"] - 1, "", 1e-9),
        Figure(f"{name} auto log loss change", auto["ll_cal"] / auto["ll_raw"] - 1, "", 0.01),
        Figure(f"{name} decision share", found["decision_share"], "", 0.02),
    ]  # fmt: skip
    if precision["reached"]:
        figures.append(Figure(f"{name} precision gap", abs(precision["held_out"] - 0.9), "", 0.05))
    return figures


def _row(name: str, found: dict[str, Any]) -> str:
    f1, cost, rf, auto, p = (
        found["f1"],
        found["cost"],
        found["rf"],
        found["auto"],
        found["precision"],
    )
    reached = (f"{p['held_out']:.3f} ({p['predicted']}) [{p['low']:.3f}, {p['high']:.3f}]"
               + ("" if p["reached"] else " (not reached out of fold)"))  # fmt: skip
    gain = f"{f1['tuned'] - f1['default']:+.3f} [{f1['gain_low']:+.3f}, {f1['gain_high']:+.3f}]"
    return (f"{name} | {f1['tuned']:.3f} / {f1['default']:.3f} ({f1['ceiling']:.3f}) | {gain} | "
            f"{cost['tuned']:.4f} / "
            f"{cost['default']:.4f} | {reached} | {rf['ece_raw']:.4f} -> {rf['ece_cal']:.4f} | "
            f"{rf['ll_raw']:.4f} -> {rf['ll_cal']:.4f} | {auto['ll_raw']:.4f} -> "
            f"{auto['ll_cal']:.4f} | {found['decision_seconds']:.2f} / {BUDGET:.0f}")  # fmt: skip


def _measure(dataset: Any, context: Context, seed: int) -> dict[str, Any]:
    import pandas as pd

    folder = Path(tempfile.mkdtemp(prefix=f"automl-bench-decisions-{dataset.name}-"))
    try:
        train, test = _imbalanced_split(dataset, folder, seed)
        truth = (pd.read_csv(test)[dataset.target].astype(str) == _positive(dataset)).to_numpy()
        home = folder / "home"
        f1_run = _fit(train, dataset.target, home, "f1", seed, "--metric", "f1")
        rf_run = _fit(train, dataset.target, home, "rf", seed, "--models", "random_forest")
        predicted = {
            rule: _predict(home, f1_run, test, folder, rule)
            for rule in ("0.5", None, "cost:1,10", "precision>=0.9")
        }
        default = predicted["0.5"]
        raw_auto, cal_auto = _probabilities(home, f1_run, test)
        raw_rf, cal_rf = _probabilities(home, rf_run, test)
        decision = json.loads((Path(f1_run["run_dir"]) / "run.json").read_text())["decision"]
        precision_run = predicted["precision>=0.9"]
        return {
            "rows": {"train": len(pd.read_csv(train)), "test": len(truth),
                     "positives_test": int(truth.sum())},
            "f1": {"tuned": _f1(truth, predicted[None]), "default": _f1(truth, default),
                   "threshold": decision["threshold"], "ceiling": _best_f1(truth, cal_auto),
                   **_f1_gain_interval(truth, predicted[None], default)},
            "cost": {"tuned": _cost(truth, predicted["cost:1,10"]),
                     "default": _cost(truth, default)},
            "precision": {"held_out": _precision(truth, precision_run),
                          "reached": _reached(home, f1_run),
                          "predicted": int(precision_run.sum()),
                          **_wilson(int((precision_run & truth).sum()), int(precision_run.sum()))},
            "rf": _calibration(truth, raw_rf, cal_rf),
            "auto": _calibration(truth, raw_auto, cal_auto),
            "decision_seconds": float(decision["seconds"]),
            "decision_share": float(decision["seconds"]) / BUDGET,
            "fit_seconds": {"f1": f1_run["seconds"], "rf": rf_run["seconds"]},
            "calibration": {"f1": decision["calibration"],
                            "rf": json.loads((Path(rf_run["run_dir"]) / "run.json").read_text())
                            ["decision"]["calibration"]},
        }  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _positive(dataset: Any) -> str:
    import pandas as pd

    values = sorted(pd.read_csv(dataset.path, dtype=str)[dataset.target].dropna().unique())
    return "Yes" if "Yes" in values else values[-1]


def _imbalanced_split(dataset: Any, folder: Path, seed: int) -> tuple[Path, Path]:
    """Every negative row and positives up to :data:`POSITIVE_SHARE` of the rows (seeded),
    split 70/30 stratified."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    frame = pd.read_csv(dataset.path, dtype=str, keep_default_na=False)
    positive = frame[dataset.target] == _positive(dataset)
    negatives = int((~positive).sum())
    wanted = round(POSITIVE_SHARE * negatives / (1 - POSITIVE_SHARE))
    rng = np.random.default_rng(seed)
    kept = rng.choice(np.flatnonzero(positive), size=min(wanted, int(positive.sum())),
                      replace=False)  # fmt: skip
    rows = frame.iloc[np.sort(np.concatenate([np.flatnonzero(~positive), kept]))]
    train, test = train_test_split(rows, test_size=0.3, random_state=seed,
                                   stratify=rows[dataset.target])  # fmt: skip
    paths = folder / "train.csv", folder / "test.csv"
    train.to_csv(paths[0], index=False)
    test.to_csv(paths[1], index=False)
    return paths


def _fit(train: Path, target: str, home: Path, experiment: str, seed: int,
         *extra: str) -> dict[str, Any]:  # fmt: skip
    argv = [find_automl(), "--home", str(home), "fit", str(train), "--target", target,
            "--n-trials", str(N_TRIALS), "--time-budget", str(BUDGET), "--n-jobs", "1",
            "--seed", str(seed),
            "--experiment", experiment, "--json", *extra]  # fmt: skip
    print(f"decisions: {' '.join(argv)}", file=sys.stderr)
    child = run_child(argv, timeout=_TIMEOUT)
    if child.returncode != 0:
        raise BenchmarkError(f"automl fit exited with {child.returncode}: {child.stderr[-800:]!r}")
    document: dict[str, Any] = json.loads(child.stdout)
    return document


def _predict(home: Path, run: dict[str, Any], test: Path, folder: Path,
             rule: str | None) -> np.ndarray:  # fmt: skip
    import pandas as pd

    out = folder / f"predicted-{str(rule).replace(':', '_').replace('>=', '_')}.csv"
    argv = [find_automl(), "--home", str(home), "predict", str(test), "--run", run["run_id"],
            "--output", str(out), *(["--decision", rule] if rule else [])]  # fmt: skip
    child = run_child(argv, timeout=_TIMEOUT)
    if child.returncode != 0:
        raise BenchmarkError(f"automl predict exited with {child.returncode}: "
                             f"{child.stderr[-800:]!r}")  # fmt: skip
    frame = pd.read_csv(out, dtype={"prediction": str})
    positive = frame.columns[-1].removeprefix("proba_")
    return (frame["prediction"].astype(str) == positive).to_numpy()


def _reached(home: Path, run: dict[str, Any]) -> bool:
    """Whether ``precision>=0.9`` can be met on the run's out-of-fold predictions."""
    from automl.store.runs import RunRef, Store

    store = Store(home)
    from automl.store.decision import Decision

    predictor, _ = store.load_predictor(RunRef(run["experiment"], run["run_id"]))
    decision = predictor.decision
    assert isinstance(decision, Decision), "a binary run saves its decision"
    return bool(decision.with_rule("precision>=0.9").reached)


def _probabilities(home: Path, run: dict[str, Any], test: Path) -> tuple[np.ndarray, np.ndarray]:
    """The positive class's held-out probability: the model's own, and as predicted."""
    from automl.data import read_table
    from automl.store.runs import RunRef, Store

    store = Store(home)
    predictor, _ = store.load_predictor(RunRef(run["experiment"], run["run_id"]))
    frame = read_table(test).frame
    return predictor.raw_proba(frame)[:, 1], predictor.predict_proba(frame)[:, 1]


def _calibration(truth: np.ndarray, raw: np.ndarray, calibrated: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import log_loss

    from automl.search.decide import expected_calibration_error

    y = truth.astype(int)

    def both(p: np.ndarray) -> tuple[float, float]:
        proba = np.column_stack([1 - p, p])
        return expected_calibration_error(y, proba), float(
            log_loss(y, np.clip(proba, 1e-15, 1 - 1e-15), labels=[0, 1])
        )

    ece_raw, ll_raw = both(raw)
    ece_cal, ll_cal = both(calibrated)
    return {"ece_raw": ece_raw, "ece_cal": ece_cal, "ll_raw": ll_raw, "ll_cal": ll_cal}


def _f1(truth: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, zero_division=0))


def _precision(truth: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import precision_score

    return float(precision_score(truth, predicted, zero_division=0))


def _cost(truth: np.ndarray, predicted: np.ndarray) -> float:
    return float(((predicted & ~truth).sum() + 10 * (~predicted & truth).sum()) / len(truth))


def _best_f1(truth: np.ndarray, proba: np.ndarray) -> float:
    """The best held-out F1 of any threshold, chosen on the held-out rows themselves."""
    from sklearn.metrics import precision_recall_curve

    precision, recall, _ = precision_recall_curve(truth, proba)
    with np.errstate(divide="ignore", invalid="ignore"):
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
    return float(np.max(f1))


def _f1_gain_interval(
    truth: np.ndarray, tuned: np.ndarray, default: np.ndarray
) -> dict[str, float]:
    """A 95% paired bootstrap interval of F1(tuned) - F1(default) over the held-out rows."""
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(truth), size=(RESAMPLES, len(truth)))
    t = truth[rows]

    def f1(predicted: np.ndarray) -> np.ndarray:
        p = predicted[rows]
        tp = (p & t).sum(axis=1)
        wrong = (p ^ t).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(2 * tp + wrong > 0, 2 * tp / (2 * tp + wrong), 0.0)

    low, high = np.percentile(f1(tuned) - f1(default), [2.5, 97.5])
    return {"gain_low": float(low), "gain_high": float(high)}


def _wilson(hits: int, n: int) -> dict[str, float]:
    """A 95% Wilson interval of a proportion of ``hits`` in ``n``."""
    if n == 0:
        return {"low": 0.0, "high": 1.0}
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return {"low": float(centre - half), "high": float(centre + half)}
