"""The service's own tests: golden predictions computed offline by the same model, validation
errors, health, metadata, metrics, limits and the API key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import app.main as service

GOLDEN = json.loads((Path(__file__).parent / "golden.json").read_text())


@pytest.fixture(scope="module")
def client():
    with TestClient(service.app) as c:
        yield c


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["model_version"] == GOLDEN["run_id"]


def test_golden_predictions(client: TestClient) -> None:
    response = client.post("/v1/predict", json=GOLDEN["records"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == GOLDEN["run_id"]
    if service.MANIFEST["task"] == "regression":
        for got, want in zip(body["predictions"], GOLDEN["predictions"]):
            assert abs(got - want) <= 1e-9 * max(1.0, abs(want))
        return
    assert [str(p) for p in body["predictions"]] == [str(p) for p in GOLDEN["predictions"]]
    for got, want in zip(body["probabilities"], GOLDEN["probabilities"]):
        assert got.keys() == want.keys()
        for key in want:
            assert abs(got[key] - want[key]) <= 1e-9


def test_one_record_without_a_list(client: TestClient) -> None:
    response = client.post("/v1/predict", json=GOLDEN["records"][0])
    assert response.status_code == 200 and len(response.json()["predictions"]) == 1


def test_a_missing_or_mistyped_field_is_422_naming_it(client: TestClient) -> None:
    required = [f for f in service.FEATURES if not f["nullable"]]
    record = dict(GOLDEN["records"][0])
    if required:
        name = required[0]["name"]
        record.pop(name)
        response = client.post("/v1/predict", json=record)
        assert response.status_code == 422
        assert name in json.dumps(response.json())
    numeric = [f for f in service.FEATURES if f["type"] == "number"]
    if numeric:
        record = dict(GOLDEN["records"][0])
        record[numeric[0]["name"]] = {"not": "a number"}
        response = client.post("/v1/predict", json=record)
        assert response.status_code == 422
        assert numeric[0]["name"] in json.dumps(response.json())


def test_unseen_category_and_missing_values_are_accepted(client: TestClient) -> None:
    record = dict(GOLDEN["records"][0])
    for feature in service.FEATURES:
        if feature["role"] == "categorical" and feature["type"] == "string":
            record[feature["name"]] = "a value never seen in training"
        if feature["nullable"]:
            record[feature["name"]] = None
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 200, response.text


def test_metadata_and_metrics(client: TestClient) -> None:
    meta = client.get("/v1/metadata").json()
    assert meta["run_id"] == GOLDEN["run_id"] and meta["features"]
    text = client.get("/metrics").text
    assert "http_requests_total" in text and "http_request_duration_seconds_bucket" in text


def test_limits_and_api_key(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_ROWS", 2)
    assert client.post("/v1/predict", json=GOLDEN["records"][:3]).status_code == 413
    monkeypatch.setattr(service, "MAX_BODY_BYTES", 10)
    assert client.post("/v1/predict", json=GOLDEN["records"][:1]).status_code == 413
    monkeypatch.setattr(service, "MAX_BODY_BYTES", 10**7)
    monkeypatch.setattr(service, "API_KEY", "secret")
    assert client.post("/v1/predict", json=GOLDEN["records"][:1]).status_code == 401
    ok = client.post("/v1/predict", json=GOLDEN["records"][:1], headers={"X-API-Key": "secret"})
    assert ok.status_code == 200
