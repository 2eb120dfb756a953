"""The MLflow signature of an exported run, built from the run's own input schema.

MLflow infers a signature from a sample of rows, and a sample is a poor witness of which
columns may hold a missing value: a column complete in the sample comes out required and
integer (``long``), and MLflow then refuses a missing value in it. A pandas nullable integer
column (``Int64``) holding ``pd.NA`` is inferred as ``long (optional)``, whose enforcement
raises ``cannot convert NA to integer`` (MLflow issue #25593): ``optional`` lets a column be
absent, not a value be missing. The one MLflow type through which a missing number passes on
every path (a DataFrame given to ``predict``, a CSV or JSON body parsed by ``mlflow models
predict`` or ``serve``) is ``double``.

So the types come from ``schema.json``, which ``fit`` wrote from the whole training file:

- floating-point columns, and integer columns in a pandas nullable dtype (``Int64``, which
  ``fit`` sees for Parquet files), are ``double``; an integer column that had missing values
  is already a float column as read, so it is ``double`` too: nullable;
- NumPy integer columns (complete in training) are ``long``;
- numbers written as text only because of missing markers that pandas reads as missing
  (``NA``, ``N/A``, ``null``...: house prices' ``LotFrontage``) are ``double``, as
  ``pandas.read_csv`` and MLflow's own CSV parsing read them; numbers with other markers
  (``?``) or with thousands separators, currency or percent signs stay ``string``, for
  automl to parse;
- true/false columns are ``boolean``, timestamps ``datetime``, everything else (text,
  categories, dates written as text) ``string``, which passes a missing value through.

No MLflow import here: the types are plain strings that the exporter turns into MLflow's
``ColSpec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ColumnSpec", "MlflowType", "input_columns", "output_columns"]

MlflowType = Literal["double", "long", "boolean", "datetime", "string"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the signature.

    Attributes:
        name: The column name, as in the training file.
        type: The MLflow data type.
        takes_missing: Whether a missing value in this column passes MLflow's schema
            enforcement on every path (``double`` and ``string`` columns).
        dtype: The column's dtype as ``fit`` read it (``int64``, ``Int64``, ``float64``...).
        role: The role the profile gave it (``numeric``, ``categorical``...); empty for an
            output column.
        nullable: Whether it had missing values in training.
    """

    name: str
    type: MlflowType
    takes_missing: bool
    dtype: str = ""
    role: str = ""
    nullable: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-ready values (the MLmodel's ``metadata``)."""
        return {
            "name": self.name,
            "mlflow_type": self.type,
            "takes_missing": self.takes_missing,
            "dtype": self.dtype,
            "role": self.role,
            "nullable": self.nullable,
        }


#: The cell texts ``pandas.read_csv`` reads as missing by default (MLflow parses CSV with it).
PANDAS_NA_TEXTS = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)  # fmt: skip


def input_columns(
    schema: dict[str, Any], profile: dict[str, Any] | None = None
) -> list[ColumnSpec]:
    """The input columns of the signature, in the model's order.

    Args:
        schema: The run's ``schema.json`` (``features``: name, role, dtype, nullable, parse).
        profile: The run's ``profile.json``, whose missing markers and number options decide
            whether numbers written as text are ``double`` or ``string``.

    Returns:
        One spec per feature column.
    """
    columns = {c["name"]: c for c in (profile or {}).get("columns", [])}
    specs = []
    for feature in schema["features"]:
        kind = _input_type(str(feature["dtype"]))
        if kind == "string" and _plain_number_text(feature, columns.get(feature["name"])):
            kind = "double"
        specs.append(
            ColumnSpec(
                name=str(feature["name"]),
                type=kind,
                takes_missing=kind in ("double", "string"),
                dtype=str(feature["dtype"]),
                role=str(feature["role"]),
                nullable=bool(feature["nullable"]),
            )
        )
    return specs


def output_columns(task: str, labels: list[Any]) -> list[ColumnSpec]:
    """The output columns: ``prediction`` and, for classification, ``proba_<label>`` each.

    Args:
        task: ``binary``, ``multiclass`` or ``regression``.
        labels: The class labels in model order (empty for regression).
    """
    if task == "regression":
        return [ColumnSpec("prediction", "double", takes_missing=True)]
    if all(isinstance(v, bool) for v in labels):
        kind: MlflowType = "boolean"
    elif all(isinstance(v, int) for v in labels):
        kind = "long"
    elif all(isinstance(v, (int, float)) for v in labels):
        kind = "double"
    else:
        kind = "string"
    probabilities = [ColumnSpec(f"proba_{label}", "double", takes_missing=True) for label in labels]
    return [ColumnSpec("prediction", kind, takes_missing=kind == "string"), *probabilities]


def _plain_number_text(feature: dict[str, Any], column: dict[str, Any] | None) -> bool:
    """Whether a numeric column read as text holds numbers that pandas reads as they are:
    no thousands separator, currency or percent sign, and only missing markers that pandas
    reads as missing."""
    if feature.get("role") != "numeric" or feature.get("parse") != "number" or column is None:
        return False
    options = column.get("parse_options") or {}
    if any(options.get(k) for k in ("thousands", "currency", "percent")):
        return False
    markers = set(column.get("missing_markers") or {})
    return not column.get("markers_kept") and markers <= PANDAS_NA_TEXTS


def _input_type(dtype: str) -> MlflowType:
    if dtype.startswith(("float", "Float", "Int", "UInt")):
        return "double"  # pandas' nullable integers: MLflow's `long` refuses pd.NA (#25593)
    if dtype.startswith(("int", "uint")):
        return "long"
    if dtype in ("bool", "boolean"):
        return "boolean"
    if dtype.startswith("datetime64"):
        return "datetime"
    return "string"
