"""What every peer's runner script shares: its command line, reading the split, writing results.

A runner is started as ``<venv python> benchmarks/runners/run_<peer>.py --train ... --output ...``
in the peer's own environment, so this file (found next to the script on ``sys.path``) may only
use the standard library, pandas and numpy, and must not import ``benchmarks``.

The predictions file has automl's format: ``prediction``, and for classification one
``proba_<class>`` column per class. ``--info`` receives a JSON object: fit and predict seconds,
the model chosen, its prediction time for 1,000 rows (``predict_ms_per_1000``), and anything
else the peer wants to keep.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Fitted", "Job", "main", "predict_ms_per_1000", "timed"]


@dataclass(frozen=True)
class Job:
    """One fit and prediction, as given on the command line.

    Attributes:
        train: The training rows, target included, read with pandas' defaults.
        test: The rows to predict, without the target.
        target: The target column.
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: ``roc_auc``, ``log_loss`` or ``rmse``.
        budget: Seconds for the search.
        seed: The random seed.
        work: A scratch folder for the peer's files.
        preset: A peer-specific preset name, or ``None``.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    target: str
    task: str
    metric: str
    budget: float
    seed: int
    work: Path
    preset: str | None

    @property
    def x_train(self) -> pd.DataFrame:
        """The training features."""
        return self.train.drop(columns=[self.target])

    @property
    def y_train(self) -> pd.Series:
        """The training target."""
        return self.train[self.target]


@dataclass
class Fitted:
    """What a peer returns.

    Attributes:
        classes: The class labels in the order of ``proba``'s columns (classification).
        proba: Class probabilities, one row per test row (classification).
        values: Predicted values (regression).
        info: Anything worth keeping (the model chosen, versions).
    """

    classes: list[Any] | None = None
    proba: np.ndarray | None = None
    values: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)


def main(fit_predict: Callable[[Job], Fitted]) -> None:
    """Parse the command line, call ``fit_predict`` and write the predictions and info."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--test", type=Path, required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--task", choices=("binary", "multiclass", "regression"), required=True)
    parser.add_argument("--metric", required=True)
    parser.add_argument("--budget", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--info", type=Path, required=True)
    parser.add_argument("--preset")
    args = parser.parse_args()
    train = pd.read_csv(args.train)
    test = pd.read_csv(args.test)
    test = test.drop(columns=[args.target], errors="ignore")
    job = Job(
        train=train,
        test=test,
        target=args.target,
        task=args.task,
        metric=args.metric,
        budget=args.budget,
        seed=args.seed,
        work=args.output.parent,
        preset=args.preset,
    )
    started = time.perf_counter()
    fitted = fit_predict(job)
    seconds = time.perf_counter() - started
    if args.task == "regression":
        if fitted.values is None:
            raise RuntimeError("the peer returned no values for a regression task")
        frame = pd.DataFrame({"prediction": np.asarray(fitted.values, dtype=float)})
    else:
        if fitted.proba is None or fitted.classes is None:
            raise RuntimeError("the peer returned no class probabilities")
        proba = np.asarray(fitted.proba, dtype=float)
        classes = list(fitted.classes)
        frame = pd.DataFrame(
            {"prediction": np.asarray(classes, dtype=object)[proba.argmax(axis=1)]}
        )
        for i, label in enumerate(classes):
            frame[f"proba_{label}"] = proba[:, i]
    if len(frame) != len(test):
        raise RuntimeError(f"{len(frame)} predictions for {len(test)} test rows")
    _write_atomic(args.output, frame.to_csv(index=False))
    info = {"fit_predict_seconds": round(seconds, 3), **fitted.info}
    _write_atomic(args.info, json.dumps(info, indent=2, default=str))


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``function`` and return its result and the seconds it took."""
    started = time.perf_counter()
    value = function()
    return value, round(time.perf_counter() - started, 3)


def predict_ms_per_1000(predict: Callable[[pd.DataFrame], Any], rows: pd.DataFrame) -> float:
    """Milliseconds for ``predict`` on a batch of 1,000 rows (``rows`` repeated): one warm-up
    call, then the median of 3, as automl measures its saved model."""
    batch = rows.iloc[np.arange(1000) % len(rows)].reset_index(drop=True)
    predict(batch)
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        predict(batch)
        timings.append((time.perf_counter() - started) * 1000.0)
    return round(float(np.median(timings)), 2)


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
