"""Decision rules for a binary classifier, and the threshold curve they are chosen on.

A :class:`Curve` holds, for each candidate threshold, the (weighted) true and false positives
of the rows whose positive-class probability is at or above it: every rule of ``--decision``
(``f1``, ``accuracy``, ``balanced_accuracy``, ``mcc``, ``cost:FP,FN``, ``precision>=X``,
``recall>=X``, or a fixed threshold such as ``0.5``) is a choice of one point of the curve.
The curve is built once from the out-of-fold predictions at the end of ``fit`` and saved with
the decision, so that ``predict --decision RULE`` chooses again without the training rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from automl.errors import UsageError

__all__ = [
    "LABEL_RULES",
    "Curve",
    "Rule",
    "confusion_scores",
    "parse_rule",
]

#: The rules that maximise a label metric.
LABEL_RULES = ("f1", "accuracy", "balanced_accuracy", "mcc")
#: At most this many points are kept on a saved curve (spread evenly over the ranks).
MAX_POINTS = 1000

RuleKind = Literal["maximise", "cost", "precision", "recall", "fixed"]
_CONSTRAINT = re.compile(r"(precision|recall)\s*>=\s*([0-9.]+)")
_COST = re.compile(r"cost:\s*([0-9.eE+-]+)\s*,\s*([0-9.eE+-]+)")
_HINT = (
    "Give f1, accuracy, balanced_accuracy, mcc, cost:FP,FN (for example cost:1,10), "
    "precision>=X, recall>=X (X between 0 and 1), or a fixed threshold such as 0.5."
)


@dataclass(frozen=True)
class Rule:
    """A parsed ``--decision``.

    Attributes:
        text: As written, normalised (``cost:1,10``, ``precision>=0.9``, ``0.5``).
        kind: ``maximise`` (the metric ``name``), ``cost`` (minimise ``fp * a + fn * b``),
            ``precision`` / ``recall`` (the constraint ``>= a``, the other maximised), or
            ``fixed`` (threshold ``a``).
        name: The metric maximised for ``maximise``; else the rule's kind.
        a: The cost of a false positive, the constraint's bound, or the fixed threshold.
        b: The cost of a false negative (``cost`` only).
    """

    text: str
    kind: RuleKind
    name: str
    a: float = 0.0
    b: float = 0.0

    @property
    def objective(self) -> str:
        """The score the rule optimises, as reported: a metric, ``cost``, or for a constraint
        the other rate (``recall`` for ``precision>=X``)."""
        if self.kind == "precision":
            return "recall"
        if self.kind == "recall":
            return "precision"
        if self.kind == "fixed":
            return "f1"
        return self.name

    @property
    def minimise(self) -> bool:
        """Whether a lower objective is better (expected cost)."""
        return self.kind == "cost"


def parse_rule(text: str) -> Rule:
    """Read a ``--decision`` value.

    Raises:
        UsageError: Not a rule (exit 2), with the accepted forms.
    """
    given = str(text).strip().lower().replace(" ", "")
    if given in LABEL_RULES:
        return Rule(given, "maximise", given)
    cost = _COST.fullmatch(given)
    if cost:
        fp, fn = float(cost.group(1)), float(cost.group(2))
        if not (math.isfinite(fp) and math.isfinite(fn)) or fp < 0 or fn < 0 or fp + fn <= 0:
            raise UsageError(
                f"--decision {text!r}: costs must be non-negative and not both zero.",
                hint="For example cost:1,10: a false positive costs 1, a false negative 10.",
            )
        return Rule(f"cost:{fp:g},{fn:g}", "cost", "cost", fp, fn)
    constraint = _CONSTRAINT.fullmatch(given)
    if constraint:
        bound = _fraction(constraint.group(2), text)
        name = constraint.group(1)
        return Rule(f"{name}>={bound:g}", name, name, bound)  # type: ignore[arg-type]
    try:
        fixed = float(given)
    except ValueError:
        raise UsageError(f"Unknown --decision {text!r}.", hint=_HINT) from None
    if not 0.0 < fixed < 1.0:
        raise UsageError(f"--decision {text!r}: a fixed threshold is between 0 and 1.", hint=_HINT)
    return Rule(f"{fixed:g}", "fixed", "fixed", fixed)


def _fraction(value: str, text: str) -> float:
    try:
        bound = float(value)
    except ValueError:
        bound = math.nan
    if not 0.0 < bound <= 1.0:
        raise UsageError(f"--decision {text!r}: the bound is between 0 and 1.", hint=_HINT)
    return bound


def confusion_scores(
    tp: float | npt.ArrayLike, fp: float | npt.ArrayLike, positives: float, negatives: float
) -> dict[str, Any]:
    """Precision, recall, f1, accuracy, balanced accuracy and MCC from (weighted) counts;
    ``tp`` and ``fp`` may be arrays (one value per threshold)."""
    tp = np.asarray(tp, dtype="float64")
    fp = np.asarray(fp, dtype="float64")
    fn = positives - tp
    tn = negatives - fp
    total = positives + negatives
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = tp / positives if positives > 0 else np.zeros_like(tp)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        specificity = tn / negatives if negatives > 0 else np.zeros_like(tp)
        denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        mcc = np.where(denominator > 0, (tp * tn - fp * fn) / denominator, 0.0)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "accuracy": (tp + tn) / total,
        "balanced_accuracy": (recall + specificity) / 2,
        "mcc": mcc,
        "fp": fp,
        "fn": fn,
    }


@dataclass(frozen=True)
class Curve:
    """(Weighted) true and false positives at each candidate threshold, highest first.

    Point ``i`` predicts the positive class for probabilities at or above ``scores[i]``, a
    cut halfway between two neighbouring probabilities of the rows; the first point
    (``scores[0]`` above every probability) predicts no positive.

    Attributes:
        scores: Candidate cuts, decreasing (``scores[0]`` is 1 + a margin: nothing positive).
        tp: Weighted true positives at each cut.
        fp: Weighted false positives at each cut.
        positives: The weighted count of positive rows.
        negatives: The weighted count of negative rows.
        counts_at_half: Weighted true and false positives at 0.5, counted exactly.
    """

    scores: tuple[float, ...]
    tp: tuple[float, ...]
    fp: tuple[float, ...]
    positives: float
    negatives: float
    counts_at_half: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def of(cls, y: np.ndarray, p: np.ndarray, weights: np.ndarray | None = None) -> Curve:
        """The curve of positive-class probabilities ``p`` against 0/1 labels ``y``."""
        from sklearn.metrics import roc_curve

        y = np.asarray(y).astype(int)
        w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype="float64")
        positives, negatives = float(w[y == 1].sum()), float(w[y == 0].sum())
        fpr, tpr, cuts = roc_curve(y, p, sample_weight=w, drop_intermediate=False)
        tp, fp = tpr * positives, fpr * negatives
        cuts = np.asarray(cuts, dtype="float64")
        # Halfway to the next lower probability: rows between the two are split evenly, and
        # the counts stay those of the rows at or above the point's own probability.
        cuts[1:] = np.append((cuts[1:-1] + cuts[2:]) / 2, cuts[-1] / 2)
        cuts[0] = 1.0 + 1e-9  # scikit-learn's inf: nothing predicted positive
        if len(cuts) > MAX_POINTS:
            keep = np.unique(np.linspace(0, len(cuts) - 1, MAX_POINTS).round().astype(int))
            cuts, tp, fp = cuts[keep], tp[keep], fp[keep]
        above = np.asarray(p) >= 0.5
        at_half = (float(w[above & (y == 1)].sum()), float(w[above & (y == 0)].sum()))
        return cls(tuple(map(float, cuts)), tuple(map(float, tp)), tuple(map(float, fp)),
                   positives, negatives, at_half)  # fmt: skip

    def cut(self, index: int) -> float:
        """The threshold of point ``index``."""
        return self.scores[index]

    def scores_at(self, index: int | None) -> dict[str, float]:
        """Every rate and metric at point ``index``, or at 0.5 for ``None`` (``cost`` needs
        a rule: see :meth:`choose`)."""
        tp, fp = self.counts_at_half if index is None else (self.tp[index], self.fp[index])
        found = confusion_scores(tp, fp, self.positives, self.negatives)
        return {k: float(v) for k, v in found.items()}

    def choose(self, rule: Rule) -> tuple[int | None, bool]:
        """The point ``rule`` chooses, and whether the rule could be met (a precision or
        recall bound may be out of reach: the closest point is then chosen). A fixed rule
        chooses no point (``None``)."""
        if rule.kind == "fixed":
            return None, True
        s = confusion_scores(self.tp, self.fp, self.positives, self.negatives)
        if rule.kind == "maximise":
            return int(np.argmax(s[rule.name])), True
        if rule.kind == "cost":
            return int(np.argmin(rule.a * s["fp"] + rule.b * s["fn"])), True
        bound, other = s[rule.kind], s[rule.objective]
        ok = bound >= rule.a - 1e-12
        if not ok.any():
            return int(np.argmax(bound)), False
        candidates = np.flatnonzero(ok)
        return int(candidates[np.argmax(other[candidates])]), True

    def to_dict(self) -> dict[str, Any]:
        """The curve as JSON."""
        return {"scores": list(self.scores), "tp": list(self.tp), "fp": list(self.fp),
                "positives": self.positives, "negatives": self.negatives,
                "counts_at_half": list(self.counts_at_half)}  # fmt: skip

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Curve:
        """A curve :meth:`to_dict` wrote."""
        return cls(tuple(saved["scores"]), tuple(saved["tp"]), tuple(saved["fp"]),
                   float(saved["positives"]), float(saved["negatives"]),
                   tuple(saved.get("counts_at_half") or (0.0, 0.0)))  # fmt: skip
