"""Prometheus metrics (``prometheus_client``) and the JSON access log, kept by one ASGI
middleware around the application.

Label values are bounded whatever a client sends: the method is one of ``METHODS`` or
``other``, the path is the template of the route that matched (``/v1/predict``) or ``other``
(404s), the status is the one the service answered. With several uvicorn workers, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder shared by the workers: ``/metrics`` then
adds up every worker's counts.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

disable_created_metrics()  # no *_created series: half the lines, nothing a dashboard reads
REQUESTS = Counter("http_requests", "Requests by method, route and status code.",
                   ["method", "path", "status"])  # fmt: skip
ERRORS = Counter("http_request_errors", "Requests answered with a 5xx status.")
LATENCY = Histogram("http_request_duration_seconds",
                    "Time from a request's arrival to its answer, by route.",
                    ["path"], buckets=BUCKETS)  # fmt: skip
ROWS = Counter("predicted_rows", "Records predicted.")

access_log = logging.getLogger("service.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message, the record's fields, a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {"time": self.formatTime(record), "level": record.levelname,
                   "message": record.getMessage()}  # fmt: skip
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload)


def configure_access_log(level: str) -> None:
    """JSON lines on stdout, once per process."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        access_log.addHandler(handler)
        access_log.propagate = False
    access_log.setLevel(level)


def render(*extra: Any) -> tuple[bytes, str]:
    """The metrics in the Prometheus text format, every worker's in multiprocess mode (plus
    ``extra`` collectors of this process: the drift window's gauges)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        for collector in extra:
            registry.register(collector)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    own = CollectorRegistry()  # this application's collectors, outside the global registry
    for collector in extra:
        own.register(collector)
    body = generate_latest(REGISTRY) + (generate_latest(own) if extra else b"")
    return body, CONTENT_TYPE_LATEST


class Observe:
    """ASGI middleware: counts, times and logs every HTTP request; an unexpected error is
    logged with its traceback and answered ``500 {"detail": "internal error"}``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        sent = False

        async def send_and_watch(message: dict[str, Any]) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status, sent = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        except Exception:
            access_log.exception("unhandled error", extra={"fields": {"path": scope["path"]}})
            status = 500
            if sent:
                raise
            await _internal_error(send)
        finally:
            _record(scope, status, time.perf_counter() - started)


def _record(scope: dict[str, Any], status: int, seconds: float) -> None:
    route = scope.get("route")
    path = getattr(route, "path", None) or "other"
    method = scope["method"] if scope["method"] in METHODS else "other"
    REQUESTS.labels(method, path, str(status)).inc()
    LATENCY.labels(path).observe(seconds)
    if status >= 500:
        ERRORS.inc()
    if access_log.isEnabledFor(logging.INFO):
        access_log.info("request", extra={"fields": {
            "method": method, "route": path, "path": scope["path"][:256], "status": status,
            "ms": round(seconds * 1000, 3),
        }})  # fmt: skip


async def _internal_error(send: Any) -> None:
    body = b'{"detail":"internal error"}'
    await send({"type": "http.response.start", "status": 500,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})
