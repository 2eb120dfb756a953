"""``drift``'s split study: false alarms and detection on random 50/50 splits of a training file.

Per dataset, one model is fitted on the whole file (``--models lightgbm --no-ensemble
--n-trials 4``); its reference gives the importance weights and its model the predictions.
For each split (seeded ``0..N-1``) the reference is built in process from half A
(:func:`automl.monitor.build_reference`, with the model's predictions on A) and half B is
compared with it (:func:`automl.monitor.compare`, what ``automl drift`` runs): as it is, with
the most important numeric column of the top 3 shifted by +0.5 standard deviations, with 20%
of the most important categorical column of the top 3 swapped to another level, and with the
most important column emptied on 30% of the rows. A swap changes 20% of the rows, taken among
those holding another level, to the column's most frequent level (the hardest case for PSI).
Both halves are predicted by the same model (in sample for both), so the predictions are
comparable.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._datasets import DATASETS
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError

__all__ = ["SPLIT_DATASETS", "study_dataset"]

#: name -> (file, target)
SPLIT_DATASETS = {
    "telco_churn": ("telco_churn.csv", "Churn"),
    "churn": ("churn.csv", "target"),
    "537_houses": ("537_houses.csv", "target"),
}


def study_dataset(name: str, n_splits: int) -> dict[str, Any]:
    """Fit once, then compare ``n_splits`` splits in four variants; return the tallies."""
    file, target = SPLIT_DATASETS[name]
    with tempfile.TemporaryDirectory(prefix="automl-drift-bench-") as tmp:
        run_dir = _fit(Path(tmp), DATASETS / file, target)
        return _study(run_dir, DATASETS / file, n_splits)


def _fit(folder: Path, path: Path, target: str) -> Path:
    home = folder / "home"
    fit = run_child([find_automl(), "--home", str(home), "fit", str(path), "--target", target,
                     "--models", "lightgbm", "--no-ensemble", "--n-trials", "4",
                     "--n-jobs", "1"], timeout=1800)  # fmt: skip
    if fit.returncode != 0:
        raise BenchmarkError(f"fit failed: {fit.stderr[-800:]}")
    return next((home / "default").iterdir())


def _study(run_dir: Path, path: Path, n_splits: int) -> dict[str, Any]:
    from automl.data import read_table
    from automl.data.prepare import prepare_frame
    from automl.data.profile import Profile
    from automl.monitor.reference import Reference
    from automl.store.artifacts import load_model

    record = json.loads((run_dir / "run.json").read_text())
    predictor = load_model(run_dir / "model.joblib", record["artifacts"]["model.joblib"]["sha256"])
    fitted = Reference.from_dict(json.loads((run_dir / "reference.json").read_text()))
    profile = Profile.from_dict(json.loads((run_dir / "profile.json").read_text()))
    raw = read_table(path).frame
    raw = raw[raw[record["target"]].notna()].reset_index(drop=True)
    prepared = prepare_frame(raw, profile)
    columns = sorted(fitted.columns, key=lambda c: -c.weight)
    top = columns[:3]
    numeric = next((c.name for c in top if c.role == "numeric"), None)
    categorical = next((c.name for c in top if c.role == "categorical"), None)
    variants = _variants(raw, prepared, numeric, categorical, columns[0].name)
    predictions = {key: _predict(predictor, frame) for key, (frame, _) in variants.items()}
    weights = {c.name: c.weight for c in fitted.columns}
    tallies: dict[str, Any] = {"columns": {"shift": numeric, "swap": categorical,
                                           "empty": columns[0].name},
                               "splits": [], "rows": len(raw)}  # fmt: skip
    started = time.perf_counter()
    for seed in range(n_splits):
        tallies["splits"].append(_split(seed, fitted, profile, prepared, variants, predictions,
                                        weights, tallies["columns"]))  # fmt: skip
        if seed % 10 == 9:
            print(f"drift: {path.name} {seed + 1}/{n_splits} splits "
                  f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)  # fmt: skip
    tallies["seconds"] = round(time.perf_counter() - started, 1)
    return tallies


def _variants(raw: Any, prepared: Any, numeric: str | None, categorical: str | None,
              first: str) -> dict[str, tuple[Any, Any]]:  # fmt: skip
    """(raw, prepared) frames: as they are, shifted, swapped, emptied."""
    rng = np.random.default_rng(12345)
    found = {"none": (raw, prepared)}
    if numeric is not None:
        step = 0.5 * float(np.nanstd(prepared[numeric].to_numpy(dtype=float)))
        moved = prepared[numeric].astype(float) + step
        found["shift"] = (raw.assign(**{numeric: moved}), prepared.assign(**{numeric: moved}))
    if categorical is not None:
        levels = prepared[categorical].astype(str)
        counts = levels[prepared[categorical].notna()].value_counts()
        target_level = counts.index[0]  # the most frequent: the smallest PSI for the same move
        others = np.flatnonzero((levels != target_level).to_numpy())
        chosen = np.zeros(len(prepared), dtype=bool)  # 20% of the values changed to the level
        chosen[rng.choice(others, min(len(others), len(prepared) // 5), replace=False)] = True
        swapped = prepared[categorical].astype(object).where(~chosen, target_level)
        raw_level = raw.loc[prepared[categorical].astype(str) == target_level, categorical].iloc[0]
        raw_swapped = raw[categorical].astype(object).where(~chosen, raw_level)
        found["swap"] = (raw.assign(**{categorical: raw_swapped}),
                         prepared.assign(**{categorical: swapped}))  # fmt: skip
    emptied = rng.random(len(prepared)) < 0.3
    found["empty"] = (raw.assign(**{first: raw[first].astype(object).where(~emptied, None)}),
                      prepared.assign(**{first: prepared[first].where(~emptied)}))  # fmt: skip
    return found


def _predict(predictor: Any, frame: Any) -> np.ndarray:
    features = frame.loc[:, list(predictor.features)]
    if predictor.task == "regression":
        return np.asarray(predictor.predict(features), dtype=float)
    return np.asarray(predictor.predict_proba(features), dtype=float)


def _split(seed: int, fitted: Any, profile: Any, prepared: Any, variants: dict[str, Any],
           predictions: dict[str, np.ndarray], weights: dict[str, float],
           columns: dict[str, str | None]) -> dict[str, Any]:  # fmt: skip
    from automl.monitor import build_reference, compare

    order = np.random.default_rng(seed).permutation(len(prepared))
    a, b = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2 :])
    reference = build_reference(prepared.iloc[a], profile, task=fitted.task, labels=fitted.labels,
                                predictions=predictions["none"][a], weights=weights,
                                weights_source=fitted.weights_source)  # fmt: skip
    out: dict[str, Any] = {"seed": seed}
    for key, (_, frame) in variants.items():
        report = compare(reference, frame.iloc[b].reset_index(drop=True),
                         predictions=predictions[key][b], seed=seed)  # fmt: skip
        first = report.columns[0]
        entry = {"verdict": report.verdict, "first": first["name"]}
        if key == "empty":
            column = next(c for c in report.columns if c["name"] == columns["empty"])
            entry["missing_flagged"] = column["severity"] != "none" and (
                "missing_rate" in column["measures"]
            )
        if key == "none" and report.verdict != "none":
            entry["reasons"] = [r["text"] for r in report.reasons[:3]]
        out[key] = entry
    return out
