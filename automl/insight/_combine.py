"""Summing encoded features back to input columns, and combining an ensemble's members.

An ensemble averages its members' probabilities (classification) or values (regression) with
fixed weights. Its contributions are the same weighted average of the members' contributions,
taken in one space for all of them:

- regression: ``value``. Exact when every member is exact there; a log-target member's
  ``log_value`` contributions are first carried to ``value`` by scaling them so that they add
  up to its own prediction (additive, but no longer Shapley values);
- binary: ``log_odds``; multiclass: ``margin`` (log-probabilities up to a constant per row).
  The average of log-odds is not the log-odds of the average probability, so the combination
  is an approximation: the ensemble's actual output is computed, and its distance to base +
  sum is reported as the error. A forest member's ``probability`` contributions are first
  carried to log-odds (or log-probabilities) by the same scaling.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.insight._members import MemberContributions, Space

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["combine", "group_columns", "mixed_space"]

_EPS = 1e-15


def group_columns(
    member: MemberContributions, sources: Sequence[str], columns: Sequence[str]
) -> MemberContributions:
    """Contributions per input column: the sum of its encoded features' contributions.

    Args:
        member: Contributions per encoded feature.
        sources: The input column of each encoded feature, in feature order.
        columns: The input columns to report, in order (a column without any encoded
            feature, such as a text column without a repeated word, gets zero).
    """
    position = {name: i for i, name in enumerate(columns)}
    n, k, _ = member.values.shape
    grouped = np.zeros((n, k, len(columns)))
    for feature, source in enumerate(sources):
        grouped[:, :, position[source]] += member.values[:, :, feature]
    return replace(member, values=grouped)


def mixed_space(task: str) -> Space:
    """The space an ensemble of several members is explained in."""
    spaces: dict[str, Space] = {"binary": "log_odds", "multiclass": "margin"}
    return spaces.get(task, "value")


def combine(
    members: list[MemberContributions], weights: Sequence[float], *, task: str, actual: np.ndarray
) -> MemberContributions:
    """The weighted combination of several members' grouped contributions.

    Args:
        members: Each member's contributions per input column.
        weights: The ensemble's normalised weights.
        task: ``binary``, ``multiclass`` or ``regression``.
        actual: The ensemble's prediction: values (regression) or probabilities, one column
            per class.

    Returns:
        Contributions in :func:`mixed_space` whose ``output`` is the ensemble's actual
        output in that space; ``exact`` only for a regression of exact members.
    """
    space = mixed_space(task)
    carried = [_carry(member, space) for member in members]
    base = sum(w * m.base for w, m in zip(weights, carried, strict=True))
    values = sum(w * m.values for w, m in zip(weights, carried, strict=True))
    assert isinstance(base, np.ndarray) and isinstance(values, np.ndarray)
    output = _actual_output(np.asarray(actual, dtype="float64"), space, base + values.sum(-1))
    exact = space == "value" and all(m.exact for m in carried)
    return MemberContributions(base, values, output, space, "combined", exact)


def _actual_output(actual: np.ndarray, space: Space, combined: np.ndarray) -> np.ndarray:
    """The ensemble's prediction in ``space``. In ``margin`` space, any vector whose softmax
    is the predicted probabilities is that output; the one nearest the combination is used
    (log-probabilities shifted by a constant per row), so only what changes the
    probabilities counts as error."""
    if space == "value":
        return actual.reshape(-1, 1)
    proba = np.clip(actual, _EPS, 1.0)
    if space == "log_odds":
        return (np.log(proba[:, 1]) - np.log(proba[:, 0])).reshape(-1, 1)
    logs = np.log(proba)
    return logs - logs.mean(axis=1, keepdims=True) + combined.mean(axis=1, keepdims=True)


def _carry(member: MemberContributions, space: Space) -> MemberContributions:
    """``member`` in ``space``: unchanged if it is there; else its base and output mapped,
    and its contributions scaled per row and output so that they still add up."""
    if member.space == space:
        return member
    to_space = _mapping(member.space, space)
    base, output = to_space(member.base), to_space(member.output)
    before = member.values.sum(axis=-1)
    after = output - base
    tiny = np.abs(before) < 1e-12
    scale = np.where(tiny, 0.0, after / np.where(tiny, 1.0, before))
    values = member.values * scale[..., None]
    return MemberContributions(base, values, output, space, member.method, exact=False)


def _mapping(source: Space, target: Space) -> Any:
    if (source, target) == ("log_value", "value"):
        return np.expm1
    if (source, target) == ("probability", "log_odds"):

        def log_odds(p: np.ndarray) -> np.ndarray:
            p = np.clip(p, _EPS, 1 - _EPS)
            return np.asarray(np.log(p) - np.log1p(-p))

        return log_odds
    if (source, target) == ("probability", "margin"):
        return lambda p: np.log(np.clip(p, _EPS, 1.0))
    raise ValueError(f"no mapping from {source} to {target} contributions")
