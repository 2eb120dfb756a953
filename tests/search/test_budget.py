"""The budget's rules (automl.search.budget): the reserve for refit and saving, the search end
and the grace after it, a trial's share of the time left, a fold not started without time to
finish, the refit estimates, workers stopping at the search end, and one clock across
processes."""

from __future__ import annotations

import time

import pytest

from automl.data import profile_table, read_table
from automl.models import FAMILIES
from automl.search import budget
from automl.search.budget import Budget
from automl.search.dataset import DataSpec, training_data
from automl.search.metrics import get_metric
from automl.search.objective import DeadlineReached, evaluate
from tests.conftest import dataset


@pytest.mark.parametrize(
    ("seconds", "reserve"),
    [(5.0, 2.0), (10.0, 2.0), (60.0, 7.2), (120.0, 14.4), (500.0, 60.0), (3600.0, 60.0)],
)
def test_the_search_ends_early_enough_to_refit_and_save(seconds: float, reserve: float) -> None:
    plan = Budget.plan(seconds, started=100.0, started_epoch=1_000.0)
    assert budget.reserve(seconds) == pytest.approx(reserve)
    assert plan.deadline == pytest.approx(100.0 + seconds)
    assert plan.search_end == pytest.approx(100.0 + seconds - reserve)
    # stragglers are stopped at most 2 s after the search end
    assert plan.grace == pytest.approx(min(2.0, 0.5 + 0.05 * seconds))
    # the refit may use half of fit's slack of 10% + 10 s
    assert plan.refit_deadline == pytest.approx(100.0 + seconds * 1.05 + 5.0)


def test_without_a_time_budget_nothing_ends() -> None:
    plan = Budget.plan(None)
    assert plan.deadline is plan.search_end is plan.refit_deadline is None
    assert plan.search_end_epoch is None and plan.refit_deadline_epoch is None
    assert not plan.past_search_end() and not plan.stragglers_due()
    assert plan.refit_seconds_left(holdout=True) is None
    assert not budget.search_over(None)
    assert budget.trial_end(None, time.monotonic()) is None


def test_one_clock_a_deadline_crosses_to_another_process_unchanged() -> None:
    plan = Budget.plan(60.0)
    assert plan.search_end is not None and plan.search_end_epoch is not None
    assert plan.search_end_epoch - plan.started_epoch == pytest.approx(60.0 - 7.2)
    back = budget.from_epoch(plan.search_end_epoch)  # what a worker computes
    assert back == pytest.approx(plan.search_end, abs=0.05)
    assert budget.from_epoch(None) is None


def test_workers_stop_at_the_search_end() -> None:
    now = time.monotonic()
    assert budget.search_over(now - 0.001)
    assert not budget.search_over(now + 60)
    ended = Budget.plan(1.0, started=now - 2.0)  # its search ended a second ago
    assert ended.past_search_end()
    assert ended.stragglers_due()  # grace 0.55 s
    running = Budget.plan(60.0)
    assert not running.past_search_end() and not running.stragglers_due()


def test_a_trial_gets_a_share_of_the_time_left_and_its_folds_split_it() -> None:
    started = 1_000.0
    assert budget.trial_end(started + 100.0, started) == pytest.approx(started + 40.0)
    # at least 5 s, never past the search end
    assert budget.trial_end(started + 10.0, started) == pytest.approx(started + 5.0)
    assert budget.trial_end(started + 3.0, started) == pytest.approx(started + 3.0)
    now = time.monotonic()
    end = now + 40.0
    ends = [budget.fold_end(now, end, now + 100.0, fold=k, n_folds=4) for k in range(4)]
    assert ends == pytest.approx([now + 10.0, now + 20.0, now + 30.0, now + 40.0], abs=0.01)
    # a fold always gets half a second, but never past the search's deadline
    late = budget.fold_end(now - 50.0, now - 10.0, now + 100.0, fold=0, n_folds=4)
    assert late is not None and late >= now + 0.5
    assert budget.fold_end(now - 50.0, now - 10.0, now + 0.1, fold=0, n_folds=4) == now + 0.1


def test_a_fold_is_not_started_without_time_to_finish() -> None:
    assert budget.folds_fit(10.0, fit_seconds=0.0, done=0, n_folds=5)
    assert not budget.folds_fit(0.0, fit_seconds=0.0, done=0, n_folds=5)
    # 2 folds took 8 s: 3 more need 12 s, allowed with 8 s left (1.5 x), not with 7.9
    assert budget.folds_fit(8.0, fit_seconds=8.0, done=2, n_folds=5)
    assert not budget.folds_fit(7.9, fit_seconds=8.0, done=2, n_folds=5)


def test_a_real_trial_past_the_search_end_stops_before_its_first_fold() -> None:
    ds = dataset("titanic")
    table = read_table(ds.path)
    data = training_data(table.frame, profile_table(table, target=ds.target),
                         DataSpec(target=ds.target, task="binary", cv=3))  # fmt: skip
    with pytest.raises(DeadlineReached, match="3 of 3 folds left"):
        evaluate(FAMILIES["linear"], {}, data, get_metric("roc_auc", "binary"), n_threads=1,
                 seed=0, deadline=time.monotonic() - 1.0)  # fmt: skip
    done = evaluate(FAMILIES["linear"], {}, data, get_metric("roc_auc", "binary"), n_threads=1,
                    seed=0, deadline=time.monotonic() + 300.0)  # fmt: skip
    assert len(done.fold_scores) == 3


def test_the_refit_reserve_counts_the_process_start_once() -> None:
    # 5 CV fits took 10 s: one refit on all rows takes 1.3 x a fold's fit, plus 3 s to start
    assert budget.refit_estimate(10.0, 5) == pytest.approx(2.6 + 3.0)
    assert budget.member_refit_seconds(budget.refit_estimate(10.0, 5)) == pytest.approx(2.6)
    estimates = [budget.refit_estimate(10.0, 5), budget.refit_estimate(20.0, 5)]
    assert budget.ensemble_refit_seconds(estimates) == pytest.approx(2.6 + 5.2 + 3.0)
    assert budget.quick_seconds_left() == pytest.approx(3.0 + budget.QUICK_REFIT_SECONDS)


def test_a_holdout_halves_each_refit_s_time() -> None:
    plan = Budget.plan(100.0)
    without = plan.refit_seconds_left(holdout=False)
    with_holdout = plan.refit_seconds_left(holdout=True)
    assert without is not None and with_holdout is not None
    assert without == pytest.approx(110.0, abs=0.5)
    assert with_holdout == pytest.approx(without / 2, abs=0.5)
