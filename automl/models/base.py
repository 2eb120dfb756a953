"""The :class:`ModelFamily` interface: the specification every model family meets.

A family is a stateless description of one kind of model:

- ``name``: the ``--models`` name; ``encoding``: which features it wants from
  :mod:`automl.features` (``native`` keeps categoricals as categories, ``ordinal`` turns them
  into integer codes, ``onehot`` into indicator columns with scaled numbers);
- :meth:`ModelFamily.suggest` draws parameters from an Optuna trial, define-by-run, each name
  prefixed with the family name so that families never share a parameter;
- :meth:`ModelFamily.portfolio` lists known-good configurations, tried before the sampler;
- :meth:`ModelFamily.build` makes an unfitted estimator.

Estimators follow scikit-learn: ``fit(X, y, deadline=None)`` returns ``self``; classification
estimators take ``y`` as integer codes ``0..n_classes-1`` and return probabilities with exactly
``n_classes`` columns even if a class is absent from a fold; ``deadline`` (``time.monotonic()``
seconds) asks the fit to stop early, keeping what it has, when time runs out, and such a fit
sets ``stopped_at_deadline_`` (a booster that stops by itself, with nothing left to split, does
not). Families that can early-stop record the iteration count in ``n_iterations_``; passing it
back as ``n_iterations`` when building makes a refit train exactly that many.

Thread safety: families are immutable and may be shared; estimators are not.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from sklearn.base import BaseEstimator

if TYPE_CHECKING:
    from collections.abc import Callable

    import optuna

    from automl.data.target import Task

__all__ = [
    "APPLIED_PARAMS",
    "CLASS_WEIGHTS",
    "Encoding",
    "FamilyModel",
    "ModelFamily",
    "align_proba",
    "fit_weights",
    "openmp_threads",
    "safe_params",
    "suggest_class_weight",
    "unweighted",
]

Encoding = Literal["native", "ordinal", "onehot"]


class FamilyModel(BaseEstimator):
    """The constructor every family's estimator shares (scikit-learn style: it only stores).

    Args:
        task: The learning task.
        n_classes: Number of classes (0 for regression).
        params: The family's parameters.
        n_threads: Threads for training and prediction.
        seed: Random seed.
        n_iterations: Train exactly this many iterations (trees, rounds); ``None`` lets the
            model decide (early stopping, or its full size).
    """

    def __init__(
        self,
        task: str = "binary",
        n_classes: int = 2,
        params: dict[str, Any] | None = None,
        n_threads: int = 1,
        seed: int = 0,
        n_iterations: int | None = None,
    ) -> None:
        self.task = task
        self.n_classes = n_classes
        self.params = params
        self.n_threads = n_threads
        self.seed = seed
        self.n_iterations = n_iterations


class ModelFamily(ABC):
    """One kind of model, its search space and its known-good configurations."""

    name: ClassVar[str]
    encoding: ClassVar[Encoding]
    #: The estimator class :meth:`build` makes.
    model_class: ClassVar[type[FamilyModel]]
    #: Whether a refit may fix the number of iterations (trees, boosting rounds).
    counts_iterations: ClassVar[bool] = True
    #: Whether its fits run OpenMP parallel loops (see :func:`openmp_threads`).
    openmp: ClassVar[bool] = False

    # Traits: every family declares each of them (tests/models/test_conformance.py checks),
    # and the search asks them instead of testing family names.

    #: The baseline every other family must beat: queued first, always among the families,
    #: never an ensemble member nor a reason to stop for lack of time, its folds not reported
    #: for pruning; its refit always fits in the time left.
    is_baseline: ClassVar[bool]
    #: Boosting: its fits stop early (``n_iterations_``) and at a deadline, keeping the
    #: rounds done (``stopped_at_deadline_``); a refit trains the rounds found in CV x 1.15
    #: (more rows), and a member cut short by the refit's deadline gives up the ensemble.
    is_boosting: ClassVar[bool]
    #: Grown in chunks of trees up to a deadline (forests): a refit grows as many trees as
    #: the search did, and may keep fewer so that the model predicts within --max-predict-ms.
    grows_incrementally: ClassVar[bool]
    #: Queued right after the baseline, so that a real model exists within seconds; with a
    #: skewed regression target its first configuration is also tried on ``y`` itself.
    leads_portfolio: ClassVar[bool]

    @abstractmethod
    def suggest(self, trial: optuna.Trial, *, task: Task, n_rows: int) -> dict[str, Any]:
        """Draw one configuration from ``trial``.

        Args:
            trial: The Optuna trial; parameter names must start with ``f"{self.name}."``.
            task: The learning task.
            n_rows: Training rows, to scale ranges (leaf sizes...).

        Returns:
            The parameters without the prefix, as :meth:`build` takes them.
        """

    @abstractmethod
    def portfolio(self, task: Task) -> list[dict[str, Any]]:
        """Known-good configurations, best first, in :meth:`suggest`'s parameter space.

        Returns:
            Parameter dictionaries without the prefix; each must be reachable by :meth:`suggest`.
        """

    def build(
        self,
        params: dict[str, Any],
        *,
        task: Task,
        n_classes: int,
        n_threads: int,
        seed: int,
        n_iterations: int | None = None,
    ) -> FamilyModel:
        """Make an unfitted estimator of :attr:`model_class`.

        Args:
            params: A configuration from :meth:`suggest` or :meth:`portfolio`.
            task: The learning task.
            n_classes: Number of classes (0 for regression).
            n_threads: Threads the model may use.
            seed: Random seed.
            n_iterations: Train exactly this many iterations (a refit after early stopping).

        Returns:
            An estimator with ``fit(X, y, deadline=None)``, ``predict`` and, for
            classification, ``predict_proba``.
        """
        iterations = n_iterations if self.counts_iterations else None
        threads = openmp_threads(n_threads) if self.openmp else n_threads
        return self.model_class(task, n_classes, dict(params), threads, seed, iterations)

    def encoder_options(self, params: dict[str, Any]) -> dict[str, Any]:
        """Options of :class:`automl.features.encode.FeatureEncoder` that ``params`` choose
        (besides :attr:`encoding`); none by default.

        Args:
            params: A configuration from :meth:`suggest` or :meth:`portfolio`.
        """
        return {}

    def effective(self, params: dict[str, Any], n_features: Callable[[], int]) -> dict[str, Any]:
        """The parameters as the model will use them: two configurations with the same
        effective parameters train the same model, so the search runs only one of them.

        Args:
            params: A configuration from :meth:`suggest`.
            n_features: Returns the number of encoded features (called only if needed).
        """
        return dict(params)

    def prefixed(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with this family's prefix, as stored on Optuna trials."""
        return {f"{self.name}.{key}": value for key, value in params.items()}

    def unprefixed(self, params: dict[str, Any]) -> dict[str, Any]:
        """This family's parameters from a trial's params, without the prefix."""
        prefix = f"{self.name}."
        return {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}

    def check_params(self, params: dict[str, Any], *, task: Task) -> list[str]:
        """What is wrong with ``params`` (unprefixed) for :meth:`build`: names that
        :meth:`suggest` never draws, values of the wrong type or outside its ranges. The ranges
        are the widest :meth:`suggest` uses (some narrow on small data); a parameter that is
        absent is fine (the model's default).

        Parameters read back from a shared storage are checked with this before a refit: a
        trial written by anyone with access could otherwise pass ``train_dir`` or
        ``allow_writing_files=True`` to CatBoost, or 64 threads to LightGBM.

        Returns:
            One line per problem, such as ``train_dir='/tmp/x' (not a lightgbm parameter)``;
            empty when ``params`` could have been drawn.
        """
        checking = _CheckingTrial(self.name, params)
        self.suggest(checking, task=task, n_rows=_WIDEST_ROWS)  # type: ignore[arg-type]
        unknown = [
            f"{name}={value!r} (not a {self.name} parameter)"
            for name, value in params.items()
            if name not in checking.drawn
        ]
        return checking.problems + unknown


#: Rows passed to :meth:`ModelFamily.suggest` when checking parameters: ranges that depend on
#: the data's size are at their widest.
_WIDEST_ROWS = 10**9


class _CheckingTrial:
    """Stands in for an Optuna trial: each ``suggest_*`` call returns the given value and
    notes whether the distribution could have drawn it."""

    def __init__(self, family: str, params: dict[str, Any]) -> None:
        self.prefix = f"{family}."
        self.params = params
        self.drawn: set[str] = set()
        self.problems: list[str] = []

    def _value(self, name: str, fits: Callable[[Any], bool], expected: str) -> Any:
        key = name[len(self.prefix) :] if name.startswith(self.prefix) else name
        self.drawn.add(key)
        value = self.params.get(key)
        if key in self.params and not fits(value):
            self.problems.append(f"{key}={value!r} (expected {expected})")
        return value

    def suggest_float(self, name: str, low: float, high: float, **_: Any) -> Any:
        def fits(v: Any) -> bool:
            return _is_number(v) and bool(np.isfinite(v)) and low <= v <= high

        return self._value(name, fits, f"a number from {low:g} to {high:g}")

    def suggest_int(self, name: str, low: int, high: int, **_: Any) -> Any:
        def fits(v: Any) -> bool:
            return _is_number(v) and float(v).is_integer() and low <= v <= high

        return self._value(name, fits, f"a whole number from {low} to {high}")

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        def fits(v: Any) -> bool:
            return any(type(v) is type(c) and v == c for c in choices)

        return self._value(name, fits, f"one of {list(choices)!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


#: Parameters automl applies itself (``class_weight`` as sample weights), never passed on.
APPLIED_PARAMS = ("class_weight",)
#: ``class_weight`` choices: ``balanced`` weighs each class by ``n_rows / (n_classes * count)``.
CLASS_WEIGHTS = ("none", "balanced")


def suggest_class_weight(trial: Any, family: str, task: str) -> dict[str, Any]:
    """``class_weight`` drawn for a classification task (nothing for regression): one more
    searched parameter of every family that trains on weighted rows."""
    if task == "regression":
        return {}
    return {"class_weight": trial.suggest_categorical(f"{family}.class_weight", CLASS_WEIGHTS)}


def unweighted(configurations: list[dict[str, Any]], task: str) -> list[dict[str, Any]]:
    """Portfolio configurations with ``class_weight="none"`` for classification (the
    search draws ``balanced`` itself; a queued configuration must name every parameter)."""
    if task == "regression":
        return configurations
    return [{**c, "class_weight": "none"} for c in configurations]


def fit_weights(params: dict[str, Any] | None, y: np.ndarray,
                sample_weight: np.ndarray | None) -> np.ndarray | None:  # fmt: skip
    """The row weights a fit uses: ``sample_weight`` (``fit --weight``) times the class
    weights ``class_weight="balanced"`` asks for; ``None`` when neither applies."""
    weights = None if sample_weight is None else np.asarray(sample_weight, dtype="float64")
    if (params or {}).get("class_weight") == "balanced":
        from sklearn.utils.class_weight import compute_sample_weight

        balanced = compute_sample_weight("balanced", np.asarray(y))
        weights = balanced if weights is None else weights * balanced
    return weights


def safe_params(params: dict[str, Any] | None, safety: dict[str, Any], *aliases: str) -> dict:
    """``params`` with ``safety`` applied last: the settings automl must control (threads,
    seed, verbosity, no files written) win over any parameter, and the parameters that are
    other names for them (``aliases``, such as LightGBM's ``n_jobs`` for ``num_threads``) are
    dropped, so that a library cannot pick the parameter over the setting; so are the
    parameters automl applies itself (:data:`APPLIED_PARAMS`)."""
    dropped = set(safety) | set(aliases) | set(APPLIED_PARAMS)
    return {k: v for k, v in (params or {}).items() if k not in dropped} | safety


def openmp_threads(n_threads: int) -> int:
    """Threads for an OpenMP model (LightGBM, HistGradientBoosting) in this process.

    automl starts its workers and its refit with ``OMP_WAIT_POLICY=PASSIVE``, so that OpenMP
    threads never spin on a core another busy process needs (two concurrent fits, each with
    2-thread models on 2 cores, took 48 times longer without it). But waiting passively, a
    boosting round's many short parallel steps each wake sleeping threads, and 2 threads are
    slower than one: HistGradientBoosting 6.1 s against 0.45 s, LightGBM 2.4 s against 0.29 s
    (197_cpu_act, 6,144 rows); still 6.0 / 2.8 s against 2.3 / 2.4 s on 200,000 rows. So
    under that policy such a model gets one thread; otherwise ``n_threads``.
    """
    import os

    passive = os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE"
    return 1 if passive else n_threads


def align_proba(proba: np.ndarray, classes: np.ndarray, n_classes: int) -> np.ndarray:
    """Put probability columns for ``classes`` into a matrix with ``n_classes`` columns."""
    proba = np.asarray(proba, dtype="float64")
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    full = np.zeros((proba.shape[0], n_classes))
    full[:, np.asarray(classes, dtype=int)] = proba
    return full
