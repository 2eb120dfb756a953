"""What one ``fit`` carries from step to step, and what it reports.

:class:`RunContext` holds the run's store, reference, study, options, training data,
metric, budget and data hash, so that the steps of ``fit`` (start or resume, search, finish)
pass one object instead of ten values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.store.schema import RunPaths

if TYPE_CHECKING:
    import optuna

    from automl.config import FitConfig
    from automl.metrics import Metric
    from automl.search.budget import Budget
    from automl.search.dataset import TrainingData
    from automl.search.study import TrialCounts
    from automl.store.runs import RunRef, Store

__all__ = ["FitResult", "Progress", "RunContext"]


@dataclass(frozen=True)
class RunContext:
    """One run of ``fit``, once started or resumed.

    Attributes:
        store: The home and the storage.
        ref: The run (experiment and run id).
        study: The run's Optuna study.
        config: The options (for a resumed run, with the run's own data options).
        data: The training data (``data.raw`` the table; ``config.data`` the file).
        metric: The run's metric.
        budget: The run's time budget.
        data_sha: The data file's SHA-256.
    """

    store: Store
    ref: RunRef
    study: optuna.Study
    config: FitConfig
    data: TrainingData
    metric: Metric
    budget: Budget
    data_sha: str

    @property
    def paths(self) -> RunPaths:
        """The run folder's files."""
        return RunPaths(self.store.run_dir(self.ref))

    @property
    def data_path(self) -> Path:
        """The data file, absolute."""
        return Path(self.config.data).resolve()

    @property
    def n_folds(self) -> int:
        """Cross-validation folds."""
        return len(self.data.folds)


@dataclass(frozen=True)
class Progress:
    """What the search has done so far."""

    counts: TrialCounts
    elapsed: float
    time_left: float | None
    n_trials: int | None
    metric: str

    def status(self) -> str:
        """One line for people: ``searching: 3/10 trials (2 done, ...) | best ... | 40 s left``
        (``automl fit``'s status line, and ``automl.fit(progress=True)``'s)."""
        from automl.formatting import format_score, plural

        c = self.counts
        started = c.complete + c.pruned + c.failed
        if self.n_trials:
            done = f"{started}/{plural(self.n_trials, 'trial')} ({c.complete} done"
        else:
            done = f"{plural(started, 'trial')} ({c.complete} done"
        parts = [f"{done}, {c.running} running, {c.pruned} pruned, {c.failed} failed)"]
        if c.best is not None:
            parts.append(f"best {self.metric} {format_score(c.best)} ({c.best_family})")
        if self.time_left is not None:
            parts.append(f"{max(0.0, self.time_left):.0f} s left")
        else:
            parts.append(f"{self.elapsed:.0f} s")
        return "searching: " + " | ".join(parts)


@dataclass(frozen=True)
class FitResult:
    """What ``fit`` produced."""

    experiment: str
    run_id: str
    run_dir: Path
    task: str
    metric: str
    target: str
    best_trial: int
    best_family: str
    skipped_better: int
    model: dict[str, Any]
    cv_mean: float
    cv_std: float
    holdout: float | None
    counts: TrialCounts
    seconds: float
    interrupted: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    decision: dict[str, Any] | None = None
