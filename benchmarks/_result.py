"""What a benchmark returns: figures with their targets, notes, and raw details."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from benchmarks._cache import ResultCache

if TYPE_CHECKING:
    import argparse

__all__ = ["Benchmark", "BenchmarkError", "Context", "Figure", "Result"]

Better = Literal["lower", "higher"]


class BenchmarkError(Exception):
    """The benchmark could not measure anything meaningful (the command failed, bad output)."""


@dataclass(frozen=True)
class Figure:
    """One measured number and, optionally, the target it must meet.

    Attributes:
        name: What was measured (``median``, ``peak_rss``).
        value: The measurement.
        unit: Its unit, for display (``s``, ``MB``, ``rows/s``).
        target: The bound to meet, or ``None`` for a figure that is only reported.
        better: ``lower``: the value must be under ``target``; ``higher``: over it.
    """

    name: str
    value: float
    unit: str = ""
    target: float | None = None
    better: Better = "lower"

    @property
    def passed(self) -> bool | None:
        """Whether the target is met; ``None`` when there is no target."""
        if self.target is None:
            return None
        if math.isnan(self.value):
            return False
        return self.value < self.target if self.better == "lower" else self.value > self.target


@dataclass(frozen=True)
class Result:
    """The outcome of one benchmark run.

    Attributes:
        figures: The measurements, in display order.
        notes: Sentences worth reading next to the figures (odd output, what was run).
        details: Raw data kept in the cache for later inspection (all timings, paths).
        tables: Preformatted text blocks (a per-dataset table) printed after the figures.
    """

    figures: tuple[Figure, ...]
    notes: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    tables: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether no figure misses its target."""
        return all(figure.passed is not False for figure in self.figures)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-compatible data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """Rebuild a result from :meth:`to_dict` output.

        Raises:
            KeyError: ``figures`` is missing.
            TypeError: A figure has unknown or missing fields.
        """
        return cls(
            figures=tuple(Figure(**figure) for figure in data["figures"]),
            notes=tuple(data.get("notes", ())),
            details=dict(data.get("details", {})),
            tables=tuple(data.get("tables", ())),
        )


@dataclass(frozen=True)
class Context:
    """What the runner hands every benchmark.

    Attributes:
        cache: The results cache; benchmarks that cache per dataset use it with a dataset key,
            and generated inputs go to ``cache.data_dir``.
        force: Re-measure even where a cached result exists.
        options: The values of the benchmarks' own command-line options (see
            :attr:`Benchmark.add_options`), by ``argparse`` destination name.
    """

    cache: ResultCache
    force: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    """An entry of the registry.

    Attributes:
        name: The name given on the command line.
        run: Measures and returns the result; raises :class:`BenchmarkError` when it cannot.
        description: One line for ``--list``.
        cache_result: Whether the runner caches the whole result. A benchmark that caches per
            dataset itself (through ``Context.cache``) sets this to ``False``, so that a new
            dataset is not hidden behind an old overall result.
        add_options: Adds the benchmark's own options to an argument group of the runner's
            parser (``--budget``); their values reach it as ``Context.options``. Option names
            must not clash with another benchmark's.
    """

    name: str
    run: Callable[[Context], Result]
    description: str
    cache_result: bool = True
    add_options: Callable[[argparse._ArgumentGroup], None] | None = None
