"""``scaffold-serve``: render the service for a real run, install its pinned requirements in a
fresh virtual environment, run its own tests, then serve it with uvicorn on 127.0.0.1 and
compare its answers with ``automl predict`` over real HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import dataset, run_automl

ROWS = 20


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("serve")
    home = folder / "home"
    train = dataset("titanic").path
    fitted = run_automl("--home", home, "fit", train, "--target", "Survived", "--n-trials", "4",
                        "--n-jobs", "1")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    out = folder / "service"
    result = run_automl("--home", home, "scaffold-serve", "--out", out, "--json")
    assert result.code == 0, result.stderr
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", "requirements-test.txt"],
        cwd=out, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    return {"home": home, "out": out, "python": python, "folder": folder}


def test_the_generated_project_passes_its_own_tests(project: dict[str, Path]) -> None:
    result = subprocess.run(
        [str(project["python"]), "-m", "pytest", "-q"],
        cwd=project["out"], capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_project_files_pins_and_docker(project: dict[str, Path]) -> None:
    out = project["out"]
    pins = (out / "requirements.txt").read_text()
    for name in ("lightgbm==", "scikit-learn==", "pandas==", "catboost==", "automl=="):
        assert name in pins
    assert list((out / "wheels").glob("automl-*.whl"))
    docker = (out / "Dockerfile").read_text()
    assert "-slim" in docker and "USER app" in docker and "HEALTHCHECK" in docker
    assert "curl" in (out / "README.md").read_text()


def test_refuses_a_non_empty_folder_and_a_tampered_model(project: dict[str, Path]) -> None:
    again = run_automl("--home", project["home"], "scaffold-serve", "--out", project["out"])
    assert again.code == 2 and "--force" in again.stderr
    (run_dir,) = (project["home"] / "default").iterdir()
    model = run_dir / "model.joblib"
    original = model.read_bytes()
    try:
        model.write_bytes(original + b"tampered")
        out = project["folder"] / "other"
        result = run_automl("--home", project["home"], "scaffold-serve", "--out", out)
        assert result.code == 3 and "SHA-256" in result.stderr
    finally:
        model.write_bytes(original)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, body: object | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_served_predictions_equal_automl_predict(project: dict[str, Path]) -> None:
    port = free_port()
    uvicorn = project["python"].with_name("uvicorn")
    server = subprocess.Popen(
        [str(uvicorn), "app.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=project["out"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.communicate()[0][-3000:]
            try:
                if call(base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < end, "the service did not become ready"
            time.sleep(0.5)
        assert call(base + "/healthz") == (200, {"status": "ok"})

        rows = pd.read_csv(dataset("titanic").path).head(ROWS)
        csv = project["folder"] / "rows.csv"
        rows.to_csv(csv, index=False)
        expected_path = project["folder"] / "expected.csv"
        predicted = run_automl("--home", project["home"], "predict", csv, "--output",
                               expected_path)  # fmt: skip
        assert predicted.code == 0, predicted.stderr
        expected = pd.read_csv(expected_path)
        records = json.loads(rows.drop(columns=["Survived"]).to_json(orient="records"))
        status, body = call(base + "/v1/predict", records)
        assert status == 200, body
        assert [int(p) for p in body["predictions"]] == expected["prediction"].tolist()
        for got, (_, want) in zip(body["probabilities"], expected.iterrows(), strict=True):
            assert abs(got["1"] - want["proba_1"]) <= 1e-9
            assert abs(got["0"] - want["proba_0"]) <= 1e-9

        broken = dict(records[0])
        broken.pop("Fare")
        status, body = call(base + "/v1/predict", broken)
        assert status == 422 and "Fare" in json.dumps(body)
        broken = dict(records[0], Age="old")
        status, body = call(base + "/v1/predict", broken)
        assert status == 422 and "Age" in json.dumps(body)
    finally:
        server.terminate()
        server.wait(timeout=30)
