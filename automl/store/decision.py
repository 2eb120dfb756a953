"""The run's decision: how the saved model turns probabilities into a class.

A :class:`Decision` is chosen by ``fit`` from the final model's out-of-fold predictions
(:mod:`automl.search.decide`) and saved as ``decision.json`` in the run folder, hashed in
``run.json`` like every artifact. It holds:

- an optional **calibrator** (:class:`Calibrator`: sigmoid on the log-odds or isotonic for
  binary; temperature or per-class isotonic for multiclass), applied to the model's
  probabilities by ``predict``, the Python :class:`~automl.models.predictor.Predictor` and the
  generated service;
- for binary tasks, the **threshold** on the positive class's (calibrated) probability,
  the rule it was chosen by, the scores at it and at 0.5, and the threshold :class:`Curve`
  so that another rule can be applied later without the training rows.

Runs saved before decisions existed have no ``decision.json``: they load with no decision and
predict exactly as before (the most probable class, uncalibrated probabilities).
:func:`save_decision` and :func:`load_decision` are the pair ``fit`` and ``refit`` use.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import UsageError
from automl.store.schema import DECISION_FILE
from automl.store.threshold import Curve, Rule, parse_rule

if TYPE_CHECKING:
    from automl.store.run_record import RunRecord

__all__ = [
    "DECISION_FILE",
    "Calibrator",
    "Decision",
    "decision_sha256",
    "load_decision",
    "save_decision",
]

#: Isotonic calibration never says 0 or 1: a log loss would be infinite on the next surprise.
ISOTONIC_CLIP = 1e-4


@dataclass(frozen=True)
class Calibrator:
    """A fitted calibration map of probabilities, stored as plain numbers.

    Attributes:
        kind: ``sigmoid`` (binary: ``1 / (1 + exp(-(a * logit(p) + b)))``), ``temperature``
            (multiclass: ``softmax(log(p) / t)``), or ``isotonic`` (per class, piecewise
            linear through ``x`` and ``y``, then renormalised for multiclass).
        params: ``a`` and ``b``; ``t``; or ``x`` and ``y``, one list per class (binary: the
            positive class only).
    """

    kind: str
    params: dict[str, Any]

    def apply(self, proba: np.ndarray) -> np.ndarray:
        """Calibrated probabilities (rows sum to 1)."""
        proba = np.asarray(proba, dtype="float64")
        eps = 1e-15
        if self.kind == "sigmoid":
            p = np.clip(proba[:, 1], eps, 1 - eps)
            z = self.params["a"] * np.log(p / (1 - p)) + self.params["b"]
            positive = 1.0 / (1.0 + np.exp(-z))
            return np.column_stack([1 - positive, positive])
        if self.kind == "temperature":
            logits = np.log(np.clip(proba, eps, None)) / self.params["t"]
            logits -= logits.max(axis=1, keepdims=True)
            out = np.exp(logits)
            return np.asarray(out / out.sum(axis=1, keepdims=True))
        if self.kind == "isotonic":
            xs, ys = self.params["x"], self.params["y"]
            if proba.shape[1] == 2:
                positive = np.clip(np.interp(proba[:, 1], xs[0], ys[0]), ISOTONIC_CLIP,
                                   1 - ISOTONIC_CLIP)  # fmt: skip
                return np.column_stack([1 - positive, positive])
            columns = [np.interp(proba[:, k], xs[k], ys[k]) for k in range(proba.shape[1])]
            out = np.clip(np.column_stack(columns), ISOTONIC_CLIP, None)
            return np.asarray(out / out.sum(axis=1, keepdims=True))
        raise ValueError(f"unknown calibrator kind {self.kind!r}")


@dataclass(frozen=True)
class Decision:
    """How the saved model decides (see the module's docstring).

    Attributes:
        task: ``binary`` or ``multiclass``.
        rule: The ``--decision`` rule as normalised (``f1``, ``cost:1,10``, ``0.5``...);
            ``None``: the most probable class (multiclass).
        threshold: The cut on the positive class's probability (binary), else ``None``.
        measure: What the rule optimises (``f1``, ``cost``, ``recall``...).
        at_threshold: The measure at the threshold, out of fold.
        at_default: The measure at 0.5, out of fold.
        reached: ``False`` when a ``precision>=X`` or ``recall>=X`` bound could not be met
            out of fold (the closest threshold is used).
        scores: Precision, recall, f1... at the threshold, out of fold.
        scores_at_default: The same at 0.5.
        curve: The threshold curve (binary), for choosing again with another rule.
        calibrator: The calibration kept, or ``None``.
        calibration: What calibration was tried: ``method`` asked, ``kind`` kept (or
            ``none``), and the cross-fitted out-of-fold ``ece`` and ``log_loss`` before and
            after.
        n_rows: The out-of-fold rows it was chosen on.
        weighted: Whether sample weights were used.
        seconds: Time taken to choose it during ``fit``.
    """

    task: str
    rule: str | None
    threshold: float | None = None
    measure: str | None = None
    at_threshold: float | None = None
    at_default: float | None = None
    reached: bool = True
    scores: dict[str, float] = field(default_factory=dict)
    scores_at_default: dict[str, float] = field(default_factory=dict)
    curve: Curve | None = None
    calibrator: Calibrator | None = None
    calibration: dict[str, Any] = field(default_factory=dict)
    n_rows: int = 0
    weighted: bool = False
    seconds: float = 0.0

    def calibrate(self, proba: np.ndarray) -> np.ndarray:
        """The probabilities ``predict`` reports: calibrated if a calibrator was kept."""
        if self.calibrator is None:
            return np.asarray(proba, dtype="float64")
        return self.calibrator.apply(proba)

    def codes(self, proba: np.ndarray) -> np.ndarray:
        """The predicted class codes for (calibrated) probabilities: positive at or above
        the threshold (binary), else the most probable class."""
        proba = np.asarray(proba)
        if self.threshold is None or proba.shape[1] != 2:
            return np.asarray(np.argmax(proba, axis=1))
        return (proba[:, 1] >= self.threshold).astype("int64")

    @property
    def calibrated(self) -> bool:
        """Whether probabilities are calibrated."""
        return self.calibrator is not None

    def with_rule(self, text: str) -> Decision:
        """This decision with the threshold chosen again by another rule (``predict
        --decision``), on the saved curve.

        Raises:
            UsageError: Not a rule, or the task is not binary (exit 2).
        """
        rule = parse_rule(text)
        if self.task != "binary" or self.curve is None:
            raise UsageError(
                f"--decision {text!r} needs a binary task with a saved threshold curve; this "
                f"run is {self.task}.",
                hint="Multiclass runs predict the most probable (calibrated) class.",
            )
        return choose(self.curve, rule, self)

    def summary(self) -> dict[str, Any]:
        """What ``run.json``, ``show`` and the ``--json`` documents report (no curve)."""
        return {
            "rule": self.rule,
            "threshold": self.threshold,
            "measure": self.measure,
            "at_threshold": self.at_threshold,
            "at_default": self.at_default,
            "reached": self.reached,
            "calibrated": self.calibrated,
            "calibration": dict(self.calibration),
            "n_rows": self.n_rows,
            "weighted": self.weighted,
            "seconds": self.seconds,
        }

    def to_dict(self) -> dict[str, Any]:
        """``decision.json``."""
        saved = dataclasses.asdict(self)
        saved["curve"] = None if self.curve is None else self.curve.to_dict()
        saved["calibrator"] = None if self.calibrator is None else {
            "kind": self.calibrator.kind, "params": self.calibrator.params,
        }  # fmt: skip
        return saved

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Decision:
        """A decision :meth:`to_dict` wrote (unknown keys ignored)."""
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in saved.items() if k in known}
        if values.get("curve") is not None:
            values["curve"] = Curve.from_dict(values["curve"])
        if values.get("calibrator") is not None:
            values["calibrator"] = Calibrator(**values["calibrator"])
        return cls(**values)


def choose(curve: Curve, rule: Rule, base: Decision) -> Decision:
    """``base`` with the threshold ``rule`` chooses on ``curve``."""
    index, reached = curve.choose(rule)
    if index is None:
        threshold = rule.a
        index = _index_at(curve, threshold)
    else:
        threshold = curve.cut(index)
    scores, at_default = curve.scores_at(index), curve.scores_at(None)
    if rule.kind == "cost":
        total = curve.positives + curve.negatives
        for s in (scores, at_default):
            s["cost"] = (rule.a * s["fp"] + rule.b * s["fn"]) / total
    return dataclasses.replace(
        base, rule=rule.text, threshold=float(threshold), measure=rule.objective,
        at_threshold=scores[rule.objective], at_default=at_default[rule.objective],
        reached=reached, scores=scores, scores_at_default=at_default, curve=curve,
    )  # fmt: skip


def _index_at(curve: Curve, threshold: float) -> int:
    """The point predicting positive exactly the rows at or above ``threshold``."""
    scores = np.asarray(curve.scores)
    return int(np.searchsorted(-scores, -threshold, side="right") - 1)


def save_decision(run_dir: Path, decision: Decision) -> str:
    """Write ``decision.json`` in ``run_dir``; return its SHA-256 (for ``run.json``)."""
    from automl.store.artifacts import write_json

    return write_json(Path(run_dir) / DECISION_FILE, decision.to_dict())


def load_decision(run_dir: Path, sha256: str | None) -> Decision | None:
    """The run's decision, checked against its recorded SHA-256; ``None`` for a run saved
    without one (before decisions existed, or a regression).

    Raises:
        DataError: The file does not match its SHA-256.
    """
    import json

    from automl.store.artifacts import read_verified

    if sha256 is None:
        return None
    data = read_verified(Path(run_dir) / DECISION_FILE, sha256)
    return Decision.from_dict(json.loads(data))


def decision_sha256(record: RunRecord) -> str | None:
    """The SHA-256 ``run.json`` records for ``decision.json``, if the run saved one."""
    found = record.artifacts.get(DECISION_FILE)
    return None if found is None else found.sha256
