"""Turn prepared columns into model inputs, fitted inside each CV fold.

Three encodings, one per kind of family (:data:`automl.models.base.Encoding`):

- ``native``: numbers as floats, categoricals as pandas ``category`` with the levels seen in
  training (at most 254, rarer ones grouped as ``__other__``; unseen ones become ``__other__``
  too), for LightGBM, CatBoost and HistGradientBoosting;
- ``ordinal``: categoricals as integer codes, missing stays NaN, for forests;
- ``onehot``: median-imputed, standardised numbers with missing indicators, one indicator per
  frequent level, for linear models. With ``normal_scores``, a strongly skewed number
  (counts, amounts: absolute skewness over :data:`SKEW_LIMIT`) is mapped through its training
  quantiles to a standard normal score first, as AutoGluon does for its linear models:
  standardised, a few huge values dominate a linear fit (tokyo1's 30 count columns of 44).
  The linear family lets cross-validation choose (see
  :meth:`automl.models.linear.LinearFamily.encoder_options`).

Datetimes become year, month, day, weekday, hour and days since 1970; text becomes TF-IDF
weights of its most frequent words. Output column names are safe (``f0``, ``f1``...) because
LightGBM refuses some characters; :attr:`FeatureEncoder.feature_names_` keeps readable names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from automl.data.prepare import arrow_text, prepare_frame

if TYPE_CHECKING:
    import pandas as pd

    from automl.data.profile import Profile

__all__ = ["FeatureEncoder", "Preparer", "feature_sources"]

OTHER = "__other__"
_MAX_LEVELS = {"native": 254, "ordinal": 254, "onehot": 50}
_MIN_COUNT = {"native": 1, "ordinal": 1, "onehot": 5}
_TEXT_WORDS = {"native": 20, "ordinal": 20, "onehot": 200}
#: Numbers whose absolute skewness on the training rows is above this are quantile-mapped.
SKEW_LIMIT = 0.99
#: Quantiles kept per skewed column (fewer when there are fewer distinct values).
N_QUANTILES = 1000


class Preparer(BaseEstimator, TransformerMixin):
    """Apply the training profile to raw rows (:func:`automl.data.prepare.prepare_frame`).

    Args:
        profile: The training data's profile.
    """

    def __init__(self, profile: Profile | None = None) -> None:
        self.profile = profile

    def fit(self, X: pd.DataFrame, y: Any = None) -> Preparer:
        """Nothing to learn; the profile was made from the training data."""
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Convert the feature columns as the profile says."""
        assert self.profile is not None
        return prepare_frame(X, self.profile)


class FeatureEncoder(BaseEstimator, TransformerMixin):
    """Encode prepared columns for one kind of model.

    Args:
        roles: ``{column: role}`` for the feature columns, from the profile.
        encoding: ``native``, ``ordinal`` or ``onehot``.
        normal_scores: ``onehot`` only: map strongly skewed numbers to normal scores.
    """

    def __init__(
        self,
        roles: dict[str, str] | None = None,
        encoding: str = "native",
        normal_scores: bool = False,
    ) -> None:
        self.roles = roles
        self.encoding = encoding
        self.normal_scores = normal_scores

    def fit(self, X: pd.DataFrame, y: Any = None) -> FeatureEncoder:
        """Learn levels, medians, scales and vocabularies from the training rows."""
        roles = self.roles or {}
        self.levels_: dict[str, list[str]] = {}
        self.medians_: dict[str, float] = {}
        self.scales_: dict[str, tuple[float, float]] = {}
        self.quantiles_: dict[str, np.ndarray] = {}
        self.vocabularies_: dict[str, Any] = {}
        self.indexes_: dict[Any, Any] = {}
        self.indicators_: set[str] = set()
        for name, role in roles.items():
            column = X[name]
            if role == "categorical":
                self.levels_[name] = _levels(column, self.encoding)
            elif role == "text":
                self.vocabularies_[name] = _fit_text(column, _TEXT_WORDS[self.encoding])
            elif role in ("numeric", "boolean", "datetime") and self.encoding == "onehot":
                for part, values in _numeric_parts(name, role, column):
                    finite = values[np.isfinite(values)]
                    median = float(np.median(finite)) if finite.size else 0.0
                    filled = np.where(np.isfinite(values), values, median)
                    self.medians_[part] = median
                    quantiles = _skewed_quantiles(filled) if self.normal_scores else None
                    if quantiles is not None:
                        self.quantiles_[part] = quantiles
                        filled = _normal_scores(filled, quantiles)
                    std = float(filled.std()) or 1.0
                    self.scales_[part] = (float(filled.mean()), std)
                    if finite.size < values.size:
                        self.indicators_.add(part)
        sources: list[str] = []
        encoded = self._encode(X, sources=sources)
        self.feature_names_ = list(encoded.columns)
        self.sources_ = sources
        if self.encoding == "onehot":  # all floats: each output column's training mean
            self.means_ = encoded.to_numpy(dtype="float64").mean(axis=0)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Encode rows; output columns are ``f0..fN`` in a fixed order."""
        frame = self._encode(X)
        frame.columns = [f"f{i}" for i in range(frame.shape[1])]
        return frame

    def transform_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Encode rows into one float matrix, categories as codes: what a model that reads
        codes (LightGBM) needs, without building a data frame (for fast single-row serving)."""
        parts = self._parts(X, codes=True)
        if not parts:
            return np.empty((len(X), 0))
        return np.column_stack([np.asarray(v, dtype="float64") for v in parts.values()])

    def _encode(self, X: pd.DataFrame, *, sources: list[str] | None = None) -> pd.DataFrame:
        import pandas as pd

        parts = self._parts(X, codes=False, sources=sources)
        if not parts:
            return pd.DataFrame(index=X.index)
        return pd.DataFrame(parts, index=X.index)

    def _parts(
        self, X: pd.DataFrame, *, codes: bool, sources: list[str] | None = None
    ) -> dict[str, Any]:
        """The output columns in order; ``sources`` (if given) gets each one's input column."""
        parts: dict[str, Any] = {}
        for name, role in (self.roles or {}).items():
            column = X[name]
            if role == "categorical":
                parts.update(self._categorical(name, column, codes=codes))
            elif role == "text":
                parts.update(_text_parts(name, column, self.vocabularies_[name]))
            else:
                for part, values in _numeric_parts(name, role, column):
                    if self.encoding == "onehot":
                        missing = ~np.isfinite(values)
                        if part in self.medians_:
                            mean, std = self.scales_[part]
                            filled = np.where(missing, self.medians_[part], values)
                            # models saved before normal scores existed have no quantiles_
                            quantiles = getattr(self, "quantiles_", {}).get(part)
                            if quantiles is not None:
                                filled = _normal_scores(filled, quantiles)
                            parts[part] = (filled - mean) / std
                            if part in self.indicators_:
                                parts[part + " missing"] = missing.astype("float64")
                    else:
                        parts[part] = values
            if sources is not None:
                sources.extend([name] * (len(parts) - len(sources)))
        return parts

    def _categorical(self, name: str, column: pd.Series, *, codes: bool = False) -> dict[str, Any]:
        import pandas as pd

        levels = self.levels_[name]
        categories = [*levels, OTHER]
        found = self._level_codes(name, column, categories)
        if self.encoding == "native" and not codes:
            dtype = self.indexes_.get((name, "dtype"))
            if dtype is None:  # made once: from_codes with a list of levels costs 20 times more
                dtype = self.indexes_[(name, "dtype")] = pd.CategoricalDtype(categories)
            return {name: pd.Categorical.from_codes(found, dtype=dtype)}
        if self.encoding in ("native", "ordinal"):
            return {name: np.where(found < 0, np.nan, found.astype("float64"))}
        return {
            f"{name}={level}": (found == i).astype("float64") for i, level in enumerate(categories)
        }

    def _level_codes(self, name: str, column: pd.Series, categories: list[str]) -> np.ndarray:
        """Each cell's position in ``categories``: unseen levels are the last one (other),
        missing cells -1."""
        import pandas as pd

        array = arrow_text(column)
        if array is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            level_set = self.indexes_.get((name, "arrow"))
            if level_set is None or level_set.type != array.type:
                level_set = self.indexes_[(name, "arrow")] = pa.array(categories, type=array.type)
            positions = pc.index_in(array, value_set=level_set)
            found = pc.fill_null(positions, -1).to_numpy().astype("int64")
            unseen = found < 0
            if array.null_count:
                unseen &= array.is_valid().to_numpy(zero_copy_only=False)
            found[unseen] = len(categories) - 1
            return found
        index = self.indexes_.get(name)
        if index is None:
            index = self.indexes_[name] = pd.Index(categories)
        values = column.to_numpy(dtype=object)
        found = np.asarray(index.get_indexer(values), dtype="int64")  # type: ignore[arg-type]
        found[(found < 0) & ~pd.isna(values)] = len(categories) - 1  # unseen: other
        return found


def feature_sources(encoder: FeatureEncoder) -> list[str]:
    """The input column each of a fitted encoder's output columns comes from, in output order
    (a categorical's one-hot levels, a date's parts, a text's words all come from one column).

    Encoders fitted before this was recorded are read from their readable output names
    (``col=level``, ``col.year``, ``col~word``, ``col missing``): the longest input column
    whose name starts the output name.
    """
    recorded = getattr(encoder, "sources_", None)
    if recorded is not None:
        return list(recorded)
    names = sorted(encoder.roles or {}, key=len, reverse=True)
    return [_source_of(output, names) for output in encoder.feature_names_]


def _source_of(output: str, names: list[str]) -> str:
    for name in names:
        if output == name or output.startswith((f"{name}=", f"{name}.", f"{name}~", f"{name} ")):
            return name
    raise ValueError(f"no input column for the encoded feature {output!r}")


def _levels(column: pd.Series, encoding: str) -> list[str]:
    counts = column.dropna().astype("str").value_counts()
    counts = counts[counts >= _MIN_COUNT[encoding]]
    return [str(v) for v in counts.index[: _MAX_LEVELS[encoding]] if v != OTHER]


def _skewed_quantiles(values: np.ndarray) -> np.ndarray | None:
    """The training quantiles of a column skewed enough to be quantile-mapped, else ``None``
    (also for a column of fewer than three distinct values: nothing to gain)."""
    if values.size < 3:
        return None
    centred = values - values.mean()
    spread = float(np.sqrt(np.mean(centred**2)))
    if spread == 0.0 or np.unique(values[: 10 * N_QUANTILES]).size < 3:
        return None
    skewness = float(np.mean(centred**3)) / spread**3
    if not abs(skewness) > SKEW_LIMIT:
        return None
    n = min(N_QUANTILES, values.size)
    return np.asarray(np.quantile(values, np.linspace(0.0, 1.0, n)), dtype="float64")


def _normal_scores(values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Each value's place among the training quantiles (ties: the middle of their run), as a
    standard normal score.

    The place is kept half a quantile step away from 0 and 1, so the smallest and largest
    training values score about -3.3 and 3.3 with 1,000 quantiles, and values beyond them no
    more: scikit-learn's QuantileTransformer clips at 1e-7, which puts its extremes at 5.2, a
    jump of 2 from the next quantile that a linear model extrapolates from. With that (in
    regression), two houses of house_prices (seed 2's test split) larger than any in training
    were priced at several times their price (test RMSE 90,762 against 25,600 on the other
    seeds; still 88,896 with this bound: regression does not use normal scores).
    """
    from scipy.special import ndtri

    grid = np.linspace(0.0, 1.0, quantiles.size)
    rising = np.interp(values, quantiles, grid)
    falling = -np.interp(-values, -quantiles[::-1], -grid[::-1])
    edge = 0.5 / quantiles.size
    probability = np.clip(0.5 * (rising + falling), edge, 1.0 - edge)
    return np.asarray(ndtri(probability), dtype="float64")


def _numeric_parts(name: str, role: str, column: pd.Series) -> list[tuple[str, np.ndarray]]:
    import pandas as pd

    if role == "datetime":
        dates = pd.to_datetime(column, errors="coerce")
        missing = dates.isna().to_numpy()

        def part(values: Any) -> np.ndarray:
            array = np.array(values, dtype="float64")  # a copy: pandas arrays are read-only
            array[missing] = np.nan
            return array

        elapsed = dates.to_numpy(dtype="datetime64[s]").astype("int64") / 86400.0
        return [
            (f"{name}.year", part(dates.dt.year.fillna(0))),
            (f"{name}.month", part(dates.dt.month.fillna(0))),
            (f"{name}.day", part(dates.dt.day.fillna(0))),
            (f"{name}.weekday", part(dates.dt.day_of_week.fillna(0))),
            (f"{name}.hour", part(dates.dt.hour.fillna(0))),
            (f"{name}.days", part(elapsed)),
        ]
    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = np.where(np.isinf(values), np.nan, values)
    return [(name, values)]


def _fit_text(column: pd.Series, max_words: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    text = column.fillna("").astype("str")
    vectorizer = TfidfVectorizer(max_features=max_words, min_df=2, sublinear_tf=True)
    try:
        vectorizer.fit(text)
    except ValueError:  # no word occurs twice: nothing to learn from this column
        return None
    return vectorizer


def _text_parts(name: str, column: pd.Series, vectorizer: Any) -> dict[str, Any]:
    if vectorizer is None:
        return {}
    matrix = vectorizer.transform(column.fillna("").astype("str")).toarray()
    words = vectorizer.get_feature_names_out()
    return {f"{name}~{word}": matrix[:, i] for i, word in enumerate(words)}
