"""``scaffold-serve``: render ``templates/service`` into a self-contained prediction service for
one run: the model (checked against its SHA-256), a request schema generated from the training
data, hash-pinned requirements with a wheel of this automl, a Dockerfile, a README and the
service's own tests with golden predictions computed here, offline, by the same model.

Everything is checked and rendered in a temporary folder first; the files then replace their
older versions one by one. ``--force`` writes only over an earlier scaffold (the folder holds
``MARKER``), and removes no file of the folder but the older ``wheels/automl-*.whl``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError
from automl.store.schema import DECISION_FILE, MODEL_FILE, RunPaths

if TYPE_CHECKING:
    from automl.store.run_record import RunRecord
    from automl.store.runs import RunRef, Store

__all__ = ["MARKER", "ScaffoldResult", "scaffold_service"]

logger = logging.getLogger(__name__)

#: What the generated app needs, at least (FastAPI 0.164 brought ``max_body_size``); the
#: ``serve`` extra asks for the same. The lock takes the versions installed here.
SERVE_PACKAGES = ("fastapi>=0.164", "starlette>=1.6", "uvicorn>=0.30", "pydantic>=2.9",
                  "prometheus-client>=0.20")  # fmt: skip
TEST_PACKAGES = ("pytest>=8", "httpx>=0.27")
#: Written last into every generated project: ``--force`` only writes over a folder holding it.
MARKER = ".automl-scaffold.json"


@dataclass(frozen=True)
class ScaffoldResult:
    """What was generated."""

    run_id: str
    out: Path
    files: list[str]
    hashed: bool


def scaffold_service(
    store: Store,
    ref: RunRef,
    out: Path,
    *,
    force: bool = False,
    synthetic_golden: bool = False,
    hashes: bool = True,
    alias: dict[str, Any] | None = None,
) -> ScaffoldResult:
    """Generate the service project for a run into ``out``.

    Args:
        store: Where the run lives.
        ref: The run.
        out: The project folder to create.
        force: Write over an earlier scaffold in ``out``.
        synthetic_golden: Build the golden records (tests, README example) from the profile
            instead of taking training rows.
        hashes: Hash-pin every requirement (asks the package index, through pip).
        alias: The alias the run was chosen through, for ``/v1/metadata`` (or ``None``).

    Returns:
        The files written.

    Raises:
        UsageError: ``out`` is not empty and ``force`` is false, or ``out`` was not written by
            ``scaffold-serve``, or a folder in it is a symbolic link.
        NotFoundError: The run saved no model.
        DataError: The model file does not match its recorded SHA-256 (it is not unpickled),
            the run has no sample rows (and ``synthetic_golden`` is false), or pip could not
            hash the requirements.
    """
    from automl.serve.golden import golden_answers, sample_records, synthetic_records
    from automl.store.artifacts import read_json

    out = Path(out)
    _check_out(out, force=force)
    predictor, record = store.load_predictor(ref)  # checks the SHA-256s before unpickling
    run_dir = store.run_dir(ref)
    paths = RunPaths(run_dir)
    schema = read_json(paths.schema)
    fields = [_field(i, f) for i, f in enumerate(schema["features"])]
    if synthetic_golden:
        records = synthetic_records(read_json(paths.profile), predictor.features)
    else:
        records = sample_records(run_dir, predictor.features)
    plan = _Plan(ref=ref, record=record, model_path=paths.model, fields=fields, records=records,
                 golden=golden_answers(predictor, records, ref.run_id),
                 synthetic=synthetic_golden, lock=_lock(record, hashes=hashes),
                 alias=alias)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="automl-scaffold-") as tmp:
        staging = Path(tmp)
        files = _stage(staging, plan)
        _install(staging, out, files)
    return ScaffoldResult(run_id=ref.run_id, out=out, files=sorted(files), hashed=hashes)


Pin = tuple[str, str, str | None]  # name, version, SHA-256 (None: not hashed)


@dataclass(frozen=True)
class _Plan:
    """Everything the project is rendered from, checked before a file is written."""

    ref: RunRef
    record: RunRecord
    model_path: Path
    fields: list[dict[str, Any]]
    records: list[dict[str, Any]]
    golden: dict[str, Any]
    synthetic: bool
    lock: tuple[list[Pin], list[Pin]]
    alias: dict[str, Any] | None = None


def _check_out(out: Path, *, force: bool) -> None:
    from automl.serve.render import check_out_folder

    check_out_folder(out, force=force, marker=MARKER, writer="scaffold-serve")


def _stage(staging: Path, plan: _Plan) -> list[str]:
    """Render the project into ``staging``; return its files, relative."""
    from automl.resources import templates_dir
    from automl.serve.render import render_tree
    from automl.serve.wheel import build_installed_wheel

    record = plan.record
    wheel = build_installed_wheel(staging / "wheels")
    features = [_feature_entry(f) for f in plan.fields]
    context = _context(plan, wheel, features)
    written = [p.as_posix() for p in render_tree(templates_dir() / "service", staging, context)]
    model_dir = staging / "app" / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    _copy_model(plan.model_path, record, model_dir)
    decision = _copy_decision(plan.model_path.parent, record, model_dir)
    monitored = _copy_reference(RunPaths(plan.model_path.parent), record, model_dir)
    manifest = _manifest(plan, context, features, monitored=bool(monitored), decision=decision)
    (model_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    (staging / "tests" / "golden.json").write_text(json.dumps(plan.golden, indent=2) + "\n")
    extra = ["app/model/model.joblib", "app/model/manifest.json", "tests/golden.json",
             *(f"app/model/{name}" for name in monitored)]  # fmt: skip
    extra += [f"app/model/{DECISION_FILE}"] if decision is not None else []
    return [*written, *extra, f"wheels/{wheel.name}"]


def _context(plan: _Plan, wheel: Path, features: list[dict[str, Any]]) -> dict[str, Any]:
    """What the service's templates read."""
    from automl.store.artifacts import sha256_of

    ref, record, fields = plan.ref, plan.record, plan.fields
    serve_pins, test_pins = plan.lock
    return {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "task": record.task,
        "metric": record.metric,
        "target": record.target,
        "cv_score": float(record.search_score if record.search_score is not None else "nan"),
        "score_kind": record.score_kind,
        "model_sha256": record.model_sha256,
        "automl_version": record.automl_version or "?",
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "docker_platform": _docker_platform(),
        "lock_platform": f"{platform.system()} {platform.machine()}, CPython "
        f"{platform.python_version()}",
        "features": features,
        "fields": fields,
        "field_names": [(f["attr"], f["name"]) for f in fields],
        "requirements": serve_pins,
        "test_requirements": test_pins,
        "hashed": all(digest for _, _, digest in serve_pins + test_pins),
        "wheel": {"name": wheel.name, "sha256": sha256_of(wheel)},
        "synthetic_golden": plan.synthetic,
        "example_json": json.dumps(plan.records[0]).replace("'", "'\\''"),
    }


def _manifest(plan: _Plan, context: dict[str, Any], features: list[dict[str, Any]], *,
              monitored: bool, decision: dict[str, Any] | None) -> dict[str, Any]:  # fmt: skip
    """``app/model/manifest.json``: what the service says of its model (``/v1/metadata``)."""
    ref, record = plan.ref, plan.record
    return {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "task": record.task,
        "metric": record.metric,
        "cv_score": context["cv_score"],
        "score_kind": context["score_kind"],
        "target": record.target,
        "classes": record.labels,
        "features": features,
        "versions": record.versions,
        "model_sha256": context["model_sha256"],
        "model_kind": record.model_kind or "single",
        "alias": plan.alias,
        "monitored": monitored,
        "decision": decision,
    }


def _copy_model(source: Path, record: RunRecord, model_dir: Path) -> None:
    """Copy the model's bytes, hashed as read: the file the service checks is the one
    ``load_predictor`` checked, or the scaffold stops."""
    data = source.read_bytes()
    expected = record.model_sha256
    if hashlib.sha256(data).hexdigest() != expected:
        raise DataError(
            f"{source} changed while the service was generated; refusing to copy it.",
            hint="Run scaffold-serve again; if it fails again, the run folder was tampered with.",
        )
    (model_dir / MODEL_FILE).write_bytes(data)  # the service's app/model.py loads this name


def _copy_reference(paths: RunPaths, record: RunRecord, model_dir: Path) -> list[str]:
    """Copy the drift reference and the profile (how the service reads each column) when
    the run has a reference, each checked against its SHA-256 in ``run.json``; return the
    file names copied (none for a run saved without a reference: no monitoring)."""
    from automl.store.artifacts import read_verified

    sources = [paths.reference, paths.profile]
    if any(source.name not in record.artifacts for source in sources):
        logger.info("The run has no drift reference: the service will not watch its inputs.")
        return []
    for source in sources:
        data = read_verified(source, str(record.artifacts[source.name].sha256))
        (model_dir / source.name).write_bytes(data)
    return [source.name for source in sources]


def _copy_decision(run_dir: Path, record: RunRecord,
                   model_dir: Path) -> dict[str, Any] | None:  # fmt: skip
    """Copy ``decision.json`` (checked against ``run.json``) beside the model; return what the
    manifest says of it (``None`` for a run without one)."""
    from automl.store.artifacts import read_verified
    from automl.store.decision import Decision, decision_sha256

    sha = decision_sha256(record)
    if sha is None:
        return None
    data = read_verified(run_dir / DECISION_FILE, sha)  # the bytes checked are the bytes copied
    (model_dir / DECISION_FILE).write_bytes(data)
    return {**Decision.from_dict(json.loads(data)).summary(), "sha256": sha}


def _install(staging: Path, out: Path, files: list[str]) -> None:
    """Move the staged files into ``out``, drop older automl wheels, then write the marker."""
    from automl.serve.render import check_no_symlinked_folders, move_into

    check_no_symlinked_folders(out, [*files, MARKER])
    out.mkdir(parents=True, exist_ok=True)
    new_wheels = {Path(f).name for f in files if f.startswith("wheels/")}
    wheels = out / "wheels"
    for old in sorted(wheels.glob("automl-*.whl")) if wheels.is_dir() else ():
        if old.name not in new_wheels:
            old.unlink()
    move_into(staging, out, files)
    marker = {"generator": "automl scaffold-serve", "files": sorted(files)}
    (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    move_into(staging, out, [MARKER])


def _lock(record: RunRecord, *, hashes: bool) -> tuple[list[Pin], list[Pin]]:
    """(serve pins, test pins): the served packages and all they need, at the training
    versions where recorded, else the installed ones; with the SHA-256 of each file unless
    ``hashes`` is false."""
    from automl.serve.lock import automl_requirements, hash_pins, pinned_closure, training_versions

    roots = [*automl_requirements(), *SERVE_PACKAGES]
    serve = pinned_closure(roots, versions=training_versions(record.versions))
    test = {k: v for k, v in pinned_closure(list(TEST_PACKAGES)).items() if k not in serve}
    digests = hash_pins({**serve, **test}) if hashes else {}
    return (
        [(name, version, digests.get(name)) for name, version in serve.items()],
        [(name, version, digests.get(name)) for name, version in test.items()],
    )


def _docker_platform() -> str | None:
    """The Docker platform of this machine, whose wheels the hashes name (Linux only)."""
    if platform.system() != "Linux":
        return None
    return {"x86_64": "linux/amd64", "aarch64": "linux/arm64"}.get(platform.machine())


def _field(index: int, feature: dict[str, Any]) -> dict[str, Any]:
    """The pydantic field of one feature: attribute, annotation, JSON type. Every field takes
    ``null`` (a missing value), as every cell of a file given to ``automl predict`` may be
    empty."""
    role, dtype, parse = feature["role"], feature["dtype"], feature.get("parse")
    numeric_dtype = dtype.startswith(("int", "float", "Int", "Float", "uint"))
    if role == "numeric":
        annotation, kind = (
            ("Number | NumberText", "number or text") if parse else ("Number", "number")
        )
    elif role == "boolean":
        if dtype in ("bool", "boolean"):
            annotation, kind = "bool", "boolean"
        elif parse == "bool":
            annotation, kind = "Text | bool", "yes/no text or boolean"
        else:
            annotation, kind = "Number | bool", "0/1 or boolean"
    elif role == "categorical":
        annotation, kind = ("Code | Number | Text", "code") if numeric_dtype else ("Text", "string")
    elif role == "datetime":
        annotation, kind = ("Code | Text", "date") if numeric_dtype else ("Text", "date")
    else:
        annotation, kind = "Text", "string"
    missing = bool(feature["nullable"])
    return {
        "attr": f"f{index}",
        "name": feature["name"],
        "role": role,
        "type": kind,
        "nullable": True,
        "missing_in_training": missing,
        "annotation": f"{annotation} | None",
        "description": f"{role} ({kind}); null for a missing value",
    }


def _feature_entry(field: dict[str, Any]) -> dict[str, Any]:
    return {k: field[k] for k in ("name", "role", "type", "nullable", "missing_in_training")}
