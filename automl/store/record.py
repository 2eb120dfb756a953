"""``run.json``: the run record, built by ``fit`` at its end and read by every later command.

:func:`build_run_record` is its one writer (with :func:`model_record` and
:func:`ensemble_row` for the saved model); :class:`RunRecord` is its reader, for the
records of automl 0.1.0 too (``schema_version`` 1). The keys are documented in
docs/architecture.md ("The run schema").
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from automl.errors import DataError
from automl.store.schema import MODEL_FILE, SCHEMA_VERSION

__all__ = [
    "Artifact",
    "RunRecord",
    "artifact",
    "build_run_record",
    "class_balance",
    "ensemble_row",
    "model_record",
]


class ChoiceFacts(Protocol):
    """What the record keeps of the trial chosen for refitting
    (:class:`automl.search.refit.Choice`)."""

    @property
    def number(self) -> int: ...

    @property
    def family(self) -> str: ...

    @property
    def params(self) -> dict[str, Any]: ...

    @property
    def n_iterations(self) -> int | None: ...

    @property
    def cv_mean(self) -> float: ...

    @property
    def cv_std(self) -> float: ...

    @property
    def fold_scores(self) -> list[float]: ...

    @property
    def skipped_better(self) -> int: ...


class DataFacts(Protocol):
    """What the record keeps of the training data (:class:`automl.search.dataset.TrainingData`)."""

    @property
    def task(self) -> str: ...

    @property
    def labels(self) -> list[Any]: ...

    @property
    def n_classes(self) -> int: ...

    @property
    def profile(self) -> Any: ...

    @property
    def y(self) -> Any: ...

    @property
    def search_rows(self) -> Any: ...

    @property
    def holdout_rows(self) -> Any: ...

    @property
    def folds(self) -> Any: ...


class EnsembleFacts(Protocol):
    """An ensemble as selected (:class:`automl.search.ensemble.EnsembleChoice`)."""

    @property
    def weights(self) -> list[float]: ...

    @property
    def score(self) -> float: ...

    @property
    def best_single(self) -> float: ...


class MetricFacts(Protocol):
    """The run's metric (:class:`automl.metrics.Metric`)."""

    @property
    def name(self) -> str: ...

    @property
    def direction(self) -> str: ...


class CountFacts(Protocol):
    """Trial counts (:class:`automl.search.study.TrialCounts`)."""

    @property
    def complete(self) -> int: ...

    @property
    def pruned(self) -> int: ...

    @property
    def failed(self) -> int: ...


class RefFacts(Protocol):
    """The run's reference (:class:`automl.store.runs.RunRef`)."""

    @property
    def experiment(self) -> str: ...

    @property
    def run_id(self) -> str: ...

    @property
    def study_name(self) -> str: ...


@dataclass(frozen=True)
class Artifact:
    """A file of the run folder as the record lists it."""

    sha256: str
    bytes: int | None = None


def artifact(path: Path, sha256: str) -> dict[str, Any]:
    """The record's entry for the file at ``path`` with that SHA-256."""
    return {"sha256": sha256, "bytes": path.stat().st_size}


def class_balance(data: DataFacts) -> dict[str, int]:
    """Rows per class label (empty for regression)."""
    import numpy as np

    if data.task == "regression":
        return {}
    counts = np.bincount(data.y, minlength=data.n_classes)
    return {str(label): int(c) for label, c in zip(data.labels, counts, strict=True)}


def model_record(choice: ChoiceFacts, ensemble: EnsembleFacts | None, refit: dict[str, Any],
                 members: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """``run.json``'s ``model``: one trial, or an ensemble (``members`` labelled
    ``family#trial``) with its weights."""
    if ensemble is None:
        return {
            "kind": "single",
            "members": [f"{choice.family}#{choice.number}"],
            "weights": [1.0],
            "cv_mean": choice.cv_mean,
            "score_kind": "cv",
            "predict_ms_per_1000": refit.get("predict_ms_per_1000"),
        }
    return {
        "kind": "ensemble",
        "members": members,
        "weights": ensemble.weights,
        "cv_mean": ensemble.score,
        "best_single_cv_mean": ensemble.best_single,
        "score_kind": "oof",
        "predict_ms_per_1000": refit.get("predict_ms_per_1000"),
    }


def ensemble_row(model: dict[str, Any], fit_seconds: float,
                 holdout: float | None) -> dict[str, Any]:  # fmt: skip
    """The ensemble's leaderboard row (it is not an Optuna trial): ``fit_seconds`` is the
    sum of its members'."""
    return {
        "family": "ensemble",
        "state": "complete",
        "score_kind": "oof",
        "cv_mean": model["cv_mean"],
        "cv_std": None,
        "fit_seconds": round(fit_seconds, 3),
        "predict_ms_per_1000": model["predict_ms_per_1000"],
        "reason": None,
        "params": dict(zip(model["members"], [round(w, 3) for w in model["weights"]], strict=True)),
        "holdout": holdout,
    }


def build_run_record(
    ref: RefFacts,
    *,
    options: dict[str, Any],
    data_path: Path,
    data: DataFacts,
    metric: MetricFacts,
    choice: ChoiceFacts,
    counts: CountFacts,
    holdout: float | None,
    artifacts: dict[str, dict[str, Any]],
    data_sha: str,
    seconds: float,
    refit_seconds: float,
    interrupted: bool,
    started_epoch: float,
    notes: tuple[str, ...],
) -> dict[str, Any]:
    """``run.json``: everything needed to understand and reproduce the run (``model`` and,
    for an ensemble, ``extra_leaderboard_rows`` are added by the caller)."""
    from automl.config import redact_url
    from automl.store.environment import package_versions, platform_info

    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "study_name": ref.study_name,
        "status": "interrupted" if interrupted else "complete",
        "command": [Path(sys.argv[0]).name, *(redact_url(a) for a in sys.argv[1:])],
        "options": options,
        "seed": options.get("seed"),
        "task": data.task,
        "metric": metric.name,
        "direction": metric.direction,
        "target": data.profile.target.name,
        "labels": data.labels,
        "positive_class": data.labels[-1] if data.task == "binary" else None,
        "class_balance": class_balance(data),
        "data": _data_section(data, data_path, data_sha),
        "cv": {"folds": len(data.folds)},
        "best": _best_section(choice),
        "holdout": None
        if holdout is None
        else {"trial": choice.number, "score": holdout, "n_rows": len(data.holdout_rows)},
        "trials": {"complete": counts.complete, "pruned": counts.pruned, "failed": counts.failed},
        "timings": {
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started_epoch)),
            "seconds": round(seconds, 3),
            "refit_seconds": round(refit_seconds, 3),
        },
        "versions": package_versions(),
        "platform": platform_info(),
        "artifacts": artifacts,
        "notes": list(notes),
    }


def _data_section(data: DataFacts, data_path: Path, data_sha: str) -> dict[str, Any]:
    """``run.json``'s ``data``: the file and its rows."""
    return {
        "path": str(data_path.resolve()),
        "name": data_path.name,
        "sha256": data_sha,
        "n_rows": len(data.y),
        "n_search_rows": len(data.search_rows),
        "n_holdout_rows": len(data.holdout_rows),
        "n_features": len(data.profile.features),
    }


def _best_section(choice: ChoiceFacts) -> dict[str, Any]:
    """``run.json``'s ``best``: the trial chosen for refitting."""
    return {
        "trial": choice.number,
        "family": choice.family,
        "params": choice.params,
        "n_iterations": choice.n_iterations,
        "cv_mean": choice.cv_mean,
        "cv_std": choice.cv_std,
        "fold_scores": choice.fold_scores,
        "skipped_better_trials": choice.skipped_better,
    }


@dataclass(frozen=True)
class RunRecord:
    """``run.json`` as read back (records of 0.1.0 included).

    The nested parts are kept as the dictionaries ``run.json`` holds; the attributes below
    are the ones the reading commands use.
    """

    schema_version: int
    run_id: str
    experiment: str
    status: str
    task: str | None
    metric: str | None
    model: dict[str, Any]
    holdout: dict[str, Any] | None
    artifacts: dict[str, Artifact]
    extra_leaderboard_rows: list[dict[str, Any]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, record: dict[str, Any], *, where: Path | None = None) -> RunRecord:
        """Read a ``run.json`` document.

        Raises:
            DataError: It was written by a newer automl (a higher ``schema_version``).
        """
        version = int(record.get("schema_version") or 1)
        if version > SCHEMA_VERSION:
            raise DataError(
                f"{where or 'run.json'} has schema_version {version}; this automl reads "
                f"up to {SCHEMA_VERSION}.",
                hint="Upgrade automl to read runs written by a newer version.",
            )
        artifacts = {
            name: Artifact(str(meta.get("sha256")), meta.get("bytes"))
            for name, meta in (record.get("artifacts") or {}).items()
        }
        return cls(
            schema_version=version,
            run_id=str(record.get("run_id", "")),
            experiment=str(record.get("experiment", "")),
            status=str(record.get("status", "running or failed")),
            task=record.get("task"),
            metric=record.get("metric"),
            model=dict(record.get("model") or {}),
            holdout=record.get("holdout"),
            artifacts=artifacts,
            extra_leaderboard_rows=list(record.get("extra_leaderboard_rows") or []),
            raw=record,
        )

    @property
    def model_sha256(self) -> str | None:
        """The saved model's SHA-256, if a model was saved."""
        found = self.artifacts.get(MODEL_FILE)
        return None if found is None else found.sha256

    @property
    def model_kind(self) -> str | None:
        """``single`` or ``ensemble`` (``None`` without a model)."""
        kind = self.model.get("kind")
        return None if kind is None else str(kind)

    @property
    def score(self) -> float | None:
        """The saved model's search score (CV mean, or out-of-fold for an ensemble)."""
        value = self.model.get("cv_mean")
        return None if value is None else float(value)

    def get(self, key: str, default: object = None) -> Any:
        """A top-level entry of the document as written (for ``show``)."""
        return self.raw.get(key, default)
