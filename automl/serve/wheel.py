"""A wheel of the exact installed automl, for the generated service: the saved model is a
pickle of automl's own classes, so the service must import the same automl code."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

__all__ = ["build_installed_wheel"]


def build_installed_wheel(folder: Path) -> Path:
    """Write ``automl-<version>-py3-none-any.whl`` from the installed package's files.

    Works for a normal and an editable install alike: it packs the ``automl`` package folder
    that Python imports (templates included) with the installed distribution's metadata.

    Args:
        folder: Where to write the wheel.

    Returns:
        The wheel's path.
    """
    from importlib import metadata

    import automl
    from automl.resources import templates_dir

    version = automl.__version__
    meta = metadata.metadata("automl")
    package = Path(automl.__file__).resolve().parent
    files: dict[str, bytes] = {}
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            files["automl/" + path.relative_to(package).as_posix()] = path.read_bytes()
    templates = templates_dir()
    if templates != package / "_templates":  # an editable install: ship the checkout's templates
        for path in sorted(templates.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                name = "automl/_templates/" + path.relative_to(templates).as_posix()
                files[name] = path.read_bytes()
    dist_info = f"automl-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = _metadata_text(meta).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: automl scaffold-serve\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    records = io.StringIO()
    writer = csv.writer(records, lineterminator="\n")
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([name, f"sha256={digest}", len(data)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files[f"{dist_info}/RECORD"] = records.getvalue().encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"automl-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return wheel


def _metadata_text(meta: object) -> str:
    """The core metadata: name, version, Python and dependency requirements (no extras)."""
    items = getattr(meta, "items")()  # noqa: B009 - email.message.Message-like
    keep = {"Metadata-Version", "Name", "Version", "Summary", "Requires-Python"}
    lines = [f"{key}: {value}" for key, value in items if key in keep]
    for key, value in items:
        if key == "Requires-Dist" and "extra ==" not in value:
            lines.append(f"Requires-Dist: {value}")
    return "\n".join(lines) + "\n"
