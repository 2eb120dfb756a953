"""The constant baseline: class priors or the mean. A model always exists."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from automl.models._sklearn import SklearnModel
from automl.models.base import ModelFamily

if TYPE_CHECKING:
    import optuna

    from automl.data.target import Task

__all__ = ["ConstantFamily", "ConstantModel"]


class ConstantModel(SklearnModel):
    """Predicts the training class priors (classification) or mean (regression)."""

    def _make(self) -> Any:
        from sklearn.dummy import DummyClassifier, DummyRegressor

        if self.task == "regression":
            return DummyRegressor(strategy="mean")
        return DummyClassifier(strategy="prior")


class ConstantFamily(ModelFamily):
    """The baseline every other family must beat."""

    name = "constant"
    encoding = "ordinal"
    model_class = ConstantModel
    counts_iterations = False
    is_baseline = True
    is_boosting = False
    grows_incrementally = False
    leads_portfolio = False

    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """No parameters."""
        return {}

    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """The one configuration."""
        return [{}]
