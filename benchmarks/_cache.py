"""Benchmark results cached as JSON, per system, benchmark and (optionally) dataset.

A result is only comparable with results measured on the same kind of machine and the same
automl, so every path sits under a *system key* such as
``linux-x86_64-2cpu-py3.11-automl0.1.0``::

    .bench-cache/<system-key>/<benchmark>.json
    .bench-cache/<system-key>/<benchmark>/<dataset>.json
    .bench-cache/data/            generated input files, shared by every system

Files are written atomically (a temporary file, then a rename), so that an interrupted run never
leaves half a result behind and a long run can be resumed dataset by dataset.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_ROOT", "CacheEntry", "ResultCache", "system_key"]

#: ``.bench-cache`` at the repository root (the folder holding ``benchmarks/``), unless
#: ``AUTOML_BENCH_CACHE`` names another (``--snapshot`` runs share their checkout's cache).
DEFAULT_ROOT = Path(
    os.environ.get("AUTOML_BENCH_CACHE") or Path(__file__).resolve().parent.parent / ".bench-cache"
)

_SCHEMA = 1
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=+-]*")


def system_key() -> str:
    """Describe this system: OS, machine, usable CPUs, Python and automl versions.

    Returns:
        A path-safe key such as ``linux-x86_64-2cpu-py3.11-automl0.1.0``.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        cpus = os.cpu_count() or 1
    try:
        automl = metadata.version("automl")
    except metadata.PackageNotFoundError:
        automl = "unknown"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    system = platform.system().lower() or "unknown"
    machine = platform.machine().lower() or "unknown"
    return f"{system}-{machine}-{cpus}cpu-py{python}-automl{automl}"


@dataclass(frozen=True)
class CacheEntry:
    """A cached payload and where and when it was written.

    Attributes:
        path: The JSON file.
        created: When it was written, ISO 8601 in UTC.
        payload: What the benchmark stored.
    """

    path: Path
    created: str
    payload: dict[str, Any]


class ResultCache:
    """JSON results under ``root/<system-key>/``.

    Args:
        root: The cache folder; ``.bench-cache`` at the repository root by default.
        system: The system key; :func:`system_key` by default.
    """

    def __init__(self, root: Path = DEFAULT_ROOT, *, system: str | None = None) -> None:
        self.root = root
        self.system = system if system is not None else system_key()

    @property
    def data_dir(self) -> Path:
        """The folder for generated input data, shared by every system."""
        return self.root / "data"

    def path(self, benchmark: str, dataset: str | None = None) -> Path:
        """Return the file holding the result of ``benchmark`` (on ``dataset``, if given).

        Args:
            benchmark: The benchmark's name.
            dataset: A dataset key, for benchmarks that cache one result per dataset; put the
                seed in it if results depend on one (``adult-seed0``).

        Returns:
            The path, whether or not the file exists.

        Raises:
            ValueError: A key is empty or holds characters other than letters, digits and
                ``. _ = + -``.
        """
        folder = self.root / self.system
        if dataset is None:
            return folder / f"{_checked(benchmark, 'benchmark')}.json"
        return folder / _checked(benchmark, "benchmark") / f"{_checked(dataset, 'dataset')}.json"

    def load(self, benchmark: str, dataset: str | None = None) -> CacheEntry | None:
        """Return the cached entry, or ``None`` if there is none or it cannot be read.

        Args:
            benchmark: The benchmark's name.
            dataset: The dataset key, if the result is per dataset.

        Returns:
            The entry, or ``None``; an unreadable or outdated file counts as absent.

        Raises:
            ValueError: A key is not path-safe (see :meth:`path`).
        """
        path = self.path(benchmark, dataset)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(document, dict) or document.get("schema") != _SCHEMA:
            return None
        payload = document.get("payload")
        if not isinstance(payload, dict):
            return None
        return CacheEntry(path=path, created=str(document.get("created", "")), payload=payload)

    def save(
        self, benchmark: str, payload: dict[str, Any], dataset: str | None = None
    ) -> CacheEntry:
        """Write ``payload`` (JSON-compatible) atomically, replacing any earlier result.

        Args:
            benchmark: The benchmark's name.
            payload: The result; plain JSON types only (no numpy scalars).
            dataset: The dataset key, if the result is per dataset.

        Returns:
            The entry as written.

        Raises:
            ValueError: A key is not path-safe (see :meth:`path`).
            TypeError: ``payload`` holds something JSON cannot represent.
            OSError: The file cannot be written.
        """
        path = self.path(benchmark, dataset)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        document = {
            "schema": _SCHEMA,
            "system": self.system,
            "benchmark": benchmark,
            "dataset": dataset,
            "created": created,
            "payload": payload,
        }
        text = json.dumps(document, indent=2, allow_nan=False) + "\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return CacheEntry(path=path, created=created, payload=payload)


def _checked(key: str, what: str) -> str:
    if not _KEY.fullmatch(key):
        raise ValueError(
            f"Invalid {what} key {key!r} for the benchmark cache: expected letters, digits and "
            "'. _ = + -', starting with a letter or digit."
        )
    return key
