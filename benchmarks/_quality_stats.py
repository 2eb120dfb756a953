"""Statistics of the ``quality`` benchmark: wins, losses and ties, ranks, and the paired
bootstrap of automl against each other system (:mod:`automl.insight.bootstrap`, shared with
``automl compare``)."""

from __future__ import annotations

from automl.insight.bootstrap import BOOTSTRAP_RESAMPLES, CLEARLY_AHEAD, Paired, paired_bootstrap

__all__ = ["BOOTSTRAP_RESAMPLES", "CLEARLY_AHEAD", "HIGHER_IS_BETTER", "TIE_AUC", "TIE_RELATIVE",
           "Paired", "compare", "paired_bootstrap", "ranks"]  # fmt: skip

#: Ties: an absolute AUC difference, or a relative log-loss or RMSE difference, under these.
TIE_AUC = 0.002
TIE_RELATIVE = 0.005
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
