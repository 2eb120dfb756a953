"""The quality benchmark's datasets (``../shared/datasets/MANIFEST.csv``) and their splits.

A split is 75% train / 25% test, stratified on the target for classification, made with
scikit-learn's ``train_test_split(random_state=seed)`` on the raw rows. The rows are read as text
(``dtype=str``, ``keep_default_na=False``) so that every cell is written back unchanged: a lone
space in ``TotalCharges``, ``NA`` in House Prices, ``1.50`` stays ``1.50``. Splits are written
once and shared by every system::

    .bench-cache/splits/<dataset>-seed<seed>/train.csv
    .bench-cache/splits/<dataset>-seed<seed>/test.csv     target included, for scoring
    .bench-cache/splits/<dataset>-seed<seed>/split.json   source hash and row counts
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from benchmarks._result import BenchmarkError

__all__ = [
    "DATASETS",
    "DEFAULT_MANIFEST",
    "METRICS",
    "Dataset",
    "Split",
    "load_manifest",
    "make_split",
]

#: ``../shared/datasets``, relative to the repository root, unless ``AUTOML_BENCH_DATASETS``
#: names another folder (``--snapshot`` runs use their checkout's).
DATASETS = Path(
    os.environ.get("AUTOML_BENCH_DATASETS")
    or Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
)
#: The manifest of :data:`DATASETS`.
DEFAULT_MANIFEST = DATASETS / "MANIFEST.csv"

#: The default metric of each task (the AutoML Benchmark's choices, and automl's defaults).
METRICS = {"binary": "roc_auc", "multiclass": "log_loss", "regression": "rmse"}

TEST_SIZE = 0.25
#: Datasets with fewer rows are scored as the mean over these seeds; larger ones on seed 0 only.
SMALL_ROWS = 2000
SMALL_SEEDS = (0, 1, 2)
_SPLIT_VERSION = 1


@dataclass(frozen=True)
class Dataset:
    """One row of the manifest.

    Attributes:
        name: Its short name (``titanic``).
        path: The CSV file.
        target: The column to predict.
        task: ``binary``, ``multiclass`` or ``regression``.
        rows: Its number of rows, as the manifest says.
    """

    name: str
    path: Path
    target: str
    task: str
    rows: int

    @property
    def metric(self) -> str:
        """The metric it is scored with."""
        return METRICS[self.task]

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds of its splits: three under 2,000 rows, else one."""
        return SMALL_SEEDS if self.rows < SMALL_ROWS else (0,)


@dataclass(frozen=True)
class Split:
    """A written split.

    Attributes:
        dataset: Where it comes from.
        seed: The seed of ``train_test_split``.
        train: The training rows.
        test: The test rows, target included.
        n_train: Rows in ``train``.
        n_test: Rows in ``test``.
        stratified: Whether the split is stratified on the target.
    """

    dataset: Dataset
    seed: int
    train: Path
    test: Path
    n_train: int
    n_test: int
    stratified: bool


def load_manifest(path: Path = DEFAULT_MANIFEST) -> list[Dataset]:
    """Read the datasets from ``MANIFEST.csv`` (files are relative to it).

    Raises:
        BenchmarkError: The manifest cannot be read, lacks a column, or names an unknown task.
    """
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise BenchmarkError(f"Cannot read the dataset manifest {path}: {exc}") from exc
    datasets = []
    for row in rows:
        try:
            dataset = Dataset(
                name=row["name"],
                path=path.parent / row["file"],
                target=row["target"],
                task=row["task"],
                rows=int(row["rows"]),
            )
        except (KeyError, ValueError) as exc:
            raise BenchmarkError(f"Bad row in {path}: {row!r} ({exc!r})") from exc
        if dataset.task not in METRICS:
            raise BenchmarkError(f"{path}: unknown task {dataset.task!r} for {dataset.name!r}.")
        datasets.append(dataset)
    return datasets


def make_split(dataset: Dataset, seed: int, root: Path) -> Split:
    """Return the split of ``dataset`` for ``seed`` under ``root``, writing it the first time.

    A split is written again if its source file changed (by SHA-256) or the split code did.

    Args:
        dataset: The dataset.
        seed: The split's random seed.
        root: The folder of splits (``.bench-cache/splits``).

    Raises:
        BenchmarkError: The file cannot be read or lacks the target column.
    """
    folder = root / f"{dataset.name}-seed{seed}"
    source_sha = _sha256(dataset.path)
    try:
        meta = json.loads((folder / "split.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if not (
        isinstance(meta, dict)
        and meta.get("version") == _SPLIT_VERSION
        and meta.get("source_sha256") == source_sha
    ):
        meta = _write_split(dataset, seed, folder, source_sha)
    return Split(
        dataset=dataset,
        seed=seed,
        train=folder / "train.csv",
        test=folder / "test.csv",
        n_train=int(meta["n_train"]),
        n_test=int(meta["n_test"]),
        stratified=bool(meta["stratified"]),
    )


def _write_split(dataset: Dataset, seed: int, folder: Path, source_sha: str) -> dict[str, object]:
    import pandas as pd
    from sklearn.model_selection import train_test_split

    try:
        frame = pd.read_csv(dataset.path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise BenchmarkError(f"Cannot read {dataset.path}: {exc}") from exc
    if dataset.target not in frame.columns:
        raise BenchmarkError(f"{dataset.path} has no target column {dataset.target!r}.")
    stratify = frame[dataset.target] if dataset.task != "regression" else None
    try:
        train, test = train_test_split(
            frame, test_size=TEST_SIZE, random_state=seed, stratify=stratify
        )
    except ValueError:  # a class with a single row cannot be stratified
        stratify = None
        train, test = train_test_split(frame, test_size=TEST_SIZE, random_state=seed)
    meta: dict[str, object] = {
        "version": _SPLIT_VERSION,
        "source": str(dataset.path),
        "source_sha256": source_sha,
        "seed": seed,
        "test_size": TEST_SIZE,
        "stratified": stratify is not None,
        "n_train": len(train),
        "n_test": len(test),
    }
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    train.to_csv(partial / "train.csv", index=False)
    test.to_csv(partial / "test.csv", index=False)
    (partial / "split.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return meta


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise BenchmarkError(f"Cannot read {path}: {exc}") from exc
    return digest.hexdigest()
