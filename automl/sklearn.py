"""scikit-learn estimators that run an automl search in ``fit``: for users' own pipelines.

``AutoMLClassifier`` and ``AutoMLRegressor`` follow scikit-learn's conventions: the
constructor only stores its parameters, ``fit(X, y)`` validates, searches and returns
``self``, learned attributes end in ``_``. Each ``fit`` is :func:`automl.fit` on ``X`` with
``y`` as its target, in a temporary home removed afterwards (unless ``home`` is given); the
fitted model is kept in memory, so a fitted estimator pickles and predicts on its own.

``X`` may be a pandas data frame with columns of any type automl reads (text, categories,
dates, numbers with missing values), or a numeric array (its columns are named ``x0``,
``x1``...). See docs/python-api.md for the checks of scikit-learn's ``check_estimator``
that apply, and the ones that do not.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

if TYPE_CHECKING:
    import pandas as pd

    from automl.api import Run
    from automl.config import TaskOption

__all__ = ["AutoMLClassifier", "AutoMLRegressor"]

#: Rows needed to fit (cross-validation needs two folds).
_MIN_SAMPLES = 2


class _AutoMLEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, validation, the search.

    Args:
        time_budget: Seconds for each ``fit``; default 120, or none with ``n_trials`` alone.
        n_trials: Stop each search after this many trials.
        metric: The metric to optimise; default by task (``roc_auc``, ``log_loss``, ``rmse``).
        models: Families to search (``"lightgbm,linear"`` or a list); default all.
        cv: Cross-validation folds; default 5 (3 above 10,000 rows).
        n_jobs: Worker processes; default all cores.
        seed: Random seed.
        ensemble: Allow the model to be an ensemble of the best trials.
        max_predict_ms: Keep the model's time to predict 1,000 rows within this.
        home: Keep each run in this home, in the storage the command would use
            (``automl`` commands can then read it); default a temporary folder with its own
            SQLite file, removed after ``fit``.
        experiment: The experiment of the runs kept in ``home``.

    Attributes:
        model_: The fitted automl model (the object saved as ``model.joblib``).
        run_id_: The run of the last ``fit``.
        score_: Its model's cross-validated score, in ``metric``.
        leaderboard_: Its trials, best first (as ``automl.Run.leaderboard()``).
        n_features_in_: Columns seen in ``fit``; ``feature_names_in_`` when they had text names.
    """

    _task: str = "regression"

    def __init__(
        self,
        *,
        time_budget: float | None = None,
        n_trials: int | None = None,
        metric: str | None = None,
        models: str | Sequence[str] | None = None,
        cv: int | None = None,
        n_jobs: int | None = None,
        seed: int = 0,
        ensemble: bool = True,
        max_predict_ms: float | None = None,
        home: str | Path | None = None,
        experiment: str = "sklearn",
    ) -> None:
        self.time_budget = time_budget
        self.n_trials = n_trials
        self.metric = metric
        self.models = models
        self.cv = cv
        self.n_jobs = n_jobs
        self.seed = seed
        self.ensemble = ensemble
        self.max_predict_ms = max_predict_ms
        self.home = home
        self.experiment = experiment

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are the model's business
        return tags

    def _search(self, frame: pd.DataFrame, y: np.ndarray, task: TaskOption) -> None:
        """Fit on ``frame`` (from :meth:`_frame`) and ``y`` and keep the model: ``model_``,
        ``run_id_``, ``score_``, ``leaderboard_``."""
        from automl.api import fit, load

        frame = frame.copy()
        target = _free_name("target", frame.columns)
        frame[target] = y
        with tempfile.TemporaryDirectory(prefix="automl-sklearn-") as scratch:
            home = Path(scratch)
            storage: str | None = f"sqlite:///{home.resolve() / 'automl.db'}"
            if self.home is not None:  # the user's home, with the storage the command would use
                home, storage = Path(self.home), None
            run = fit(
                frame, target, task=task, time_budget=self.time_budget, n_trials=self.n_trials,
                metric=self.metric, models=self.models, cv=self.cv, n_jobs=self.n_jobs,
                seed=self.seed, ensemble=self.ensemble, max_predict_ms=self.max_predict_ms,
                experiment=self.experiment, home=home, storage=storage,
            )  # fmt: skip
            loaded = load(run.id, experiment=run.experiment, home=home, storage=storage)
            self.model_ = loaded.saved_model
            self._record(run)

    def _record(self, run: Run) -> None:
        self.run_id_ = run.id
        self.score_ = run.score
        self.leaderboard_ = run.leaderboard()

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """``X`` as the data frame the model reads: a data frame's columns kept (named
        ``x0``... if not all text), an array checked to be numeric and named ``x0``...

        Raises:
            ValueError: ``X`` is empty, sparse, not numeric (an array), holds infinities,
                or has another number of columns than in ``fit``.
        """
        import pandas as pd

        least = _MIN_SAMPLES if reset else 1  # one row is enough to predict
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, skip_check_array=True, reset=reset)
            if X.shape[0] < least:
                raise ValueError(
                    f"Found array with {X.shape[0]} sample(s) (shape={X.shape}) while a "
                    f"minimum of {least} is required by {type(self).__name__}."
                )
            frame = X.reset_index(drop=True)
        else:
            array = validate_data(self, X, dtype="numeric", ensure_all_finite="allow-nan",
                                  ensure_min_samples=least, reset=reset)  # fmt: skip
            frame = pd.DataFrame(array)
        if reset:
            names = [str(c) for c in frame.columns]
            text = all(isinstance(c, str) for c in frame.columns)
            self._columns = names if text else [f"x{i}" for i in range(frame.shape[1])]
        return frame.set_axis(self._columns, axis=1)

    def _rows(self, X: Any) -> pd.DataFrame:
        """Rows to predict, validated against ``fit``'s."""
        check_is_fitted(self, "model_")
        return self._frame(X, reset=False)


class AutoMLClassifier(ClassifierMixin, _AutoMLEstimator):
    """An automl search as a scikit-learn classifier (binary or multiclass).

    Attributes:
        classes_: The class labels, sorted; the column order of ``predict_proba``.

    See :class:`_AutoMLEstimator` for the parameters and the other learned attributes.
    """

    def fit(self, X: Any, y: Any) -> AutoMLClassifier:
        """Search for a classifier of ``y`` from ``X``.

        Raises:
            ValueError: ``X`` or ``y`` is not usable input (see the class docstring), ``y``
                is continuous, or it holds a single class.
            automl.AutomlError: The search failed (see :func:`automl.fit`).
        """
        from sklearn.utils.multiclass import check_classification_targets, unique_labels

        frame = self._frame(X, reset=True)
        labels = _target(self, frame, y)
        check_classification_targets(labels)
        self.classes_ = unique_labels(labels)
        if len(self.classes_) < 2:
            raise ValueError(
                f"A classifier needs at least 2 classes in y; got 1 class ({self.classes_[0]!r})."
            )
        self._search(frame, labels, "binary" if len(self.classes_) == 2 else "multiclass")
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities, one column per class of ``classes_``."""
        rows = self._rows(X)
        found = self.model_.predict_proba(rows)
        proba = np.zeros((len(rows), len(self.classes_)))
        for column, index in _columns_of(self.model_.labels, self.classes_):
            proba[:, index] = found[:, column]
        return proba

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)  # first: it raises NotFittedError before fit
        return self.classes_[np.argmax(proba, axis=1)]


class AutoMLRegressor(RegressorMixin, _AutoMLEstimator):
    """An automl search as a scikit-learn regressor.

    See :class:`_AutoMLEstimator` for the parameters and the learned attributes.
    """

    def fit(self, X: Any, y: Any) -> AutoMLRegressor:
        """Search for a regressor of ``y`` from ``X``.

        Raises:
            ValueError: ``X`` or ``y`` is not usable input (see the class docstring).
            automl.AutomlError: The search failed (see :func:`automl.fit`).
        """
        from sklearn.utils.validation import check_array

        frame = self._frame(X, reset=True)
        values = check_array(_target(self, frame, y), ensure_2d=False, dtype="float64",
                             input_name="y")  # fmt: skip
        self._search(frame, values, "regression")
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted value of each row."""
        rows = self._rows(X)  # first: it raises NotFittedError before fit
        return np.asarray(self.model_.predict(rows), dtype="float64")


def _target(estimator: BaseEstimator, X: Any, y: Any) -> np.ndarray:
    """``y`` as a 1-d array as long as ``X``, without missing values.

    Raises:
        ValueError: ``y`` is missing, 2-d with several columns, of another length than ``X``,
            or holds NaN.
    """
    from sklearn.utils import assert_all_finite, check_consistent_length, column_or_1d

    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None."
        )
    labels = column_or_1d(y, warn=True)
    check_consistent_length(X, labels)
    assert_all_finite(labels, input_name="y")
    return labels


def _columns_of(labels: list[Any], classes: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (model column, ``classes_`` index) of the same class: equal values, else equal
    text (a label read back as ``1`` for the class ``"1"``). A class the model dropped (fewer
    than 2 rows) has no column: its probability is 0."""
    pairs = []
    for index, wanted in enumerate(classes.tolist()):
        found = [i for i, label in enumerate(labels) if label == wanted]
        found = found or [i for i, label in enumerate(labels) if str(label) == str(wanted)]
        if found:
            pairs.append((found[0], index))
    return pairs


def _free_name(name: str, taken: Any) -> str:
    """``name``, or ``name_1``, ``name_2``... whichever is not a column already."""
    used = {str(c) for c in taken}
    candidate, i = name, 0
    while candidate in used:
        i += 1
        candidate = f"{name}_{i}"
    return candidate
