"""The MLflow signature's column types, from a run's ``schema.json`` (no MLflow needed)."""

from __future__ import annotations

from automl.export.signature import input_columns, output_columns


def _feature(name: str, dtype: str, *, nullable: bool = False, role: str = "numeric") -> dict:
    return {"name": name, "role": role, "dtype": dtype, "nullable": nullable, "parse": None}


def test_integer_columns_with_missing_values_are_double_and_complete_ones_long() -> None:
    schema = {
        "features": [
            # a CSV integer column with blanks is read as float64: it stays nullable
            _feature("age", "float64", nullable=True),
            # a pandas nullable integer: MLflow's long refuses pd.NA (#25593)
            _feature("rooms", "Int64", nullable=True),
            _feature("rooms_complete", "Int64"),
            _feature("pclass", "int64", role="categorical"),
            _feature("small", "int32"),
        ]
    }
    specs = {c.name: c for c in input_columns(schema)}
    assert [specs[n].type for n in ("age", "rooms", "rooms_complete")] == ["double"] * 3
    assert all(specs[n].takes_missing for n in ("age", "rooms", "rooms_complete"))
    assert specs["pclass"].type == "long" and not specs["pclass"].takes_missing
    assert specs["small"].type == "long"
    assert specs["rooms"].dtype == "Int64" and specs["rooms"].nullable


def test_text_booleans_and_dates_keep_their_kind() -> None:
    schema = {
        "features": [
            _feature("city", "str", role="categorical", nullable=True),
            _feature("total", "str"),  # numbers written as text: parsed by automl, not MLflow
            _feature("flag", "bool", role="boolean"),
            _feature("flag_nullable", "boolean", role="boolean", nullable=True),
            _feature("when", "datetime64[us]", role="datetime"),
            _feature("signup", "str", role="datetime"),
        ]
    }
    types = [c.type for c in input_columns(schema)]
    assert types == ["string", "string", "boolean", "boolean", "datetime", "string"]


def test_input_columns_keep_the_model_order() -> None:
    schema = {"features": [_feature(n, "float64") for n in ("b", "a", "c")]}
    assert [c.name for c in input_columns(schema)] == ["b", "a", "c"]


def test_output_columns_follow_the_label_type() -> None:
    binary = output_columns("binary", [0, 1])
    assert [(c.name, c.type) for c in binary] == [
        ("prediction", "long"),
        ("proba_0", "double"),
        ("proba_1", "double"),
    ]
    assert output_columns("multiclass", ["a", "b", "c"])[0].type == "string"
    assert output_columns("binary", [False, True])[0].type == "boolean"
    assert [(c.name, c.type) for c in output_columns("regression", [])] == [
        ("prediction", "double")
    ]


def test_numbers_written_as_text_are_double_only_when_pandas_reads_them_as_numbers() -> None:
    """House prices' ``LotFrontage`` is text only because of ``NA``: pandas (and MLflow's
    CSV parsing) reads it as float64, so it is ``double``; a ``?`` marker or a thousands
    separator needs automl's own parsing, so those stay ``string``."""
    names = ("LotFrontage", "Charges", "Amount", "Code")
    schema = {"features": [_feature(n, "str") | {"parse": "number"} for n in names]}
    schema["features"][3]["role"] = "categorical"
    profile = {
        "columns": [
            {"name": "LotFrontage", "missing_markers": {"NA": 259}, "parse_options": {}},
            {"name": "Charges", "missing_markers": {"?": 3}, "parse_options": {}},
            {"name": "Amount", "missing_markers": {}, "parse_options": {"thousands": ","}},
            {"name": "Code", "missing_markers": {"NA": 1}, "parse_options": {}},
        ]
    }
    types = [c.type for c in input_columns(schema, profile)]
    assert types == ["double", "string", "string", "string"]
    assert [c.type for c in input_columns(schema)] == ["string"] * 4  # no profile: text
