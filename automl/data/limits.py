"""Caps on how much data a file may hold, checked while it is read.

A 194 KB ``.gz`` file that inflates to 200 MB (50 million short rows) used to be read whole:
31 s and a 3.8 GB peak before anything could say no. Reading now counts the decompressed
bytes and the lines as they stream in, and stops at the first one over its cap:

- ``AUTOML_MAX_INPUT_ROWS`` (default 100 million): short rows cost about 50 bytes of memory
  each once read (5 million 4-byte rows peaked at 356 MB); 100 million is ten times the
  largest tables of the AutoML Benchmark and already 5 GB to read before any training.
- ``AUTOML_MAX_INPUT_BYTES`` (default a quarter of the machine's memory, at least 1 GiB):
  read into pandas, text takes about as much memory again as its size, and the search copies
  the data several times (folds, encodings), so a file above a quarter of the memory cannot
  be trained on here; refusing it while streaming is kinder than swapping, then the OOM killer.

Both accept a plain number or one with a suffix (``500k``, ``200M``, ``20G``; powers of 1,000).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automl.errors import DataError, UsageError

__all__ = [
    "BYTES_ENV",
    "ROWS_ENV",
    "CappedStream",
    "InputLimits",
    "check_parquet_size",
    "input_limits",
]

BYTES_ENV = "AUTOML_MAX_INPUT_BYTES"
ROWS_ENV = "AUTOML_MAX_INPUT_ROWS"
DEFAULT_MAX_ROWS = 100_000_000
_MIN_DEFAULT_BYTES = 1 << 30
_AMOUNT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*", re.IGNORECASE)
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


@dataclass(frozen=True)
class InputLimits:
    """The most data one input file may hold.

    Attributes:
        max_bytes: Decompressed bytes (CSV) or uncompressed column bytes (Parquet).
        max_rows: Data rows (CSV: lines, so a quoted value over several lines counts more).
    """

    max_bytes: int
    max_rows: int


def input_limits() -> InputLimits:
    """The limits from ``AUTOML_MAX_INPUT_BYTES`` and ``AUTOML_MAX_INPUT_ROWS``, else the
    defaults (see the module's documentation).

    Raises:
        UsageError: A variable is set to something that is not a positive amount.
    """
    return InputLimits(
        max_bytes=_amount(BYTES_ENV, _default_max_bytes()),
        max_rows=_amount(ROWS_ENV, DEFAULT_MAX_ROWS),
    )


def _default_max_bytes() -> int:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # not POSIX
        return 4 * _MIN_DEFAULT_BYTES
    return max(_MIN_DEFAULT_BYTES, memory // 4)


def _amount(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    match = _AMOUNT.fullmatch(text)
    value = int(float(match.group(1)) * _SCALE[match.group(2).lower()]) if match else 0
    if value < 1:
        raise UsageError(
            f"{name} must be a positive amount, got {text!r}.",
            hint=f"For example {name}=20G, {name}=500M or {name}=1000000 (suffixes k, M, G, T "
            "are powers of 1,000); unset it for the default.",
        )
    return value


def _shown(amount: int) -> str:
    for suffix, scale in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if amount >= scale and amount % scale == 0:
            return f"{amount // scale}{suffix}"
    return f"{amount:,}"


def too_many_rows(path: Path, limits: InputLimits) -> DataError:
    """The error for a file with more rows than the limit."""
    bigger = _shown(limits.max_rows * 10)
    return DataError(
        f"{path} has more than {limits.max_rows:,} rows, the limit set by {ROWS_ENV} "
        f"(default {DEFAULT_MAX_ROWS:,}); reading stopped there.",
        hint=f"If the file is meant to be that large, raise the limit, for example "
        f"{ROWS_ENV}={bigger} automl ...; else check where the file came from.",
    )


def too_many_bytes(path: Path, limits: InputLimits, *, compressed: bool) -> DataError:
    """The error for a file holding more bytes than the limit."""
    what = f" ({path.stat().st_size:,} bytes on disk) holds more than {_shown(limits.max_bytes)}"
    what += " bytes once decompressed" if compressed else " bytes"
    return DataError(
        f"{path}{what} (the limit set by {BYTES_ENV}, by default a quarter of this machine's "
        "memory); reading stopped there.",
        hint=f"If the file is meant to be that large and the machine has the memory, raise the "
        f"limit, for example {BYTES_ENV}={_shown(limits.max_bytes * 4)} automl ...",
    )


class CappedStream(io.RawIOBase):
    """A readable stream over ``raw`` that raises as soon as more bytes, or more lines, than
    the limits have gone through it (the header line is not a row).

    Args:
        raw: A binary stream (a decompressing one for ``.gz``).
        path: The file, for messages.
        limits: The caps.
        compressed: Whether ``raw`` decompresses, for messages.
    """

    def __init__(self, raw: Any, path: Path, limits: InputLimits, *, compressed: bool) -> None:
        super().__init__()
        self.raw = raw
        self.path = path
        self.limits = limits
        self.compressed = compressed
        self.n_bytes = 0
        self.n_lines = 0

    def readable(self) -> bool:
        """Always readable."""
        return True

    def read(self, size: int | None = -1) -> bytes:
        """Read up to ``size`` bytes, counting them and their lines.

        Raises:
            DataError: A limit was passed.
        """
        data = bytes(self.raw.read(-1 if size is None else size))
        self.n_bytes += len(data)
        self.n_lines += data.count(b"\n")
        if self.n_bytes > self.limits.max_bytes:
            raise too_many_bytes(self.path, self.limits, compressed=self.compressed)
        if self.n_lines > self.limits.max_rows + 1:
            raise too_many_rows(self.path, self.limits)
        return data

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer`` (for :class:`io.BufferedReader`)."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def check_parquet_size(path: Path, metadata: Any, limits: InputLimits) -> None:
    """Refuse a Parquet file over the limits, from its footer, before reading any column.

    Args:
        path: The file, for messages.
        metadata: ``pyarrow.parquet.ParquetFile(path).metadata``.
        limits: The caps.

    Raises:
        DataError: More rows, or more uncompressed bytes, than the limits.
    """
    if metadata.num_rows > limits.max_rows:
        raise too_many_rows(path, limits)
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if size > limits.max_bytes:
        raise too_many_bytes(path, limits, compressed=False)
