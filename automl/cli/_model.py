"""One description of a saved model for ``fit`` and ``show``: what it is, its score, and, when it
is not the rank-1 trial, which trial it replaced, why, and at what cost in CV score."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.formatting import format_score, format_score_pair

if TYPE_CHECKING:
    from automl.store.run_record import DecisionSection

__all__ = ["decision_text", "saved_model_text", "trial_score_text"]


def trial_score_text(metric: str, mean: float, std: float | None) -> str:
    """``roc_auc 0.86825 ± 0.02090``: a score and its spread in one format."""
    shown, spread = format_score_pair(mean, std)
    return f"{metric} {shown}" + (f" ± {spread}" if spread else "")


def saved_model_text(model: dict[str, Any], metric: str, holdout: float | None = None) -> str:
    """What follows ``Saved model:``, plain text (escape it before printing with markup).

    Args:
        model: ``run.json``'s ``model`` record.
        metric: The run's metric.
        holdout: The saved model's holdout score, if the run kept one.
    """
    if model["kind"] == "ensemble":
        members = ", ".join(
            f"{m} ({w:.2f})" for m, w in zip(model["members"], model["weights"], strict=True)
        )
        text = (
            f"an ensemble of {members}; out-of-fold {metric} "
            f"{format_score(model['cv_mean'])} (selected on those predictions, so optimistic)"
        )
    else:
        text = f"{model['members'][0]}, refitted on all rows"
    if holdout is not None:
        text += f"; holdout {metric} {format_score(holdout)}"
    substitution = model.get("substitution")
    if not substitution:
        return text + "."
    cost = _cost(substitution, metric)
    if substitution["saved"] == substitution["rank1_trial"]:  # the best trial, changed
        return f"{text}, not as cross-validated ({cost}). {substitution['explanation']}"
    return f"{text}, instead of the best trial {substitution['rank1_trial']} ({cost}). " \
           f"{substitution['explanation']}"  # fmt: skip


def _cost(substitution: dict[str, Any], metric: str) -> str:
    kind = "out-of-fold" if substitution.get("score_kind") == "oof" else "CV"
    cost = substitution.get("cv_cost")
    if cost is None:
        return f"{kind} cost not measured"
    saved, best = format_score_pair(substitution["saved_cv_mean"], substitution["rank1_cv_mean"])
    worse = format_score_pair(substitution["rank1_cv_mean"], abs(cost))[1]
    direction = "worse" if cost > 0 else "better"
    return f"{kind} {metric} {saved} against {best}, {worse} {direction}"


def decision_text(decision: DecisionSection) -> str:
    """What follows ``Decision:``, plain text: the threshold, its rule, the objective at it and
    at 0.5 (out of fold), and the calibration, e.g. ``threshold 0.29 (f1, out-of-fold f1 0.69;
    0.67 at 0.5); probabilities calibrated (sigmoid, ECE 0.031 -> 0.012)``."""
    parts = []
    if decision.threshold is not None:
        text = (
            f"threshold {decision.threshold:.4g} ({decision.rule}, out-of-fold "
            f"{decision.measure} {format_score(decision.at_threshold or 0.0)}; "
            f"{format_score(decision.at_default or 0.0)} at 0.5)"
        )
        if not decision.reached:
            text += f"; {decision.rule} could not be met out of fold: the closest threshold"
        parts.append(text)
    else:
        parts.append("the most probable class")
    calibration = decision.calibration
    if decision.calibrated:
        parts.append(
            f"probabilities calibrated ({calibration.get('kind')}, out-of-fold ECE "
            f"{calibration['ece_before']:.3g} -> {calibration['ece_after']:.3g}, log loss "
            f"{calibration['log_loss_before']:.4g} -> {calibration['log_loss_after']:.4g})"
        )
    elif calibration.get("method", "none") != "none":
        parts.append("probabilities not calibrated (no out-of-fold log loss gain)")
    return "; ".join(parts) + "."
