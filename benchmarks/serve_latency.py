"""``serve_latency``: the generated prediction service under load, over loopback.

Fits a single LightGBM model on telco_churn (``--models lightgbm --no-ensemble``), renders it
with ``automl scaffold-serve``, starts it with one uvicorn worker on 127.0.0.1 and measures:
single-record latency (p50, p99 of 1,000 sequential requests on a kept-alive connection), a
100-record batch (median of 100 requests), and throughput with 8 concurrent clients for 20 s,
counting 5xx answers. Targets: p50 under 10 ms, p99 under 30 ms, no 5xx.

Side by side, a second server of the same project runs with ``DRIFT_WINDOW=0`` (no input
contract, no drift window): 2,000 single-record requests alternate between the two, and the
monitored service's p50 and p99 must be within 10% of the unmonitored one's.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks._datasets import DATASETS
from benchmarks._process import find_automl, run_child
from benchmarks._result import BenchmarkError, Context, Figure, Result

__all__ = ["run"]

SINGLE = 1000
BATCHES = 100
CLIENTS = 8
LOAD_SECONDS = 20.0
SIDE_BY_SIDE = 2000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(
    connection: http.client.HTTPConnection, body: bytes, path: str = "/v1/predict"
) -> tuple[float, int]:
    started = time.perf_counter()
    connection.request("POST", path, body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    return (time.perf_counter() - started) * 1000.0, response.status


def _prepare(folder: Path) -> tuple[Path, list[dict[str, object]]]:
    automl = find_automl()
    home = folder / "home"
    fit = run_child([automl, "--home", str(home), "fit", str(DATASETS / "telco_churn.csv"),
                     "--target", "Churn", "--models", "lightgbm", "--no-ensemble",
                     "--n-trials", "6", "--n-jobs", "1"], timeout=900)  # fmt: skip
    if fit.returncode != 0:
        raise BenchmarkError(f"fit failed: {fit.stderr[-800:]}")
    out = folder / "service"
    # --no-hashes: the lock's hashes change no latency, and need the package index
    scaffold = run_child([automl, "--home", str(home), "scaffold-serve", "--out", str(out),
                          "--no-hashes"], timeout=300)  # fmt: skip
    if scaffold.returncode != 0:
        raise BenchmarkError(f"scaffold-serve failed: {scaffold.stderr[-800:]}")
    records = json.loads((out / "tests" / "golden.json").read_text())["records"]
    return out, records


def _wait_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 120
    while time.monotonic() < end:
        if server.poll() is not None:
            raise BenchmarkError("the service exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/readyz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise BenchmarkError("the service did not become ready in 120 s")


def _start(out: Path, port: int, **extra: str) -> subprocess.Popen[bytes]:
    """The service in ``out`` under one uvicorn worker on 127.0.0.1:``port``, once ready."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
           "LOG_LEVEL": "WARNING", **extra}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning"],
        cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_ready(port, server)
    except BaseException:
        server.terminate()
        server.wait(timeout=30)
        raise
    return server


def _load(port: int, bodies: list[bytes]) -> tuple[int, int, int]:
    """8 clients for 20 s; returns (requests, non-2xx, 5xx)."""
    counts = {"requests": 0, "errors": 0, "server_errors": 0}
    lock = threading.Lock()
    end = time.monotonic() + LOAD_SECONDS

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = offset
        while time.monotonic() < end:
            _, status = _post(connection, bodies[i % len(bodies)])
            i += 1
            with lock:
                counts["requests"] += 1
                counts["errors"] += status >= 300
                counts["server_errors"] += status >= 500

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts["requests"], counts["errors"], counts["server_errors"]


def _side_by_side(out: Path, singles: list[bytes], port: int) -> tuple[list[float], list[float]]:
    """Single-record latencies of the monitored service (on ``port``) and of the same project
    with ``DRIFT_WINDOW=0``, requests alternating between the two."""
    bare_port = _free_port()
    bare = _start(out, bare_port, DRIFT_WINDOW="0")
    try:
        watched = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        plain = http.client.HTTPConnection("127.0.0.1", bare_port, timeout=30)
        for i in range(50):
            _post(plain, singles[i % len(singles)])
        on: list[float] = []
        off: list[float] = []
        for i in range(SIDE_BY_SIDE):
            body = singles[i % len(singles)]
            first, second = (watched, plain) if i % 2 else (plain, watched)
            a, b = _post(first, body)[0], _post(second, body)[0]
            (on if first is watched else off).append(a)
            (off if first is watched else on).append(b)
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    return sorted(on), sorted(off)


def run(context: Context) -> Result:
    """Measure the service's latency and throughput.

    Returns:
        Single-record p50/p99, batch median, requests per second, 5xx count.
    """
    with tempfile.TemporaryDirectory(prefix="automl-serve-bench-") as tmp:
        out, records = _prepare(Path(tmp))
        port = _free_port()
        server = _start(out, port)
        try:
            singles = [json.dumps(r).encode() for r in records]
            batch = json.dumps([records[i % len(records)] for i in range(100)]).encode()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for i in range(50):
                _post(connection, singles[i % len(singles)])
            single = sorted(_post(connection, singles[i % len(singles)])[0] for i in range(SINGLE))
            batches = [_post(connection, batch)[0] for _ in range(BATCHES)]
            print("serve_latency: 8 clients for 20 s ...", file=sys.stderr)
            requests, errors, server_errors = _load(port, singles)
            print("serve_latency: monitored against DRIFT_WINDOW=0 ...", file=sys.stderr)
            on, off = _side_by_side(out, singles, port)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return Result(
        figures=(
            Figure("single record p50", single[len(single) // 2], "ms", 10.0),
            Figure("single record p99", single[int(len(single) * 0.99) - 1], "ms", 30.0),
            Figure("100-record batch median", statistics.median(batches), "ms"),
            Figure("throughput, 8 clients", requests / LOAD_SECONDS, "req/s"),
            Figure("non-2xx answers under load", errors, ""),
            Figure("5xx answers under load", server_errors, "", 0.5),
            Figure("monitored p50 / unmonitored p50", _pct(on, 50) / _pct(off, 50), "x", 1.10),
            Figure("monitored p99 / unmonitored p99", _pct(on, 99) / _pct(off, 99), "x", 1.10),
        ),
        details={
            "requests": requests,
            "monitored_ms": [_pct(on, 50), _pct(on, 99)],
            "unmonitored_ms": [_pct(off, 50), _pct(off, 99)],
        },
    )


def _pct(sorted_ms: list[float], q: int) -> float:
    """The q-th percentile of sorted latencies (nearest rank)."""
    return sorted_ms[max(0, int(len(sorted_ms) * q / 100) - 1)]
