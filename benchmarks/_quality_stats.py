"""Statistics of the ``quality`` benchmark: wins, losses and ties, ranks, and the paired
bootstrap of automl against each other system."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks._quality_scoring import RowScores

__all__ = ["BOOTSTRAP_RESAMPLES", "CLEARLY_AHEAD", "HIGHER_IS_BETTER", "TIE_AUC", "TIE_RELATIVE",
           "Paired", "compare", "paired_bootstrap", "ranks"]  # fmt: skip

#: Ties: an absolute AUC difference, or a relative log-loss or RMSE difference, under these.
TIE_AUC = 0.002
TIE_RELATIVE = 0.005
#: Paired bootstrap over test rows: resamples, and how many are drawn at once.
BOOTSTRAP_RESAMPLES = 2000
_BOOTSTRAP_CHUNK = 250
#: automl counts as clearly ahead of a system when it is ahead in this share of resamples.
CLEARLY_AHEAD = 0.95
HIGHER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}


def compare(metric: str, mine: float | None, theirs: float | None) -> str | None:
    """``W``, ``L`` or ``T`` for ``mine`` against ``theirs``; ``None`` when both failed.

    A failed system (``None``) loses. A tie is an AUC difference under 0.002, or a log loss or
    RMSE difference under 0.5% of ``theirs``.
    """
    if mine is None and theirs is None:
        return None
    if mine is None:
        return "L"
    if theirs is None:
        return "W"
    difference = mine - theirs
    if metric == "roc_auc":
        tie = abs(difference) < TIE_AUC
    else:
        tie = abs(difference) < TIE_RELATIVE * abs(theirs)
    if tie:
        return "T"
    better = difference > 0 if HIGHER_IS_BETTER[metric] else difference < 0
    return "W" if better else "L"


@dataclass(frozen=True)
class Paired:
    """automl against another system on one dataset, by a paired bootstrap over test rows.

    Attributes:
        difference: automl's score minus the other's (mean over seeds), signed so that a
            positive value favours automl (for log loss and RMSE: the other's minus automl's).
        low: The 2.5th percentile of the resampled differences.
        high: The 97.5th percentile.
        ahead: The share of resamples in which automl is ahead.
    """

    difference: float
    low: float
    high: float
    ahead: float


def paired_bootstrap(
    pairs: Sequence[tuple[RowScores, RowScores]], *, resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> Paired:  # fmt: skip
    """Resample the test rows of each seed's split with replacement, the same rows for both
    systems, and average the signed difference over seeds for each resample.

    Args:
        pairs: Per seed, automl's and the other system's row scores on the same test rows.
        resamples: How many resamples.
        seed: Seed of the resampling (fixed: the same files give the same figures).

    Returns:
        The observed difference, a 95% percentile interval and the share of resamples with
        automl ahead. Resamples in which a score is undefined (ROC AUC of a single class) are
        left out.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    sign = 1.0 if HIGHER_IS_BETTER[pairs[0][0].metric] else -1.0
    observed = statistics.fmean(sign * (a.score() - b.score()) for a, b in pairs)
    total = np.zeros(resamples)
    for mine, theirs in pairs:
        n = len(mine.values)
        for start in range(0, resamples, _BOOTSTRAP_CHUNK):  # bounded memory on big test sets
            rows = rng.integers(0, n, size=(min(_BOOTSTRAP_CHUNK, resamples - start), n))
            stop = start + len(rows)
            total[start:stop] += sign * (mine.resampled(rows) - theirs.resampled(rows))
    total = total[np.isfinite(total)] / len(pairs)
    if not len(total):
        return Paired(observed, math.nan, math.nan, math.nan)
    low, high = np.percentile(total, [2.5, 97.5])
    return Paired(observed, float(low), float(high), float(np.mean(total > 0)))


def ranks(metric: str, scores: dict[str, float | None]) -> dict[str, float]:
    """Rank 1 is the best; equal scores share their mean rank; failures share the last ranks."""
    higher = HIGHER_IS_BETTER[metric]
    scored = sorted(
        ((s, name) for name, s in scores.items() if s is not None),
        key=lambda x: x[0],
        reverse=higher,
    )
    ranks: dict[str, float] = {}
    i = 0
    while i < len(scored):
        j = i
        while j + 1 < len(scored) and scored[j + 1][0] == scored[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[scored[k][1]] = (i + j) / 2 + 1
        i = j + 1
    failed = [name for name, s in scores.items() if s is None]
    for name in failed:
        ranks[name] = len(scored) + (len(failed) + 1) / 2
    return ranks
