"""Random forests and extremely randomised trees, grown 50 trees at a time up to a deadline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from automl.models._sklearn import SklearnModel
from automl.models.base import FamilyModel, ModelFamily

if TYPE_CHECKING:
    import optuna

    from automl.data.target import Task

__all__ = ["ExtraTreesFamily", "ForestModel", "RandomForestFamily"]

_MAX_FEATURES = {"sqrt": "sqrt", "half": 0.5, "all": 1.0}


class ForestModel(SklearnModel):
    """A random forest (``extra=False``) or extra-trees ensemble; NaN handled natively."""

    chunk = 50
    max_members = 300
    extra: ClassVar[bool] = False

    def _make(self) -> Any:
        from sklearn import ensemble

        params = dict(self.params or {})
        params["max_features"] = _MAX_FEATURES[params.get("max_features", "sqrt")]
        kind = "ExtraTrees" if self.extra else "RandomForest"
        suffix = "Regressor" if self.task == "regression" else "Classifier"
        factory = getattr(ensemble, kind + suffix)
        return factory(n_jobs=self.n_threads, random_state=self.seed, warm_start=True, **params)

    def _grow(self, members: int) -> None:
        self.model_.set_params(n_estimators=members)

    def _members(self) -> int:
        return len(self.model_.estimators_)


class ExtraTreesModel(ForestModel):
    """Extremely randomised trees."""

    extra = True


class RandomForestFamily(ModelFamily):
    """scikit-learn RandomForest on ordinal-encoded categoricals."""

    name = "random_forest"
    encoding = "ordinal"
    model_class: ClassVar[type[FamilyModel]] = ForestModel

    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """Draw the features per split and the leaf size."""
        p = self.name
        return {
            "max_features": trial.suggest_categorical(f"{p}.max_features", list(_MAX_FEATURES)),
            "min_samples_leaf": trial.suggest_int(f"{p}.min_samples_leaf", 1, 20, log=True),
        }

    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """The classic defaults."""
        features = "all" if task == "regression" else "sqrt"
        return [{"max_features": features, "min_samples_leaf": 1}]


class ExtraTreesFamily(RandomForestFamily):
    """scikit-learn ExtraTrees on ordinal-encoded categoricals."""

    name = "extra_trees"
    model_class = ExtraTreesModel
