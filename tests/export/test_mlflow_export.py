"""``automl export --format mlflow``, with a real MLflow: the folder loads with
``mlflow.pyfunc.load_model`` and predicts what ``automl predict`` predicts, missing values in
integer columns included; ``mlflow models predict`` works from the shell; ``--register``
creates a model version in a SQLite tracking store that loads and predicts the same."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import run_automl
from tests.export.conftest import Exported, export, mlflow_command, need_mlflow

need_mlflow()

import mlflow  # noqa: E402 - after the skip

TOLERANCE = 1e-9


def assert_same_predictions(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns)
    assert len(got) == len(expected)
    for column in expected.columns:
        if column == "prediction" and expected[column].dtype.kind not in "f":
            assert got[column].tolist() == expected[column].tolist()
        else:
            diff = np.abs(got[column].to_numpy(float) - expected[column].to_numpy(float))
            assert diff.max() <= TOLERANCE, (column, diff.max())


def read_rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


def read_typed(path: Path, model: mlflow.pyfunc.PyFuncModel) -> pd.DataFrame:
    """The rows read with the signature's dtypes, as MLflow reads a CSV (docs/mlflow.md)."""
    schema = model.metadata.get_input_schema()
    return pd.read_csv(
        path, dtype=dict(zip(schema.input_names(), schema.pandas_types(), strict=True))
    )


def test_pyfunc_predicts_what_automl_predict_does_with_missing_integers(
    classifier: Exported,
) -> None:
    rows = read_rows(classifier.rows)
    assert rows["Age"].isna().any() and rows["Fare"].isna().any()
    model = mlflow.pyfunc.load_model(str(classifier.out))
    got = model.predict(rows)
    assert_same_predictions(got, classifier.expected)
    assert set(got["prediction"]) <= {0, 1}


def test_regression_pyfunc_predicts_what_automl_predict_does(regressor: Exported) -> None:
    model = mlflow.pyfunc.load_model(str(regressor.out))
    rows = read_typed(regressor.rows, model)
    assert rows["LotFrontage"].isna().any() and rows["GarageYrBlt"].isna().any()
    got = model.predict(rows)
    assert list(got.columns) == ["prediction"]
    assert_same_predictions(got, regressor.expected)


def test_the_signature_keeps_integer_columns_with_missing_values_nullable(
    classifier: Exported, regressor: Exported
) -> None:
    inputs = mlflow.models.Model.load(str(classifier.out)).get_input_schema().input_dict()
    assert inputs["Age"].type.name == "double"  # integers with gaps: nullable
    assert inputs["Pclass"].type.name == "long"  # complete integers
    assert inputs["Sex"].type.name == "string"
    assert "PassengerId" not in inputs  # an identifier: not a model input
    regression = mlflow.models.Model.load(str(regressor.out)).get_input_schema().input_dict()
    for name in ("LotFrontage", "GarageYrBlt", "MasVnrArea"):
        assert regression[name].type.name == "double"
    assert regression["LotArea"].type.name == "long"
    columns = {c["name"]: c for c in classifier.export_json["inputs"]}
    assert columns["Age"]["nullable"] and columns["Age"]["takes_missing"]
    assert not columns["Pclass"]["takes_missing"]


def test_a_frame_cast_to_the_signature_types_predicts_the_same(classifier: Exported) -> None:
    """A complete row read by pandas has ``Age`` as int64, which MLflow will not take as
    double; cast to the signature's types (as ``mlflow models predict`` does), it predicts as
    ``automl predict``."""
    rows = read_rows(classifier.rows)
    complete = rows[rows["Age"].notna() & rows["Fare"].notna()].head(3)
    assert complete["Age"].astype("int64").eq(complete["Age"]).all()
    model = mlflow.pyfunc.load_model(str(classifier.out))
    with pytest.raises(mlflow.exceptions.MlflowException, match="Age"):
        model.predict(complete.astype({"Age": "int64"}))  # as pd.read_csv reads them alone
    schema = model.metadata.get_input_schema()
    typed = complete.astype(dict(zip(schema.input_names(), schema.pandas_types(), strict=True)))
    got = model.predict(typed)
    assert_same_predictions(got, classifier.expected.loc[complete.index].reset_index(drop=True))


def test_mlflow_models_predict_from_the_shell(classifier: Exported, tmp_path: Path) -> None:
    out = tmp_path / "predictions.json"
    done = subprocess.run(
        [*mlflow_command(), "models", "predict", "-m", str(classifier.out), "-i",
         str(classifier.rows), "-t", "csv", "--env-manager", "local", "-o", str(out)],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    got = pd.DataFrame(json.loads(out.read_text())["predictions"])
    assert_same_predictions(got, classifier.expected)


def test_the_input_example_holds_a_missing_integer_and_serves(
    classifier: Exported, tmp_path: Path
) -> None:
    """The serving example (MLflow's JSON request body) goes through MLflow's JSON parsing
    and schema enforcement, and predicts what the loaded model predicts for the example."""
    example_file = classifier.out / "serving_input_example.json"
    example = json.loads(example_file.read_text())["dataframe_split"]
    ages = [row[example["columns"].index("Age")] for row in example["data"]]
    assert any(age is None or age != age for age in ages)  # a missing Age: null or NaN
    answer = tmp_path / "answer.json"
    mlflow.models.predict(model_uri=str(classifier.out), input_path=str(example_file),
                          content_type="json", output_path=str(answer),
                          env_manager="local")  # fmt: skip
    got = pd.DataFrame(json.loads(answer.read_text())["predictions"])
    model = mlflow.pyfunc.load_model(str(classifier.out))
    assert_same_predictions(got, model.predict(model.input_example))
    assert len(got) == len(example["data"])


def test_the_folder_ships_the_wheel_and_hash_pinned_requirements(classifier: Exported) -> None:
    out = classifier.out
    lines = [
        line
        for line in (out / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    (wheel,) = (out / "wheels").glob("automl-*.whl")
    assert lines[0].startswith(f"./wheels/{wheel.name} --hash=sha256:")
    from automl.store.artifacts import sha256_of

    assert lines[0].endswith(sha256_of(wheel))
    names = {line.split("==")[0] for line in lines[1:]}
    for name in ("mlflow-skinny", "scikit-learn", "lightgbm", "catboost", "pandas", "optuna"):
        assert name in names
    for line in lines[1:]:
        assert "==" in line and " --hash=sha256:" in line and len(line.split(":")[-1]) == 64
    mlmodel = mlflow.models.Model.load(str(out))
    assert mlmodel.flavors["python_function"]["loader_module"] == "automl.export.pyfunc"
    assert mlmodel.metadata["automl"]["run_id"] == classifier.run_id
    assert (out / "python_env.yaml").read_text().count("-r requirements.txt") == 1


def test_a_modified_model_file_is_refused_at_load(classifier: Exported, tmp_path: Path) -> None:
    import shutil

    from automl.errors import DataError

    copy = tmp_path / "model"
    shutil.copytree(classifier.out, copy)
    model_file = copy / "data" / "model" / "model.joblib"
    model_file.write_bytes(model_file.read_bytes() + b"\0")
    with pytest.raises(DataError, match="does not match its recorded SHA-256"):
        mlflow.pyfunc.load_model(str(copy))


def test_register_creates_a_version_that_loads_and_predicts_the_same(
    classifier: Exported, tracking_uri: str, tmp_path: Path
) -> None:
    out = tmp_path / "registered"
    done = export(classifier.home, classifier.run_id, out, "--no-hashes",
                  "--register", "titanic", "--tracking-uri", tracking_uri)  # fmt: skip
    assert done.code == 0, done.stderr
    registered = json.loads(done.stdout)["registered"]
    assert registered["version"] == "1" and registered["model_uri"] == "models:/titanic/1"
    model = mlflow.pyfunc.load_model("models:/titanic/1")  # MLFLOW_TRACKING_URI: the store
    assert_same_predictions(model.predict(read_rows(classifier.rows)), classifier.expected)
    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    run = client.get_run(registered["mlflow_run_id"])
    assert run.data.tags["automl.run_id"] == classifier.run_id
    assert run.info.artifact_uri.startswith((tmp_path / "mlartifacts").as_uri())
    # the tracking URI from the environment this time
    again = export(classifier.home, classifier.run_id, out, "--no-hashes", "--force",
                   "--register", "titanic")  # fmt: skip
    assert again.code == 0, again.stderr
    assert json.loads(again.stdout)["registered"]["version"] == "2"
    assert not (tmp_path / "mlruns").exists()


def test_force_replaces_only_an_earlier_export(classifier: Exported, tmp_path: Path) -> None:
    out = tmp_path / "model"
    first = export(classifier.home, classifier.run_id, out, "--no-hashes")
    assert first.code == 0, first.stderr
    refused = export(classifier.home, classifier.run_id, out, "--no-hashes")
    assert refused.code == 2 and "not empty" in refused.stderr and "--force" in refused.stderr
    (out / "notes.txt").write_text("mine")
    kept = export(classifier.home, classifier.run_id, out, "--no-hashes", "--force")
    assert kept.code == 2 and "notes.txt" in kept.stderr
    (out / "notes.txt").unlink()
    replaced = export(classifier.home, classifier.run_id, out, "--no-hashes", "--force")
    assert replaced.code == 0, replaced.stderr
    assert (out / "MLmodel").is_file()
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "data.csv").write_text("a\n1\n")
    refused = export(classifier.home, classifier.run_id, foreign, "--no-hashes", "--force")
    assert refused.code == 2 and "was not written by automl export" in refused.stderr
    assert (foreign / "data.csv").read_text() == "a\n1\n"


def test_errors_name_the_problem_with_the_documented_exit_code(
    classifier: Exported, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    missing = export(classifier.home, "20000101-000000-dead", out)
    assert missing.code == 4 and "20000101-000000-dead" in missing.stderr
    unknown = run_automl("--home", classifier.home, "export", "--format", "onnx", "--out", out)
    assert unknown.code == 2 and "--format must be mlflow" in unknown.stderr
    no_uri = run_automl("--home", classifier.home, "export", "--format", "mlflow", "--out", out,
                        "--register", "m", env={"MLFLOW_TRACKING_URI": ""})  # fmt: skip
    assert no_uri.code == 2 and "--tracking-uri" in no_uri.stderr
    assert not out.exists()
    assert "Traceback" not in missing.stderr + unknown.stderr + no_uri.stderr


def test_an_unreachable_tracking_server_exits_3_without_its_password(
    classifier: Exported, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    done = run_automl("--home", classifier.home, "export", "--format", "mlflow", "--run",
                      classifier.run_id, "--out", out, "--no-hashes", "--register", "m",
                      "--tracking-uri", "http://user:s3cret@127.0.0.1:9/",
                      env={"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
                           "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"})  # fmt: skip
    assert done.code == 3, done.stderr
    assert "http://user:***@127.0.0.1:9/" in done.stderr and "s3cret" not in done.stderr
    assert "the export folder itself was written" in done.stderr
    assert (out / "MLmodel").is_file()


def test_without_mlflow_the_command_says_how_to_install_it(
    classifier: Exported, tmp_path: Path
) -> None:
    """``sys.modules['mlflow'] = None`` makes ``import mlflow`` fail as it does where MLflow is
    not installed; the rest is the real command."""
    code = (
        "import sys; sys.modules['mlflow'] = None; from automl.cli.app import main; "
        "sys.argv = ['automl'] + sys.argv[1:]; main()"
    )
    done = subprocess.run(
        [_python(), "-c", code, "--home", str(classifier.home), "export", "--format", "mlflow",
         "--run", classifier.run_id, "--out", str(tmp_path / "model")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert 'pip install "automl[mlflow]"' in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "model").exists()


def _python() -> str:
    import sys

    return sys.executable


def test_a_fresh_venv_from_the_folders_requirements_loads_and_predicts_the_same(
    classifier: Exported, tmp_path: Path
) -> None:
    """The folder is self-sufficient: a new virtual environment installed from its
    ``requirements.txt`` alone (``--require-hashes``: the automl wheel by path, MLflow and the
    rest from the package index) loads it with MLflow and predicts as ``automl predict``."""
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--require-hashes", "-r", "requirements.txt"],
        cwd=classifier.out, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    answer = tmp_path / "answer.csv"
    code = (
        "import sys, mlflow, pandas as pd; "
        "model = mlflow.pyfunc.load_model(sys.argv[1]); "
        "model.predict(pd.read_csv(sys.argv[2])).to_csv(sys.argv[3], index=False)"
    )
    done = subprocess.run(
        [str(python), "-c", code, str(classifier.out), str(classifier.rows), str(answer)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_predictions(pd.read_csv(answer), classifier.expected)
