"""The domain classifier: can a small LightGBM tell new rows from training rows?

No training row is kept, so both sides are drawn from the columns' bins: the reference side
bin by bin from the reference's shares (and missing rates), the new side from the new rows'
own bins with each column shuffled on its own. The classifier thus compares the columns'
distributions together (one AUC, and the columns it split on), not their correlations,
which the reference does not hold. Cross-validated AUC: 0.5 when nothing changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from automl.monitor.reference import Reference, column_values

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["domain_classifier"]

FOLDS = 3


def domain_classifier(
    reference: Reference, prepared: pd.DataFrame, *, seed: int, n_rows: int
) -> dict[str, Any]:
    """Train and cross-validate the classifier; return its AUC, severity and top columns.

    Args:
        reference: The run's reference.
        prepared: The new rows, prepared.
        seed: Seeds the samples, the shuffles and the folds.
        n_rows: Rows per side at most.
    """
    from automl.monitor.drift import AUC_DRIFT, AUC_WARN

    rng = np.random.default_rng(seed)
    m = min(len(prepared), n_rows)
    rows = rng.choice(len(prepared), size=m, replace=False) if m < len(prepared) else None
    sample = prepared if rows is None else prepared.iloc[np.sort(rows)]
    new = np.empty((m, len(reference.columns)), dtype=np.float32)
    old = np.empty_like(new)
    for j, column in enumerate(reference.columns):
        summary = column.summary
        values, missing, _ = column_values(sample[column.name], column.role)
        codes = np.full(m, summary.n_bins, dtype=np.float32)  # the missing code
        present = ~missing
        if present.any() and summary.n:
            kept = (
                values[present] if summary.kind == "categorical" else values[present].astype(float)
            )
            codes[present] = summary.codes(kept)
        new[:, j] = rng.permutation(codes)
        shares = np.asarray(summary.shares, dtype=float) * (1.0 - summary.missing_rate)
        weights = np.append(shares, summary.missing_rate)
        chances = weights / weights.sum() if weights.sum() > 0 else None
        old[:, j] = rng.choice(summary.n_bins + 1, size=m, p=chances)
    auc, gains = _cross_validated_auc(np.vstack([old, new]),
                                      np.r_[np.zeros(m), np.ones(m)], seed)  # fmt: skip
    order = np.argsort(-gains, kind="stable")
    top = [reference.columns[i].name for i in order if gains[i] > 0][:5]
    severity = "drift" if auc >= AUC_DRIFT else "warn" if auc >= AUC_WARN else "none"
    return {"auc": round(auc, 4), "n_rows": int(m), "severity": severity, "top_columns": top,
            "method": "lightgbm on per-column bins, 3-fold cross-validated"}  # fmt: skip


def _cross_validated_auc(X: np.ndarray, y: np.ndarray, seed: int) -> tuple[float, np.ndarray]:
    """Out-of-fold AUC of a small LightGBM, and its split gains per column (summed)."""
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    scores = np.zeros(len(y))
    gains = np.zeros(X.shape[1])
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train, valid in folds.split(X, y):
        model = lgb.LGBMClassifier(
            n_estimators=60, learning_rate=0.1, num_leaves=15, min_child_samples=40,
            subsample=0.8, subsample_freq=1, colsample_bytree=0.8, n_jobs=1,
            random_state=seed, verbosity=-1,
        )  # fmt: skip
        model.fit(X[train], y[train])
        scores[valid] = np.asarray(model.predict_proba(X[valid]))[:, 1]
        gains += model.booster_.feature_importance(importance_type="gain")
    return float(roc_auc_score(y, scores)), gains
