"""The measures of drift between a reference summary and new values: PSI, a two-sample test
on the same bins, missing-rate change, share out of the training range, share of unseen
levels. Pure numpy/scipy on counts; no row of the training data is needed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from automl.monitor.summary import Summary, in_levels

__all__ = [
    "PSI_DRIFT",
    "PSI_WARN",
    "ColumnMeasures",
    "measure_column",
    "psi",
]

#: PSI thresholds (the credit-scoring convention): under 0.1 stable, 0.1 to 0.2 a moderate
#: shift, 0.2 and more a significant one.
PSI_WARN = 0.1
PSI_DRIFT = 0.2
#: Shares are floored at this before the logarithm (an empty bin on one side).
_FLOOR = 1e-4


@dataclass(frozen=True)
class ColumnMeasures:
    """What changed in one column.

    Attributes:
        n: Non-missing new values.
        psi: Population stability index over the reference's bins (``nan`` without values).
        test: ``ks`` (continuous) or ``chi2`` (levels), or ``None`` without values.
        statistic: The test's statistic.
        p_value: Its p-value (before the multiple-testing correction).
        missing_rate: Share of new values missing.
        missing_p: p-value of the missing-rate change (two-proportion chi-square).
        out_of_range: Share of new numbers below the training minimum or above its maximum.
        unseen: Share of new levels training never saw (``None``: not checkable).
        shares: The new values' share per bin (for pages and the service).
        moved: Total variation distance between the bin shares (half the sum of their
            absolute differences): the share of values that would have to change bin.
    """

    n: int
    psi: float
    test: str | None
    statistic: float
    p_value: float
    missing_rate: float
    missing_p: float
    out_of_range: float | None
    unseen: float | None
    shares: list[float]
    moved: float = math.nan


def psi(reference: np.ndarray | list[float], new: np.ndarray | list[float]) -> float:
    """Population stability index: ``sum((new - ref) * ln(new / ref))`` over bins, shares
    floored at 1e-4."""
    ref = np.maximum(np.asarray(reference, dtype=float), _FLOOR)
    cur = np.maximum(np.asarray(new, dtype=float), _FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def measure_column(summary: Summary, values: np.ndarray, missing: np.ndarray) -> ColumnMeasures:
    """Compare new values with the reference summary.

    Args:
        summary: The reference.
        values: New values (floats or text, as :func:`automl.monitor.column_values` gives).
        missing: Which new values are missing.
    """
    present = values[~missing]
    n_missing = int(missing.sum())
    rate = n_missing / len(missing) if len(missing) else 0.0
    missing_p = _two_proportions(summary.missing_rate, summary.n, rate, len(missing))
    if summary.kind != "categorical":
        present = present.astype(float)
    if not len(present) or summary.n == 0:
        return ColumnMeasures(n=0, psi=math.nan, test=None, statistic=math.nan, p_value=1.0,
                              missing_rate=rate, missing_p=missing_p, out_of_range=None,
                              unseen=None, shares=[0.0] * summary.n_bins)  # fmt: skip
    counts = summary.counts(present)
    shares = counts / counts.sum()
    if summary.kind == "continuous":
        test, statistic, p_value = "ks", *_ks(summary, present)
    else:
        test, statistic, p_value = "chi2", *_chi2(summary, counts)
    out_of_range = unseen = None
    if summary.kind != "categorical" and summary.low is not None:
        outside = np.count_nonzero((present < summary.low) | (present > summary.high))
        out_of_range = outside / len(present)
    if summary.kind == "categorical" and summary.known_levels is not None:
        unseen = float(np.mean(~in_levels(present, summary.known_levels)))
    return ColumnMeasures(
        n=len(present), psi=psi(summary.shares, shares), test=test, statistic=statistic,
        p_value=p_value, missing_rate=rate, missing_p=missing_p, out_of_range=out_of_range,
        unseen=unseen, shares=[round(float(s), 6) for s in shares],
        moved=float(0.5 * np.abs(shares - np.asarray(summary.shares, dtype=float)).sum()),
    )  # fmt: skip


def _ks(summary: Summary, present: np.ndarray) -> tuple[float, float]:
    """The two-sample Kolmogorov-Smirnov statistic evaluated at the reference's fine edges
    (a lower bound of the exact one), with its asymptotic p-value for both sample sizes."""
    from scipy.stats import kstwobign

    edges = np.asarray(summary.fine_edges or [], dtype=float)
    if not len(edges):
        return 0.0, 1.0
    # values under each edge, from the bin counts (no sort of the values)
    counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    below = np.cumsum(counts)[: len(edges)] / len(present)
    statistic = float(np.max(np.abs(below - np.asarray(summary.fine_cdf, dtype=float))))
    n, m = summary.n, len(present)
    return statistic, float(kstwobign.sf(statistic * math.sqrt(n * m / (n + m))))


def _chi2(summary: Summary, counts: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity between the reference's bin counts and the new ones."""
    from scipy.stats import chi2_contingency

    reference = np.asarray(summary.shares, dtype=float) * summary.n
    table = np.vstack([reference, counts.astype(float)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    result = chi2_contingency(table, correction=False)
    return float(result.statistic), float(result.pvalue)


def _two_proportions(p1: float, n1: int, p2: float, n2: int) -> float:
    """p-value that two missing rates differ (chi-square on the 2x2 table)."""
    from scipy.stats import chi2_contingency

    if n1 == 0 or n2 == 0:
        return 1.0
    total1 = n1 / max(1.0 - p1, 1e-12) if p1 < 1 else float(n1)  # n counts non-missing values
    table = np.array([[p1 * total1, (1 - p1) * total1], [p2 * n2, (1 - p2) * n2]])
    if (table.sum(axis=0) == 0).any():
        return 1.0
    return float(chi2_contingency(table, correction=False).pvalue)
