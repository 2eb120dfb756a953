"""Decision rules chosen on a threshold curve (automl/store/threshold.py, decision.py), checked
against a brute-force count over every threshold of real out-of-fold-like scores."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_score, recall_score

from automl.errors import UsageError
from automl.store.decision import Decision, choose
from automl.store.threshold import Curve, parse_rule
from tests.conftest import dataset


@pytest.fixture(scope="module")
def scores() -> tuple[np.ndarray, np.ndarray]:
    """Churn labels and a logistic regression's probabilities on four numeric columns."""
    frame = pd.read_csv(dataset("churn").path)
    y = frame["target"].to_numpy()
    X = frame[["total day minutes", "number customer service calls", "total eve minutes",
               "number vmail messages"]].to_numpy()  # fmt: skip
    p = LogisticRegression(max_iter=1000).fit(X, y).predict_proba(X)[:, 1]
    return y, p


def _decide(y: np.ndarray, p: np.ndarray, rule: str) -> Decision:
    return choose(Curve.of(y, p), parse_rule(rule), Decision(task="binary", rule=None))


def test_f1_rule_finds_the_best_threshold_and_reports_it_honestly(scores) -> None:
    y, p = scores
    decision = _decide(y, p, "f1")
    predicted = (p >= decision.threshold).astype(int)
    assert decision.at_threshold == pytest.approx(f1_score(y, predicted))
    best = max(f1_score(y, (p >= t).astype(int)) for t in np.unique(p)[::7])
    assert decision.at_threshold >= best - 1e-9
    assert decision.at_default == pytest.approx(f1_score(y, (p >= 0.5).astype(int)))
    assert decision.at_threshold > decision.at_default + 0.05  # 14% positives: 0.5 is too high


def test_cost_rule_minimises_expected_cost(scores) -> None:
    y, p = scores
    decision = _decide(y, p, "cost:1,10")
    costs = {t: ((p >= t) & (y == 0)).sum() + 10 * ((p < t) & (y == 1)).sum()
             for t in np.unique(p)}  # fmt: skip
    best = min(costs.values())
    assert (
        best <= decision.at_threshold * len(y) <= best * 1.005
    )  # the saved curve has 1,000 points
    assert decision.threshold < 0.5


def test_precision_bound_is_met_with_the_most_recall(scores) -> None:
    y, p = scores
    decision = _decide(y, p, "precision>=0.6")
    predicted = (p >= decision.threshold).astype(int)
    assert decision.reached and precision_score(y, predicted) >= 0.6
    assert decision.at_threshold == pytest.approx(recall_score(y, predicted))
    unreachable = _decide(y, 1 - p, "precision>=0.9")  # the worst rows ranked first
    assert unreachable.reached is False  # the closest threshold, and says so


def test_recall_bound(scores) -> None:
    y, p = scores
    decision = _decide(y, p, "recall>=0.8")
    assert recall_score(y, (p >= decision.threshold).astype(int)) >= 0.8


def test_fixed_threshold_and_saved_curve_round_trip(scores) -> None:
    y, p = scores
    decision = _decide(y, p, "f1")
    decision = Decision.from_dict(json.loads(json.dumps(decision.to_dict())))
    again = decision.with_rule("0.3")
    assert again.threshold == 0.3 and again.rule == "0.3"
    proba = np.column_stack([1 - p, p])
    assert (again.codes(proba) == (p >= 0.3)).all()


@pytest.mark.parametrize("text", ["f2", "cost:1", "cost:-1,2", "precision>=2", "1.5", ""])
def test_bad_rules_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_rule(text)
