"""Real saved-model objects for the insight tests, built the way ``fit``'s refit builds them.

``fit_predictor`` reads a CSV with automl's reader, profiles it, fits one encoder and one
family model per member exactly as ``automl.search.refit.fit_members`` does (encoder from
``build_encoder``, model from the family's ``build``, optional log target), and wraps them in
the ``EnsembleModel`` and ``Predictor`` that ``model.joblib`` holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from automl.data import read_table
from automl.data.profile import profile_table
from automl.data.target import target_values
from automl.features.encode import Preparer
from automl.features.pipeline import build_encoder
from automl.models.ensemble import EnsembleModel
from automl.models.predictor import Predictor
from automl.models.registry import FAMILIES
from automl.models.target import with_transform

WORDS = ["red", "apple", "green", "pear", "ripe", "fruit", "sweet", "sour", "fresh", "old",
         "market", "basket", "cheap", "price", "good", "bad", "juice", "tree", "farm",
         "box"]  # fmt: skip


def synthetic(seed: int, *, n: int = 500, task: str = "binary") -> pd.DataFrame:
    """Rows whose target depends on ``x1`` and ``x2`` only; eight noise columns, one of them
    categorical (``colour``) and one free text (``note``)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"n{i}": rng.normal(size=n) for i in range(1, 7)})
    frame.insert(0, "x1", rng.normal(size=n))
    frame.insert(3, "x2", rng.normal(size=n))
    frame["colour"] = rng.choice(["red", "green", "blue", "grey", "black"], size=n)
    frame["note"] = [" ".join(rng.choice(WORDS, size=rng.integers(3, 8))) for _ in range(n)]
    signal = 2.0 * frame["x1"] - 1.5 * frame["x2"]
    if task == "regression":
        frame["y"] = signal + 0.1 * rng.normal(size=n)
    elif task == "multiclass":
        frame["y"] = np.select([signal < -1.0, signal > 1.0], ["low", "high"], "mid")
    else:
        noisy = signal + 0.3 * rng.normal(size=n)
        frame["y"] = np.where(noisy > 0, "yes", "no")
    return frame


def fit_predictor(
    frame: pd.DataFrame,
    target: str,
    members: Sequence[tuple[str, dict[str, Any]]],
    *,
    folder: Path,
    weights: Sequence[float] | None = None,
    transforms: Sequence[str] | None = None,
    iterations: int = 60,
    seed: int = 0,
) -> Predictor:
    """A predictor of the given ``(family, params)`` members fitted on ``frame``."""
    path = folder / "train.csv"
    frame.to_csv(path, index=False)
    table = read_table(path)
    profile = profile_table(table, target=target)
    assert profile.target is not None
    task = profile.target.task
    labels_series = target_values(table.frame[target], profile.column(target))
    if task == "regression":
        y, labels = labels_series.to_numpy(dtype="float64"), []
    else:
        labels = sorted(labels_series.dropna().unique().tolist())
        y = np.array([labels.index(v) for v in labels_series])
    raw = table.frame.drop(columns=[target])
    preparer = Preparer(profile)
    prepared = preparer.transform(raw)
    fitted = []
    for i, (name, params) in enumerate(members):
        family = FAMILIES[name]
        encoder = build_encoder(profile, family, params).fit(prepared)
        model = family.build(params, task=task, n_classes=len(labels), n_threads=1, seed=seed,
                             n_iterations=iterations)  # fmt: skip
        model = with_transform(model, transforms[i] if transforms else "none")
        model.fit(encoder.transform(prepared), y)
        fitted.append((encoder, model))
    ensemble = EnsembleModel(
        preparer,
        fitted,
        list(weights or [1.0] * len(fitted)),
        task=task,
        names=[f"{name}#{i}" for i, (name, _) in enumerate(members)],
    )
    return Predictor(
        ensemble, task=task, labels=labels, features=[c.name for c in profile.features]
    )


def rows(frame: pd.DataFrame, target: str = "y") -> pd.DataFrame:
    """The rows as ``predict`` and ``explain`` read them: the target dropped, as text from a
    CSV (``read_table``)."""
    return frame.drop(columns=[target])
