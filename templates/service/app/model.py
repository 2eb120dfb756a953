"""The model: unpickled only from the very bytes whose SHA-256 was checked, and the rows it
reads, built from validated records."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

MODEL_DIR = Path(__file__).resolve().parent / "model"


def read_manifest() -> dict[str, Any]:
    """``model/manifest.json``: what the model is, and its SHA-256 as ``scaffold-serve`` saw it."""
    manifest: dict[str, Any] = json.loads((MODEL_DIR / "manifest.json").read_text())
    return manifest


def load_model(manifest: dict[str, Any], pin: str | None) -> Any:
    """Read ``model.joblib`` once, hash those bytes, and unpickle the same bytes.

    Unpickling runs code: the file must match the manifest's SHA-256 and, when the
    ``MODEL_SHA256`` pin is set (kept outside the project folder, for example in the
    deployment's configuration), that pin too. A pickle and a manifest replaced together do
    not pass the pin.

    Raises:
        RuntimeError: The bytes do not match; nothing was unpickled.
    """
    import joblib

    path = MODEL_DIR / "model.joblib"
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    recorded = str(manifest["model_sha256"])
    if pin is not None and digest != pin:
        raise RuntimeError(
            f"{path} has SHA-256 {digest}, but MODEL_SHA256 pins {pin}: refusing to load it"
        )
    if digest != recorded:
        raise RuntimeError(f"{path} has SHA-256 {digest}, expected {recorded}: refusing to load it")
    return with_decision(joblib.load(io.BytesIO(data)), manifest)


def with_decision(model: Any, manifest: dict[str, Any]) -> Any:
    """The model deciding as ``automl predict`` does: with the run's calibration and
    threshold from ``model/decision.json``, checked against the manifest's SHA-256."""
    from automl.store.decision import load_decision

    decision = manifest.get("decision")
    if not decision:
        return model
    return model.with_decision(load_decision(MODEL_DIR, str(decision["sha256"])))


def frame(records: list[Any], fields: list[tuple[str, str]]) -> Any:
    """Rows as the model reads them: one column per training feature, under its original
    name, ``None`` where a value is missing."""
    import pandas as pd

    return pd.DataFrame(
        {name: [getattr(r, attr) for r in records] for attr, name in fields},
        columns=[name for _, name in fields],
    )
