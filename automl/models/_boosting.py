"""Helpers shared by the boosting families: the early-stopping split and iteration counts."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "EARLY_STOPPING_ROUNDS",
    "MAX_ITERATIONS",
    "as_matrix",
    "categorical_mask",
    "inner_split",
]

MAX_ITERATIONS = 3000
EARLY_STOPPING_ROUNDS = 50
_VALID_FRACTION = 0.1


def inner_split(X: Any, y: np.ndarray, *, classification: bool, seed: int,
                weights: np.ndarray | None = None) -> tuple[Any, ...]:  # fmt: skip
    """Split off 10% of the training rows to pick the iteration count without touching the fold.

    Returns:
        ``X_train, X_valid, y_train, y_valid`` (stratified for classification when possible),
        then ``w_train, w_valid`` when ``weights`` are given.
    """
    from sklearn.model_selection import train_test_split

    n = len(y)
    n_valid = max(1, round(n * _VALID_FRACTION))
    stratify = None
    if classification:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() >= 2 and n_valid >= len(counts):
            stratify = y
    arrays = (X, y) if weights is None else (X, y, np.asarray(weights))
    return tuple(train_test_split(*arrays, test_size=n_valid, random_state=seed, stratify=stratify))


def as_matrix(X: Any) -> Any:
    """Columns as one float matrix, categories as their codes: the values LightGBM builds
    from a pandas frame itself, without its per-call cost (milliseconds for one row)."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return X
    columns = []
    for name in X.columns:
        column = X[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy().astype("float64")
            codes[codes < 0] = np.nan
            columns.append(codes)
        else:
            columns.append(column.to_numpy(dtype="float64", na_value=np.nan))
    return np.column_stack(columns) if columns else np.empty((len(X), 0))


def categorical_mask(X: Any) -> np.ndarray:
    """Which columns of a frame are pandas categoricals (all ``False`` for a matrix)."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        return np.zeros(np.shape(X)[1], dtype=bool)
    return np.array([isinstance(dtype, pd.CategoricalDtype) for dtype in X.dtypes], dtype=bool)
