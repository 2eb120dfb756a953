"""The prediction service: loads the model once (from the bytes whose SHA-256 it checked) and
serves predictions over HTTP. Settings come from environment variables: see app/settings.py.

    uvicorn app.main:app --host 127.0.0.1 --port 8000 --no-access-log
"""

# No `from __future__ import annotations`: FastAPI reads the endpoints' annotations, and
# the request body's type is built at start-up from MAX_ROWS.
import secrets
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    HTTPException,
    Query,
    Request,
    Response,
    Security,  # fmt: skip
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import Discriminator, Field, Tag

from app import metrics, monitor
from app.model import frame, load_model, read_manifest
from app.schema import FEATURES, FIELDS, Record
from app.settings import Settings
from automl.errors import UsageError
from automl.insight import explain_rows

MANIFEST = read_manifest()
MAX_ERRORS = 20  # a 422 lists at most this many errors, plus their total count
TOP = min(5, len(FEATURES))  # contributions per record in /v1/explain, unless ?top= says


def create_app(settings: Settings) -> FastAPI:
    """The application for these settings (``app`` below is the one for the environment)."""
    metrics.configure_access_log(settings.log_level)
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        state["model"] = load_model(MANIFEST, settings.model_sha256)
        state["watch"] = monitor.start(settings.drift_window)
        yield
        state.clear()

    docs = not settings.api_keys or settings.expose_docs
    app = FastAPI(
        title=f"automl model {MANIFEST['run_id']}",
        version=MANIFEST["run_id"],
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.add_middleware(metrics.Observe)
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]

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

    @app.get("/metrics")
    def prometheus() -> Response:
        """Prometheus text format."""
        watch = state.get("watch")
        body, media_type = metrics.render(*([] if watch is None else [watch.collector]))
        return Response(body, media_type=media_type)

    app.include_router(_v1(settings, state))
    return app


def _v1(settings: Settings, state: dict[str, Any]) -> APIRouter:
    """``/v1/*``: behind the API key when one is set, whatever path prefix a proxy adds; bodies
    limited to MAX_BODY_BYTES as they are read (FastAPI's ``max_body_size``: chunked too). The
    limit is the router's, not the app's, so that its 413 passes through the metrics."""
    guard = [Depends(_key_check(settings.api_keys))] if settings.api_keys else []
    v1 = APIRouter(prefix="/v1", dependencies=guard, max_body_size=settings.max_body_bytes)
    rows = Annotated[list[Record], Field(min_length=1, max_length=settings.max_rows)]
    body_type = Annotated[
        Annotated[Record, Tag("record")] | Annotated[rows, Tag("records")],
        Discriminator(
            _shape,
            custom_error_type="body_type",
            custom_error_message="send one record (a JSON object) or a list of records",
        ),
    ]

    @v1.get("/metadata")
    def metadata() -> dict[str, Any]:
        """What the model is: run, task, metric, CV score, features with types, classes, and
        the alias it was scaffolded through (name, time of promotion), if any."""
        return {key: MANIFEST.get(key) for key in (
            "run_id", "experiment", "task", "metric", "cv_score", "score_kind", "target",
            "classes", "features", "versions", "model_sha256", "model_kind", "alias",
        )} | {"decision": _decision_metadata()}  # fmt: skip

    @v1.post("/predict")
    def predict(body: body_type) -> dict[str, Any]:  # type: ignore[valid-type]
        """Predict one record or a list of records."""
        records = body if isinstance(body, list) else [body]
        return _predict(state["model"], records, state.get("watch"))

    @v1.get("/drift")
    def drift() -> Any:
        """The drift verdict of the last DRIFT_WINDOW records against training: the
        document of ``automl drift --json``."""
        watch = state.get("watch")
        if watch is None:
            return JSONResponse({"detail": "no drift window: the run saved no reference, "
                                 "or DRIFT_WINDOW is 0"}, 404)  # fmt: skip
        if not watch.rows:
            return JSONResponse({"detail": "no record predicted yet"}, 409)
        return watch.document()

    @v1.post("/explain")
    def explain(
        body: body_type,  # type: ignore[valid-type]
        top: Annotated[int, Query(ge=1, le=len(FEATURES),
                                  description="Contributions per record, largest first.")] = TOP,
        label: Annotated[str | None, Query(alias="class", description=(
            "The class whose score is explained on every record. Default: the positive "
            "class (binary), each record's predicted class (multiclass)."))] = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Each record's base value and its ``top`` largest contributions, as ``automl
        explain --top`` writes them: base + contributions + rest = output."""
        records = body if isinstance(body, list) else [body]
        return _explain(state["model"], records, top, label)

    return v1


def _shape(value: Any) -> str | None:
    if isinstance(value, dict):
        return "record"
    return "records" if isinstance(value, list) else None


def _key_check(keys: tuple[str, ...]) -> Any:
    header = APIKeyHeader(name="X-API-Key", auto_error=False,
                          description="One of the keys in API_KEY or API_KEY_FILE.")  # fmt: skip
    encoded = [k.encode() for k in keys]

    def check(key: Annotated[str | None, Security(header)]) -> None:
        given = (key or "").encode()
        matched = False
        for candidate in encoded:  # every key is compared: no early exit to time
            matched |= secrets.compare_digest(given, candidate)
        if not matched:
            raise HTTPException(401, "missing or wrong X-API-Key header",
                                headers={"WWW-Authenticate": "APIKey"})  # fmt: skip

    return check


def _predict(model: Any, records: list[Record], watch: Any) -> dict[str, Any]:
    rows = frame(records, FIELDS)
    out: dict[str, Any] = {"model_version": MANIFEST["run_id"]}
    if MANIFEST["task"] == "regression":
        values = model.predict(rows)
        out["predictions"] = [float(v) for v in values]
    else:
        proba = values = model.predict_proba(rows)
        classes = MANIFEST["classes"]
        out["predictions"] = [classes[i] for i in model.codes(proba)]
        out["probabilities"] = [
            {str(c): float(p) for c, p in zip(classes, row, strict=True)} for row in proba
        ]
    if watch is not None:
        out["warnings"], out["warning_count"] = watch.observe(records, FIELDS, values)
    metrics.ROWS.inc(len(records))
    return out


def _decision_metadata() -> dict[str, Any] | None:
    """How the model decides: the threshold and its rule, and whether probabilities are
    calibrated (``None``: the most probable class, uncalibrated)."""
    decision = MANIFEST.get("decision")
    if not decision:
        return None
    calibration = decision.get("calibration") or {}
    return {
        "rule": decision["rule"],
        "threshold": decision["threshold"],
        "calibrated": decision["calibrated"],
        "calibration": calibration.get("kind", "none"),
    }


def _explain(model: Any, records: list[Record], top: int, label: str | None) -> dict[str, Any]:
    rows = frame(records, FIELDS)
    try:
        explained = explain_rows(model, rows, label=label)
    except UsageError as error:  # a class the model does not have
        raise HTTPException(422, str(error)) from None
    return {
        "model_version": MANIFEST["run_id"],
        "explained": explained.explained,
        "space": explained.space,
        "method": explained.method,
        "exact": explained.exact,
        "max_error": explained.max_error,
        "explanations": explained.records(rows, top=top),
    }


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field (the first 20 errors, and how many there were), never echoing
    the input; 413 for more records than MAX_ROWS."""
    errors = exc.errors()
    for error in errors:
        if error["type"] == "too_long" and tuple(error["loc"]) == ("body", "records"):
            found = (error.get("ctx") or {}).get("actual_length")
            limit = (error.get("ctx") or {}).get("max_length")
            return JSONResponse({"detail": f"{found} records exceed the limit of {limit}"}, 413)
    shown = [{"type": e["type"], "loc": list(e["loc"]), "msg": e["msg"]}
             for e in errors[:MAX_ERRORS]]  # fmt: skip
    return JSONResponse({"detail": shown, "error_count": len(errors)}, 422)


app = create_app(Settings.from_env())
__all__ = ["FEATURES", "MANIFEST", "app", "create_app"]
