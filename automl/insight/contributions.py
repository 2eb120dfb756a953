"""Per-row contributions of the user's input columns to a saved model's output.

``contributions(predictor, frame)`` explains each row of ``frame`` as a base value plus one
contribution per input column (``predictor.features``, the columns of the training file),
in the model's raw output space: see ``docs/explain.md`` for the spaces, which families are
exact, and how ensembles are combined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from automl.errors import DataError, UsageError
from automl.formatting import plural
from automl.insight._combine import combine, group_columns
from automl.insight._members import MemberContributions, Method, Space, member_contributions

if TYPE_CHECKING:
    import pandas as pd

    from automl.models.predictor import Predictor

__all__ = ["Contributions", "TopContributions", "contributions", "top_order"]


@dataclass(frozen=True, eq=False)
class TopContributions:
    """The ``k`` largest contributions of each row, by absolute value.

    Attributes:
        columns: ``(n_rows, k)`` column names, largest first.
        values: ``(n_rows, k)`` their contributions.
    """

    columns: np.ndarray
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Contributions:
    """Each row's output as a base value plus one contribution per input column.

    For every row ``i`` and output ``k``: ``base[i, k] + values[i, k, :].sum()`` equals
    ``output[i, k]``, the model's actual output in :attr:`space`, up to :attr:`max_error`
    (floating point for a single model; the approximation for an ensemble of classifiers).

    Attributes:
        columns: The input columns, in the model's order (``predictor.features``).
        outputs: What each output is: the positive class (binary: its log-odds), each
            class (multiclass: its margin, softmax of the margins giving the probabilities),
            or ``"prediction"`` (regression).
        base: ``(n_rows, n_outputs)``: the expected output, the same on every row.
        values: ``(n_rows, n_outputs, n_columns)``: the contributions.
        output: ``(n_rows, n_outputs)``: the model's actual output in :attr:`space`.
        space: ``log_odds`` (binary), ``margin`` (multiclass), ``probability`` (a single
            forest classifier), ``value`` (regression) or ``log_value`` (``log1p`` of the
            prediction, a single model fitted on a log-transformed target).
        method: ``tree_shap`` (LightGBM, CatBoost), ``linear``, ``constant``, ``path``
            (forests, HistGradientBoosting: additive, not Shapley values) or ``combined``
            (an ensemble's weighted members).
        exact: Whether the values are exact Shapley values of :attr:`output` (for an
            ensemble: a weighted sum of exact members in a space where the ensemble averages).
        max_error: The largest ``|base + sum - output|`` over rows and outputs, measured.
        mean_error: The mean of the same.
        index: The rows' labels in the input frame, in input order.
    """

    columns: tuple[str, ...]
    outputs: tuple[Any, ...]
    base: np.ndarray
    values: np.ndarray
    output: np.ndarray
    space: Space
    method: Method
    exact: bool
    max_error: float
    mean_error: float
    index: pd.Index

    def for_output(self, output: Any = None) -> np.ndarray:
        """``(n_rows, n_columns)`` contributions to one output.

        Args:
            output: One of :attr:`outputs` (a class label); may be left out when there is
                only one output.

        Raises:
            UsageError: ``output`` is not one of :attr:`outputs`, or is needed and missing.
        """
        return self.values[:, self._output_index(output), :]

    def predicted(self) -> np.ndarray:
        """``(n_rows, n_columns)``: each row's contributions to its own largest output (the
        predicted class for multiclass; the single output otherwise)."""
        chosen = np.argmax(self.output, axis=1)
        return self.values[np.arange(len(chosen)), chosen, :]

    def top(self, k: int, *, output: Any = None) -> TopContributions:
        """Each row's ``k`` largest contributions (by absolute value) to one output.

        Args:
            k: How many (at most the number of columns).
            output: As for :meth:`for_output`.

        Raises:
            UsageError: ``k`` is not positive, or ``output`` is not an output.
        """
        values = self.for_output(output)
        order = top_order(values, k)
        names = np.asarray(self.columns, dtype=object)[order]
        return TopContributions(names, np.take_along_axis(values, order, axis=1))

    def _output_index(self, output: Any) -> int:
        if output is None:
            if len(self.outputs) == 1:
                return 0
            raise UsageError(
                f"This model has {len(self.outputs)} outputs: name one of "
                f"{', '.join(map(repr, self.outputs))}."
            )
        for i, name in enumerate(self.outputs):
            if name == output or str(name) == str(output):
                return i
        raise UsageError(
            f"{output!r} is not an output of this model.",
            hint=f"Choose one of {', '.join(map(repr, self.outputs))}.",
        )


def top_order(values: np.ndarray, k: int) -> np.ndarray:
    """``(n_rows, min(k, n_columns))``: each row's column positions by absolute value of
    ``values`` (``(n_rows, n_columns)``), largest first, ties in column order.

    Raises:
        UsageError: ``k`` is below 1.
    """
    if k < 1:
        raise UsageError(f"The number of top contributions must be at least 1, not {k}.")
    return np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]


def contributions(predictor: Predictor, frame: pd.DataFrame) -> Contributions:
    """Explain each row of ``frame``: a base value and one contribution per input column.

    Args:
        predictor: A saved model (``model.joblib`` of a run).
        frame: Raw rows as read from a data file, with at least ``predictor.features``.

    Returns:
        The contributions, in the rows' order; see :class:`Contributions`.

    Raises:
        DataError: ``frame`` lacks columns the model needs.
        UsageError: The model is not a kind automl can explain.
    """
    missing = [name for name in predictor.features if name not in frame.columns]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:20])
        raise DataError(
            f"The rows lack {plural(len(missing), 'column')} the model needs: {shown}.",
            hint="Add them (empty cells are fine).",
        )
    ensemble = predictor.model
    if not hasattr(ensemble, "members"):
        raise UsageError(
            f"automl cannot explain a saved model of type {type(ensemble).__name__}.",
            hint="Refit the run with this version of automl.",
        )
    columns = tuple(predictor.features)
    task, n_classes = predictor.task, len(predictor.labels)
    prepared = ensemble.preparer.transform(frame)
    members = []
    encoded: dict[tuple[int, bool], Any] = {}
    for encoder, model in ensemble.members:
        takes_matrix = bool(getattr(model, "takes_matrix", False))
        key = (id(encoder), takes_matrix)
        if key not in encoded:
            encoded[key] = (
                encoder.transform_matrix(prepared) if takes_matrix else encoder.transform(prepared)
            )
        raw = member_contributions(
            model, encoded[key], encoder=encoder, task=task, n_classes=n_classes
        )
        members.append(group_columns(raw, _sources(encoder), columns))
    if len(members) == 1:
        combined = members[0]
    else:
        actual = predictor.predict(frame) if task == "regression" else predictor.raw_proba(frame)
        combined = combine(members, ensemble.weights, task=task, actual=actual)
    return _record(combined, predictor, columns, frame)


def _sources(encoder: Any) -> list[str]:
    from automl.features.encode import feature_sources

    return feature_sources(encoder)


def _record(
    combined: MemberContributions, predictor: Predictor, columns: tuple[str, ...], frame: Any
) -> Contributions:
    if predictor.task == "regression":
        outputs: tuple[Any, ...] = ("prediction",)
    elif predictor.task == "binary":
        outputs = (predictor.labels[-1],)
    else:
        outputs = tuple(predictor.labels)
    gap = np.abs(combined.base + combined.values.sum(axis=-1) - combined.output)
    return Contributions(
        columns=columns,
        outputs=outputs,
        base=combined.base,
        values=combined.values,
        output=combined.output,
        space=combined.space,
        method=combined.method,
        exact=combined.exact,
        max_error=float(gap.max()) if gap.size else 0.0,
        mean_error=float(gap.mean()) if gap.size else 0.0,
        index=frame.index.copy(),
    )
