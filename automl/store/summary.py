"""Summaries of experiments and runs for ``automl experiments``, ``runs`` and ``show``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.store.schema import RUN_FILE, StudySettings

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
                "status": record.get("status", "running or failed") if record else "no model",
                "task": settings.task or None,
                "metric": settings.metric or None,
                "data": settings.data_name or None,
                "model": (record.get("model") or {}).get("kind") if record else None,
                "score": (record.get("model") or {}).get("cv_mean") if record else None,
                "parent": ((record or {}).get("parent") or {}).get("run_id"),
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
    record = _record(store, ref) or {}
    run_dir = store.run_dir(ref)
    artifacts = {}
    for name, meta in (record.get("artifacts") or {}).items():
        path = run_dir / name
        artifacts[name] = {
            "sha256": meta.get("sha256"),
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
        "status": record.get("status", "no model saved"),
        "command": record.get("command"),
        "options": record.get("options") or settings.config or None,
        "task": settings.task or None,
        "metric": settings.metric or None,
        "labels": settings.labels,
        "positive_class": settings.positive_class,
        "data": record.get("data")
        or {"name": settings.data_name or None, "sha256": settings.data_sha256 or None},
        "best": record.get("best"),
        "model": record.get("model"),
        "holdout": record.get("holdout"),
        "trials": states,
        "timings": record.get("timings"),
        "versions": record.get("versions"),
        "platform": record.get("platform"),
        "artifacts": artifacts,
        "notes": record.get("notes", []),
        "parent": record.get("parent"),
        "refit": record.get("refit"),
    }


_STATE_NAMES = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running"}


def _count(states: dict[str, int], trial: Any) -> None:
    """Count a trial under the leaderboard's state names; queued trials are not counted."""
    name = _STATE_NAMES.get(trial.state.name)
    if name is not None:
        states[name] = states.get(name, 0) + 1


def _record(store: Store, ref: RunRef) -> dict[str, Any] | None:
    from automl.store.artifacts import read_json

    path = store.run_dir(ref) / RUN_FILE
    if not path.is_file():
        return None
    record: dict[str, Any] = read_json(path)
    return record
