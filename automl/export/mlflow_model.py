"""``automl export --format mlflow``: a run's model as an MLflow ``python_function`` folder.

The folder is what ``mlflow.pyfunc.save_model`` writes (``MLmodel``, ``python_env.yaml``,
``input_example.json``...) for the loader module :mod:`automl.export.pyfunc`, plus what makes
it reproducible and checked, as for ``scaffold-serve``:

- ``data/model/model.joblib``, the run's model, copied from bytes whose SHA-256 was checked,
  and ``data/model/automl-model.json`` with that SHA-256: the loader unpickles the file only
  if it still matches;
- ``wheels/automl-<version>-py3-none-any.whl``, the running automl (the pickle holds automl's
  own classes), and ``requirements.txt`` locking automl's dependencies at their training
  versions plus ``mlflow-skinny``, each hash-pinned (:mod:`automl.serve.lock`);
- a signature built from the run's ``schema.json`` (:mod:`automl.export.signature`), and an
  input example of the run's sample rows.

Everything is written into a temporary folder beside ``out`` first; the finished folder then
takes ``out``'s place. ``--force`` replaces only an earlier export holding no other file.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import UsageError
from automl.store.schema import RunPaths

if TYPE_CHECKING:
    import pandas as pd

    from automl.export.signature import ColumnSpec
    from automl.store.run_record import RunRecord
    from automl.store.runs import RunRef, Store

__all__ = ["MARKER", "ExportResult", "export_mlflow", "import_mlflow"]

logger = logging.getLogger(__name__)

#: Written into every export: ``--force`` only replaces a folder holding it.
MARKER = ".automl-export.json"
#: MLflow's own package for saving and loading pyfunc models (``mlflow`` depends on it).
MLFLOW_PACKAGE = "mlflow-skinny"
#: Rows of the input example (sample rows with a missing value are added when there are any).
EXAMPLE_ROWS = 5


@dataclass(frozen=True)
class ExportResult:
    """What was exported.

    Attributes:
        run_id: The run.
        experiment: Its experiment.
        out: The MLflow model folder.
        files: Every file in it, relative, sorted.
        hashed: Whether ``requirements.txt`` pins the SHA-256 of every file.
        mlflow_version: The MLflow that wrote the folder.
        inputs: The signature's input columns.
        metadata: The ``automl`` metadata written into ``MLmodel``.
    """

    run_id: str
    experiment: str
    out: Path
    files: list[str]
    hashed: bool
    mlflow_version: str
    inputs: list[ColumnSpec]
    metadata: dict[str, Any]


def import_mlflow() -> Any:
    """MLflow, imported on demand: only the export command needs it.

    Raises:
        UsageError: MLflow is not installed (exit 2); the hint says how to install it.
    """
    try:
        import mlflow
        import mlflow.pyfunc  # the submodule save_model lives in
    except ImportError as error:
        raise UsageError(
            f"automl export --format mlflow needs MLflow, which is not installed here ({error}).",
            hint='Install the mlflow extra: pip install "automl[mlflow]" (it brings '
            "mlflow-skinny; the full mlflow package works too).",
        ) from None
    return mlflow


def export_mlflow(
    store: Store, ref: RunRef, out: Path, *, force: bool = False, hashes: bool = True
) -> ExportResult:
    """Write the run's model as an MLflow pyfunc folder at ``out``.

    Args:
        store: Where the run lives.
        ref: The run.
        out: The folder to create.
        force: Replace an earlier export at ``out``.
        hashes: Hash-pin every requirement (asks the package index, through pip).

    Returns:
        What was written.

    Raises:
        UsageError: ``out`` exists and is not empty, and ``force`` is false or ``out`` is not
            an earlier export (or holds files it did not write); or MLflow is not installed.
        NotFoundError: The run saved no model.
        DataError: The model file does not match its recorded SHA-256 (it is not unpickled),
            or pip could not hash the requirements.
    """
    from automl.store.artifacts import read_json

    out = Path(out)
    _check_out(out, force=force)
    mlflow = import_mlflow()
    predictor, record = store.load_predictor(ref)  # checks the SHA-256s before unpickling
    run_dir = store.run_dir(ref)
    schema = read_json(RunPaths(run_dir).schema)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        inputs, meta = _stage(
            staging, mlflow, ref, record, run_dir, schema, predictor, hashes=hashes
        )
        files = _files_of(staging)
        marker = {"generator": "automl export --format mlflow", "run_id": ref.run_id,
                  "files": files}  # fmt: skip
        (staging / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        _replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(
        run_id=ref.run_id,
        experiment=ref.experiment,
        out=out,
        files=sorted([*files, MARKER]),
        hashed=hashes,
        mlflow_version=str(mlflow.__version__),
        inputs=inputs,
        metadata=meta,
    )


def _stage(
    staging: Path,
    mlflow: Any,
    ref: RunRef,
    record: RunRecord,
    run_dir: Path,
    schema: dict[str, Any],
    predictor: Any,
    *,
    hashes: bool,
) -> tuple[list[ColumnSpec], dict[str, Any]]:
    """Save the pyfunc folder into ``staging`` (which exists, empty); return its inputs and
    the ``automl`` metadata of its ``MLmodel``."""
    from importlib import metadata

    from automl.export.pyfunc import MANIFEST_FILE, MODEL_FILE
    from automl.export.signature import input_columns, output_columns
    from automl.serve.wheel import build_installed_wheel
    from automl.store.artifacts import read_json, read_verified
    from automl.store.decision import decision_sha256

    inputs = input_columns(schema, read_json(RunPaths(run_dir).profile))
    outputs = output_columns(str(record.task), record.labels)
    sha256 = str(record.model_sha256)
    manifest: dict[str, Any] = {
        "run_id": ref.run_id,
        "experiment": ref.experiment,
        "task": record.task,
        "metric": record.metric,
        "target": record.target,
        "labels": record.labels,
        "features": list(predictor.features),
        "model_sha256": sha256,
        "versions": record.versions,
        "decision_sha256": decision_sha256(record),
    }
    meta = _metadata(manifest, record, inputs)
    with tempfile.TemporaryDirectory(prefix="automl-export-") as tmp:
        data = Path(tmp) / "model"
        data.mkdir()
        (data / MODEL_FILE).write_bytes(read_verified(RunPaths(run_dir).model, sha256))
        if manifest["decision_sha256"] is not None:  # the calibration and threshold
            decision = RunPaths(run_dir).decision
            verified = read_verified(decision, manifest["decision_sha256"])
            (data / decision.name).write_bytes(verified)
        (data / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
        mlflow_version = metadata.version(MLFLOW_PACKAGE)
        mlflow.pyfunc.save_model(
            path=str(staging),
            loader_module="automl.export.pyfunc",
            data_path=str(data),
            signature=_signature(inputs, outputs),
            input_example=_input_example(run_dir, inputs, predictor.features),
            pip_requirements=[f"{MLFLOW_PACKAGE}=={mlflow_version}"],
            metadata={"automl": meta},
        )
    wheel = build_installed_wheel(staging / "wheels")
    _write_requirements(staging, wheel, record, ref, mlflow_version, hashes=hashes)
    return inputs, meta


def _signature(inputs: list[ColumnSpec], outputs: list[ColumnSpec]) -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(
        inputs=Schema([ColSpec(c.type, c.name) for c in inputs]),
        outputs=Schema([ColSpec(c.type, c.name) for c in outputs]),
    )


def _input_example(run_dir: Path, inputs: list[ColumnSpec], features: list[str]) -> pd.DataFrame:
    """A few of the run's sample rows (profile-made rows if it kept none), typed as the
    signature says; rows with a missing value in a column that takes one are added."""
    import pandas as pd

    from automl.errors import DataError
    from automl.serve.golden import sample_records, synthetic_records
    from automl.store.artifacts import read_json

    try:
        records = sample_records(run_dir, features)
    except DataError:
        records = synthetic_records(read_json(RunPaths(run_dir).profile), features)
    nullable = [c.name for c in inputs if c.takes_missing]
    chosen = records[:EXAMPLE_ROWS]
    for name in nullable:
        if any(r.get(name) is None for r in chosen):
            continue
        gap = next((r for r in records if r.get(name) is None), None)
        if gap is not None:
            chosen.append(gap)
    frame = pd.DataFrame.from_records(chosen, columns=[c.name for c in inputs])
    return conform(frame, inputs)


def conform(frame: pd.DataFrame, inputs: list[ColumnSpec]) -> pd.DataFrame:
    """``frame`` (sample rows as read) with each column in the dtype MLflow's schema
    enforcement expects for it, as ``mlflow models predict`` reads a CSV: numbers written as
    text in a ``double`` column hold only markers pandas reads as missing, which become NaN."""
    import pandas as pd

    dtypes = {"long": "int64", "boolean": "object", "string": "object",
              "datetime": "datetime64[ns]"}  # fmt: skip
    typed = frame.copy()
    for column in inputs:
        values = typed[column.name]
        if column.type == "double":
            typed[column.name] = pd.to_numeric(values, errors="coerce").astype("float64")
        else:
            typed[column.name] = values.astype(dtypes[column.type])  # type: ignore[call-overload]
    return typed


def _metadata(
    manifest: dict[str, Any], record: RunRecord, inputs: list[ColumnSpec]
) -> dict[str, Any]:
    return {
        "run_id": manifest["run_id"],
        "experiment": manifest["experiment"],
        "task": manifest["task"],
        "metric": manifest["metric"],
        "target": manifest["target"],
        "labels": [_plain(v) for v in manifest["labels"]],
        "score": record.search_score,
        "score_kind": record.score_kind,
        "model_sha256": manifest["model_sha256"],
        "automl_version": record.automl_version or "",
        "columns": [c.to_dict() for c in inputs],
    }


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _write_requirements(
    staging: Path,
    wheel: Path,
    record: RunRecord,
    ref: RunRef,
    mlflow_version: str,
    *,
    hashes: bool,
) -> None:
    """Replace MLflow's ``requirements.txt`` and ``conda.yaml`` with the lock: the vendored
    wheel by path, then automl's dependencies (training versions) and MLflow, each pinned
    (and hash-pinned)."""
    from automl.serve.lock import automl_requirements, hash_pins, pinned_closure, training_versions
    from automl.store.artifacts import sha256_of

    roots = [*automl_requirements(), f"{MLFLOW_PACKAGE}=={mlflow_version}"]
    pins = pinned_closure(roots, versions=training_versions(record.versions))
    digests = hash_pins(pins) if hashes else {}
    wheel_line = f"./wheels/{wheel.name}"
    machine = f"{platform.system()} {platform.machine()}, CPython {platform.python_version()}"
    install = "pip install --require-hashes -r requirements.txt" if hashes else (
        "pip install -r requirements.txt")  # fmt: skip
    lines = [
        f"# Locked by automl export --format mlflow for run {ref.run_id} from the environment",
        f"# that trained it ({machine}): every package pinned to one version"
        + (" and to the SHA-256" if hashes else ", without hashes (--no-hashes)."),
        *(["# of the file pip installs there."] if hashes else []),
        f"# Install from this folder: {install}",
        "# automl itself is the wheel in wheels/, by path: never a package of that name.",
        wheel_line + (f" --hash=sha256:{sha256_of(wheel)}" if hashes else ""),
        *(
            f"{name}=={version}" + (f" --hash=sha256:{digests[name]}" if hashes else "")
            for name, version in pins.items()
        ),
    ]
    (staging / "requirements.txt").write_text("\n".join(lines) + "\n")
    python = platform.python_version()
    conda = (
        "# The same pins for conda (without hashes); requirements.txt is the lock.\n"
        f"channels:\n- conda-forge\ndependencies:\n- python={python}\n- pip\n- pip:\n"
        + "".join(f"  - {line}\n" for line in [wheel_line, *(f"{n}=={v}" for n, v in pins.items())])
        + "name: mlflow-env\n"
    )
    (staging / "conda.yaml").write_text(conda)


def _files_of(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def _check_out(out: Path, *, force: bool) -> None:
    """Refuse to write over anything but an empty folder or, with ``force``, an earlier export
    that holds only the files it wrote."""
    from automl.serve.render import check_out_folder

    if out.is_symlink():
        raise UsageError(f"--out {out} is a symbolic link; expected a folder path.")
    if not check_out_folder(out, force=force, marker=MARKER, writer="automl export"):
        return
    try:
        written = set(json.loads((out / MARKER).read_text())["files"]) | {MARKER}
    except (ValueError, KeyError, TypeError):
        raise UsageError(
            f"{out / MARKER} is not the record of an export; refusing to replace {out}.",
            hint="Choose a new or empty folder.",
        ) from None
    others = [f for f in _files_of(out) if f not in written]
    if others:
        shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise UsageError(
            f"{out} holds {len(others)} file(s) the earlier export did not write ({shown}); "
            "refusing to replace it, even with --force.",
            hint="Move those files elsewhere, or choose a new folder.",
        )


def _replace(staging: Path, out: Path) -> None:
    """Put the staged folder at ``out``: an earlier export (or an empty folder) there is moved
    aside, the new one renamed into place, then the old one removed."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.{secrets.token_hex(4)}.old")
        os.replace(out, old)
    try:
        os.replace(staging, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
