"""Developer sessions: ``nox -s lint``, ``typecheck``, ``tests`` and ``bench``.

``tests`` builds the wheel and installs it (not the source tree), so that what is tested is what
users install, ``templates/`` included.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


def _install_wheel(session: nox.Session, extras: str) -> None:
    """Build automl's wheel into a fresh folder and install it with ``extras``."""
    out = tempfile.mkdtemp(prefix="automl-wheel-")
    try:
        session.run("python", "-m", "pip", "wheel", "--no-deps", "-q", "-w", out, ".")
        (wheel,) = glob.glob(os.path.join(out, "automl-*.whl"))
        session.install("--force-reinstall", "--no-deps", wheel)
        session.install(f"{wheel}[{extras}]")
    finally:
        shutil.rmtree(out, ignore_errors=True)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff: lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "automl", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "automl", "tests", "benchmarks", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """Mypy on the package and the benchmarks."""
    session.install("mypy>=1.10", "pandas-stubs", "-e", ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite, against the installed wheel. Fails if no test was collected."""
    _install_wheel(session, "test,serve,report")
    env = {"AUTOML_TEST_INSTALLED": "1"}
    # One pytest worker per core (pytest-xdist), the tests of a file (or of a folder sharing
    # session fixtures) in one worker: see tests/conftest.py. pytest exits 5 when it collects
    # nothing, with or without workers, which nox reports as a failure.
    args = session.posargs or ["tests", "-n", "auto", "--dist", "loadgroup", "--durations=25"]
    session.run("pytest", *args, env=env)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks (long; cached per dataset and system). Pass names to run a subset."""
    _install_wheel(session, "test,serve,report")
    session.run("python", "-m", "benchmarks", *session.posargs)
