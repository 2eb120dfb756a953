"""How strongly one column predicts the target on its own (used to warn of target leakage)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from automl.data.columns import ColumnProfile
from automl.data.target import TargetProfile, target_values

if TYPE_CHECKING:
    import pandas as pd


#: Rows (at most) a leakage check looks at.
_LEAK_SAMPLE = 50_000
_LEAK_PURITY = 0.99
_LEAK_AUC = 0.99
_LEAK_CORR = 0.99


def _predictive_strength(
    x: pd.Series, y: pd.Series, column: ColumnProfile, target: TargetProfile
) -> str | None:
    import pandas as pd

    from automl.data.prepare import prepare_column

    values = prepare_column(x, column)
    n = len(values)
    if n < 20:
        return None
    numeric = column.role == "numeric" and pd.api.types.is_numeric_dtype(values)
    if target.task == "regression":
        yv = y.astype("float64").to_numpy()
        if numeric:
            xv = values.astype("float64")
            ok = xv.notna().to_numpy()
            if ok.sum() < 20 or xv[ok].nunique() < 2:
                return None
            rho = pd.Series(xv[ok].to_numpy()).corr(pd.Series(yv[ok]), method="spearman")
            return f"rank correlation {rho:.3f}" if abs(rho) >= _LEAK_CORR else None
        levels = _levels(values)
        if levels is None:
            return None
        frame = pd.DataFrame({"g": levels, "y": yv})
        fitted = frame.groupby("g")["y"].transform("mean").to_numpy()
        total = float(((yv - yv.mean()) ** 2).sum())
        r2 = 1.0 - float(((yv - fitted) ** 2).sum()) / total if total else 0.0
        return f"R² {r2:.3f} from its values alone" if r2 >= _LEAK_CORR else None
    if numeric and target.task == "binary" and values.nunique() > 64:
        xv = values.astype("float64").fillna(values.astype("float64").min() - 1)
        positive = (y == target.positive_class).to_numpy()
        ranks = xv.rank().to_numpy()
        n_pos = int(positive.sum())
        n_neg = n - n_pos
        if n_pos == 0 or n_neg == 0:
            return None
        auc = (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
        auc = max(auc, 1 - auc)
        return f"ROC AUC {auc:.3f}" if auc >= _LEAK_AUC else None
    groups: np.ndarray[Any, Any] | None
    if numeric and values.nunique() > 64:
        bins = max(2, min(64, n // 20))
        binned = pd.qcut(values.astype("float64"), bins, labels=False, duplicates="drop")
        groups = pd.Series(binned).astype("float64").fillna(-1).to_numpy()
    else:
        groups = _levels(values)
        if groups is None:
            return None
    frame = pd.DataFrame({"g": groups, "y": y.astype("str").to_numpy()})
    table = frame.groupby(["g", "y"]).size().unstack(fill_value=0)
    purity = float(table.max(axis=1).sum()) / n
    baseline = float(table.sum(axis=0).max()) / n
    if purity >= _LEAK_PURITY and baseline < 0.95:
        return f"{purity:.1%} of rows share the majority class of their value"
    return None


def _levels(values: pd.Series) -> np.ndarray[Any, Any] | None:
    """Values as group labels (missing its own group); None when there are too many to judge."""
    levels = values.astype("str").fillna("(missing)").to_numpy()
    return None if len(set(levels)) > len(levels) / 20 else levels


def _leak_sample(
    frame: pd.DataFrame, columns: tuple[ColumnProfile, ...], target: TargetProfile
) -> tuple[np.ndarray, pd.Series]:
    """The rows a leakage check looks at (those with a target, at most :data:`_LEAK_SAMPLE`,
    drawn with seed 0) and their target values."""
    target_index = [c.name for c in columns].index(target.name)
    labels = target_values(frame[target.name], columns[target_index])
    keep = labels.notna().to_numpy()
    rng = np.random.default_rng(0)
    rows = np.flatnonzero(keep)
    if len(rows) > _LEAK_SAMPLE:
        rows = np.sort(rng.choice(rows, _LEAK_SAMPLE, replace=False))
    return rows, labels.iloc[rows].reset_index(drop=True)
