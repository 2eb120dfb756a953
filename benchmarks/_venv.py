"""Virtual environments for the peers of the quality benchmark, created once under the cache.

Each peer library runs in its own environment (AutoGluon pins pandas below 2.4; FLAML pulls
xgboost) so that none of them changes what automl runs against::

    .bench-cache/venvs/<name>/            python -m venv, then pip install <requirements>
    .bench-cache/venvs/<name>/ready.json  written last: the requirements and installed versions
    .bench-cache/venvs/<name>.log         pip's output

An environment without ``ready.json``, or whose requirements changed, is deleted and built
again. Programs run with ``<venv>/bin/python -m ...``, never through a script's shebang.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks._result import BenchmarkError

__all__ = ["Environment", "ready_environment"]

_READY = "ready.json"
_PIP_TIMEOUT = 3600.0
# Read back from the finished environment and stored with every result.
_VERSIONS = """
import json, sys
from importlib import metadata
out = {"python": sys.version.split()[0]}
for name in sys.argv[1:]:
    try:
        out[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        pass
print(json.dumps(out))
"""


@dataclass(frozen=True)
class Environment:
    """A virtual environment that a peer's runner script runs in.

    Attributes:
        name: Its folder under ``.bench-cache/venvs/``; peers may share one.
        requirements: What ``pip install`` gets, exactly as written on its command line.
        report: Distributions whose versions are recorded with every result.
    """

    name: str
    requirements: tuple[str, ...]
    report: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReadyEnvironment:
    """An environment that is set up.

    Attributes:
        python: Its interpreter.
        versions: The Python version and those of :attr:`Environment.report`.
    """

    python: Path
    versions: dict[str, Any]


_ready: dict[tuple[Path, str], ReadyEnvironment | BenchmarkError] = {}


def ready_environment(env: Environment | None, root: Path) -> ReadyEnvironment:
    """Return ``env`` set up under ``root/venvs``, building it the first time.

    Args:
        env: The environment; ``None`` is the one running the benchmarks (where automl, and
            therefore LightGBM, is installed).
        root: The cache folder (``.bench-cache``).

    Returns:
        Its interpreter and package versions. A failure is remembered for the rest of the
        process, so that it is reported once per dataset rather than rebuilt each time.

    Raises:
        BenchmarkError: ``venv`` or ``pip`` failed.
    """
    key = (root, env.name if env is not None else "")
    if key not in _ready:
        try:
            if env is None:
                python = Path(sys.executable)
                _ready[key] = ReadyEnvironment(python, _versions(python, ()))
            else:
                _ready[key] = _build(env, root / "venvs")
        except BenchmarkError as exc:
            _ready[key] = exc
    known = _ready[key]
    if isinstance(known, BenchmarkError):
        raise known
    return known


def _build(env: Environment, folder: Path) -> ReadyEnvironment:
    path = (folder / env.name).absolute()
    python = path / "bin" / "python"
    marker = path / _READY
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        recorded = None
    if isinstance(recorded, dict) and recorded.get("requirements") == list(env.requirements):
        return ReadyEnvironment(python, dict(recorded.get("versions", {})))
    if path.exists():
        shutil.rmtree(path)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{env.name}.log"
    print(
        f"quality: creating the {env.name!r} environment in {path} "
        f"(pip install {' '.join(env.requirements)}; log in {log})",
        file=sys.stderr,
    )
    with log.open("w", encoding="utf-8") as out:
        for argv in (
            [sys.executable, "-m", "venv", str(path)],
            [str(python), "-m", "pip", "install", "--upgrade", "pip"],
            [str(python), "-m", "pip", "install", *env.requirements],
        ):
            out.write(f"$ {' '.join(argv)}\n")
            out.flush()
            try:
                done = subprocess.run(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=_PIP_TIMEOUT,
                    env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
                    check=False,
                )
            except subprocess.TimeoutExpired:
                raise BenchmarkError(
                    f"Setting up the {env.name!r} environment timed out: {' '.join(argv)}"
                ) from None
            if done.returncode != 0:
                raise BenchmarkError(
                    f"Setting up the {env.name!r} environment failed ({' '.join(argv)} exited "
                    f"with {done.returncode}); see {log}: {_tail(log)}"
                )
    versions = _versions(python, env.report)
    marker.write_text(
        json.dumps({"requirements": list(env.requirements), "versions": versions}, indent=2),
        encoding="utf-8",
    )
    return ReadyEnvironment(python, versions)


def _versions(python: Path, names: tuple[str, ...]) -> dict[str, Any]:
    names = names or ("automl", "lightgbm", "pandas", "numpy", "scikit-learn")
    done = subprocess.run(
        [str(python), "-c", _VERSIONS, *names],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"{python} cannot report its packages: {done.stderr[-500:]}")
    return dict(json.loads(done.stdout))


def _tail(path: Path, chars: int = 600) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return text[-chars:].strip()
