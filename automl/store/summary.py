"""Summaries of experiments and runs for ``automl experiments``, ``runs`` and ``show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.store.run_record import RunRecord, written
from automl.store.schema import StudySettings

if TYPE_CHECKING:
    from automl.store.runs import RunRef, Store

__all__ = ["describe_run", "list_experiments", "list_runs"]


def list_experiments(store: Store) -> list[dict[str, Any]]:
    """Every experiment with its number of runs and latest run."""
    by_name: dict[str, list[RunRef]] = {}
    for ref in store.runs():
        by_name.setdefault(ref.experiment, []).append(ref)
    return [
        {"experiment": name, "runs": len(refs), "latest_run": refs[-1].run_id}
        for name, refs in sorted(by_name.items())
    ]


def list_runs(store: Store, experiment: str | None = None) -> list[dict[str, Any]]:
    """Every run (of one experiment, or all) with its status, task, metric and best score."""
    import optuna

    rows = []
    for ref in store.runs(experiment):
        record = _record(store, ref)
        study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
        settings = StudySettings.read(study)
        states: dict[str, int] = {}
        for trial in study.get_trials(deepcopy=False):
            _count(states, trial)
        rows.append(
            {
                "experiment": ref.experiment,
                "run_id": ref.run_id,
                "status": record.status if record else "no model",
                "task": settings.task or None,
                "metric": settings.metric or None,
                "data": settings.data_name or None,
                "model": record.model_kind if record else None,
                "score": _cv_mean(record),
                "parent": None if record is None or record.parent is None else record.parent.run_id,
                "trials": states,
            }
        )
    return rows


def describe_run(store: Store, ref: RunRef) -> dict[str, Any]:
    """Everything about one run: options, scores per fold, data fingerprint, versions,
    artifacts with sizes, and trial counts."""
    import optuna

    study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
    settings = StudySettings.read(study)
    record = _record(store, ref) or RunRecord.from_dict({"status": "no model saved"})
    run_dir = store.run_dir(ref)
    artifacts = {}
    for name, meta in record.artifacts.items():
        path = run_dir / name
        artifacts[name] = {
            "sha256": meta.sha256,
            "bytes": path.stat().st_size if path.is_file() else None,
            "present": path.is_file(),
        }
    states: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        _count(states, trial)
    return {
        "experiment": ref.experiment,
        "run_id": ref.run_id,
        "run_dir": str(run_dir),
        "status": record.status,
        "command": record.command,
        "options": record.options or settings.config or None,
        "task": settings.task or None,
        "metric": settings.metric or None,
        "labels": settings.labels,
        "positive_class": settings.positive_class,
        "data": written(record.data)
        or {"name": settings.data_name or None, "sha256": settings.data_sha256 or None},
        "best": written(record.best),
        "model": written(record.model),
        "holdout": written(record.holdout),
        "decision": written(record.decision),
        "trials": states,
        "timings": written(record.timings),
        "versions": record.versions or None,
        "platform": record.platform or None,
        "artifacts": artifacts,
        "notes": record.notes,
        "parent": written(record.parent),
        "refit": written(record.refit),
    }


_STATE_NAMES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running"}


def _count(states: dict[str, int], trial: Any) -> None:
    """Count a trial under the leaderboard's state names; queued trials are not counted."""
    name = _STATE_NAMES.get(trial.state.name)
    if name is not None:
        states[name] = states.get(name, 0) + 1


def _record(store: Store, ref: RunRef) -> RunRecord | None:
    return store.run_record(ref) if store.has_record(ref) else None


def _cv_mean(record: RunRecord | None) -> float | None:
    """The saved model's score as written (``None`` without a model)."""
    return None if record is None or record.model is None else record.model.cv_mean
