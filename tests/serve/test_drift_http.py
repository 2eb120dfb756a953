"""The generated service watches itself, served by a real uvicorn on 127.0.0.1: replaying the
training file leaves the PSI gauge of Fare under 0.1; replaying it with Fare shifted by half a
standard deviation moves that gauge past 0.2, counts out-of-range values in the contract
metric, and ``GET /v1/drift`` gives the verdict ``automl drift --json`` gives."""

from __future__ import annotations

import json
import re

import pandas as pd

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project, call, serve


def _records(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.drop(columns=["Survived"]).to_json(orient="records"))


def _gauge(text: str, column: str) -> float:
    found = re.search(rf'^feature_psi{{column="{column}"}} (\S+)$', text, re.MULTILINE)
    assert found, text[-2000:]
    return float(found.group(1))


def test_the_psi_gauge_moves_on_a_shifted_replay_only(project: Project, tmp_path) -> None:
    frame = pd.read_csv(dataset("titanic").path)
    shifted = frame.assign(Fare=frame["Fare"] + 0.5 * frame["Fare"].std())
    for rows, low in ((frame, True), (shifted, False)):
        with serve(project, env={"DRIFT_WINDOW": "2000"}) as server:
            records = _records(rows)
            for start in range(0, len(records), 200):
                status, body = call(server.base + "/v1/predict", records[start : start + 200])
                assert status == 200, body[:500]
            metrics = call(server.base + "/metrics")[1].decode()
            assert f"drift_window_records {float(len(records))}" in metrics
            fare = _gauge(metrics, "Fare")
            counted = re.search(r'^input_contract_violations_total{column="Fare",'
                                r'kind="out_of_range"} (\S+)$', metrics, re.MULTILINE)  # fmt: skip
            status, raw = call(server.base + "/v1/drift")
            assert status == 200, raw[:500]
            document = json.loads(raw)
        if low:
            assert fare < 0.1 and counted is None
            # no column moved (the predictions may: on its own training rows the model is
            # surer than out of fold)
            assert all(c["severity"] == "none" for c in document["columns"]), document["reasons"]
        else:
            assert fare > 0.2 and counted and float(counted.group(1)) >= 1
            assert document["verdict"] == "drift" and document["columns"][0]["name"] == "Fare"
            path = tmp_path / "shifted.csv"
            shifted.drop(columns=["Survived"]).to_csv(path, index=False)
            cli = run_automl("--home", project.home, "drift", path, "--json")
            assert cli.code == 0, cli.stderr
            offline = json.loads(cli.stdout)
            assert offline["verdict"] == document["verdict"]
            assert abs(offline["columns"][0]["psi"] - document["columns"][0]["psi"]) < 1e-6
