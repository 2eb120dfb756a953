"""``POST /v1/explain`` of the generated service, over real HTTP to a real uvicorn: the same
answers as ``automl explain --top`` for the same rows (gaps included), behind the same API key
and body limit as ``/v1/predict``."""

from __future__ import annotations

import json

import pandas as pd

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project, call, serve

ROWS = 20
TOP = 4
KEY = {"X-API-Key": "explain-key"}


def same_cell(value: object, text: str) -> bool:
    """A JSON value of the service against the cell as written in the CSV (numbers as
    numbers: the service answers 3 for a code the file writes 3.0)."""
    if value is None:
        return text == ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(text) == value
    return str(value) == text


def test_served_explanations_equal_automl_explain(project: Project) -> None:
    rows = pd.read_csv(dataset("titanic").path).head(ROWS)
    rows.loc[0:4, "Fare"] = None  # Fare had no gap in training
    rows.loc[3:8, "Sex"] = None
    csv = project.folder / "explain-rows.csv"
    rows.to_csv(csv, index=False)
    out = project.folder / "explained.csv"
    result = run_automl("--home", project.home, "explain", csv, "--output", out, "--top",
                        str(TOP), "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    summary = json.loads(result.stdout)
    expected = pd.read_csv(out, dtype=str, keep_default_na=False)
    records = json.loads(rows.drop(columns=["Survived"]).to_json(orient="records"))
    with serve(project, env={"API_KEY": KEY["X-API-Key"]}) as server:
        url = f"{server.base}/v1/explain?top={TOP}"
        for headers in ({}, {"X-API-Key": "wrong"}):
            assert call(url, records, headers)[0] == 401
        status, raw = call(url, records, KEY)
        features = json.loads(call(server.base + "/v1/metadata", None, KEY)[1])["features"]
        every = f"{server.base}/v1/explain?top={len(features)}"
        whole = json.loads(call(every, records[4], KEY)[1])["explanations"][0]
    assert status == 200, raw[:500]
    body = json.loads(raw)
    for key in ("explained", "space", "method", "exact"):
        assert body[key] == summary[key]
    assert len(body["explanations"]) == len(expected) == ROWS
    for got, (_, want) in zip(body["explanations"], expected.iterrows(), strict=True):
        assert str(got["class"]) == want["class"]
        for key in ("base", "rest", "output"):
            assert abs(got[key] - float(want[key])) <= 1e-9 * max(1.0, abs(got[key]))
        assert len(got["contributions"]) == TOP
        for i, item in enumerate(got["contributions"], start=1):
            assert item["column"] == want[f"top{i}_column"]
            assert abs(item["contribution"] - float(want[f"top{i}_contribution"])) <= 1e-9
            assert same_cell(item["value"], want[f"top{i}_value"])
    cells = {c["column"]: c["value"] for c in whole["contributions"]}
    assert len(cells) == len(features) and cells["Sex"] is None and cells["Fare"] is None
    assert abs(whole["rest"]) < 1e-9 and cells["Name"] == records[4]["Name"]


def test_explain_has_predicts_body_limit_and_bounds_top(project: Project) -> None:
    record = json.loads((project.out / "tests" / "golden.json").read_text())["records"][0]
    with serve(project, env={"MAX_BODY_BYTES": "4000"}) as server:
        status, _ = call(server.base + "/v1/explain", [record] * 40)
        assert status == 413
        status, raw = call(server.base + "/v1/explain?top=1000", record)
        assert status == 422 and b"top" in raw
        status, raw = call(server.base + "/v1/explain", record)
        assert status == 200 and len(json.loads(raw)["explanations"][0]["contributions"]) == 5
