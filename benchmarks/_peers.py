"""The systems the quality benchmark compares ("peers"), automl among them.

A peer fits on a split's ``train.csv`` within the budget and writes predictions for
``test.csv`` in automl's format (``prediction``, plus ``proba_<class>`` per class for
classification); the harness scores every peer's file with the same function.

Two kinds:

- :class:`AutomlPeer` drives the real command line: ``automl fit`` then ``automl predict``, with
  ``AUTOML_HOME`` set to a fresh temporary folder.
- :class:`ScriptPeer` is a library run by a script of ``benchmarks/runners/`` in a virtual
  environment (:mod:`benchmarks._venv`). Adding one is a name, an :class:`Environment` (or
  ``None`` for automl's own, which has LightGBM) and a runner script built on
  ``runners/_common.py``; then list it in :data:`PEERS`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks._datasets import Split
from benchmarks._process import ChildRun, find_automl, run_child
from benchmarks._result import BenchmarkError
from benchmarks._venv import Environment, ready_environment

__all__ = [
    "AUTOGLUON",
    "FLAML",
    "PEERS",
    "AutomlPeer",
    "Job",
    "Peer",
    "PeerError",
    "PeerRun",
    "ScriptPeer",
]

RUNNERS = Path(__file__).resolve().parent / "runners"
_EXPERIMENT = "bench"
#: automl's saved model must predict 1,000 rows within this many milliseconds (the quality
#: benchmark's target); ``fit`` has no limit unless given ``--max-predict-ms``.
PREDICT_MS_LIMIT = 50.0


@dataclass(frozen=True)
class Job:
    """One fit of one peer.

    Attributes:
        split: The train and test files.
        budget: Seconds for the search.
        work: An empty folder for this job's files (predictions, logs).
        cache_root: ``.bench-cache``, under which environments are built.
    """

    split: Split
    budget: float
    work: Path
    cache_root: Path


@dataclass(frozen=True)
class PeerRun:
    """What a peer produced.

    Attributes:
        predictions: The predictions file.
        fit_wall_seconds: Wall time of the fitting process, start to exit.
        info: Anything else worth keeping: versions, the model chosen, predict times.
    """

    predictions: Path
    fit_wall_seconds: float
    info: dict[str, Any] = field(default_factory=dict)


class PeerError(Exception):
    """A peer failed; ``info`` keeps what was measured before it did."""

    def __init__(self, message: str, info: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.info = info or {}


class Peer(ABC):
    """A system compared by the quality benchmark.

    Attributes:
        name: The system's name on the command line and in the cache keys.
        description: One line for the report.
        default: Whether it runs when ``--systems`` is not given.
    """

    name: str
    description: str
    default: bool

    @abstractmethod
    def run(self, job: Job) -> PeerRun:
        """Fit on ``job.split.train`` within ``job.budget`` and predict ``job.split.test``.

        Raises:
            PeerError: It failed; the message says where, with the end of its error output.
        """


class AutomlPeer(Peer):
    """``automl fit`` and ``automl predict`` as child processes, as a user runs them."""

    name = "automl"
    description = f"automl fit (the CLI), default options and --max-predict-ms {PREDICT_MS_LIMIT:g}"
    default = True

    def run(self, job: Job) -> PeerRun:
        """Fit, then predict; read the chosen model's predict time from the run folder."""
        split = job.split
        try:
            automl = find_automl()
        except BenchmarkError as exc:
            raise PeerError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="automl-bench-home-") as home:
            env = {**os.environ, "AUTOML_HOME": home}
            fit_argv = [
                automl, "fit", str(split.train), "--target", split.dataset.target,
                "--time-budget", f"{job.budget:g}", "--seed", str(split.seed),
                "--experiment", _EXPERIMENT, "--max-predict-ms", f"{PREDICT_MS_LIMIT:g}",
            ]  # fmt: skip
            fit = _child(fit_argv, env=env, timeout=2 * job.budget + 120, job=job, log="fit")
            info: dict[str, Any] = {
                "fit_command": _display(fit_argv),
                "fit_exit_code": fit.returncode,
                "fit_peak_rss_mb": round(fit.peak_rss_bytes / 1e6, 1),
                "source": source_revision(),
            }
            if fit.returncode != 0:
                raise PeerError(
                    f"automl fit exited with {fit.returncode}: {_tail(fit.stderr)}",
                    {**info, "fit_wall_seconds": round(fit.wall_seconds, 3)},
                )
            info.update(_run_folder(Path(home), job.work))
            predictions = job.work / "predictions.csv"
            predict_argv = [
                automl, "predict", str(split.test), "--experiment", _EXPERIMENT,
                "--output", str(predictions),
            ]  # fmt: skip
            predict = _child(predict_argv, env=env, timeout=600, job=job, log="predict")
            info["predict_wall_seconds"] = round(predict.wall_seconds, 3)
            info["predict_exit_code"] = predict.returncode
            if predict.returncode != 0:
                raise PeerError(
                    f"automl predict exited with {predict.returncode}: {_tail(predict.stderr)}",
                    {**info, "fit_wall_seconds": round(fit.wall_seconds, 3)},
                )
        return PeerRun(predictions, fit.wall_seconds, info)


class ScriptPeer(Peer):
    """A library run by ``benchmarks/runners/<script>`` in its own virtual environment.

    Args:
        name: The system's name.
        description: One line for the report.
        script: The runner's file name in ``benchmarks/runners/`` (never the name of the
            library it imports: the script's folder comes first on ``sys.path``).
        environment: Where it runs; ``None`` is the environment running the benchmarks.
        args: More arguments for the script (``--preset best_quality``).
        default: Whether it runs when ``--systems`` is not given.
        grace: Seconds allowed past the budget (imports, retraining, prediction) before the
            script is killed; the timeout is twice the budget plus this.
    """

    def __init__(
        self,
        name: str,
        description: str,
        *,
        script: str,
        environment: Environment | None,
        args: tuple[str, ...] = (),
        default: bool = True,
        grace: float = 300.0,
    ) -> None:
        self.name = name
        self.description = description
        self.script = RUNNERS / script
        self.environment = environment
        self.args = args
        self.default = default
        self.grace = grace

    def run(self, job: Job) -> PeerRun:
        """Set up the environment if needed, run the script, read its predictions and info."""
        try:
            env = ready_environment(self.environment, job.cache_root)
        except BenchmarkError as exc:
            raise PeerError(str(exc)) from exc
        split = job.split
        predictions = job.work / "predictions.csv"
        info_path = job.work / "info.json"
        argv = [
            str(env.python), str(self.script),
            "--train", str(split.train), "--test", str(split.test),
            "--target", split.dataset.target, "--task", split.dataset.task,
            "--metric", split.dataset.metric, "--budget", f"{job.budget:g}",
            "--seed", str(split.seed), "--output", str(predictions), "--info", str(info_path),
            *self.args,
        ]  # fmt: skip
        # The peer's environment only: nothing of this one may leak onto its import path.
        child_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
        run = _child(
            argv, env=child_env, timeout=2 * job.budget + self.grace, job=job, log="runner"
        )
        info: dict[str, Any] = {
            "command": _display(argv),
            "exit_code": run.returncode,
            "peak_rss_mb": round(run.peak_rss_bytes / 1e6, 1),
            "environment": env.versions,
        }
        if run.returncode != 0 or not predictions.is_file():
            raise PeerError(
                f"{self.script.name} exited with {run.returncode}: {_tail(run.stderr)}",
                {**info, "fit_wall_seconds": round(run.wall_seconds, 3)},
            )
        with contextlib.suppress(OSError, ValueError):  # the predictions are what matters
            info.update(json.loads(info_path.read_text(encoding="utf-8")))
        return PeerRun(predictions, run.wall_seconds, info)


def _child(argv: list[str], *, env: dict[str, str], timeout: float, job: Job, log: str) -> ChildRun:
    """Run ``argv`` in the job's folder, keeping its output there as ``<log>.out/.err``."""
    try:
        child = run_child(argv, env=env, timeout=timeout, cwd=job.work)
    except BenchmarkError as exc:  # killed at the timeout
        raise PeerError(str(exc), {"fit_wall_seconds": timeout}) from exc
    (job.work / f"{log}.out").write_text(child.stdout, encoding="utf-8")
    (job.work / f"{log}.err").write_text(child.stderr, encoding="utf-8")
    return child


def _run_folder(home: Path, work: Path) -> dict[str, Any]:
    """What the run folder says about the chosen model; copies its JSON files to ``work``."""
    runs = sorted(home.glob(f"{_EXPERIMENT}/*/run.json"))
    if len(runs) != 1:
        raise PeerError(f"expected one run.json under AUTOML_HOME/{_EXPERIMENT}, found {len(runs)}")
    run_dir = runs[0].parent
    for name in ("run.json", "leaderboard.json"):
        if (run_dir / name).is_file():
            shutil.copy2(run_dir / name, work / name)
    try:
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        rows = json.loads((run_dir / "leaderboard.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PeerError(f"cannot read the run folder {run_dir}: {exc}") from exc
    best = record.get("best") or {}
    trial = best.get("trial")
    chosen = [r for r in rows if trial is not None and r.get("trial") == trial]
    chosen = chosen or [r for r in rows if r.get("rank") == 1]
    row = chosen[0] if chosen else {}
    trials = record.get("trials") or {}
    saved = record.get("model") or {}
    members = saved.get("members") or []
    model: str | None = best.get("family")
    if saved.get("kind") == "ensemble" and len(members) > 1:
        model = "ensemble(" + ",".join(str(m).split("#")[0] for m in members) + ")"
    return {
        "run_id": record.get("run_id"),
        "status": record.get("status"),
        "model": model,
        "trial": trial,
        "cv_mean": saved.get("cv_mean", best.get("cv_mean")),
        # the saved model's (ensemble or single), measured by fit after the refit
        "predict_ms_per_1000": saved.get("predict_ms_per_1000", row.get("predict_ms_per_1000")),
        "trials": trials,
        "fit_seconds_reported": (record.get("timings") or {}).get("seconds"),
        "refit_seconds": (record.get("timings") or {}).get("refit_seconds"),
        "versions": record.get("versions"),
        "notes": record.get("notes"),
    }


def source_revision() -> str | None:
    """Which automl code ran: the git commit, plus ``+dirty.<hash of the diff>`` if ``automl/``
    has uncommitted changes; ``None`` outside a git checkout.

    The cache's system key only holds automl's version number, which an editable install does
    not change, so this tells results of different code apart.
    """
    repo = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        diff = subprocess.run(
            ["git", "-C", str(repo), "diff", "HEAD", "--", "automl"],
            capture_output=True, timeout=30, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if head.returncode != 0:
        return None
    revision = head.stdout.strip()
    if diff.returncode == 0 and diff.stdout:
        revision += f"+dirty.{hashlib.sha256(diff.stdout).hexdigest()[:8]}"
    return revision


def _display(argv: list[str]) -> str:
    return " ".join(argv)


def _tail(stderr: str, lines: int = 6, chars: int = 1200) -> str:
    """The end of an error output: the last lines that say something."""
    kept = [
        line.rstrip()
        for line in stderr.splitlines()
        if line.strip() and not line.startswith("searching:")  # automl's progress lines
    ][-lines:]
    text = " | ".join(kept)
    return (text[-chars:] if len(text) > chars else text) or "(no error output)"


#: FLAML's environment: ``pip install 'flaml[automl]' pandas pyarrow``.
FLAML = Environment(
    name="flaml",
    requirements=("flaml[automl]", "pandas", "pyarrow"),
    report=("flaml", "lightgbm", "xgboost", "scikit-learn", "pandas", "numpy", "pyarrow"),
)
#: AutoGluon's environment (it pins pandas below 2.4, hence its own).
AUTOGLUON = Environment(
    name="autogluon",
    requirements=("autogluon.tabular[lightgbm,catboost]",),
    report=("autogluon.tabular", "lightgbm", "catboost", "scikit-learn", "pandas", "numpy"),
)

#: Every peer by name, in report order. Those with ``default=False`` run only when named.
PEERS: dict[str, Peer] = {
    peer.name: peer
    for peer in (
        AutomlPeer(),
        ScriptPeer(
            "lightgbm_default",
            "LightGBM 4, default parameters, text columns as pandas category",
            script="run_lightgbm.py",
            environment=None,
            grace=120.0,
        ),
        ScriptPeer(
            "flaml",
            "FLAML AutoML, same budget, metric and seed, n_jobs=-1",
            script="run_flaml.py",
            environment=FLAML,
        ),
        ScriptPeer(
            "autogluon_medium",
            "AutoGluon TabularPredictor, presets=medium_quality, time_limit=budget",
            script="run_autogluon.py",
            environment=AUTOGLUON,
            args=("--preset", "medium_quality"),
            default=False,
        ),
        ScriptPeer(
            "autogluon_best",
            "AutoGluon TabularPredictor, presets=best_quality, time_limit=budget",
            script="run_autogluon.py",
            environment=AUTOGLUON,
            args=("--preset", "best_quality"),
            default=False,
            grace=900.0,
        ),
    )
}
