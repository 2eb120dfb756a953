"""One column's distribution, summarised without keeping a row: the bins the drift measures
compare, and how to put new values into the same bins.

Three kinds of summary, chosen from the values:

- ``continuous``: numbers with many distinct values (and dates, as seconds, and text, as its
  length): up to 10 quantile bins for PSI, up to 50 finer ones for the KS statistic, the
  range, mean and standard deviation;
- ``discrete``: numbers with at most :data:`MAX_DISCRETE` distinct values: each value is a
  bin, and one more bin holds any other number (a shift to 0.55 when training saw 0 and 1);
- ``categorical``: the :data:`TOP_LEVELS` most frequent levels seen at least
  :data:`MIN_LEVEL_COUNT` times, and an ``other`` bin; the full list of training levels (up to
  :data:`MAX_KNOWN_LEVELS`, when few were seen only once) for the input contract.

Missing values are kept apart (``missing_rate``): they are not a bin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "MAX_DISCRETE",
    "MAX_KNOWN_LEVELS",
    "TOP_LEVELS",
    "Summary",
    "in_levels",
    "summarise",
]

#: Numbers with at most this many distinct values are summarised value by value.
MAX_DISCRETE = 20
#: Levels of a categorical column kept as bins of their own; the rest share ``other``.
TOP_LEVELS = 20
#: Training levels listed for the input contract; a column with more lists none.
MAX_KNOWN_LEVELS = 200
#: Characters of listed levels per column at most (keeps the reference small).
MAX_LEVEL_CHARS = 4000
#: A level is a bin of its own only if training saw it this many times.
MIN_LEVEL_COUNT = 10
#: Levels are listed for the unseen check only when values seen once (the Good-Turing
#: estimate of the chance that the next value is new) are under this share.
MAX_SINGLETONS = 0.01
#: Quantile bins for PSI, and finer ones for the KS statistic.
PSI_BINS = 10
KS_BINS = 50

Kind = Literal["continuous", "discrete", "categorical"]


@dataclass(frozen=True)
class Summary:
    """One column's (or the predictions') distribution.

    Attributes:
        kind: ``continuous``, ``discrete`` or ``categorical``.
        n: Non-missing values summarised.
        missing_rate: Share of missing values.
        shares: Share of the non-missing values in each bin (sums to 1).
        edges: ``continuous``: the inner bin edges (a bin holds ``edges[i-1] <= x < edges[i]``).
        fine_edges: ``continuous``: finer edges, for the KS statistic.
        fine_cdf: ``continuous``: share of values below each fine edge.
        levels: ``discrete``: the values; ``categorical``: the top levels (bins), the last
            bin being ``other``.
        known_levels: ``categorical``: every training level, or ``None`` when there were
            more than :data:`MAX_KNOWN_LEVELS` (or :data:`MAX_LEVEL_CHARS` characters), or
            many seen only once (a new level is then no surprise).
        low, high: ``continuous`` and ``discrete``: the training range.
        mean, std: ``continuous`` and ``discrete``: mean and standard deviation.
    """

    kind: Kind
    n: int
    missing_rate: float
    shares: list[float]
    edges: list[float] | None = None
    fine_edges: list[float] | None = None
    fine_cdf: list[float] | None = None
    levels: list[Any] | None = None
    known_levels: list[str] | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    std: float | None = None

    @property
    def n_bins(self) -> int:
        """Bins of :meth:`codes`."""
        return len(self.shares)

    def codes(self, values: np.ndarray) -> np.ndarray:
        """The bin of each non-missing value (numbers as floats, levels as text)."""
        if self.kind == "continuous":
            return np.searchsorted(np.asarray(self.edges, dtype=float), values, side="right")
        levels = self.levels or []
        if self.kind == "discrete":
            keys = np.asarray(levels, dtype=float)
            order = np.argsort(keys)
            position = np.searchsorted(keys[order], values)
            position = np.minimum(position, len(keys) - 1)
            found = keys[order][position] == values
            return np.where(found, order[position], len(levels))
        return _level_codes(values, [str(level) for level in levels])

    def counts(self, values: np.ndarray) -> np.ndarray:
        """How many of ``values`` fall in each bin."""
        return np.bincount(self.codes(values), minlength=self.n_bins)[: self.n_bins]

    def to_dict(self) -> dict[str, Any]:
        """The summary as ``reference.json`` keeps it (unused fields left out)."""
        return {key: value for key, value in self.__dict__.items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """Read :meth:`to_dict`'s output."""
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


def _level_codes(values: np.ndarray, levels: list[str]) -> np.ndarray:
    """The position of each value in ``levels`` (as text), ``len(levels)`` for any other."""
    import pandas as pd

    codes, uniques = pd.factorize(values)  # hashed once; only the distinct values are looked up
    found = pd.Index(levels).get_indexer(pd.Index([str(u) for u in uniques]))
    lookup = np.where(found < 0, len(levels), found)
    return lookup[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def in_levels(values: np.ndarray, levels: list[str]) -> np.ndarray:
    """Whether each value (as text) is one of ``levels``."""
    return _level_codes(values, levels) < len(levels)


def summarise(values: np.ndarray, missing: np.ndarray, *, categorical: bool) -> Summary:
    """Summarise one column.

    Args:
        values: The column's values: floats for numbers, text for levels.
        missing: Which values are missing.
        categorical: Whether the values are levels (text) rather than numbers.
    """
    present = values[~missing]
    rate = float(missing.mean()) if len(missing) else 0.0
    if categorical:
        return _categorical(present.astype(str), rate)
    present = present.astype(float)
    distinct = np.unique(present)
    if len(distinct) <= MAX_DISCRETE:
        counts = np.array([np.count_nonzero(present == v) for v in distinct], dtype=float)
        return Summary(
            kind="discrete", n=len(present), missing_rate=rate,
            shares=[*_shares(counts), 0.0], levels=[float(v) for v in distinct],
            **_moments(present),
        )  # fmt: skip
    return _continuous(present, rate)


def _categorical(present: np.ndarray, rate: float) -> Summary:
    levels, counts = np.unique(present, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    top = np.array([i for i in order[:TOP_LEVELS] if counts[i] >= MIN_LEVEL_COUNT], dtype=int)
    shares = list(_shares(counts[top].astype(float), total=max(len(present), 1)))
    other = 1.0 - sum(shares) if len(present) else 0.0
    singletons = np.count_nonzero(counts == 1) / max(len(present), 1)
    listed = (len(levels) <= MAX_KNOWN_LEVELS and singletons < MAX_SINGLETONS
              and sum(len(str(v)) for v in levels) <= MAX_LEVEL_CHARS)  # fmt: skip
    known = [str(v) for v in levels[order]] if listed else None
    return Summary(kind="categorical", n=len(present), missing_rate=rate,
                   shares=[*shares, max(other, 0.0)], levels=[str(v) for v in levels[top]],
                   known_levels=known)  # fmt: skip


def _continuous(present: np.ndarray, rate: float) -> Summary:
    edges = np.unique(np.quantile(present, np.linspace(0, 1, PSI_BINS + 1)[1:-1]))
    fine = np.unique(np.quantile(present, np.linspace(0, 1, KS_BINS + 1)[1:-1]))
    counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    below = np.searchsorted(np.sort(present), fine, side="left") / max(len(present), 1)
    return Summary(
        kind="continuous", n=len(present), missing_rate=rate,
        shares=list(_shares(counts.astype(float))), edges=[float(e) for e in edges],
        fine_edges=[float(e) for e in fine], fine_cdf=[round(float(c), 6) for c in below],
        **_moments(present),
    )  # fmt: skip


def _moments(present: np.ndarray) -> dict[str, Any]:
    if not len(present):
        return {"low": None, "high": None, "mean": None, "std": None}
    return {"low": float(present.min()), "high": float(present.max()),
            "mean": float(present.mean()), "std": float(present.std())}  # fmt: skip


def _shares(counts: np.ndarray, total: float | None = None) -> list[float]:
    total = float(counts.sum()) if total is None else total
    if total <= 0:
        return [0.0] * len(counts)
    return [round(float(c) / total, 8) for c in counts]
