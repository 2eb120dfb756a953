"""docs/python-api.md: every public name documented, and every example runs as written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import automl
import automl.sklearn
from tests.conftest import REPO, dataset

DOC = REPO / "docs" / "python-api.md"


def _examples() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", DOC.read_text(), flags=re.M | re.S)


def test_every_public_name_has_a_reference_heading() -> None:
    text = DOC.read_text()
    headings = set(re.findall(r"^#+ `automl\.(\w+)", text, flags=re.M))
    missing = [name for name in automl.__all__ if name not in headings]
    assert not missing, f"not documented in {DOC.name}: {missing}"
    for name in automl.sklearn.__all__:
        assert f"automl.sklearn.{name}" in text or f"`{name}`" in text, name


def test_every_public_name_resolves() -> None:
    for name in automl.__all__:
        assert getattr(automl, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = automl.nope  # type: ignore[attr-defined]


@pytest.mark.slow
def test_the_examples_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _examples()
    assert len(examples) >= 5
    shutil.copy(dataset("titanic").path, tmp_path / "titanic.csv")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTOML_HOME", raising=False)
    monkeypatch.delenv("AUTOML_STORAGE_URL", raising=False)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, source in enumerate(examples, start=1):
        try:
            exec(compile(source, f"{DOC.name} example {number}", "exec"), namespace)
        except Exception as error:  # name the example that failed
            raise AssertionError(f"example {number} failed:\n{source}") from error
    assert (tmp_path / "runs" / ".frames").is_dir()
    assert not (tmp_path / "automl-runs").exists()  # the examples say where runs go
