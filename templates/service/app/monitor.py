"""The service watches its own inputs (when the run saved a drift reference).

- **Input contract**, on every ``/v1/predict``: a number out of the training range, a category
  training never saw, a number sent as text that does not parse. Each finding is returned in
  the answer's ``warnings`` (record, column, kind; never the value) and counted in
  ``input_contract_violations_total{column, kind}``.
- **Rolling window** of the last ``DRIFT_WINDOW`` records (default 1000) and their
  predictions: ``/metrics`` adds ``feature_psi{column}``, ``prediction_psi`` and
  ``drift_window_records``, computed when scraped; ``GET /v1/drift`` answers the document of
  ``automl drift --json`` for the window (the domain classifier included).

The request path only checks values and appends them to the window (pure Python); the PSI is
computed by the scrape. With several workers, each keeps its own window: the gauges are
those of the worker that answers the scrape.
"""

from __future__ import annotations

import json
import math
import threading
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

MODEL_DIR = Path(__file__).resolve().parent / "model"
#: Warnings listed in one answer at most (``warning_count`` has them all).
MAX_WARNINGS = 100

VIOLATIONS = Counter("input_contract_violations",
                     "Values breaking the input contract, by column and kind.",
                     ["column", "kind"])  # fmt: skip


class Watch:
    """The input contract and the rolling window of one process."""

    def __init__(self, window: int) -> None:
        from automl.data.profile import Profile
        from automl.monitor.reference import Reference

        self.window = window
        self.rows: deque[tuple[Any, ...]] = deque(maxlen=window)
        self.predictions: deque[Any] = deque(maxlen=window)
        self.lock = threading.Lock()
        self.reference = Reference.from_dict(_read("reference.json"))
        self.profile = Profile.from_dict(_read("profile.json"))
        self.checks = [_check_of(c) for c in self.reference.columns]
        self.collector = WindowCollector(self)

    def observe(self, records: list[Any], fields: list[tuple[str, str]],
                predictions: Any) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
        """Check the records, add them and their predictions to the window; return the
        warnings (at most :data:`MAX_WARNINGS`) and their count."""
        by_name = dict((name, attr) for attr, name in fields)
        attrs = [by_name[c.name] for c in self.reference.columns]
        warnings: list[dict[str, Any]] = []
        count = 0
        rows = []
        for i, record in enumerate(records):
            values = tuple(getattr(record, a) for a in attrs)
            rows.append(values)
            for column, check, value in zip(self.reference.columns, self.checks, values,
                                            strict=True):  # fmt: skip
                kind = check(value) if value is not None else None
                if kind is None:
                    continue
                VIOLATIONS.labels(column.name, kind).inc()
                count += 1
                if len(warnings) < MAX_WARNINGS:
                    warnings.append({"record": i, "column": column.name, "kind": kind})
        with self.lock:
            self.rows.extend(rows)
            self.predictions.extend(predictions)
        return warnings, count

    def _window(self) -> tuple[Any, np.ndarray | None]:
        import pandas as pd

        from automl.data.prepare import prepare_frame

        with self.lock:
            rows, predictions = list(self.rows), list(self.predictions)
        names = [c.name for c in self.reference.columns]
        frame = pd.DataFrame(rows, columns=names)
        prepared = prepare_frame(frame, self.profile)
        return prepared, (np.asarray(predictions, dtype=float) if predictions else None)

    def psi(self) -> tuple[dict[str, float], float | None, int]:
        """PSI per column and of the predictions over the window, and its size."""
        from automl.monitor.measures import measure_column
        from automl.monitor.reference import column_values, prediction_values

        prepared, predictions = self._window()
        found = {}
        for column in self.reference.columns:
            values, missing, _ = column_values(prepared[column.name], column.role)
            found[column.name] = measure_column(column.summary, values, missing).psi
        prediction = None
        if predictions is not None and self.reference.prediction is not None:
            values, _ = prediction_values(predictions, self.reference.task,
                                          self.reference.labels)  # fmt: skip
            prediction = measure_column(self.reference.prediction, values,
                                        np.zeros(len(values), dtype=bool)).psi  # fmt: skip
        return found, prediction, len(prepared)

    def document(self) -> dict[str, Any]:
        """``automl drift --json``'s document for the window."""
        from automl.monitor.drift import compare

        prepared, predictions = self._window()
        report = compare(self.reference, prepared, predictions=predictions)
        return {"schema_version": 1, **_finite(report.document), "window": self.window}


class WindowCollector:
    """Prometheus collector of the window's gauges, computed at each scrape."""

    def __init__(self, watch: Watch) -> None:
        self.watch = watch

    def collect(self) -> Iterable[GaugeMetricFamily]:
        columns, prediction, size = self.watch.psi()
        rows = GaugeMetricFamily("drift_window_records", "Records in the drift window.")
        rows.add_metric([], size)
        yield rows
        psi = GaugeMetricFamily("feature_psi", "PSI of each input column over the window "
                                "against training (0.1 warn, 0.2 drift).", labels=["column"])  # fmt: skip
        for name, value in columns.items():
            psi.add_metric([name], 0.0 if math.isnan(value) else value)
        yield psi
        if prediction is not None:
            out = GaugeMetricFamily("prediction_psi",
                                    "PSI of the predictions over the window against the "
                                    "out-of-fold predictions of training.")  # fmt: skip
            out.add_metric([], 0.0 if math.isnan(prediction) else prediction)
            yield out


def start(window: int) -> Watch | None:
    """The watch of this application (``/metrics`` adds its ``collector``); ``None`` when
    the run saved no reference or ``DRIFT_WINDOW`` is 0."""
    if window <= 0 or not (MODEL_DIR / "reference.json").is_file():
        return None
    return Watch(window)


def _read(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MODEL_DIR / name).read_text())
    return data


def _check_of(column: Any) -> Any:
    """A function of one value: the kind of contract it breaks, or ``None``."""
    summary = column.summary
    if column.role == "numeric" and summary.low is not None:
        low, high = summary.low, summary.high

        def number(value: Any) -> str | None:
            if isinstance(value, str):  # a number stored as text: checked when it reads plainly
                try:
                    value = float(value.strip())
                except ValueError:
                    return None
            return "out_of_range" if value < low or value > high else None

        return number
    if column.role == "categorical" and summary.known_levels is not None:
        known = sorted(summary.known_levels)

        def level(value: Any) -> str | None:
            from automl.data.prepare import code_label

            text = code_label(value) if isinstance(value, (int, float)) else str(value).strip()
            place = bisect_left(known, text)
            found = place < len(known) and known[place] == text
            return None if found or not text else "unseen_category"

        return level
    return lambda value: None


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
