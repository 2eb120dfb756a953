"""``scaffold-serve``: render ``templates/service`` into a self-contained prediction service for
one run: the model (checked against its SHA-256), a request schema generated from the training
data, pinned requirements with a wheel of this automl, a Dockerfile, a README and the service's
own tests with golden predictions computed here, offline, by the same model."""

from __future__ import annotations

import json
import logging
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError, UsageError

if TYPE_CHECKING:
    from automl.store.runs import RunRef, Store

__all__ = ["ScaffoldResult", "scaffold_service"]

logger = logging.getLogger(__name__)

#: Served by the generated app; pinned to what is installed here, else to these versions.
SERVE_PACKAGES = {"fastapi": "0.115.0", "uvicorn": "0.30.0", "pydantic": "2.7.0"}
TEST_PACKAGES = {"pytest": "8.0.0", "httpx": "0.27.0"}
GOLDEN_ROWS = 20


@dataclass(frozen=True)
class ScaffoldResult:
    """What was generated."""

    run_id: str
    out: Path
    files: list[str]


def scaffold_service(
    store: Store, ref: RunRef, out: Path, *, force: bool = False
) -> ScaffoldResult:
    """Generate the service project for a run into ``out``.

    Args:
        store: Where the run lives.
        ref: The run.
        out: The project folder to create.
        force: Write into a non-empty folder.

    Returns:
        The files written.

    Raises:
        UsageError: ``out`` is not empty and ``force`` is false.
        NotFoundError: The run saved no model.
        DataError: The model file does not match its recorded SHA-256 (it is not unpickled),
            or the run has no sample rows for the golden tests.
    """
    from automl.resources import templates_dir
    from automl.serve.render import render_tree
    from automl.serve.wheel import build_installed_wheel

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; expected a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(
            f"{out} is not empty; refusing to overwrite it.",
            hint="Choose an empty or new folder, or pass --force.",
        )
    predictor, record = store.load_predictor(ref)  # checks the SHA-256 before unpickling
    run_dir = store.run_dir(ref)
    schema = json.loads((run_dir / "schema.json").read_text())
    fields = [_field(i, f) for i, f in enumerate(schema["features"])]
    records = _sample_records(run_dir, predictor.features)
    golden = _golden(predictor, records, ref.run_id)
    model = record.get("model") or {}
    context = {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "task": record["task"],
        "metric": record["metric"],
        "target": record["target"],
        "cv_score": float(model.get("cv_mean", record["best"]["cv_mean"])),
        "score_kind": model.get("score_kind", "cv"),
        "model_sha256": record["artifacts"]["model.joblib"]["sha256"],
        "automl_version": record["versions"].get("automl", "?"),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "features": [_feature_entry(f) for f in fields],
        "fields": fields,
        "requirements": _requirements(record),
        "test_requirements": sorted(_installed_or(TEST_PACKAGES).items()),
        "example_json": json.dumps(records[0]).replace("'", "'\\''"),
    }
    out.mkdir(parents=True, exist_ok=True)
    written = render_tree(templates_dir() / "service", out, context)
    model_dir = out / "app" / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / "model.joblib", model_dir / "model.joblib")
    manifest = {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "task": record["task"],
        "metric": record["metric"],
        "cv_score": context["cv_score"],
        "score_kind": context["score_kind"],
        "target": record["target"],
        "classes": record.get("labels") or [],
        "features": context["features"],
        "versions": record["versions"],
        "model_sha256": context["model_sha256"],
        "model_kind": model.get("kind", "single"),
    }
    (model_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (out / "tests" / "golden.json").write_text(json.dumps(golden, indent=2) + "\n")
    shutil.rmtree(out / "wheels", ignore_errors=True)  # no stale wheel from an earlier scaffold
    wheel = build_installed_wheel(out / "wheels")
    files = sorted(
        [str(p) for p in written]
        + ["app/model/model.joblib", "app/model/manifest.json", "tests/golden.json",
           f"wheels/{wheel.name}"]
    )  # fmt: skip
    return ScaffoldResult(run_id=ref.run_id, out=out, files=files)


def _field(index: int, feature: dict[str, Any]) -> dict[str, Any]:
    """The pydantic field of one feature: attribute, annotation, JSON type, nullability."""
    role, dtype, parse = feature["role"], feature["dtype"], feature.get("parse")
    numeric_dtype = dtype.startswith(("int", "float", "Int", "Float", "uint"))
    if role == "numeric":
        annotation, kind = ("float | str", "number or text") if parse else ("float", "number")
    elif role == "boolean":
        if dtype in ("bool", "boolean"):
            annotation, kind = "bool", "boolean"
        elif parse == "bool":
            annotation, kind = "str | bool", "yes/no text or boolean"
        else:
            annotation, kind = "float | bool", "0/1 or boolean"
    elif role == "categorical":
        annotation, kind = ("int | float | str", "code") if numeric_dtype else ("str", "string")
    elif role == "datetime":
        annotation, kind = ("int | str", "date") if numeric_dtype else ("str", "date")
    else:
        annotation, kind = "str", "string"
    nullable = bool(feature["nullable"])
    return {
        "attr": f"f{index}",
        "name": feature["name"],
        "role": role,
        "type": kind,
        "nullable": nullable,
        "annotation": f"{annotation} | None" if nullable else annotation,
        "description": f"{role} ({kind}){', may be null' if nullable else ''}",
    }


def _feature_entry(field: dict[str, Any]) -> dict[str, Any]:
    return {k: field[k] for k in ("name", "role", "type", "nullable")}


def _sample_records(run_dir: Path, features: list[str]) -> list[dict[str, Any]]:
    path = run_dir / "sample.json"
    if not path.is_file():
        raise DataError(
            f"{run_dir} has no sample.json (sample rows for the service's golden tests).",
            hint="Fit the run again with this version of automl.",
        )
    rows: list[dict[str, Any]] = json.loads(path.read_text())
    return [{name: row.get(name) for name in features} for row in rows[:GOLDEN_ROWS]]


def _golden(predictor: Any, records: list[dict[str, Any]], run_id: str) -> dict[str, Any]:
    """Expected outputs for the sample records, built the way the service builds its rows."""
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=predictor.features)
    golden: dict[str, Any] = {"run_id": run_id, "records": records}
    if predictor.task == "regression":
        golden["predictions"] = [float(v) for v in predictor.predict(frame)]
        return golden
    proba = predictor.predict_proba(frame)
    labels = predictor.labels
    golden["predictions"] = [labels[i] for i in proba.argmax(axis=1)]
    golden["probabilities"] = [{str(c): float(p) for c, p in zip(labels, row, strict=True)}
                               for row in proba]  # fmt: skip
    return golden


def _requirements(record: dict[str, Any]) -> list[tuple[str, str]]:
    """Every distribution automl needs, pinned to the training versions where recorded, else
    to what is installed; plus the serving packages and automl itself (from the wheel)."""
    training = dict(record.get("versions") or {})
    pins: dict[str, str] = {}
    for requirement in metadata.requires("automl") or []:
        if "extra ==" in requirement:
            continue
        name = _name_of(requirement)
        version = training.get(name) or _installed_version(name)
        if version:
            pins[name] = version
    for name, version in training.items():
        if name not in ("python", "automl"):
            pins[name] = version
    pins.update(_installed_or(SERVE_PACKAGES))
    import automl

    pins["automl"] = automl.__version__  # the wheel in wheels/ is built from this installation
    return sorted(pins.items())


def _installed_or(defaults: dict[str, str]) -> dict[str, str]:
    return {name: _installed_version(name) or version for name, version in defaults.items()}


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _name_of(requirement: str) -> str:
    import re

    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    return (match.group(0) if match else requirement).lower()
