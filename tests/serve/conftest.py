"""The shared fixture of ``tests/serve``: one fitted titanic run and its generated service,
installed with ``pip install --require-hashes`` in a fresh virtual environment."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    folder = tmp_path_factory.mktemp("serve")
    home = folder / "home"
    fitted = run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                        "--n-trials", "4", "--n-jobs", "1", "--decision", "f1")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    out = folder / "service"
    result = run_automl("--home", home, "scaffold-serve", "--out", out, "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["hashed"] is True
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--require-hashes", "-r",
         "requirements-test.txt"],
        cwd=out, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    assert install.returncode == 0, install.stderr[-3000:]
    return Project(home, out, python, folder, install.stderr)
