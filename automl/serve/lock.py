"""Hash-pinned requirements for the generated service.

The lock is written from the environment that runs ``scaffold-serve`` (the training
environment): every distribution the served packages need, transitive ones included, found by
walking the installed distributions' metadata, pinned to the installed version (the training
version where ``run.json`` recorded one). The SHA-256 of each file comes from ``pip`` itself:
``pip install --dry-run --report`` asks the package index that ``pip install`` uses (the
user's own index, mirror or proxy) which file it would install on this platform and what its
hash is, reading metadata only, without downloading the wheels.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from automl.errors import DataError

__all__ = ["automl_requirements", "hash_pins", "pinned_closure", "training_versions"]

logger = logging.getLogger(__name__)

PIP_SECONDS = 600


def automl_requirements() -> list[str]:
    """automl's own requirements, without its extras: the first roots of every lock (the
    generated service's, an MLflow export's)."""
    return [r for r in metadata.requires("automl") or [] if "extra ==" not in r]


def training_versions(versions: dict[str, str]) -> dict[str, str]:
    """The library versions ``run.json`` recorded at training (``RunRecord.versions``), to pin
    instead of the installed ones (Python and automl itself left out: automl is shipped as a
    wheel)."""
    return {str(k): str(v) for k, v in versions.items() if k not in ("python", "automl")}


def pinned_closure(roots: list[str], *, versions: dict[str, str] | None = None) -> dict[str, str]:
    """Every installed distribution that ``roots`` need, with its version.

    Args:
        roots: Requirement strings (``fastapi``, ``uvicorn>=0.29``, ``psycopg[binary]``).
        versions: Versions to pin instead of the installed ones (by canonical name).

    Returns:
        Canonical name -> exact version, sorted by name. Requirements whose markers do not
        hold here (another platform, another Python, an extra not asked for) are left out.

    Raises:
        DataError: A root is not installed here, or not at a version it asks for.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    chosen = {canonicalize_name(k): v for k, v in (versions or {}).items()}
    pins: dict[str, str] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(Requirement(r), True) for r in roots]
    while todo:
        requirement, is_root = todo.pop()
        if is_root and requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        key = (name, frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(requirement.name)
        except metadata.PackageNotFoundError:
            dist = None
        if is_root and (dist is None or dist.version not in requirement.specifier):
            found = "not installed" if dist is None else f"{dist.version} is installed"
            raise DataError(
                f"The service needs {requirement} and locks it from this environment, where "
                f"{requirement.name} is {found}.",
                hint='Install or upgrade the serve extra: pip install -U "automl[serve]".',
            )
        if dist is None:
            continue  # an optional dependency that this environment does without
        pins[name] = chosen.get(name, dist.version)
        extras = set(requirement.extras) or {""}
        for text in dist.requires or []:
            needed = Requirement(text)
            if needed.marker is None or any(needed.marker.evaluate({"extra": e}) for e in extras):
                todo.append((needed, False))
    return dict(sorted(pins.items()))


def hash_pins(pins: dict[str, str]) -> dict[str, str]:
    """The SHA-256 of the file pip would install for each pin, on this platform.

    Raises:
        DataError: pip could not answer (no package index reachable, a pin it cannot find).
    """
    with tempfile.TemporaryDirectory(prefix="automl-lock-") as tmp:
        wanted = Path(tmp) / "requirements.txt"
        wanted.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
                   "--no-deps", "--quiet", "--report", str(report), "-r", str(wanted)]  # fmt: skip
        logger.info("Hashing %d requirements with pip (package index metadata only)", len(pins))
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  timeout=PIP_SECONDS, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            done = None
        if done is None or done.returncode != 0 or not report.is_file():
            reason = "timed out" if done is None else _last_error(done.stderr)
            raise DataError(
                f"Could not hash the service's {len(pins)} requirements with pip: {reason}",
                hint="automl asks the package index that `pip install` uses for the "
                "SHA-256 of every file it pins. Check that the index (or your "
                "mirror, PIP_INDEX_URL) is reachable, or pass --no-hashes to write exact "
                "pins without hashes.",
            )
        document = json.loads(report.read_text())
    return _hashes_of(document, pins)


def _hashes_of(document: dict[str, object], pins: dict[str, str]) -> dict[str, str]:
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for item in document.get("install") or []:  # type: ignore[attr-defined]
        name = canonicalize_name(item["metadata"]["name"])
        digest = ((item.get("download_info") or {}).get("archive_info") or {}).get("hashes", {})
        if "sha256" in digest:
            found[name] = digest["sha256"]
    missing = sorted(set(pins) - set(found))
    if missing:
        raise DataError(
            f"pip reported no SHA-256 for {len(missing)} requirement(s): {', '.join(missing)}.",
            hint="The package index must publish file hashes (PyPI does), or pass --no-hashes.",
        )
    return found


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("ERROR")]
    return (lines[-1] if lines else (stderr.strip().splitlines() or ["no output"])[-1])[:400]
