"""The service's own tests: golden predictions and explanations computed offline by the same
model, validation errors, limits, the API key, metrics, the model's hash pin and the
container's command."""

from __future__ import annotations

import json
import random
from pathlib import Path

import app.main as service
import pytest
from app.settings import Settings
from fastapi.testclient import TestClient

PROJECT = Path(__file__).resolve().parents[1]
GOLDEN = json.loads((PROJECT / "tests" / "golden.json").read_text())
RECORD = GOLDEN["records"][0]


def client_for(**settings: object) -> TestClient:
    return TestClient(service.create_app(Settings(**settings)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client():
    with client_for() as c:
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
        for got, want in zip(body["predictions"], GOLDEN["predictions"], strict=True):
            assert abs(got - want) <= 1e-9 * max(1.0, abs(want))
        return
    assert [str(p) for p in body["predictions"]] == [str(p) for p in GOLDEN["predictions"]]
    decision = GOLDEN.get("decision")
    metadata = client.get("/v1/metadata").json()["decision"]
    if decision is None:
        assert metadata is None
    else:  # the threshold automl predict applies, and the calibration
        assert metadata["threshold"] == decision["threshold"]
        assert metadata["calibrated"] == decision["calibrated"]
        positive = service.MANIFEST["classes"][-1]
        if decision["threshold"] is not None:
            for label, proba in zip(body["predictions"], body["probabilities"], strict=True):
                assert (str(label) == str(positive)) == (
                    proba[str(positive)] >= decision["threshold"]
                )
    for got, want in zip(body["probabilities"], GOLDEN["probabilities"], strict=True):
        assert got.keys() == want.keys()
        for key in want:
            assert abs(got[key] - want[key]) <= 1e-9


def test_golden_explanations(client: TestClient) -> None:
    golden = GOLDEN.get("explanations")
    if golden is None:
        pytest.skip("automl could not explain this model when the project was generated")
    response = client.post(f"/v1/explain?top={golden['top']}", json=GOLDEN["records"])
    assert response.status_code == 200, response.text
    body = response.json()
    for key in ("explained", "space", "method", "exact"):
        assert body[key] == golden[key]
    assert len(body["explanations"]) == len(GOLDEN["records"])
    for got, want in zip(body["explanations"], golden["explanations"], strict=True):
        assert str(got.get("class")) == str(want.get("class"))
        assert [c["column"] for c in got["contributions"]] == [
            c["column"] for c in want["contributions"]
        ]
        assert [c["value"] for c in got["contributions"]] == [
            c["value"] for c in want["contributions"]
        ]
        for key in ("base", "rest", "output"):
            assert abs(got[key] - want[key]) <= 1e-9 * max(1.0, abs(want[key]))
        for mine, theirs in zip(got["contributions"], want["contributions"], strict=True):
            assert abs(mine["contribution"] - theirs["contribution"]) <= 1e-9
        total = got["base"] + sum(c["contribution"] for c in got["contributions"]) + got["rest"]
        assert abs(total - got["output"]) <= body["max_error"] + 1e-9


def test_explain_bounds_top_and_names_the_class(client: TestClient) -> None:
    n = len(service.FEATURES)
    one = client.post("/v1/explain?top=1", json=RECORD)
    assert one.status_code == 200, one.text
    assert len(one.json()["explanations"][0]["contributions"]) == 1
    for top in (0, n + 1, "many"):
        answer = client.post(f"/v1/explain?top={top}", json=RECORD)
        assert answer.status_code == 422 and "top" in answer.text
    classes = service.MANIFEST["classes"]
    if classes:
        named = client.post(f"/v1/explain?class={classes[0]}", json=RECORD)
        assert named.status_code == 200 and named.json()["explanations"][0]["class"] == classes[0]
        wrong = client.post("/v1/explain?class=no-such-class", json=RECORD)
        assert wrong.status_code == 422 and "no-such-class" in wrong.text


def test_one_record_without_a_list(client: TestClient) -> None:
    response = client.post("/v1/predict", json=RECORD)
    assert response.status_code == 200 and len(response.json()["predictions"]) == 1


def test_null_means_missing_for_every_feature(client: TestClient) -> None:
    record = {name: None for name in RECORD}
    response = client.post("/v1/predict", json=[record, dict(RECORD)])
    assert response.status_code == 200, response.text
    for feature in service.FEATURES:
        if feature["role"] == "categorical" and feature["type"] == "string":
            unseen = dict(RECORD, **{feature["name"]: "a value never seen in training"})
            assert client.post("/v1/predict", json=unseen).status_code == 200


def test_an_absent_or_mistyped_field_is_one_422_naming_it(client: TestClient) -> None:
    name = service.FEATURES[0]["name"]
    record = {k: v for k, v in RECORD.items() if k != name}
    response = client.post("/v1/predict", json=record)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [name]  # no "valid list" error
    assert "input" not in json.dumps(response.json())  # the record is not echoed back
    numeric = [f for f in service.FEATURES if f["type"] == "number"]
    if numeric:
        record = dict(RECORD, **{numeric[0]["name"]: {"not": "a number"}})
        response = client.post("/v1/predict", json=record)
        assert response.status_code == 422 and numeric[0]["name"] in response.text


@pytest.mark.parametrize("raw", ["NaN", '"nan"', "Infinity", "-Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_422_naming_the_field(client: TestClient, raw: str) -> None:
    numeric = [f["name"] for f in service.FEATURES if f["type"] in ("number", "number or text")]
    if not numeric:
        pytest.skip("the model has no numeric feature")
    body = json.dumps(RECORD)[:-1] + f", {json.dumps(numeric[0])}: {raw}}}"
    json_type = {"content-type": "application/json"}
    response = client.post("/v1/predict", content=body, headers=json_type)
    assert response.status_code == 422, response.text
    assert numeric[0] in response.text


def test_a_huge_code_or_string_is_422_naming_the_field(client: TestClient) -> None:
    for feature in service.FEATURES:
        name = feature["name"]
        if feature["type"] == "code":
            body = json.dumps(RECORD)[:-1] + f", {json.dumps(name)}: {'9' * 400}}}"
            response = client.post("/v1/predict", content=body,
                                   headers={"content-type": "application/json"})  # fmt: skip
            assert response.status_code == 422 and name in response.text
        if feature["type"] in ("string", "code", "date", "number or text"):
            response = client.post("/v1/predict", json=dict(RECORD, **{name: "x" * 4_000_000}))
            assert response.status_code == 422 and name in response.text
            assert len(response.content) < 10_000  # the string is not echoed back


def test_rows_are_bounded_before_they_are_validated() -> None:
    with client_for(max_rows=1000, max_body_bytes=10_000_000) as c:
        response = c.post("/v1/predict", content="[" + ",".join(["{}"] * 300_000) + "]",
                          headers={"content-type": "application/json"})  # fmt: skip
        assert response.status_code == 413
        assert len(response.content) < 1000
        assert "300000 records exceed the limit of 1000" in response.text
        many = c.post("/v1/predict", json=[{}] * 500)
        assert many.status_code == 422 and len(many.json()["detail"]) == 20
        assert many.json()["error_count"] == 500 * len(service.FEATURES)


def test_the_body_limit_holds_for_chunked_bodies_too() -> None:
    big = json.dumps([RECORD] * 200).encode()
    with client_for(max_body_bytes=2000) as c:
        assert c.post("/v1/predict", content=big,
                      headers={"content-type": "application/json"}).status_code == 413  # fmt: skip
        chunks = (big[i : i + 500] for i in range(0, len(big), 500))  # no Content-Length
        response = c.post("/v1/predict", content=chunks,
                          headers={"content-type": "application/json"})  # fmt: skip
        assert response.status_code == 413
        counted = c.get("/metrics").text
        assert 'path="/v1/predict",status="413"' in counted and 'status="500"' not in counted


def test_every_v1_route_needs_one_of_the_keys() -> None:
    application = service.create_app(Settings(api_keys=("old-key", "new-key")))
    paths = {p: ops for p, ops in application.openapi()["paths"].items() if p.startswith("/v1/")}
    assert len(paths) >= 2
    with TestClient(application) as c:
        for path, operations in paths.items():
            for method in operations:
                for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
                    kwargs = {"json": RECORD} if method == "post" else {}
                    answer = c.request(method.upper(), path, headers=headers, **kwargs)
                    assert answer.status_code == 401
        for key in ("old-key", "new-key"):
            ok = c.post("/v1/predict", json=RECORD, headers={"X-API-Key": key})
            assert ok.status_code == 200
        assert c.get("/healthz").status_code == 200
        for page in ("/docs", "/redoc", "/openapi.json"):
            assert c.get(page).status_code == 404
    with client_for(api_keys=("k",), expose_docs=True) as c:
        assert c.get("/openapi.json").status_code == 200


def test_the_key_holds_when_the_app_is_mounted_under_a_prefix() -> None:
    from fastapi import FastAPI

    parent = FastAPI()
    parent.mount("/api", service.create_app(Settings(api_keys=("k",))))
    with TestClient(parent) as c:
        for headers in ({}, {"X-API-Key": "wrong"}):
            assert c.get("/api/v1/metadata", headers=headers).status_code == 401
            assert c.post("/api/v1/predict", json=RECORD, headers=headers).status_code == 401
        assert c.get("/api/v1/metadata", headers={"X-API-Key": "k"}).status_code == 200


def test_metrics_series_stay_bounded_whatever_the_method_or_path(client: TestClient) -> None:
    def series() -> set[str]:
        text = client.get("/metrics").text
        return {line.split(" ")[0] for line in text.splitlines() if line.startswith("http_")}

    rng = random.Random(0)
    paths = ["/v1/predict", "/healthz", "/no-such-page"]
    for path in paths:  # the first request of a kind adds its series; no later one may
        client.request("BREW", path)
    client.get("/metrics")
    before = series()
    for _ in range(500):
        length = rng.randint(3, 40)
        method = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(length))
        client.request(method, rng.choice([*paths[:2], f"/x{rng.random()}"]))
    after = series()
    assert after == before
    assert 'http_requests_total{method="other",path="/v1/predict",status="405"}' in "\n".join(
        line for line in client.get("/metrics").text.splitlines()
    )


def test_a_wrong_model_sha256_pin_stops_the_start() -> None:
    with pytest.raises(RuntimeError, match="MODEL_SHA256"), client_for(model_sha256="0" * 64):
        pass
    with client_for(model_sha256=service.MANIFEST["model_sha256"]) as c:
        assert c.get("/readyz").status_code == 200


def test_the_container_limits_concurrency_and_shuts_down_gracefully() -> None:
    docker = (PROJECT / "Dockerfile").read_text()
    command = json.loads(docker.split("\nCMD ", 1)[1].splitlines()[0])
    assert "--limit-concurrency" in command and "--timeout-graceful-shutdown" in command
    assert "USER app" in docker
    readme = (PROJECT / "README.md").read_text()
    assert "-p 127.0.0.1:8000:8000" in readme and "API_KEY" in readme


def test_the_service_watches_its_inputs() -> None:
    if not service.MANIFEST.get("monitored"):
        pytest.skip("the run saved no drift reference")
    with client_for(drift_window=50) as c:
        assert c.get("/v1/drift").status_code == 409  # nothing seen yet
        numeric = [f["name"] for f in service.FEATURES if f["type"] == "number"]
        strange = [{**RECORD, **{name: 1e12 for name in numeric[:1]}}]
        answer = c.post("/v1/predict", json=GOLDEN["records"] + strange).json()
        if numeric:
            assert {"record": len(GOLDEN["records"]), "column": numeric[0],
                    "kind": "out_of_range"} in answer["warnings"]  # fmt: skip
        drift = c.get("/v1/drift").json()
        assert drift["verdict"] in ("none", "warn", "drift") and drift["window"] == 50
        assert drift["n_rows"] == len(GOLDEN["records"]) + 1
        text = c.get("/metrics").text
        assert "feature_psi{" in text and "drift_window_records" in text
        if numeric:
            assert f'input_contract_violations_total{{column="{numeric[0]}"' in text
