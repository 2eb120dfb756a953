"""Artifacts: written with the permissions the umask gives; a model unpickled only from bytes
whose SHA-256 matches both ``run.json`` and the study."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from automl.errors import DataError
from automl.store.artifacts import dump_model, load_model, write_bytes
from tests.conftest import dataset, run_automl


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_artifacts_get_the_permissions_the_umask_gives(tmp_path: Path, mask: int, mode: int):
    with umask(mask):
        write_bytes(tmp_path / "predictions.csv", b"prediction\n1\n")
        digest = dump_model(tmp_path / "model.joblib", {"a": 1})
    for name in ("predictions.csv", "model.joblib"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode
    assert load_model(tmp_path / "model.joblib", digest) == {"a": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.joblib", "predictions.csv"]


def test_predict_writes_its_output_with_the_users_umask(fitted: Path, tmp_path: Path) -> None:
    out = tmp_path / "pred.csv"
    data = dataset("titanic").path
    result = subprocess.run(
        ["sh", "-c", 'umask 077 && exec "$@"', "sh", *automl_command(), "--home", str(fitted),
         "predict", str(data), "--output", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_tampered_model_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "model.joblib"
    digest = dump_model(path, Payload(str(marker)))
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(DataError, match="SHA-256"):
        load_model(path, digest)
    assert not marker.exists()


class Payload:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (Path(self.marker),))  # type: ignore[return-value]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("store") / "home"
    result = run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                        "--models", "lightgbm", "--n-trials", "1", "--n-jobs", "1")  # fmt: skip
    assert result.code == 0, result.stderr
    return home


def automl_command() -> list[str]:
    from tests.conftest import automl_executable

    return automl_executable()


def test_a_pickle_replaced_with_its_hash_in_run_json_is_refused(fitted: Path, tmp_path: Path):
    (run_dir,) = (fitted / "default").iterdir()
    model, record_path = run_dir / "model.joblib", run_dir / "run.json"
    original_model, original_record = model.read_bytes(), record_path.read_text()
    marker = tmp_path / "payload-ran"
    try:
        subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from automl.store.artifacts import dump_model\n"
             "class Payload:\n"
             "    def __reduce__(self): return (Path.touch, (Path(sys.argv[2]),))\n"
             "dump_model(Path(sys.argv[1]), Payload())",
             str(model), str(marker)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        record = json.loads(original_record)
        record["artifacts"]["model.joblib"]["sha256"] = hashlib.sha256(
            model.read_bytes()
        ).hexdigest()
        record_path.write_text(json.dumps(record))
        result = run_automl("--home", fitted, "predict", dataset("titanic").path, "--output",
                            tmp_path / "out.csv")  # fmt: skip
        assert result.code == 3, result.stderr
        assert "differs from the one fit recorded in the study" in " ".join(result.stderr.split())
        assert not marker.exists() and not (tmp_path / "out.csv").exists()
    finally:
        model.write_bytes(original_model)
        record_path.write_text(original_record)
