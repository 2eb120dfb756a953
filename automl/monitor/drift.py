"""The drift verdict: new rows compared with a run's reference, column by column, on the
model's predictions and with a domain classifier; ``none``, ``warn`` or ``drift`` with the
reasons ranked by importance x severity.

Effect sizes decide and tests confirm: on a large file a test finds a trivial difference
significant, and on a small one a PSI moves by chance. A column is flagged when its effect
reaches a threshold (PSI 0.1 warn / 0.2 drift; missing rate +0.05 / +0.15; ...) **and** its
test is significant after the Benjamini-Hochberg correction over every test of the report
(q < 0.05). See docs/monitoring.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from automl.monitor.measures import PSI_DRIFT, PSI_WARN, ColumnMeasures, measure_column
from automl.monitor.reference import Reference, column_values, prediction_values

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AUC_DRIFT",
    "AUC_WARN",
    "MISSING_DRIFT",
    "MISSING_WARN",
    "Q_VALUE",
    "SEVERITIES",
    "THRESHOLDS",
    "DriftReport",
    "compare",
]

Severity = Literal["none", "warn", "drift"]
SEVERITIES: tuple[Severity, ...] = ("none", "warn", "drift")
#: Missing-rate change (absolute) that warns, and that is drift.
MISSING_WARN = 0.05
MISSING_DRIFT = 0.15
#: Share of values moved between levels (total variation distance) of a categorical or
#: discrete column that warns, and that is drift: a +0.5 sd shift of a normal moves 0.2.
MOVED_WARN = 0.075
MOVED_DRIFT = 0.15
#: Share of numbers out of the training range, or of unseen levels, that warns.
OUTSIDE_WARN = 0.05
#: Domain classifier's cross-validated AUC that warns, and that is drift.
AUC_WARN = 0.6
AUC_DRIFT = 0.7
#: Benjamini-Hochberg q-value under which a test confirms an effect.
Q_VALUE = 0.05
#: Rows per side for the domain classifier (sampled, seeded).
DOMAIN_ROWS = 20_000
#: Fewer new rows than this: no domain classifier.
DOMAIN_MIN_ROWS = 50

THRESHOLDS: dict[str, Any] = {
    "psi": {"warn": PSI_WARN, "drift": PSI_DRIFT},
    "missing_rate_change": {"warn": MISSING_WARN, "drift": MISSING_DRIFT},
    "moved_share": {"warn": MOVED_WARN, "drift": MOVED_DRIFT},
    "out_of_range_share": {"warn": OUTSIDE_WARN},
    "unseen_share": {"warn": OUTSIDE_WARN},
    "domain_auc": {"warn": AUC_WARN, "drift": AUC_DRIFT},
    "q_value": Q_VALUE,
}


@dataclass(frozen=True)
class DriftReport:
    """The verdict and everything behind it (``document`` is ``automl drift --json``)."""

    verdict: Severity
    document: dict[str, Any]

    @property
    def columns(self) -> list[dict[str, Any]]:
        """Per column, ranked: flagged ones first, by importance x severity."""
        columns: list[dict[str, Any]] = self.document["columns"]
        return columns

    @property
    def reasons(self) -> list[dict[str, Any]]:
        """Why the verdict is not ``none``, most important first."""
        reasons: list[dict[str, Any]] = self.document["reasons"]
        return reasons


def compare(
    reference: Reference,
    prepared: pd.DataFrame,
    *,
    predictions: np.ndarray | None = None,
    seed: int = 0,
    domain: bool = True,
) -> DriftReport:
    """Compare new rows with the reference.

    Args:
        reference: The run's reference.
        prepared: The new rows after the profile's conversions (every reference column).
        predictions: The model's predictions on those rows (probabilities or values), if any.
        seed: Seeds the domain classifier's samples and folds.
        domain: Train the domain classifier (skipped below 50 rows anyway).
    """
    from scipy.stats import false_discovery_control

    measured = []
    for column in reference.columns:
        values, missing, _ = column_values(prepared[column.name], column.role)
        measured.append(measure_column(column.summary, values, missing))
    prediction = None
    if predictions is not None and reference.prediction is not None and len(predictions):
        values, _ = prediction_values(predictions, reference.task, reference.labels)
        prediction = measure_column(reference.prediction, values,
                                    np.zeros(len(values), dtype=bool))  # fmt: skip
    tests = [m.p_value for m in measured] + [m.missing_p for m in measured]
    if prediction is not None:
        tests.append(prediction.p_value)
    q = false_discovery_control(np.clip(tests, 0.0, 1.0)) if tests else np.array([])
    k = len(measured)
    columns = [
        _column_entry(ref, m, float(q[i]), float(q[k + i]))
        for i, (ref, m) in enumerate(zip(reference.columns, measured, strict=True))
    ]
    columns.sort(key=lambda c: (-c["score"], -c["weight"] * _finite(c["psi"]), c["name"]))
    pred_entry = None if prediction is None else _prediction_entry(reference, prediction,
                                                                    float(q[-1]))  # fmt: skip
    classifier = None
    if domain and len(prepared) >= DOMAIN_MIN_ROWS:
        from automl.monitor.domain import domain_classifier

        classifier = domain_classifier(reference, prepared, seed=seed, n_rows=DOMAIN_ROWS)
    reasons = _reasons(columns, pred_entry, classifier)
    verdict: Severity = max((r["severity"] for r in reasons), key=SEVERITIES.index,
                            default="none")  # fmt: skip
    document = {
        "verdict": verdict,
        "n_rows": len(prepared),
        "reference_rows": reference.n_rows,
        "weights_source": reference.weights_source,
        "reasons": reasons,
        "columns": columns,
        "prediction": pred_entry,
        "domain_classifier": classifier,
        "thresholds": THRESHOLDS,
    }
    return DriftReport(verdict=verdict, document=document)


def _column_entry(ref: Any, m: ColumnMeasures, q_value: float, missing_q: float) -> dict[str, Any]:
    """One column's row of the report, with its severity and ranking score."""
    change = m.missing_rate - ref.summary.missing_rate
    found: list[tuple[Severity, float, str]] = []  # severity, magnitude (1 = drift), measure
    if q_value < Q_VALUE and not math.isnan(m.psi):
        found.append((_level(m.psi, PSI_WARN, PSI_DRIFT), m.psi / PSI_DRIFT, "psi"))
        if ref.summary.kind != "continuous":
            found.append((_level(m.moved, MOVED_WARN, MOVED_DRIFT), m.moved / MOVED_DRIFT,
                          "moved"))  # fmt: skip
    if missing_q < Q_VALUE:
        found.append((_level(abs(change), MISSING_WARN, MISSING_DRIFT),
                      abs(change) / MISSING_DRIFT, "missing_rate"))  # fmt: skip
    for share, measure in ((m.out_of_range, "out_of_range"), (m.unseen, "unseen")):
        if share is not None and share >= OUTSIDE_WARN and m.n >= 20:
            found.append(("warn", share / (2 * OUTSIDE_WARN) * 0.5, measure))
    flagged = [f for f in found if f[0] != "none"]
    severity: Severity = max((f[0] for f in flagged), key=SEVERITIES.index, default="none")
    magnitude = max((f[1] for f in flagged), default=0.0)
    measures = [f[2] for f in sorted(flagged, key=lambda f: -f[1])]
    return {
        "name": ref.name, "role": ref.role, "kind": ref.summary.kind, "weight": ref.weight,
        "severity": severity, "score": round(ref.weight * magnitude, 6), "measures": measures,
        "psi": _round(m.psi), "test": m.test, "statistic": _round(m.statistic),
        "p_value": _round(m.p_value), "q_value": _round(q_value), "n": m.n,
        "missing_rate_reference": _round(ref.summary.missing_rate),
        "missing_rate": _round(m.missing_rate), "missing_q_value": _round(missing_q),
        "out_of_range": _round(m.out_of_range), "unseen": _round(m.unseen),
        "moved": _round(m.moved),
        "reference_shares": ref.summary.shares, "shares": m.shares,
    }  # fmt: skip


def _prediction_entry(reference: Reference, m: ColumnMeasures, q_value: float) -> dict[str, Any]:
    severity: Severity = "none"
    if q_value < Q_VALUE and not math.isnan(m.psi):
        severity = _level(m.psi, PSI_WARN, PSI_DRIFT)
    return {
        "kind": reference.prediction_kind, "severity": severity, "psi": _round(m.psi),
        "test": m.test, "statistic": _round(m.statistic), "p_value": _round(m.p_value),
        "q_value": _round(q_value), "n": m.n,
        "reference_shares": reference.prediction.shares if reference.prediction else [],
        "shares": m.shares,
    }  # fmt: skip


def _reasons(columns: list[dict[str, Any]], prediction: dict[str, Any] | None,
             classifier: dict[str, Any] | None) -> list[dict[str, Any]]:  # fmt: skip
    """Every flagged finding, most important first: columns by importance x severity, then
    the predictions and the domain classifier."""
    reasons = [
        {"column": c["name"], "severity": c["severity"], "score": c["score"],
         "measures": c["measures"], "text": _column_text(c)}
        for c in columns if c["severity"] != "none"
    ]  # fmt: skip
    if prediction is not None and prediction["severity"] != "none":
        reasons.append({"column": None, "severity": prediction["severity"], "score": None,
                        "measures": ["prediction_psi"],
                        "text": f"predictions shifted (PSI {prediction['psi']:.3f})"})  # fmt: skip
    if classifier is not None and classifier["severity"] != "none":
        tops = ", ".join(classifier["top_columns"][:3])
        reasons.append({"column": None, "severity": classifier["severity"], "score": None,
                        "measures": ["domain_auc"],
                        "text": f"a classifier tells new rows from training ones "
                                f"(AUC {classifier['auc']:.3f}; by {tops})"})  # fmt: skip
    return reasons


def _column_text(c: dict[str, Any]) -> str:
    parts = []
    for measure in c["measures"]:
        if measure == "psi":
            parts.append(f"PSI {c['psi']:.3f}")
        elif measure == "missing_rate":
            parts.append(f"missing {c['missing_rate_reference']:.1%} -> {c['missing_rate']:.1%}")
        elif measure == "moved":
            parts.append(f"{c['moved']:.1%} of values moved between levels")
        elif measure == "out_of_range":
            parts.append(f"{c['out_of_range']:.1%} out of the training range")
        elif measure == "unseen":
            parts.append(f"{c['unseen']:.1%} unseen categories")
    return f"{c['name']}: " + ", ".join(parts)


def _level(value: float, warn: float, drift: float) -> Severity:
    if value >= drift:
        return "drift"
    return "warn" if value >= warn else "none"


def _finite(value: float | None) -> float:
    return 0.0 if value is None or math.isnan(value) else float(value)


def _round(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), 6)
