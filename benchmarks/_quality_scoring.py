"""Scoring for the ``quality`` benchmark: the one function every system's predictions go
through (:func:`score_predictions`), and the per-row scores the paired bootstrap resamples."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from automl.insight.bootstrap import RowScores
from benchmarks._datasets import Split

__all__ = ["RowScores", "ScoreError", "label_key", "row_scores", "score_predictions"]

_EPS = 1e-15


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
    import pandas as pd

    target = split.dataset.target
    truth = pd.read_csv(split.test, dtype=str, keep_default_na=False, usecols=[target])[target]
    try:
        frame = pd.read_csv(predictions)
    except (OSError, ValueError) as exc:
        raise ScoreError(f"cannot read {predictions}: {exc}") from exc
    if len(frame) != len(truth):
        raise ScoreError(f"{len(frame)} predictions for {len(truth)} test rows")
    if split.dataset.metric == "rmse":
        return _squared_errors(frame, truth), []
    return _class_scores(split, frame, truth)


def _squared_errors(frame: Any, truth: Any) -> RowScores:
    """Per-row squared errors of a regression's ``prediction`` column."""
    import numpy as np
    import pandas as pd

    if "prediction" not in frame.columns:
        raise ScoreError("no 'prediction' column")
    values = pd.to_numeric(frame["prediction"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ScoreError(f"{int((~np.isfinite(values)).sum())} missing or non-finite values")
    y = pd.to_numeric(truth).to_numpy(dtype=float)
    return RowScores("rmse", (values - y) ** 2, higher_is_better=False)


def _class_scores(split: Split, frame: Any, truth: Any) -> tuple[RowScores, list[str]]:
    """Per-row ROC AUC inputs or log losses of a classification's ``proba_<class>`` columns."""
    import numpy as np
    import pandas as pd

    metric = split.dataset.metric
    target = split.dataset.target
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
    return RowScores(metric, -np.log(p_true), higher_is_better=False), notes
