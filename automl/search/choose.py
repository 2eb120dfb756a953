"""The coordinator's choice after the search: the trial to refit (the best whose refit fits in
the time left, or a faster one within noise under --max-predict-ms), read back from the study
and checked against its family's search space."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from automl.errors import NoTrialSucceededError
from automl.models.registry import FAMILIES, is_baseline
from automl.search import budget
from automl.store.schema import TrialResult

if TYPE_CHECKING:
    import optuna
    from optuna.trial import FrozenTrial

__all__ = ["Choice", "check_trials", "choice_of", "choose_trial", "trial_problems"]


@dataclass(frozen=True)
class Choice:
    """The trial whose pipeline is refitted."""

    number: int
    family: str
    params: dict[str, Any]
    cv_mean: float
    cv_std: float
    fold_scores: list[float]
    n_iterations: int | None
    refit_estimate: float
    skipped_better: int = 0
    target_transform: str = "none"
    #: Why this trial was kept rather than the best one, for the user; ``None`` if it is the best.
    note: str | None = None


def choose_trial(
    study: optuna.Study,
    *,
    n_folds: int,
    seconds_left: float | None,
    max_predict_ms: float | None = None,
) -> Choice:
    """The best completed trial whose refit fits in the time left (else the next best).

    With ``max_predict_ms``, when the best trial's estimated time to predict 1,000 rows is over
    the limit, the best trial within it is preferred if its CV mean is within the best one's
    standard error (CV standard deviation / sqrt(K)): a difference that small is noise, and the
    faster model is as good a choice (:func:`faster_within_noise`).

    Raises:
        NoTrialSucceededError: No trial completed; the message lists the failure reasons.
    """
    from automl.search.study import ranked_trials

    ranked = ranked_trials(study)
    if not ranked:
        raise NoTrialSucceededError(
            "No trial succeeded, so there is no model to save.",
            hint="Reasons: " + "; ".join(_reasons(study)) + ". Try a larger --time-budget.",
        )
    note = None
    if max_predict_ms:
        faster, note = faster_within_noise(ranked, n_folds=n_folds, max_predict_ms=max_predict_ms)
        if faster is not None:
            ranked = [faster] + [t for t in ranked if t.number != faster.number]
    for skipped, trial in enumerate(ranked):
        choice = choice_of(trial, n_folds=n_folds, skipped_better=skipped)
        if seconds_left is None or choice.refit_estimate <= seconds_left:
            return dataclasses.replace(choice, note=note) if skipped == 0 else choice
        if is_baseline(choice.family):
            return choice
    raise AssertionError("unreachable: the constant baseline always fits")


def faster_within_noise(
    ranked: list[Any], *, n_folds: int, max_predict_ms: float
) -> tuple[Any, str | None]:
    """The best trial predicting within ``max_predict_ms`` whose CV mean is within the best
    trial's standard error, when the best trial itself is estimated over the limit.

    Estimates are :class:`automl.search.ensemble.PredictBudget`'s, as in ensemble selection.

    Returns:
        That trial and a note for the user, or ``(None, None)``.
    """
    from automl.search.ensemble import predict_budget

    budget = predict_budget(ranked, max_predict_ms)
    best = ranked[0]
    top = TrialResult.of(best)
    if top.predict_ms_per_1000 is None or budget.fits([best.number]):
        return None, None
    best_mean = _cv_mean(top)
    band = (top.cv_std or 0.0) / math.sqrt(max(n_folds, 1))
    for trial in ranked[1:]:
        recorded = TrialResult.of(trial)
        if abs(_cv_mean(recorded) - best_mean) > band:
            break  # ranked best first: every later trial is further away
        if is_baseline(recorded.family):
            continue
        if recorded.predict_ms_per_1000 is None:
            continue
        if budget.fits([trial.number]):
            family = recorded.family or "?"
            best_label = top.label
            note = (
                f"Kept {family}#{trial.number} instead of the best trial {best_label}: "
                f"{best_label} would predict 1,000 rows in about "
                f"{budget.estimate([best.number]):.0f} ms, over --max-predict-ms "
                f"{max_predict_ms:g}; {family}#{trial.number} takes about "
                f"{budget.estimate([trial.number]):.0f} ms and scores within {best_label}'s "
                f"standard error ({band:.2g})."
            )
            return trial, note
    return None, None


def _cv_mean(recorded: TrialResult) -> float:
    """A completed trial's CV mean (a completed trial always records one)."""
    if recorded.cv_mean is None:
        raise _foreign_trial(recorded, ["cv_mean missing (a completed trial records it)"])
    return recorded.cv_mean


def choice_of(trial: FrozenTrial, *, n_folds: int, skipped_better: int = 0) -> Choice:
    """The refit description of a completed trial.

    Raises:
        DataError: The trial names no model family automl has (it was not written by automl).
    """
    recorded = TrialResult.of(trial)
    family = FAMILIES.get(str(recorded.family))
    if family is None:
        raise _foreign_trial(trial, [f"family={recorded.family!r} (not a model family)"])
    return Choice(
        number=trial.number,
        family=family.name,
        params=family.unprefixed(trial.params),
        cv_mean=_cv_mean(recorded),
        cv_std=float(recorded.cv_std or 0.0),
        fold_scores=recorded.fold_scores,
        n_iterations=recorded.n_iterations,
        refit_estimate=budget.refit_estimate(recorded.fit_seconds or 0.0, n_folds),
        skipped_better=skipped_better,
        target_transform=str(trial.params.get("target_transform", "none")),
    )


#: More rounds or trees than any family grows (boosting stops at 3,000): a trial recording more
#: was not written by automl.
_MAX_ITERATIONS = 10_000


def check_trials(study: optuna.Study, numbers: list[int], *, task: str) -> None:
    """Refuse to refit trials whose parameters automl could not have drawn.

    A run's trials are read back from its storage, which other processes, machines or people
    may write to. Before a refit, every parameter of each trial is checked against its
    family's search space (:meth:`~automl.models.base.ModelFamily.check_params`), so that a
    trial carrying ``allow_writing_files=True`` for CatBoost or ``n_jobs=64`` for LightGBM is
    never fitted; the models also apply their safety settings last.

    Raises:
        DataError: A trial has a parameter outside its family's search space; the message
            names the trial and the parameter.
    """
    for number in numbers:
        trial = study.trials[number]
        problems = trial_problems(trial, task=task)
        if problems:
            raise _foreign_trial(trial, problems, study_name=study.study_name)


def trial_problems(trial: FrozenTrial, *, task: str) -> list[str]:
    """What in a trial automl could not have written: its family, parameters outside the
    family's search space, an impossible iteration count. Empty for automl's own trials."""
    recorded = TrialResult.of(trial)
    family = FAMILIES.get(str(recorded.family))
    if family is None:
        return [f"family={recorded.family!r} (not a model family)"]
    params = dict(trial.params)
    problems = []
    drawn = params.pop("family", family.name)
    if drawn != family.name:
        problems.append(f"family={drawn!r} (the trial's family is {family.name!r})")
    transform = params.pop("target_transform", "none")
    if transform not in ("none", "log"):
        problems.append(f"target_transform={transform!r} (expected 'none' or 'log')")
    prefix = f"{family.name}."
    problems += [f"{k}={v!r} (not a {family.name} parameter)" for k, v in params.items()
                 if not k.startswith(prefix)]  # fmt: skip
    problems += [prefix + p for p in family.check_params(family.unprefixed(params), task=task)]  # type: ignore[arg-type]
    iterations = recorded.n_iterations
    if iterations is not None and (
        type(iterations) is not int or not 1 <= iterations <= _MAX_ITERATIONS
    ):
        problems.append(f"n_iterations={iterations!r} (expected 1 to {_MAX_ITERATIONS:,})")
    return problems


def _foreign_trial(trial: Any, problems: list[str], *, study_name: str | None = None) -> Any:
    from automl.errors import DataError

    where = f" of run {study_name}" if study_name else ""
    return DataError(
        f"Trial {trial.number}{where} has parameters automl never draws: "
        f"{'; '.join(problems)}. Refusing to refit it.",
        hint="Something other than automl wrote this trial into the run's storage. Check who "
        "can write to that database; start a new run, or delete that trial, to go on.",
    )


def _reasons(study: optuna.Study) -> list[str]:
    reasons: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        recorded = TrialResult.of(trial)
        reason = recorded.error or trial.system_attrs.get("fail_reason")
        if reason:
            key = f"{recorded.family or '?'}: {str(reason).splitlines()[-1][:150]}"
            reasons[key] = reasons.get(key, 0) + 1
    if not reasons:
        return ["no trial finished in time"]
    return [f"{text} (x{count})" if count > 1 else text for text, count in reasons.items()]
