"""The leaderboard: a query over the run's Optuna study, plus rows recorded in ``run.json``.

Trials carry user attributes written by the search: ``family``, ``cv_mean``, ``cv_std``,
``fold_scores``, ``fit_seconds``, ``predict_ms_per_1000``, and ``error`` for failures.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from automl.store.schema import TrialResult

if TYPE_CHECKING:
    from automl.store.run_record import HoldoutSection, RunRecord
    from automl.store.runs import RunRef, Store

__all__ = ["LeaderboardRow", "leaderboard"]


@dataclass(frozen=True)
class LeaderboardRow:
    """One trial (or ensemble) of a run.

    Attributes:
        rank: 1 for the best completed trial; ``None`` for pruned and failed ones.
        run_id: The run.
        trial: The Optuna trial number (``None`` for an ensemble row).
        family: The model family.
        state: ``complete``, ``pruned``, ``failed`` or ``running``.
        score_kind: ``cv`` (cross-validated mean) or ``holdout``.
        cv_mean: Mean fold score (``None`` when not finished).
        cv_std: Standard deviation of the fold scores.
        fit_seconds: Seconds to fit all folds.
        predict_ms_per_1000: Milliseconds to predict 1,000 rows.
        reason: Why a trial failed or was pruned.
        params: The family's parameters.
        holdout: Score on the held-out rows, for the chosen model.
    """

    rank: int | None
    run_id: str
    trial: int | None
    family: str
    state: str
    score_kind: str
    cv_mean: float | None
    cv_std: float | None
    fit_seconds: float | None
    predict_ms_per_1000: float | None
    reason: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    holdout: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        return asdict(self)


def leaderboard(store: Store, refs: list[RunRef]) -> list[LeaderboardRow]:
    """Rank every trial of the given runs together, best first; unfinished trials last.

    Args:
        store: Where the runs live.
        refs: One run, or every run of an experiment.

    Returns:
        The rows, ranked by CV mean in the metric's direction.
    """
    import optuna

    rows: list[LeaderboardRow] = []
    maximize = True
    for ref in refs:
        study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
        maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
        record = store.run_record(ref) if store.has_record(ref) else None
        holdout = None if record is None else record.holdout
        for trial in study.get_trials(deepcopy=False):
            if trial.state.name != "WAITING":  # queued but never started
                rows.append(_row(ref, trial, holdout))
        rows += [] if record is None else _extra_rows(record, ref)
    done = [r for r in rows if r.state == "complete" and r.cv_mean is not None]
    rest = [r for r in rows if r not in done]
    done.sort(key=lambda r: -(r.cv_mean or 0.0) if maximize else (r.cv_mean or 0.0))
    ranked = [_with_rank(r, i + 1) for i, r in enumerate(done)]
    rest.sort(key=lambda r: (r.run_id, r.trial if r.trial is not None else -1))
    return ranked + rest


def _row(ref: RunRef, trial: Any, holdout: HoldoutSection | None) -> LeaderboardRow:
    recorded = TrialResult.of(trial)
    state = {
        "COMPLETE": "complete",
        "PRUNED": "pruned",
        "FAIL": "failed",
        "RUNNING": "running",
        "WAITING": "waiting",
    }[trial.state.name]
    family = recorded.family or trial.params.get("family", "?")
    prefix = f"{family}."
    params = {k[len(prefix) :]: v for k, v in trial.params.items() if k.startswith(prefix)}
    if trial.params.get("target_transform", "none") != "none":  # fitted on log1p(y)
        params = {"target": trial.params["target_transform"], **params}
    reason = recorded.error or trial.system_attrs.get("fail_reason")
    if state == "pruned":
        reason = recorded.pruned_reason or "pruned: worse than the median trial at this fold"
    return LeaderboardRow(
        rank=None,
        run_id=ref.run_id,
        trial=trial.number,
        family=family,
        state=state,
        score_kind="cv",
        cv_mean=_finite(recorded.cv_mean) if state == "complete" else None,
        cv_std=_finite(recorded.cv_std) if state == "complete" else None,
        fit_seconds=_finite(recorded.fit_seconds),
        predict_ms_per_1000=_finite(recorded.predict_ms_per_1000),
        reason=_short(reason) if state in ("failed", "pruned") else None,
        params=params,
        holdout=holdout.score if holdout is not None and holdout.trial == trial.number else None,
    )


def _extra_rows(record: RunRecord, ref: RunRef) -> list[LeaderboardRow]:
    """Rows that are not trials (an ensemble), as recorded in ``run.json``."""
    return [
        LeaderboardRow(rank=None, run_id=ref.run_id, trial=None, **extra)
        for extra in record.extra_leaderboard_rows
    ]


def _with_rank(row: LeaderboardRow, rank: int) -> LeaderboardRow:
    data = row.to_dict()
    data["rank"] = rank
    return LeaderboardRow(**data)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _short(reason: Any) -> str | None:
    if reason is None:
        return None
    text = str(reason).strip().splitlines()
    return (text[-1] if text else "")[:200] or None
