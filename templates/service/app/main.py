"""The prediction service: loads the model once (after checking its SHA-256) and serves
predictions over HTTP.

Settings (environment variables):
    API_KEY         when set, every /v1/* request needs the header ``X-API-Key: <value>``
    MAX_ROWS        most records in one /v1/predict request (default 1000)
    MAX_BODY_BYTES  largest request body accepted (default 5 MiB); larger gets 413
    LOG_LEVEL       access-log level (default INFO)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from app.metrics import Metrics
from app.schema import FEATURES, Record

MODEL_DIR = Path(__file__).resolve().parent / "model"
MANIFEST: dict[str, Any] = json.loads((MODEL_DIR / "manifest.json").read_text())
MAX_ROWS = int(os.environ.get("MAX_ROWS", "1000"))
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", str(5 * 1024 * 1024)))
API_KEY = os.environ.get("API_KEY") or None

metrics = Metrics()
state: dict[str, Any] = {}


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {"time": self.formatTime(record), "level": record.levelname,
                   "message": record.getMessage()}
        payload.update(getattr(record, "fields", {}))
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload)


access_log = logging.getLogger("service.access")
if not access_log.handlers:
    _handler = logging.StreamHandler(sys.stdout)
    _handler.setFormatter(_JsonFormatter())
    access_log.addHandler(_handler)
    access_log.setLevel(os.environ.get("LOG_LEVEL", "INFO"))
    access_log.propagate = False


def load_model() -> Any:
    """Unpickle the model, but only if its SHA-256 is the one recorded at training."""
    import joblib

    path = MODEL_DIR / "model.joblib"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != MANIFEST["model_sha256"]:
        raise RuntimeError(
            f"{path} has SHA-256 {digest}, expected {MANIFEST['model_sha256']}: refusing to load"
        )
    return joblib.load(path)


@asynccontextmanager
async def lifespan(app: FastAPI):  # noqa: ANN201
    state["model"] = load_model()
    yield
    state.clear()


app = FastAPI(title=f"automl model {MANIFEST['run_id']}", version=MANIFEST["run_id"],
              lifespan=lifespan)


@app.middleware("http")
async def guard_and_log(request: Request, call_next):  # noqa: ANN001, ANN201
    started = time.perf_counter()
    path = request.url.path
    if path.startswith("/v1/") and API_KEY is not None:
        if request.headers.get("x-api-key") != API_KEY:
            response = JSONResponse({"detail": "missing or wrong X-API-Key header"}, 401)
            return _finish(request, response, started)
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        response = JSONResponse(
            {"detail": f"request body of {length} bytes exceeds {MAX_BODY_BYTES}"}, 413
        )
        return _finish(request, response, started)
    try:
        response = await call_next(request)
    except Exception:  # noqa: BLE001 - answer 500 and count it, never crash the server
        access_log.exception("unhandled error", extra={"fields": {"path": path}})
        response = JSONResponse({"detail": "internal error"}, 500)
    return _finish(request, response, started)


def _finish(request: Request, response: Any, started: float) -> Any:
    seconds = time.perf_counter() - started
    route = request.url.path if request.url.path in _ROUTES else "other"
    metrics.observe(request.method, route, response.status_code, seconds)
    access_log.info(
        "request",
        extra={"fields": {"method": request.method, "path": request.url.path,
                          "status": response.status_code, "ms": round(seconds * 1000, 3)}},
    )
    return response


@app.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@app.get("/readyz")
def readyz() -> Any:
    """The model is loaded and the service can predict."""
    if "model" not in state:
        return JSONResponse({"status": "loading"}, 503)
    return {"status": "ready", "model_version": MANIFEST["run_id"]}


@app.get("/v1/metadata")
def metadata() -> dict[str, Any]:
    """What the model is: run, task, metric, CV score, features with types, classes, versions."""
    return {key: MANIFEST[key] for key in (
        "run_id", "experiment", "task", "metric", "cv_score", "score_kind", "target", "classes",
        "features", "versions", "model_sha256", "model_kind",
    )}


@app.post("/v1/predict")
def predict(body: Record | list[Record]) -> dict[str, Any]:
    """Predict one record or a list of records."""
    records = body if isinstance(body, list) else [body]
    if not records:
        raise HTTPException(422, "send one record or a non-empty list of records")
    if len(records) > MAX_ROWS:
        raise HTTPException(413, f"{len(records)} records exceed the limit of {MAX_ROWS}")
    frame = _frame(records)
    model = state["model"]
    out: dict[str, Any] = {"model_version": MANIFEST["run_id"]}
    if MANIFEST["task"] == "regression":
        out["predictions"] = [float(v) for v in model.predict(frame)]
    else:
        proba = model.predict_proba(frame)
        classes = MANIFEST["classes"]
        out["predictions"] = [classes[i] for i in np.argmax(proba, axis=1)]
        out["probabilities"] = [
            {str(c): float(p) for c, p in zip(classes, row)} for row in proba
        ]
    metrics.add_rows(len(records))
    return out


@app.get("/metrics")
def prometheus() -> PlainTextResponse:
    """Prometheus text format."""
    return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")


_ROUTES = {"/healthz", "/readyz", "/v1/metadata", "/v1/predict", "/metrics"}


def _frame(records: list[Record]) -> Any:
    """Rows as the model reads them: one column per training feature, original names."""
    import pandas as pd

    rows = [r.model_dump(by_alias=True) for r in records]
    return pd.DataFrame.from_records(rows, columns=[f["name"] for f in FEATURES])
