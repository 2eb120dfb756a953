"""``automl.fit()`` and the :class:`Run` it returns; ``automl.profile()``."""

from __future__ import annotations

import contextlib
import os
import sys
import time as clock
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from automl.api._predictor import Predictor, load, open_store
from automl.config import DEFAULT_EXPERIMENT, TaskOption

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile
    from automl.search.context import FitResult, Progress

__all__ = ["Run", "fit", "profile"]

_PROGRESS_SECONDS = 10.0


@dataclass(frozen=True)
class Run:
    """One finished ``fit``: its id, folder and score; its leaderboard and model.

    Attributes:
        id: The run id.
        experiment: The run's experiment.
        path: The run folder (``run.json``, ``model.joblib``...).
        task: ``binary``, ``multiclass`` or ``regression``.
        metric: The metric the search optimised.
        target: The target column.
        score: The saved model's cross-validated score (out-of-fold for an ensemble), as
            ``automl show`` reports it.
        holdout: Its score on the held-out rows (``holdout=``), else ``None``.
        interrupted: The search was stopped by Ctrl-C; the best model so far was saved.
        notes: What ``fit`` noted about the data (rows dropped, folds lowered...).
    """

    id: str
    experiment: str
    path: Path
    task: str
    metric: str
    target: str
    score: float
    holdout: float | None
    interrupted: bool
    notes: tuple[str, ...]
    _home: Path = field(repr=False)
    _storage: str | None = field(repr=False)

    def leaderboard(self) -> pd.DataFrame:
        """Every trial of the run, best first (the rows of ``automl leaderboard --run``):
        ``rank``, ``trial``, ``family``, ``state``, ``score_kind``, ``cv_mean``, ``cv_std``,
        ``fit_seconds``, ``predict_ms_per_1000``, ``reason``, ``params``, ``holdout``."""
        import pandas as pd

        from automl.store.leaderboard import LeaderboardRow, leaderboard
        from automl.store.runs import RunRef

        store = open_store(self._home, self._storage, read_only=True)
        try:
            rows = leaderboard(store, [RunRef(self.experiment, self.id)])
        finally:
            store.close()
        columns = list(LeaderboardRow.__dataclass_fields__)
        return pd.DataFrame([row.to_dict() for row in rows], columns=columns)

    @property
    def predictor(self) -> Predictor:
        """The run's saved model (loaded, SHA-256 checked, on each access)."""
        return load(self.id, experiment=self.experiment, home=self._home, storage=self._storage)


def fit(
    data: str | os.PathLike[str] | pd.DataFrame,
    target: str,
    *,
    time_budget: float | None = None,
    n_trials: int | None = None,
    metric: str | None = None,
    task: TaskOption = "auto",
    cv: int | None = None,
    models: str | Sequence[str] | None = None,
    n_jobs: int | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    home: str | os.PathLike[str] | None = None,
    storage: str | None = None,
    seed: int = 0,
    resume: bool = False,
    ignore: Sequence[str] = (),
    group: str | None = None,
    time: str | None = None,
    holdout: float | None = None,
    pos_label: str | None = None,
    ensemble: bool = True,
    max_predict_ms: float | None = None,
    keep_na: Sequence[str] = (),
    progress: bool | Callable[[Progress], None] = False,
) -> Run:
    """Search pipelines for ``data`` with cross-validation, refit the best and save the run:
    ``automl fit`` from Python, with the same options (see the CLI reference).

    A data frame is written once to ``<home>/.frames/<sha256>.parquet`` (the SHA-256 of its
    Parquet bytes) and fitted from there: the run records that file as its training data, so
    ``resume=True`` with the same frame, ``automl worker`` and ``automl report`` work as with
    a file. Its index is not used.

    Args:
        data: A CSV or Parquet file, or a pandas data frame.
        target: The column to predict.
        time_budget: Seconds for the whole fit; default 120, or none with ``n_trials`` alone.
        n_trials: Stop after this many trials.
        metric: The metric to optimise; default ``roc_auc``, ``log_loss`` or ``rmse`` by task.
        task: ``auto`` (inferred from the target), ``binary``, ``multiclass``, ``regression``.
        cv: Cross-validation folds; default 5, or 3 above 10,000 rows.
        models: Families to search (``"lightgbm,linear"`` or a list); default all.
        n_jobs: Worker processes; default all cores.
        experiment: The experiment's name.
        home: Where experiments live; default ``$AUTOML_HOME``, else ``./automl-runs``.
        storage: An Optuna storage URL; default ``$AUTOML_STORAGE_URL``, else SQLite in home.
        seed: Random seed.
        resume: Continue the latest run of ``experiment`` (same data and options).
        ignore: Columns not to use.
        group: Column whose groups must not be split across folds.
        time: Column ordering rows in time.
        holdout: Fraction of rows kept out of the search for an honest score.
        pos_label: The positive class (binary).
        ensemble: Allow the saved model to be an ensemble of the best trials.
        max_predict_ms: Keep the model's time to predict 1,000 rows within this.
        keep_na: Columns where markers such as ``NA`` are a category, not missing.
        progress: ``True`` writes a status line to stderr every 10 seconds; a callable gets
            each :class:`~automl.search.context.Progress` (about twice a second); ``False``
            (the default) is silent.

    Returns:
        The run. After Ctrl-C the best model so far is saved and ``run.interrupted`` is true.

    Raises:
        UsageError: An option is out of range, or options contradict each other.
        NotFoundError: The data file or a named column does not exist.
        DataError: The data cannot be used (or ``resume`` finds other data or options).
        NoTrialSucceededError: No trial succeeded.
    """
    from automl.config import (
        FitConfig,
        effective_time_budget,
        resolve_home,
        resolve_storage,
        split_families,
    )
    from automl.search.runner import run_fit
    from automl.store.frames import save_frame

    where = resolve_home(None if home is None else Path(home))
    path = Path(data) if isinstance(data, (str, os.PathLike)) else save_frame(data, where)
    config = FitConfig(
        data=path, target=target, task=task, metric=metric,
        time_budget=effective_time_budget(time_budget, n_trials), n_trials=n_trials, cv=cv,
        models=split_families(models), n_jobs=n_jobs, experiment=experiment,
        storage=resolve_storage(storage), seed=seed, resume=resume, ignore=tuple(ignore),
        group=group, time=time, holdout=holdout, pos_label=pos_label, ensemble=ensemble,
        max_predict_ms=max_predict_ms, keep_na=tuple(keep_na),
    )  # fmt: skip
    with _quiet():
        result = run_fit(config, home=where, progress=_reporter(progress))
    return _run_of(result, home=where, storage=config.storage)


def _run_of(result: FitResult, *, home: Path, storage: str | None) -> Run:
    """The run ``fit`` saved, with the score its record gives (as ``automl show``)."""
    from automl.store.runs import RunRef

    store = open_store(home, storage, read_only=True)
    try:
        saved = store.run_record(RunRef(result.experiment, result.run_id)).search_score
    finally:
        store.close()
    score = result.cv_mean if saved is None else saved
    return Run(
        id=result.run_id, experiment=result.experiment, path=result.run_dir, task=result.task,
        metric=result.metric, target=result.target, score=float(score), holdout=result.holdout,
        interrupted=result.interrupted, notes=tuple(result.notes), _home=home, _storage=storage,
    )  # fmt: skip


def _reporter(
    progress: bool | Callable[[Progress], None],
) -> Callable[[Progress], None] | None:
    """``progress=True``: a status line on stderr every 10 seconds, and the last one."""
    if callable(progress):
        return progress
    if not progress:
        return None
    last = [-_PROGRESS_SECONDS]

    def report(state: Progress) -> None:
        now = clock.monotonic()
        if now - last[0] >= _PROGRESS_SECONDS or state.time_left == 0.0:
            last[0] = now
            print(state.status(), file=sys.stderr, flush=True)

    return report


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Optuna's INFO lines ("A new study created...") and the libraries' warnings silenced
    for the duration of a fit, then restored."""
    import warnings

    import optuna

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            for category in (UserWarning, FutureWarning, DeprecationWarning, RuntimeWarning):
                warnings.filterwarnings("ignore", category=category)
            yield
    finally:
        optuna.logging.set_verbosity(verbosity)


def profile(
    data: str | os.PathLike[str] | pd.DataFrame,
    target: str | None = None,
    *,
    keep_na: Sequence[str] = (),
) -> Profile:
    """Profile a table: each column's role with a reason, the target's task, and warnings
    (``automl profile``). A data frame is read as a Parquet file of it would be.

    Args:
        data: A CSV or Parquet file, or a pandas data frame.
        target: The column to predict, if any.
        keep_na: Columns where markers such as ``NA`` are a category, not missing.

    Returns:
        The profile; ``.to_dict()`` is the document of ``automl profile --json``.

    Raises:
        UsageError: ``data`` is neither a path nor a data frame.
        NotFoundError: The file or the target column does not exist.
        DataError: The table cannot be read, or the target is unusable.
    """
    from automl.data import profile_table, read_table
    from automl.data.frame import frame_table

    table = read_table(Path(data)) if isinstance(data, (str, os.PathLike)) else frame_table(data)
    return profile_table(table, target=target, keep_na=keep_na)
