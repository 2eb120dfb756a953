"""The records the generated service is tested with, and the answers expected for them.

By default they are the run's sample rows (``sample.json``: real training rows). With
``synthetic=True`` they are built from the run's profile instead, so that no training row goes
into the project (its tests, its README): numbers spread over each column's range, categories
among the levels seen at least ``MIN_LEVEL_COUNT`` times, text made up, and ``null`` in a
feature that had missing values in training, every fourth row.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from automl.errors import DataError
from automl.store.schema import RunPaths

logger = logging.getLogger(__name__)

__all__ = ["EXPLAIN_TOP", "GOLDEN_ROWS", "golden_answers", "sample_records", "synthetic_records"]

GOLDEN_ROWS = 20
EXPLAIN_TOP = 5  # contributions per record in the golden /v1/explain answers (at most)
MIN_LEVEL_COUNT = 5  # a level seen this often is a population fact, not one person's value


def sample_records(run_dir: Path, features: list[str]) -> list[dict[str, Any]]:
    """The first rows of the run's ``sample.json``, features only.

    Raises:
        DataError: The run has no ``sample.json`` (fitted by an older automl).
    """
    path = RunPaths(run_dir).sample
    if not path.is_file():
        raise DataError(
            f"{run_dir} has no sample.json (sample rows for the service's golden tests).",
            hint="Fit the run again with this version of automl, or pass --synthetic-golden.",
        )
    rows: list[dict[str, Any]] = json.loads(path.read_text())
    return [{name: row.get(name) for name in features} for row in rows[:GOLDEN_ROWS]]


def synthetic_records(profile: dict[str, Any], features: list[str]) -> list[dict[str, Any]]:
    """``GOLDEN_ROWS`` records made from the profile's statistics, no training row."""
    columns = {c["name"]: c for c in profile["columns"]}
    records: list[dict[str, Any]] = [{} for _ in range(GOLDEN_ROWS)]
    for name in features:
        column = columns[name]
        for i, record in enumerate(records):
            gap = column.get("n_missing", 0) > 0 and i % 4 == 3
            record[name] = None if gap else _value(column, i)
    return records


def _value(column: dict[str, Any], i: int) -> Any:
    role, dtype = column["role"], str(column.get("dtype", ""))
    stats = column.get("stats") or {}
    levels = [v for v, n in stats.get("top") or [] if n >= MIN_LEVEL_COUNT]
    integer = dtype.lower().startswith(("int", "uint"))
    if role == "numeric" or (role == "boolean" and integer):
        if role == "boolean":
            return i % 2
        low, high = float(stats.get("min", 0.0)), float(stats.get("max", 1.0))
        value = low + (high - low) * ((i * 7) % GOLDEN_ROWS) / (GOLDEN_ROWS - 1)
        return round(value) if integer else round(value, 4)
    if role == "boolean":
        if dtype in ("bool", "boolean"):
            return i % 2 == 0
        return levels[i % len(levels)] if levels else None
    if role == "categorical":
        if not levels:
            return f"level {i % 3}"
        level = levels[i % len(levels)]
        return int(level) if integer and level.lstrip("-").isdigit() else level
    if role == "text":
        return f"synthetic text {i}"
    return levels[i % len(levels)] if levels else None  # a date: a frequent one, or missing


def golden_answers(predictor: Any, records: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    """Expected outputs for the records, built the way the service builds its rows."""
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=predictor.features)
    golden: dict[str, Any] = {"run_id": run_id, "records": records}
    golden["explanations"] = _explanations(predictor, frame)
    if predictor.task == "regression":
        golden["predictions"] = [float(v) for v in predictor.predict(frame)]
        return golden
    proba = predictor.predict_proba(frame)
    labels = predictor.labels
    golden["predictions"] = [labels[i] for i in predictor.codes(proba)]
    decision = getattr(predictor, "decision", None)
    golden["decision"] = None if decision is None else {
        "rule": decision.rule, "threshold": decision.threshold, "calibrated": decision.calibrated,
    }  # fmt: skip
    golden["probabilities"] = [{str(c): float(p) for c, p in zip(labels, row, strict=True)}
                               for row in proba]  # fmt: skip
    return golden


def _explanations(predictor: Any, frame: Any) -> dict[str, Any] | None:
    """What ``/v1/explain?top=EXPLAIN_TOP`` must answer for the records (``None`` when the model
    cannot be explained: the service's test is then skipped)."""
    from automl.errors import AutomlError
    from automl.insight import explain_rows

    top = min(EXPLAIN_TOP, len(predictor.features))
    try:
        explained = explain_rows(predictor, frame)
    except AutomlError as error:
        logger.warning("No golden explanations: %s", error)
        return None
    return {
        "top": top,
        "explained": explained.explained,
        "space": explained.space,
        "method": explained.method,
        "exact": explained.exact,
        "explanations": explained.records(frame, top=top),
    }
