"""What a report shows, gathered from what ``fit`` saved.

Everything comes from the run's public readers: :func:`automl.store.summary.describe_run` (the
``show --json`` document), :func:`automl.store.leaderboard.leaderboard` (the ``leaderboard
--json`` rows), the run's profile, its study's trial times, its out-of-fold predictions
(``oof/trial_NNNNN.npy``) and its model. The out-of-fold predictions hold no labels, and no
training row is kept in the run folder, so the curves and the importance also need the
training file: the one recorded in ``run.json`` (or ``--data``), checked against the run's
SHA-256. Without it, those parts are left out with a note saying why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError
from automl.store.run_record import DataSection, RunRecord
from automl.store.schema import RunPaths, StudySettings, TrialResult, oof_file

if TYPE_CHECKING:
    from automl.data.profile import Profile
    from automl.insight import Importance
    from automl.store.decision import Decision
    from automl.store.runs import RunRef, Store

__all__ = ["Evaluation", "ReportData", "collect_report"]

logger = logging.getLogger(__name__)

#: Rows sampled (seeded) for the importance at most: enough to rank columns.
IMPORTANCE_ROWS = 2_000
#: ... and at least, for permutation importance.
MIN_IMPORTANCE_ROWS = 1_000
#: The time permutation importance may take, estimated from the model's measured prediction
#: time (one prediction of the rows, then 5 per column): fewer rows for a slow model, and
#: none (the mean absolute contribution instead) for a model too slow even then.
IMPORTANCE_SECONDS = 3.0


@dataclass(frozen=True)
class TrialTime:
    """When a trial ran, in seconds since the first trial of the run started."""

    trial: int
    family: str
    state: str
    start: float
    end: float | None
    #: The score a pruned trial had when it was stopped (its last running fold mean).
    last_value: float | None


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The chosen model's out-of-fold predictions with the true labels.

    Attributes:
        y: True values (class codes for classification) of the rows some fold validated.
        prediction: Probabilities ``(rows, classes)`` or values ``(rows,)``, the members'
            weighted average for an ensemble.
        fold: The fold (0-based) that validated each row.
        decision: The run's decision (its threshold and calibrator), ``None`` for a
            regression or a run saved before decisions existed (the most probable class).
        n_rows: Rows scored.
    """

    y: np.ndarray
    prediction: np.ndarray
    fold: np.ndarray
    decision: Decision | None = None

    @property
    def n_rows(self) -> int:
        """Rows scored."""
        return len(self.y)


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything the page shows about one run.

    Attributes:
        run: The ``show --json`` document (:func:`automl.store.summary.describe_run`).
        record: The run's ``run.json``, read.
        leaderboard: The ``leaderboard --json`` rows of the run, ranked.
        profile: The run's profile (column roles and warnings).
        times: When each trial ran, by trial number.
        members: The saved model's trial numbers, with their weights.
        fold_scores: Each member's fold scores, by trial number.
        evaluation: Out-of-fold predictions and labels (``None`` without the data file).
        importance: Global importance of the input columns (``None`` without the data).
        skipped_permutation: The estimated seconds of the permutation importance that was
            not measured because it would take too long (``None`` if not skipped).
        period: First and last value of the ``--time`` column, when there is one.
        notes: What could not be shown, and why.
    """

    run: dict[str, Any]
    record: RunRecord
    leaderboard: list[dict[str, Any]]
    profile: Profile
    times: list[TrialTime]
    members: list[tuple[int, float]]
    fold_scores: dict[int, list[float]]
    evaluation: Evaluation | None = None
    importance: Importance | None = None
    skipped_permutation: float | None = None
    period: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)


def collect_report(store: Store, ref: RunRef, *, data: Path | None = None) -> ReportData:
    """Gather what the report of run ``ref`` shows.

    Args:
        store: Where the run lives.
        ref: The run (it must have saved a model).
        data: The training file, when it is no longer at the path ``run.json`` records.

    Returns:
        The report's data; parts that need the training file are ``None`` when it is
        missing or changed (``notes`` says so).

    Raises:
        NotFoundError: The run saved no model, or ``data`` does not exist.
        DataError: ``data`` is not the file the run was trained on (another SHA-256), or
            the model file does not match its recorded hash.
    """
    from automl.data.profile import Profile
    from automl.store.artifacts import read_json
    from automl.store.leaderboard import leaderboard
    from automl.store.summary import describe_run

    record = store.run_record(ref)  # NotFoundError when no model was saved
    run = describe_run(store, ref)
    rows = [row.to_dict() for row in leaderboard(store, [ref])]
    profile = Profile.from_dict(read_json(RunPaths(store.run_dir(ref)).profile))
    trials = _study_trials(store, ref)
    members = _members(run)
    fold_scores = {n: TrialResult.of(trials[n]).fold_scores for n, _ in members}
    notes: list[str] = []
    table, reason = _training_table(record, data)
    evaluation = importance = period = skipped = None
    if table is None:
        notes.append(reason)
    else:
        training = _training_data(store, ref, table)
        evaluation, missing = _evaluation(RunPaths(store.run_dir(ref)).oof_dir, training, members)
        if evaluation is not None:
            evaluation = _with_decision(evaluation, store.run_dir(ref), record)
        if missing:
            notes.append(missing)
        importance, skipped = _importance(store, ref, training, record)
        period = _period(table, record)
    return ReportData(
        run=run,
        record=record,
        leaderboard=rows,
        profile=profile,
        times=_times(trials),
        members=members,
        fold_scores=fold_scores,
        evaluation=evaluation,
        importance=importance,
        skipped_permutation=skipped,
        period=period,
        notes=notes,
    )


def _study_trials(store: Store, ref: RunRef) -> dict[int, Any]:
    import optuna

    study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
    return {t.number: t for t in study.get_trials(deepcopy=False)}


def _members(run: dict[str, Any]) -> list[tuple[int, float]]:
    """The saved model's trials and weights, from its member labels ``family#trial``."""
    model = run.get("model") or {}
    labels = model.get("members") or []
    weights = model.get("weights") or [1.0] * len(labels)
    pairs = zip(labels, weights, strict=True)
    return [(int(str(label).rpartition("#")[2]), float(w)) for label, w in pairs]


def _times(trials: dict[int, Any]) -> list[TrialTime]:
    started = [t.datetime_start for t in trials.values() if t.datetime_start is not None]
    if not started:
        return []
    origin = min(started)
    found = []
    for number, trial in sorted(trials.items()):
        state = trial.state.name.lower()
        if trial.datetime_start is None or state not in ("complete", "pruned", "fail"):
            continue
        end = trial.datetime_complete
        values = trial.intermediate_values
        found.append(
            TrialTime(
                trial=number,
                family=str(TrialResult.of(trial).family or trial.params.get("family", "?")),
                state="failed" if state == "fail" else state,
                start=(trial.datetime_start - origin).total_seconds(),
                end=None if end is None else (end - origin).total_seconds(),
                last_value=float(values[max(values)]) if values else None,
            )
        )
    return found


def _training_table(record: RunRecord, data: Path | None) -> tuple[Any, str]:
    """The training table, or ``None`` and why it cannot be used."""
    from automl.data import file_sha256, read_table

    recorded = record.data or DataSection()
    expected = recorded.sha256
    if data is not None:
        digest = file_sha256(data)  # NotFoundError when missing
        if digest != expected:
            raise DataError(
                f"{data} is not the file run {record.run_id} was trained on: its SHA-256 "
                f"is {digest[:12]}..., the run's is {str(expected)[:12]}... "
                f"({recorded.name}).",
                hint="Give --data an exact copy of the training file, or leave --data out.",
            )
        return read_table(data).frame, ""
    path = Path(str(recorded.path or ""))
    why = (
        "The out-of-fold curves and the importance need the training file, to know the true "
        "labels (run folders keep no training rows)"
    )
    if not recorded.path or not path.is_file():
        return None, f"{why}; {path} is gone. Give it with --data to add them."
    if file_sha256(path) != expected:
        return None, f"{why}; {path} has changed since the run. Give a copy with --data."
    return read_table(path).frame, ""


def _training_data(store: Store, ref: RunRef, frame: Any) -> Any:
    """The run's rows, labels and folds, derived as the search derived them."""
    import optuna

    from automl.data.profile import Profile
    from automl.search.dataset import DataSpec, training_data

    study = optuna.load_study(study_name=ref.study_name, storage=store.storage())
    settings = StudySettings.read(study)
    return training_data(frame, Profile.from_dict(settings.profile), DataSpec(**settings.data_spec))


def _evaluation(
    oof_dir: Path, data: Any, members: list[tuple[int, float]]
) -> tuple[Evaluation | None, str]:
    rows = data.validated_rows
    fold = np.full(len(data.y), -1)
    for k, (_, valid) in enumerate(data.folds):
        fold[valid] = k
    total = sum(w for _, w in members)
    prediction = None
    for number, weight in members:
        path = oof_file(oof_dir, number)
        if not path.is_file():
            return None, (
                f"Trial {number} has no out-of-fold predictions ({path} is missing: a trial of "
                "`automl worker` on another machine keeps none), so the out-of-fold curves are "
                "left out."
            )
        part = (weight / total) * np.load(path)[rows]
        prediction = part if prediction is None else prediction + part
    assert prediction is not None
    if data.task == "regression":
        prediction = prediction[:, 0]
    return Evaluation(y=data.y[rows], prediction=prediction, fold=fold[rows]), ""


def _with_decision(evaluation: Evaluation, run_dir: Path, record: RunRecord) -> Evaluation:
    """``evaluation`` with the run's saved decision, so the page marks the threshold the
    model really uses (not 0.5)."""
    import dataclasses

    from automl.store.decision import decision_sha256, load_decision

    found = load_decision(run_dir, decision_sha256(record))
    return evaluation if found is None else dataclasses.replace(evaluation, decision=found)


def _importance(
    store: Store, ref: RunRef, data: Any, record: RunRecord
) -> tuple[Importance, float | None]:
    """Global importance on a seeded sample of the search rows.

    With their labels, so that :func:`automl.insight.importance` measures permutation
    importance for a model without exact contributions, unless that would take more than
    :data:`IMPORTANCE_SECONDS`: then without, the mean absolute (approximate) contribution.

    Returns:
        The importance, and the estimated seconds of the permutation importance that was
        not measured (``None`` when it was, or was not needed).
    """
    from automl.insight import importance

    predictor, _ = store.load_predictor(ref)
    seed = int(record.seed or 0)
    predict_ms = record.predict_ms_per_1000
    limit, estimate = importance_rows(predict_ms, len(predictor.features))
    rows = data.search_rows
    if len(rows) > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    frame = data.raw.iloc[rows]
    y = None
    if estimate is None:
        y = data.y[rows]
        if data.task != "regression":
            y = np.asarray(data.labels)[y]  # labels in their training type, as predict gives
    found = importance(predictor, frame, y, seed=seed, metric=record.metric)
    return found, (None if found.exact else estimate)


def importance_rows(predict_ms_per_1000: float | None, n_features: int) -> tuple[int, float | None]:
    """Rows for the importance, and whether permutation importance is affordable.

    Permutation importance predicts the rows once, then 5 times per column; a prediction
    costs about the model's measured time for 1,000 rows (its fixed part dominates below
    that), more in proportion above.

    Returns:
        The rows (at most :data:`IMPORTANCE_ROWS`), and ``None`` when permutation importance
        of that many rows (at least :data:`MIN_IMPORTANCE_ROWS`) fits in
        :data:`IMPORTANCE_SECONDS`, else its estimated seconds on the minimum.
    """
    from automl.insight.importance import N_REPEATS

    calls = 1 + N_REPEATS * n_features
    call_seconds = (predict_ms_per_1000 or 0.0) / 1000.0
    if calls * call_seconds > IMPORTANCE_SECONDS:
        return IMPORTANCE_ROWS, calls * call_seconds
    if call_seconds <= 0:
        return IMPORTANCE_ROWS, None
    affordable = 1000.0 * IMPORTANCE_SECONDS / (calls * call_seconds)
    return int(min(IMPORTANCE_ROWS, max(MIN_IMPORTANCE_ROWS, affordable))), None


def _period(frame: Any, record: RunRecord) -> tuple[str, str] | None:
    import pandas as pd

    column = record.options.get("time")
    if not column or column not in frame.columns:
        return None
    values = pd.to_datetime(frame[column], errors="coerce").dropna()
    if values.empty:
        return None
    return str(values.min()), str(values.max())
