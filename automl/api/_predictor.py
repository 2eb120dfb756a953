"""``automl.load()`` and the :class:`Predictor` it returns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import UsageError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from automl.models.predictor import Predictor as SavedModel
    from automl.store.runs import RunRef, Store

__all__ = ["Predictor", "load", "open_store"]


class Predictor:
    """A saved run's model, loaded after its SHA-256 was checked (as ``automl predict`` does).

    Made by :func:`automl.load` or :attr:`automl.Run.predictor`; not built directly. Every
    method takes raw rows as a pandas data frame with the training columns (extra columns are
    ignored; missing cells and unseen categories are handled by the model's preprocessing).

    Attributes:
        run_id: The run whose model this is.
        experiment: The run's experiment.
        path: The run folder.
        task: ``binary``, ``multiclass`` or ``regression``.
        features: The input columns the model reads, in training order.
        schema: The run's input schema (``schema.json``): one entry per feature with its
            ``name``, ``role``, ``dtype`` and ``nullable``, plus ``target`` and ``task``.
    """

    def __init__(
        self, model: SavedModel, *, ref: RunRef, path: Path, schema: dict[str, Any],
        record: Any,
    ) -> None:  # fmt: skip
        self._model = model
        self._record = record
        self.run_id = ref.run_id
        self.experiment = ref.experiment
        self.path = path
        self.task: str = model.task
        self.features: list[str] = list(model.features)
        self.schema = schema

    def __repr__(self) -> str:
        where = f"run_id={self.run_id!r}, experiment={self.experiment!r}"
        return f"Predictor({where}, task={self.task!r})"

    @property
    def saved_model(self) -> SavedModel:
        """The object saved as ``model.joblib`` (``automl.models.predictor.Predictor``), for
        code that predicts without these checks (the scikit-learn estimators keep it)."""
        return self._model

    @property
    def classes_(self) -> np.ndarray:
        """The class labels in their training type, in the column order of
        :meth:`predict_proba`.

        Raises:
            AttributeError: The model is a regression (it has no classes).
        """
        import numpy as np

        if self.task == "regression":
            raise AttributeError("A regression model has no classes_.")
        return np.asarray(self._model.labels)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The prediction for each row: a value (regression) or a label (classification).

        Raises:
            UsageError: ``X`` is not a pandas data frame.
            DataError: ``X`` lacks columns the model needs.
        """
        return self._model.predict(self._rows(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities, one row per row of ``X``, one column per class of
        :attr:`classes_`.

        Raises:
            UsageError: The model is a regression, or ``X`` is not a pandas data frame.
            DataError: ``X`` lacks columns the model needs.
        """
        if self.task == "regression":
            raise UsageError(
                "predict_proba() needs a classification model; this one is a regression.",
                hint="Use predict().",
            )
        return self._model.predict_proba(self._rows(X))

    def predict_frame(self, X: pd.DataFrame) -> pd.DataFrame:
        """The table ``automl predict`` writes: ``prediction`` and, for classification, one
        ``proba_<class>`` column per class; ``X``'s index is kept.

        Raises:
            UsageError: ``X`` is not a pandas data frame.
            DataError: ``X`` lacks columns the model needs.
        """
        return self._model.predict_frame(self._rows(X))

    def explain(self, X: pd.DataFrame, *, label: Any = None) -> pd.DataFrame:
        """Each row's prediction split into one contribution per input column (the table of
        ``automl explain``): ``class`` (classification), ``base``, ``contrib_<column>`` for
        every feature, and ``output`` (``base`` plus the contributions). See the explain guide
        for the space each model is explained in.

        Args:
            X: The rows to explain.
            label: The class to explain on every row; default the positive class (binary) or
                the predicted class (multiclass).

        Raises:
            UsageError: ``X`` is not a data frame, ``label`` is not a class of the model, or
                the model cannot be explained.
            DataError: ``X`` lacks columns the model needs.
        """
        from automl.insight import explain_rows

        rows = self._rows(X)
        return explain_rows(self._model, rows, label=label).frame(rows)

    def _rows(self, X: Any) -> pd.DataFrame:
        """``X``, checked to be a data frame holding every feature."""
        import pandas as pd

        from automl.data.frame import FRAME_NAME
        from automl.store.predict import require_features

        if not isinstance(X, pd.DataFrame):
            raise UsageError(
                f"Expected a pandas DataFrame of rows, got {type(X).__name__}.",
                hint=f"Build one with the columns {', '.join(self.features[:10])}.",
            )
        require_features(self._model, X, source=FRAME_NAME, record=self._record)
        return X


def open_store(home: str | Path | None, storage: str | None, *, read_only: bool) -> Store:
    """The store of ``home`` (else ``$AUTOML_HOME``, else ``./automl-runs``) and ``storage``
    (else ``$AUTOML_STORAGE_URL``, else the home's SQLite file), as the command line finds
    them."""
    from automl.config import resolve_home, resolve_storage
    from automl.store.runs import Store

    return Store(resolve_home(home), resolve_storage(storage), read_only=read_only)


def load(
    run: str | None = None,
    *,
    alias: str | None = None,
    experiment: str | None = None,
    home: str | Path | None = None,
    storage: str | None = None,
) -> Predictor:
    """Load a saved run's model, as ``automl predict`` does: the model file is unpickled only
    if its SHA-256 matches the run's record and the study.

    Args:
        run: A run id; default the latest run of ``experiment`` that saved a model.
        alias: An alias of ``experiment`` (``automl promote``), instead of ``run``.
        experiment: The experiment; default ``default``.
        home: Where experiments live; default ``$AUTOML_HOME``, else ``./automl-runs``.
        storage: An Optuna storage URL; default ``$AUTOML_STORAGE_URL``, else the home's
            SQLite file.

    Returns:
        The predictor.

    Raises:
        UsageError: Both ``run`` and ``alias``; or aliases are not available.
        NotFoundError: No such run or alias, or no run of the experiment saved a model.
        DataError: The model file does not match its recorded SHA-256.
    """
    from automl.store.artifacts import read_json
    from automl.store.schema import RunPaths

    if run and alias:
        raise UsageError("Give run or alias, not both.")
    store = open_store(home, storage, read_only=True)
    try:
        if alias:
            ref = _alias_ref(store, experiment, alias)
        else:
            ref = store.resolve(experiment=experiment, run_id=run, with_model=True)
        model, record = store.load_predictor(ref)
        paths = RunPaths(store.run_dir(ref))
        schema: dict[str, Any] = read_json(paths.schema) if paths.schema.is_file() else {}
    finally:
        store.close()
    return Predictor(model, ref=ref, path=paths.root, schema=schema, record=record)


def _alias_ref(store: Store, experiment: str | None, alias: str) -> RunRef:
    """The run an alias names (what ``--alias`` means on the command line).

    Raises:
        NotFoundError: No such alias in that experiment (the known ones are listed).
    """
    from automl.config import DEFAULT_EXPERIMENT
    from automl.store.aliases import resolve_alias

    return resolve_alias(store, experiment or DEFAULT_EXPERIMENT, alias)
