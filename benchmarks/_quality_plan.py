"""What one ``quality`` run compares (datasets, systems, budget), shared by running and
reporting."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from benchmarks._datasets import Dataset
from benchmarks._peers import Peer

__all__ = ["DEFAULT_BUDGET", "NAME", "Plan", "plain", "wall_limit"]

NAME = "quality"
DEFAULT_BUDGET = 60.0


def wall_limit(budget: float) -> float:
    """The most an ``automl fit`` may take, start to exit: 1.1 x budget + 10 s."""
    return 1.1 * budget + 10.0


@dataclass(frozen=True)
class Plan:
    datasets: list[Dataset]
    peers: list[Peer]
    budget: float
    retry_errors: bool


def plain(value: Any) -> Any:
    """JSON-safe data: non-finite floats become ``None``, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    return str(value)
