"""The first step of ``fit``: a new run (read, profile, run folder, study, portfolio), or the
latest run of the experiment resumed (same data and meaning, stale trials failed, a new
search window)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.config import FitConfig
from automl.formatting import plural
from automl.search.budget import Budget
from automl.search.context import RunContext
from automl.store.schema import StudySettings, set_search_window

if TYPE_CHECKING:
    import optuna

    from automl.models.base import ModelFamily
    from automl.search.dataset import DataSpec, TrainingData
    from automl.store.runs import RunRef, Store

__all__ = ["input_schema", "new_run", "resume_run", "sample_rows"]

logger = logging.getLogger(__name__)


def new_run(store: Store, config: FitConfig, budget: Budget) -> RunContext:
    """Read and profile the data, create the run folder and its study, queue the portfolio.

    Raises:
        NotFoundError: The data file or a named column does not exist.
        DataError: The data cannot be used, or the storage cannot be reached.
    """
    from automl.data import file_sha256, profile_table, read_table
    from automl.metrics import default_metric, get_metric
    from automl.models.registry import resolve_families
    from automl.search.dataset import DataSpec, training_data
    from automl.search.decide import check_decision_options
    from automl.store.artifacts import write_json
    from automl.store.runs import RunRef, new_run_id

    families = resolve_families(list(config.models) if config.models else None)
    table = read_table(config.data)
    profile = profile_table(table, target=config.target, keep_na=config.keep_na)
    spec = DataSpec(
        target=profile.target.name if profile.target else config.target,
        task=config.task,
        pos_label=config.pos_label,
        ignore=config.ignore,
        group=config.group,
        time=config.time,
        holdout=config.holdout,
        cv=config.cv,
        seed=config.seed,
        weight=config.weight,
    )
    data = training_data(table.frame, profile, spec)
    metric = get_metric(config.metric or default_metric(data.task), data.task)
    check_decision_options(config.decision, data.task)
    ref = RunRef(config.experiment, new_run_id())
    store.storage()  # an unreachable storage fails before any run folder is made
    paths = _new_run_folder(store, ref)
    write_json(paths.profile, data.profile.to_dict())
    write_json(paths.schema, input_schema(data))
    write_json(paths.sample, sample_rows(data))
    data_sha = file_sha256(config.data)
    settings = _settings(store, ref, config, data, spec, metric.name, families, budget, data_sha)
    study = _create_run_study(store, ref, settings, families, data)
    return RunContext(store, ref, study, config, data, metric, budget, data_sha)


def _new_run_folder(store: Store, ref: RunRef) -> Any:
    from automl.store.schema import RunPaths

    run_dir = store.run_dir(ref)
    run_dir.mkdir(parents=True, exist_ok=False)
    store.lock_run(ref)
    return RunPaths(run_dir)


def resume_run(store: Store, config: FitConfig, budget: Budget) -> RunContext:
    """Reopen the latest run of the experiment, refusing if the data or its meaning changed;
    fail the trials of workers that are gone; give the search its new budget.

    Raises:
        NotFoundError: The experiment has no run.
        DataError: The data, target, task, metric or folds changed.
    """
    import optuna

    from automl.data import Profile, file_sha256, read_table
    from automl.errors import DataError
    from automl.metrics import get_metric
    from automl.search.dataset import DataSpec, training_data
    from automl.search.decide import check_decision_options
    from automl.search.study import fail_stale_trials

    ref = store.latest_run(config.experiment)
    store.lock_run(ref)  # a second resume of this run, or the fit still running it, refuses
    study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
    settings = StudySettings.read(study)
    previous = FitConfig.from_dict(settings.config)
    data_sha = file_sha256(config.data)
    table = read_table(config.data)
    data = training_data(
        table.frame, Profile.from_dict(settings.profile), DataSpec(**settings.data_spec)
    )
    changed = _changes(config, previous, settings, data_sha, n_folds=len(data.folds))
    if changed:
        raise DataError(
            f"Cannot resume run {ref.study_name}: " + "; ".join(changed) + " changed.",
            hint="Resume with the same data and options, or start a new run without --resume.",
        )
    config = config.resumed(previous, metric=settings.metric)
    stale = fail_stale_trials(study)
    if stale:
        logger.info("Marked %s of stopped workers as failed.", plural(stale, "trial"))
    set_search_window(study, search_end_epoch=budget.search_end_epoch, n_trials=config.n_trials)
    started = sum(t.state.name != "WAITING" for t in study.get_trials(deepcopy=False))
    logger.info("Resuming run %s (%s so far).", ref.study_name, plural(started, "trial"))
    metric = get_metric(settings.metric, data.task)
    check_decision_options(config.decision, data.task)
    return RunContext(store, ref, study, config, data, metric, budget, data_sha)


def _changes(config: FitConfig, previous: FitConfig, settings: StudySettings, data_sha: str,
             *, n_folds: int) -> list[str]:  # fmt: skip
    """What ``--resume`` with ``config`` would change of the run: the data, the target, the
    task, the metric or the folds."""
    changed = []
    if data_sha != settings.data_sha256:
        changed.append(
            f"the data (SHA-256 {data_sha[:12]}... is not {settings.data_sha256[:12]}...)"
        )
    if config.target != previous.target:
        changed.append(f"the target ({config.target!r}, was {previous.target!r})")
    if config.task != "auto" and config.task != settings.task:
        changed.append(f"the task ({config.task}, was {settings.task})")
    if config.metric and config.metric != settings.metric:
        changed.append(f"the metric ({config.metric}, was {settings.metric})")
    if config.cv and config.cv not in (previous.cv, n_folds):
        changed.append(f"the folds (--cv {config.cv}, was {n_folds})")
    return changed


def input_schema(data: TrainingData) -> dict[str, Any]:
    """The columns ``predict`` and the service expect: name, role, type, nullability."""
    features = []
    for column in data.profile.features:
        features.append(
            {
                "name": column.name,
                "role": column.role,
                "dtype": column.dtype,
                "nullable": column.n_missing > 0,
                "parse": column.parse,
                "top_levels": [v for v, _ in column.stats.get("top", [])]
                if column.role == "categorical"
                else [],
            }
        )
    target = data.profile.target.name if data.profile.target else None
    return {"features": features, "target": target, "task": data.task}


def sample_rows(data: TrainingData, n: int = 25) -> list[dict[str, Any]]:
    """The first rows as read (features only), for the service's golden tests."""
    import json

    features = [c.name for c in data.profile.features]
    frame = data.raw.loc[:, features].head(n)
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return rows


def _settings(store: Store, ref: RunRef, config: FitConfig, data: TrainingData, spec: DataSpec,
              metric: str, families: tuple[ModelFamily, ...], budget: Budget,
              data_sha: str) -> StudySettings:  # fmt: skip
    """The settings a new run's study records for its workers."""
    return StudySettings(
        config=config.to_dict(),
        data_spec=asdict(spec) | {"ignore": list(spec.ignore)},
        profile=data.profile.to_dict(),
        task=data.task,
        metric=metric,
        labels=data.labels,
        positive_class=data.labels[-1] if data.task == "binary" else None,
        data_sha256=data_sha,
        data_name=Path(config.data).name,
        families=[f.name for f in families],
        n_trials=config.n_trials,
        search_end_epoch=budget.search_end_epoch,
        run_dir=str(store.run_dir(ref).resolve()),
    )


def _create_run_study(
    store: Store,
    ref: RunRef,
    settings: StudySettings,
    families: tuple[ModelFamily, ...],
    data: TrainingData,
) -> optuna.Study:
    """Create the study before any worker starts, and queue the portfolio."""
    from automl.metrics import METRICS
    from automl.search.study import create_study, enqueue_portfolio

    direction = METRICS[settings.metric].direction
    study = create_study(store.storage(), ref.study_name, direction=direction, settings=settings)
    enqueue_portfolio(study, families, data.task, log_target=data.log_target_allowed)
    return study
