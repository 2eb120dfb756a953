"""What was saved compared with the rank-1 trial, and why: one record for ``fit``, ``show`` and
``--json``.

The saved model is the rank-1 trial (the best CV mean), or an ensemble that beats every
single trial on the pooled out-of-fold predictions, unless something intervened: a faster
trial kept under ``--max-predict-ms``, better trials skipped for lack of refit time, an
ensemble that could not be refitted whole (its best member saved alone, or members left out
to predict within the limit), or a forest refitted with fewer trees. Each of those is a
*substitution*, recorded as ``model.substitution`` in ``run.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.formatting import plural
from automl.store.run_record import ModelSection
from automl.store.schema import TrialResult

if TYPE_CHECKING:
    import optuna

    from automl.metrics import Metric
    from automl.search.choose import Choice

__all__ = ["describe_substitution"]

_ENSEMBLE_CHANGES = ("ensemble_not_refitted", "member_dropped")


def describe_substitution(
    study: optuna.Study,
    metric: Metric,
    *,
    choice: Choice,
    model: dict[str, Any],
    changes: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """How the saved model differs from the rank-1 trial, or ``None`` when it does not.

    Args:
        study: The run's study (for the rank-1 trial).
        metric: The run's metric.
        choice: The trial refitted when no ensemble is saved.
        model: The saved model's record (``kind``, ``members``, ``cv_mean``...).
        changes: The refit's ``changes`` (see :func:`automl.search.refit.run_refit`).

    Returns:
        ``rank1_trial`` and ``rank1_cv_mean``, ``saved`` and ``saved_cv_mean``,
        ``score_kind`` (``cv``, or ``oof`` when an ensemble is compared on its pooled
        out-of-fold score), ``reason`` (``max_predict_ms``, ``ensemble_not_refitted``,
        ``member_dropped``, ``refit_time`` or ``fewer_trees``), ``explanation`` (sentences
        for people) and ``cv_cost`` (how much worse the saved model's score is than rank
        1's, in the metric's units; ``None`` when not measured: fewer trees were never
        cross-validated).
    """
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    if not ranked:
        return None
    best = ranked[0]
    recorded = TrialResult.of(best)
    best_label = recorded.label
    best_mean = float(recorded.cv_mean or 0.0)
    saved_model = ModelSection.of(model)
    if saved_model.kind == "ensemble":
        single = saved_model.best_single_cv_mean
        if single is None or metric.better(float(saved_model.cv_mean or 0.0), float(single)):
            return None  # the ensemble beats every single trial out of fold
        dropped = [(c["kind"], c["note"]) for c in changes if c["kind"] in _ENSEMBLE_CHANGES]
        members = "ensemble of " + ", ".join(saved_model.members)
        return _record(best_label, float(single), members, float(saved_model.cv_mean or 0.0),
                       "oof", dropped or [("member_dropped", "")], metric)  # fmt: skip
    saved = saved_model.members[0]
    saved_number = int(saved.rsplit("#", 1)[1])
    trimmed = [(c["kind"], c["note"]) for c in changes if c["kind"] == "fewer_trees"]
    if saved_number == best.number and not trimmed:
        return None
    reasons = _single_reasons(choice, saved_number, changes) + trimmed
    saved_mean = float(saved_model.cv_mean or 0.0)
    record = _record(best_label, best_mean, saved, saved_mean, "cv",
                     reasons or [("refit_time", "")], metric)  # fmt: skip
    if saved_number == best.number:
        record["cv_cost"] = None  # the same trial with fewer trees: not cross-validated
    return record


def _single_reasons(choice: Choice, saved_number: int,
                    changes: list[dict[str, Any]]) -> list[tuple[str, str]]:  # fmt: skip
    """Why a single trial other than rank 1 was saved: the prediction-time limit, the
    ensemble the refit gave up, or better trials without time to be refitted."""
    reasons: list[tuple[str, str]] = []
    if choice.number == saved_number and choice.note:
        reasons.append(("max_predict_ms", choice.note))
    ensemble = [(c["kind"], c["note"]) for c in changes if c["kind"] in _ENSEMBLE_CHANGES]
    reasons += ensemble
    if choice.number == saved_number and choice.skipped_better and not ensemble:
        reasons.append(("refit_time", f"{plural(choice.skipped_better, 'better trial')} could "
                        "not be refitted in the time left; a larger --time-budget would keep "
                        "them."))  # fmt: skip
    return reasons


def _record(
    rank1: str,
    rank1_mean: float,
    saved: str,
    saved_mean: float,
    score_kind: str,
    reasons: list[tuple[str, str]],
    metric: Metric,
) -> dict[str, Any]:
    cost = rank1_mean - saved_mean if metric.direction == "maximize" else saved_mean - rank1_mean
    return {
        "rank1_trial": rank1,
        "rank1_cv_mean": rank1_mean,
        "saved": saved,
        "saved_cv_mean": saved_mean,
        "score_kind": score_kind,
        "reason": reasons[0][0],
        "explanation": " ".join(note for _, note in reasons if note)
        or f"{saved} was saved instead of {rank1}.",
        "cv_cost": cost,
    }
