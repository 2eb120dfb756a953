"""The generated service decides as ``automl predict`` does: the run's threshold (``fit
--decision f1``) and calibration, shown in ``/v1/metadata``, over real HTTP to a real
uvicorn."""

from __future__ import annotations

import json

import pandas as pd

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project, call, serve

ROWS = 120


def test_served_predictions_equal_automl_predict(project: Project) -> None:
    rows = pd.read_csv(dataset("titanic").path).head(ROWS)
    csv = project.folder / "decision-rows.csv"
    rows.to_csv(csv, index=False)
    out = project.folder / "decision-predicted.csv"
    result = run_automl("--home", project.home, "predict", csv, "--output", out, "--json")
    assert result.code == 0, result.stderr
    applied = json.loads(result.stdout)["decision"]
    assert applied["rule"] == "f1" and applied["threshold"] != 0.5
    expected = pd.read_csv(out)
    records = json.loads(rows.drop(columns=["Survived"]).to_json(orient="records"))
    with serve(project) as server:
        status, raw = call(server.base + "/v1/predict", records)
        metadata = json.loads(call(server.base + "/v1/metadata")[1])["decision"]
    assert status == 200, raw[:500]
    body = json.loads(raw)
    assert metadata["threshold"] == applied["threshold"]
    assert metadata["calibrated"] == applied["calibrated"]
    assert [int(p) for p in body["predictions"]] == expected["prediction"].tolist()
    served = [row["1"] for row in body["probabilities"]]
    assert max(abs(a - b) for a, b in zip(served, expected["proba_1"], strict=True)) < 1e-9
    applied_by_hand = [int(p >= applied["threshold"]) for p in served]
    assert [int(p) for p in body["predictions"]] == applied_by_hand
