"""Helpers of ``tests/serve``: the generated project, and a real uvicorn serving it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    home: Path
    out: Path
    python: Path
    folder: Path
    install_log: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(url: str, body: object | None = None, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, bytes]:  # fmt: skip
    """(status, body bytes) of one request; ``raw`` is sent as the body as it is."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@dataclass(frozen=True)
class Server:
    base: str
    port: int
    process: subprocess.Popen[str]

    def rss_mb(self) -> float:
        """Resident memory of the uvicorn process (one worker runs in it), from /proc."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(status.split("VmRSS:")[1].split()[0]) / 1024


@contextmanager
def serve(project: Project, *args: str, env: dict[str, str] | None = None,
          folder: Path | None = None) -> Iterator[Server]:  # fmt: skip
    """A real uvicorn serving the project on 127.0.0.1, stopped afterwards."""
    port = free_port()
    uvicorn = project.python.with_name("uvicorn")
    process = subprocess.Popen(
        [str(uvicorn), "app.main:app", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=folder or project.out, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1", "LOG_LEVEL": "WARNING", **(env or {})},
    )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", port, process)
    try:
        end = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.communicate()[0][-3000:]
            try:
                if call(server.base + "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < end, "the service did not become ready"
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_served_as_predicted(body: dict, expected: object) -> None:
    """The service's ``/v1/predict`` answer equals ``automl predict``'s CSV (a data frame):
    the same labels, probabilities within 1e-9."""
    assert [int(p) for p in body["predictions"]] == expected["prediction"].tolist()  # type: ignore[index]
    for got, (_, want) in zip(body["probabilities"], expected.iterrows(), strict=True):  # type: ignore[attr-defined]
        assert abs(got["1"] - want["proba_1"]) <= 1e-9
        assert abs(got["0"] - want["proba_0"]) <= 1e-9
