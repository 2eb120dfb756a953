"""What users install: the package and its templates come from the wheel, not the checkout."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import automl
from automl.resources import templates_dir

REPO = Path(__file__).resolve().parents[1]


def test_templates_are_found_and_include_the_service_stub() -> None:
    folder = templates_dir()
    assert (folder / "service" / "README.md.jinja").is_file()


@pytest.mark.skipif(
    os.environ.get("AUTOML_TEST_INSTALLED") != "1", reason="only under nox, against the wheel"
)
def test_package_and_templates_come_from_the_installed_wheel() -> None:
    package = Path(automl.__file__).resolve().parent
    assert package != REPO / "automl", f"tests imported the checkout at {package}"
    assert "site-packages" in package.parts
    assert templates_dir() == package / "_templates"
