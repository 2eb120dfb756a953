"""A seeded synthetic CSV of mixed column types, written once and kept in the data cache.

Every column is built as a whole with numpy, rendered to text with Arrow compute functions and
joined into lines the same way, so a million rows take seconds; there is no per-row Python.
Quoting is minimal, as most exports write it: only amounts of 1,000 or more (``"1,234.50"``) are
quoted, because they hold the delimiter.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

__all__ = ["EXPECTED_ROLES", "MISSING_SHARE", "TARGET", "mixed_csv"]

#: Bump when the generated data changes, so that older files are not reused.
_VERSION = 1
#: The share of blank cells in every feature column (the target ``y`` has none).
MISSING_SHARE = 0.05
_CHUNK_ROWS = 100_000
_REGIONS = ["north", "south", "east", "west", "centre", "islands", "abroad", "hq"]

#: Each feature column in file order and the role ``automl profile`` should give it.
EXPECTED_ROLES = {
    "income": "numeric",
    "score": "numeric",
    "ratio": "numeric",
    "temperature": "numeric",
    "balance": "numeric",
    "distance_km": "numeric",
    "age": "numeric",
    "n_orders": "numeric",
    "tenure_days": "numeric",
    "visits": "numeric",
    "household_size": "numeric",
    "color": "categorical",
    "region": "categorical",
    "plan": "categorical",
    "city": "categorical",
    "newsletter": "boolean",
    "signup_date": "datetime",
    "amount": "numeric",
    "is_mobile": "boolean",
}
TARGET = "y"


def mixed_csv(directory: Path, *, n_rows: int, seed: int = 0) -> Path:
    """Return the synthetic CSV for ``n_rows`` and ``seed``, writing it first if it is absent.

    Columns (see :data:`EXPECTED_ROLES`): six decimal columns, five integer columns, three
    low-cardinality categories, a 50,000-level ``city``, a yes/no column, an ISO date, an amount
    written as quoted text with thousands separators, a 0/1 column, and a binary target ``y``
    that depends on a few features. Every feature column has exactly 5% blank cells.

    Args:
        directory: Where generated files are kept.
        n_rows: Data rows.
        seed: Seeds the generator; the same seed gives the same bytes.

    Returns:
        The file's path.

    Raises:
        OSError: The file cannot be written.
    """
    path = directory / f"mixed-{n_rows}rows-seed{seed}-v{_VERSION}.csv"
    if path.exists():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _write_csv(partial, _text_columns(n_rows, seed))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _text_columns(n: int, seed: int) -> dict[str, pa.Array]:
    """Each column as Arrow strings, blanks as empty strings, in :data:`EXPECTED_ROLES` order."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)

    def blanks() -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, size=round(n * MISSING_SHARE), replace=False)] = True
        return mask

    def numbers(values: np.ndarray) -> pa.Array:
        return pa.array(values, mask=blanks())

    def levels(names: list[str], p: list[float] | None = None) -> tuple[np.ndarray, pa.Array]:
        codes = rng.choice(len(names), size=n, p=p)
        return codes, pc.take(pa.array(names), pa.array(codes, mask=blanks()))

    score = rng.normal(0.0, 1.0, n)
    age = rng.integers(18, 91, n)
    plan_codes, plan = levels(["basic", "plus", "pro"], [0.6, 0.3, 0.1])
    mobile = rng.integers(0, 2, n)
    logit = -1.0 + 0.8 * score + 0.02 * (age - 50) + 0.7 * (plan_codes == 2) + 0.3 * mobile
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    city_names = [f"city_{i:05d}" for i in range(50_000)]  # one string per level, not per row
    city_weights = 1.0 / np.arange(1, 50_001) ** 0.8
    days = rng.integers(0, 10 * 365, n).astype("timedelta64[D]") + np.datetime64("2015-01-01")

    columns: dict[str, pa.Array] = {
        "income": numbers(np.round(rng.lognormal(10.5, 0.6, n), 2)),
        "score": numbers(np.round(score, 4)),
        "ratio": numbers(np.round(rng.random(n), 4)),
        "temperature": numbers(np.round(rng.normal(15.0, 8.0, n), 1)),
        "balance": numbers(np.round(rng.normal(1000.0, 3000.0, n), 2)),
        "distance_km": numbers(np.round(rng.exponential(12.0, n), 3)),
        "age": numbers(age),
        "n_orders": numbers(rng.poisson(3.0, n)),
        "tenure_days": numbers(rng.integers(0, 3650, n)),
        "visits": numbers(rng.poisson(20.0, n)),
        "household_size": numbers(rng.integers(1, 8, n)),
        "color": levels(["red", "green", "blue", "black", "white"])[1],
        "region": levels(_REGIONS)[1],
        "plan": plan,
        "city": levels(city_names, list(city_weights / city_weights.sum()))[1],
        "newsletter": levels(["no", "yes"], [0.7, 0.3])[1],
        "signup_date": numbers(days),
        "amount": _thousands_text(rng, n, blanks()),
        "is_mobile": numbers(mobile),
        TARGET: pa.array(y),
    }
    return {name: pc.fill_null(column.cast(pa.string()), "") for name, column in columns.items()}


def _thousands_text(rng: np.random.Generator, n: int, mask: np.ndarray) -> pa.Array:
    """Amounts as text with cents and a thousands separator, quoted when they have one."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    cents = np.minimum(np.round(rng.lognormal(10.0, 1.8, n)), 99_999_999).astype(np.int64)
    whole = cents // 100
    small = pc.cast(pa.array(whole), pa.string())
    thousands = pc.cast(pa.array(whole // 1000), pa.string())
    units = pc.utf8_lpad(pc.cast(pa.array(whole % 1000), pa.string()), 3, "0")
    big = pc.binary_join_element_wise(thousands, units, ",")
    fraction = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    small = pc.binary_join_element_wise(small, fraction, ".")
    big = pc.binary_join_element_wise('"', big, ".", fraction, '"', "")
    text = pc.if_else(pa.array(whole >= 1000), big, small)
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), text)


def _write_csv(path: Path, columns: dict[str, pa.Array]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = pc.binary_join_element_wise(*columns.values(), ",")
    with path.open("wb") as fh:
        fh.write((",".join(columns) + "\n").encode())
        for start in range(0, len(lines), _CHUNK_ROWS):
            chunk = lines.slice(start, _CHUNK_ROWS)
            offsets = pa.array([0, len(chunk)], pa.int32())
            block = pc.binary_join(pa.ListArray.from_arrays(offsets, chunk), "\n")[0]
            fh.write(block.as_buffer())
            fh.write(b"\n")
        fh.flush()
        os.fsync(fh.fileno())  # so that writing back the file does not overlap a measurement
