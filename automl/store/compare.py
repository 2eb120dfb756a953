"""``automl compare``: a challenger and a champion predict the same labelled rows; their
metric, the difference, a 95% interval and the share of resamples with the challenger ahead
from a paired bootstrap (:mod:`automl.insight.bootstrap`), and a verdict."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from automl.errors import DataError
from automl.formatting import plural

if TYPE_CHECKING:
    from automl.data.target import Task
    from automl.insight.bootstrap import Verdict
    from automl.store.run_record import RunRecord
    from automl.store.runs import RunRef, Store

__all__ = ["Comparison", "compare_runs"]

logger = logging.getLogger(__name__)

#: The resampling's seed: the same models and rows always give the same figures.
BOOTSTRAP_SEED = 0


@dataclass(frozen=True)
class Comparison:
    """The challenger against the champion on one file of labelled rows.

    Attributes:
        challenger: The challenger's run id.
        champion: The champion's run id.
        experiment: The experiment of the champion.
        data: The file scored.
        metric: The metric compared.
        higher_is_better: Its direction.
        n_rows: Rows scored (with a target both models know).
        challenger_score: The challenger's metric on those rows.
        champion_score: The champion's.
        difference: Challenger minus champion, in the metric's own units.
        low: The 2.5th percentile of the resampled difference (challenger minus champion).
        high: The 97.5th percentile.
        challenger_ahead: The share of resamples where the challenger scores better.
        resamples: The number of resamples (2,000).
        seed: The resampling's seed.
        verdict: ``better`` (the challenger is ahead in at least 95% of resamples),
            ``worse`` (behind in at least 95%), else ``indistinguishable``.
        notes: Rows left out, and why.
    """

    challenger: str
    champion: str
    experiment: str
    data: str
    metric: str
    higher_is_better: bool
    n_rows: int
    challenger_score: float
    champion_score: float
    difference: float
    low: float
    high: float
    challenger_ahead: float
    resamples: int
    seed: int
    verdict: Verdict
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-compatible data."""
        from dataclasses import asdict

        return asdict(self)


def compare_runs(store: Store, challenger: RunRef, champion: RunRef, data: Path, *,
                 metric: str | None = None) -> Comparison:  # fmt: skip
    """Score both runs' models on the same labelled rows and compare them.

    Args:
        store: Where the runs live.
        challenger: The new model.
        champion: The model in place.
        data: Labelled rows (the target column and every feature both models need).
        metric: The metric (default: the champion's run metric).

    Returns:
        The comparison.

    Raises:
        NotFoundError: The file, a run or a model does not exist.
        DataError: The target column is missing, the runs predict different targets or tasks,
            no row has a label both models know, or a model fails its hash check.
        UsageError: The metric does not apply to the task.
    """
    from automl.insight.bootstrap import (
        BOOTSTRAP_RESAMPLES,
        paired_bootstrap,
        row_scores,
        verdict_of,
    )
    from automl.metrics import get_metric
    from automl.store.evaluate import missing_target
    from automl.store.predict import load_rows

    champ_model, champ_record, table = load_rows(store, champion, data)
    chall_model, chall_record, _ = load_rows(store, challenger, data)
    target = str(champ_record.target)
    _check_same_problem(challenger, champion, chall_record, champ_record)
    if target not in [str(c) for c in table.frame.columns]:
        raise missing_target(data, target)
    task = cast("Task", champ_model.task)
    chosen = get_metric(metric or str(champ_record.metric), task)
    rows, y, notes = _scored_rows(store, champion, table.frame, target, champ_model,
                                  chall_model, data)  # fmt: skip
    labels = list(range(len(champ_model.labels))) if task != "regression" else []
    pair = (
        row_scores(chosen, y, _predicted(chall_model, rows, champ_model.labels), labels),
        row_scores(chosen, y, _predicted(champ_model, rows, champ_model.labels), labels),
    )
    paired = paired_bootstrap([pair], resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED)
    sign = 1.0 if chosen.direction == "maximize" else -1.0
    low, high = sorted((sign * paired.low, sign * paired.high))
    return Comparison(
        challenger=challenger.run_id, champion=champion.run_id, experiment=champion.experiment,
        data=str(data), metric=chosen.name, higher_is_better=sign > 0, n_rows=len(y),
        challenger_score=pair[0].score(), champion_score=pair[1].score(),
        difference=pair[0].score() - pair[1].score(), low=low, high=high,
        challenger_ahead=paired.ahead, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED,
        verdict=verdict_of(paired), notes=notes,
    )  # fmt: skip


def _scored_rows(store: Store, champion: RunRef, frame: Any, target: str, champ_model: Any,
                 chall_model: Any, data: Path) -> tuple[Any, np.ndarray, list[str]]:  # fmt: skip
    """The rows both models are scored on (with a target both know), their true values or
    class codes (in the champion's order), and notes on the rows left out.

    Raises:
        DataError: No row is left.
    """
    from automl.store.evaluate import target_truth

    truth = target_truth(store, champion, frame[target])
    notes: list[str] = []
    keep = truth.notna().to_numpy()
    if not keep.all():
        notes.append(f"Dropped {plural(int((~keep).sum()), 'row')} without a target value.")
    y, keep = _encoded_truth(truth, keep, champ_model, chall_model, notes)
    if not keep.any():
        raise DataError(f"No row of {data} has a target value both models know: nothing to "
                        "compare.")  # fmt: skip
    return frame.iloc[np.flatnonzero(keep)], y, notes


def _check_same_problem(challenger: RunRef, champion: RunRef, chall: RunRecord,
                        champ: RunRecord) -> None:  # fmt: skip
    """Both runs must predict the same target for the same task."""
    for what, theirs, ours in (("target", chall.target, champ.target),
                               ("task", chall.task, champ.task)):  # fmt: skip
        if str(theirs) != str(ours):
            raise DataError(
                f"Run {challenger.run_id} and run {champion.run_id} have different {what}s "
                f"({theirs!r} and {ours!r}): their scores cannot be compared.",
                hint="Compare runs trained to predict the same target.",
            )


def _encoded_truth(truth: Any, keep: np.ndarray, champion: Any, challenger: Any,
                   notes: list[str]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The true values (regression) or class codes in the champion's label order, and the
    rows to score: a label either model never saw is left out for both."""
    from automl.store.evaluate import class_codes

    if champion.task == "regression":
        return truth[keep].to_numpy(dtype="float64"), keep
    codes = class_codes(truth, list(champion.labels))
    theirs = class_codes(truth, list(challenger.labels))
    unknown = keep & ((codes < 0) | (theirs < 0))
    if unknown.any():
        notes.append(f"Left out {plural(int(unknown.sum()), 'row')} whose label one of the "
                     "models never saw in training.")  # fmt: skip
    keep = keep & ~unknown
    return codes[keep], keep


def _predicted(model: Any, rows: Any, labels: list[Any]) -> np.ndarray:
    """Values (regression) or probabilities in the order of ``labels`` (a class the model
    does not know gets probability 0)."""
    if model.task == "regression":
        return np.asarray(model.predict(rows), dtype="float64")
    proba = np.asarray(model.predict_proba(rows), dtype="float64")
    index = {str(label): i for i, label in enumerate(model.labels)}
    columns = [proba[:, index[str(label)]] if str(label) in index else np.zeros(len(proba))
               for label in labels]  # fmt: skip
    return np.column_stack(columns)
