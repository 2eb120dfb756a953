"""``run.json``: the run record, built by ``fit`` at its end and read by every later command.

:func:`build_run_record` is its one writer (with :func:`model_record` and
:func:`ensemble_row` for the saved model); :class:`~automl.store.run_record.RunRecord`
(re-exported here) is its reader, for the records of automl 0.1.0 too (``schema_version``
1). The keys are documented in docs/architecture.md ("The run schema").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from automl.store.run_record import Artifact, ModelSection, RunRecord
from automl.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import numpy.typing as npt

    from automl.data.profile import Profile

__all__ = [
    "Artifact",
    "RunRecord",
    "add_artifact",
    "add_decision",
    "add_model",
    "add_substitution",
    "artifact",
    "build_run_record",
    "class_balance",
    "ensemble_row",
    "model_record",
    "substitution_text",
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
    def target(self) -> str: ...

    @property
    def labels(self) -> list[Any]: ...

    @property
    def n_classes(self) -> int: ...

    @property
    def profile(self) -> Profile: ...

    @property
    def y(self) -> npt.NDArray[Any]: ...

    @property
    def search_rows(self) -> npt.NDArray[Any]: ...

    @property
    def holdout_rows(self) -> npt.NDArray[Any]: ...

    @property
    def folds(self) -> list[tuple[npt.NDArray[Any], npt.NDArray[Any]]]: ...


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
        "target": data.target,
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


def add_model(record: dict[str, Any], model: dict[str, Any], *,
              ensemble_holdout: float | None = None, n_holdout_rows: int = 0,
              row: dict[str, Any] | None = None) -> None:  # fmt: skip
    """Put the saved model (:func:`model_record`) into ``record``; for an ensemble (``row``
    its leaderboard row, :func:`ensemble_row`), its holdout score and the extra row too."""
    record["model"] = model
    if row is not None:
        record["holdout"] = None if ensemble_holdout is None else {
            "model": "ensemble", "trial": None, "score": ensemble_holdout,
            "n_rows": n_holdout_rows,
        }  # fmt: skip
        record["extra_leaderboard_rows"] = [row]


def add_decision(record: dict[str, Any], summary: dict[str, Any] | None) -> None:
    """Put the saved model's decision (``Decision.summary()``, ``None`` for regression)
    into ``record``."""
    record["decision"] = summary


def add_substitution(model: dict[str, Any], substitution: dict[str, Any] | None) -> None:
    """Put what was saved instead of the best trial (``None``: nothing) into ``model``."""
    model["substitution"] = substitution


def add_artifact(record: dict[str, Any], path: Path, sha256: str) -> None:
    """List the run-folder file at ``path`` among ``record``'s artifacts."""
    record["artifacts"][path.name] = artifact(path, sha256)


def add_parent(record: dict[str, Any], parent: RefFacts, *, model_sha256: str | None,
               cv: dict[str, Any] | None, parent_refit_seconds: float | None) -> None:  # fmt: skip
    """For a run made by ``automl refit``: the ``parent`` it refitted and the ``refit``
    section (its cross-validated score on its own data, the parent's refit seconds)."""
    record["parent"] = {"run_id": parent.run_id, "experiment": parent.experiment,
                        "study_name": parent.study_name, "model_sha256": model_sha256}  # fmt: skip
    record["refit"] = {"cv": cv, "parent_refit_seconds": parent_refit_seconds}


def mark_parent_scores(model: dict[str, Any]) -> None:
    """A refit run's ``model``: its score is the parent's, from the parent's search
    (``score_kind`` ``parent_cv`` or ``parent_oof``); nothing was substituted."""
    model["score_kind"] = "parent_" + str(model.get("score_kind") or "cv")
    model["substitution"] = None


def write_record(run_dir: Path, record: dict[str, Any]) -> str:
    """Write ``run.json`` into ``run_dir`` (atomically); return its SHA-256."""
    from automl.store.artifacts import write_json
    from automl.store.schema import RunPaths

    return write_json(RunPaths(run_dir).run_json, record)


def substitution_text(model: dict[str, Any]) -> str:
    """The explanation of what was saved instead of the best trial (empty when nothing)."""
    return str((ModelSection.of(model).substitution or {}).get("explanation", ""))


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
