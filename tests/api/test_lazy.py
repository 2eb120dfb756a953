"""``import automl`` loads none of the heavy libraries: the API's names resolve on first use."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pandas", "numpy", "sklearn", "optuna", "pyarrow", "typer", "rich")


def _loaded(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.split()


def test_import_automl_and_its_errors_loads_no_heavy_library() -> None:
    assert _loaded("import automl") == []
    assert _loaded("import automl\nautoml.DataError\nautoml.__all__") == []


def test_the_api_names_resolve_without_loading_a_heavy_library() -> None:
    assert _loaded("import automl\nautoml.fit, automl.load, automl.Predictor, automl.Run") == []
