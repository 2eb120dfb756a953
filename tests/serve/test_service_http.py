"""Attacks on the generated service, from outside, over real HTTP to a real uvicorn: body size
(chunked too), the API key behind a proxy prefix, rows and field values, metrics cardinality
and several workers, and the model's hash pin."""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from tests.serve.helpers import Project, call, serve


def golden_record(project: Project) -> dict[str, object]:
    return json.loads((project.out / "tests" / "golden.json").read_text())["records"][0]


def send_chunked(port: int, path: str, total: int, chunk: int = 64 * 1024) -> int:
    """POST ``total`` bytes with ``Transfer-Encoding: chunked`` (no Content-Length); stop
    sending when the server closes; return the status it answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                     "\r\nTransfer-Encoding: chunked\r\n\r\n".encode())  # fmt: skip
        piece = b"[" + b" " * (chunk - 1)
        sent = 0
        try:
            while sent < total:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
                piece = b" " * chunk
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: what a limit should do
        answer = sock.recv(65536).decode(errors="replace")
    return int(answer.split(" ", 2)[1])


def test_a_chunked_body_over_the_limit_is_413_and_never_held_in_memory(project: Project) -> None:
    with serve(project, env={"MAX_BODY_BYTES": "2000"}) as server:
        before = server.rss_mb()
        assert send_chunked(server.port, "/v1/predict", 20_000) == 413
        assert send_chunked(server.port, "/v1/predict", 200 * 1024 * 1024) == 413
        assert server.rss_mb() - before < 20  # a 200 MiB body, not read


def test_every_v1_route_needs_the_key_behind_a_root_path(project: Project) -> None:
    keys = project.folder / "keys.txt"
    keys.write_text("old-key\nnew-key\n")
    env = {"API_KEY_FILE": str(keys)}
    record = golden_record(project)
    with serve(project, "--root-path", "/api", env=env) as server:
        # the proxy strips /api: uvicorn sees /v1/..., and the app's path is /api/v1/...
        for path, body in (("/v1/metadata", None), ("/v1/predict", record)):
            for headers in ({}, {"X-API-Key": "wrong"}):
                assert call(server.base + path, body, headers)[0] == 401, (path, headers)
                assert call(server.base + "/api" + path, body, headers)[0] in (401, 404)
        for key in ("old-key", "new-key"):
            status, _ = call(server.base + "/v1/predict", record, {"X-API-Key": key})
            assert status == 200
        assert call(server.base + "/openapi.json")[0] == 404
        assert call(server.base + "/healthz")[0] == 200


def test_300000_empty_records_get_a_small_answer_without_memory_growth(project: Project) -> None:
    body = ("[" + ",".join(["{}"] * 300_000) + "]").encode()
    with serve(project) as server:
        before = server.rss_mb()
        status, raw = call(server.base + "/v1/predict", raw=body)
        grown = server.rss_mb() - before
    assert status == 413 and len(raw) < 100_000, raw[:300]
    assert grown < 50


@pytest.mark.parametrize(
    ("field", "raw"),
    [("Fare", "NaN"), ("Fare", '"nan"'), ("Age", "Infinity"), ("Fare", "1e999"),
     ("Pclass", "9" * 400), ("Name", json.dumps("x" * 4_000_000))],
)  # fmt: skip
def test_values_that_are_not_numbers_or_too_big_are_422_naming_the_field(
    project: Project, service: str, field: str, raw: str
) -> None:
    record = {k: v for k, v in golden_record(project).items() if k != field}
    body = json.dumps(record)[:-1] + f", {json.dumps(field)}: {raw}}}"
    status, answer = call(service + "/v1/predict", raw=body.encode())
    assert status == 422, answer[:500]
    detail = json.loads(answer)["detail"]
    assert all(error["loc"][2] == field for error in detail)
    assert len(answer) < 5000


@pytest.fixture(scope="module")
def service(project: Project):
    with serve(project) as server:
        yield server.base


def series(base: str) -> set[str]:
    text = call(base + "/metrics")[1].decode()
    return {line.split(" ")[0] for line in text.splitlines() if line.startswith("http_")}


def test_500_requests_with_made_up_methods_add_no_series(project: Project, service: str) -> None:
    rng = random.Random(0)
    paths = ["/v1/predict", "/healthz", "/nope"]

    def request(method: str, path: str) -> None:
        with socket.create_connection(("127.0.0.1", int(service.rsplit(":", 1)[1]))) as sock:
            sock.sendall(
                f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
            sock.recv(4096)

    for path in paths:
        request("BREW", path)
    call(service + "/metrics")
    before = series(service)
    for _ in range(500):
        method = "".join(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(3, 60))
        )
        request(method, rng.choice([*paths[:2], f"/x{rng.random()}"]))
    assert series(service) == before


def test_metrics_add_up_over_several_workers(project: Project, tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    with serve(project, "--workers", "2", env=env) as server:
        for _ in range(40):
            assert call(server.base + "/healthz")[0] == 200
        text = call(server.base + "/metrics")[1].decode()
    wanted = 'http_requests_total{method="GET",path="/healthz",status="200"}'
    line = next(li for li in text.splitlines() if li.startswith(wanted))
    assert float(line.split()[-1]) >= 40  # every worker's, plus the readiness probes
    assert len(list(tmp_path.glob("*.db"))) >= 2  # both workers wrote their counts


def test_a_replaced_model_and_manifest_do_not_pass_the_pin(project: Project) -> None:
    copy = project.folder / "replaced"
    shutil.copytree(project.out, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    model = copy / "app" / "model" / "model.joblib"
    manifest_path = copy / "app" / "model" / "manifest.json"
    pin = json.loads(manifest_path.read_text())["model_sha256"]
    marker = project.folder / "payload-ran"
    payload = subprocess.run(
        [str(project.python), "-c",
         "import io, joblib, os, sys, hashlib\n"
         "class P:\n"
         "    def __reduce__(self):\n"
         f"        return (os.system, ('touch {marker}',))\n"
         f"joblib.dump(P(), {str(model)!r})\n"
         f"print(hashlib.sha256(open({str(model)!r}, 'rb').read()).hexdigest())"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    manifest = json.loads(manifest_path.read_text())
    manifest["model_sha256"] = payload.stdout.strip()
    manifest_path.write_text(json.dumps(manifest))
    uvicorn = project.python.with_name("uvicorn")
    started = subprocess.run(
        [str(uvicorn), "app.main:app", "--host", "127.0.0.1", "--port", "0"],
        cwd=copy, capture_output=True, text=True, timeout=120, check=False,
        env={"PATH": "/usr/bin:/bin", "MODEL_SHA256": pin},
    )  # fmt: skip
    assert started.returncode != 0
    assert "MODEL_SHA256" in started.stdout + started.stderr
    assert not marker.exists()
