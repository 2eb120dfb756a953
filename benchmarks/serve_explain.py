"""``serve_explain``: ``POST /v1/explain`` of the generated service against ``/v1/predict``.

The same service as ``serve_latency`` (a single LightGBM model fitted on telco_churn, rendered
by ``automl scaffold-serve``, one uvicorn worker on 127.0.0.1, ``OMP_NUM_THREADS=1``), and the
same way of measuring: single-record requests, sequential, on a kept-alive connection, after
a warm-up. Here ``/v1/explain`` (default top 5) and ``/v1/predict`` requests alternate, 1,000
of each, so that both see the same machine load. Target: the explain p99 at most twice the
predict p99.
"""

from __future__ import annotations

import http.client
import json
import os
import tempfile
from pathlib import Path

from benchmarks._result import BenchmarkError, Context, Figure, Result
from benchmarks.serve_latency import _free_port, _post, _prepare, _start

__all__ = ["run"]

SINGLE = 1000
WARM_UP = 50
TARGET_RATIO = 2.0


def _percentile(sorted_ms: list[float], share: float) -> float:
    return sorted_ms[max(0, int(len(sorted_ms) * share) - 1)]


def _loads(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in values)


def run(context: Context) -> Result:
    """Measure single-record latency of /v1/explain and /v1/predict, interleaved.

    Returns:
        p50 and p99 of each, and the ratio of the p99s (target at most 2).

    Raises:
        BenchmarkError: The fit, the scaffold or the service failed, or a request was not 200.
    """
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="automl-serve-explain-") as tmp:
        out, records = _prepare(Path(tmp))
        port = _free_port()
        server = _start(out, port)
        try:
            singles = [json.dumps(r).encode() for r in records]
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            timings: dict[str, list[float]] = {"/v1/predict": [], "/v1/explain": []}
            for i in range(WARM_UP + SINGLE):
                for path, kept in timings.items():
                    ms, status = _post(connection, singles[i % len(singles)], path)
                    if status != 200:
                        raise BenchmarkError(f"{path} answered {status}")
                    if i >= WARM_UP:
                        kept.append(ms)
        finally:
            server.terminate()
            server.wait(timeout=30)
    predict, explain = sorted(timings["/v1/predict"]), sorted(timings["/v1/explain"])
    ratio = _percentile(explain, 0.99) / _percentile(predict, 0.99)
    return Result(
        figures=(
            Figure("explain p50", _percentile(explain, 0.5), "ms"),
            Figure("explain p99", _percentile(explain, 0.99), "ms"),
            Figure("predict p50", _percentile(predict, 0.5), "ms"),
            Figure("predict p99", _percentile(predict, 0.99), "ms"),
            Figure("explain p99 / predict p99", ratio, "x", TARGET_RATIO),
        ),
        notes=(f"load average before: {_loads(load)}; after: {_loads(os.getloadavg())}",),
        details={"requests": 2 * SINGLE},
    )
