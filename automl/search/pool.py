"""Local worker processes: started with their own environment, stopped by the coordinator.

Workers are fresh interpreters (``subprocess``, never ``fork``: a forked child can hang in
OpenMP after its parent trained a model). Each gets ``OMP_WAIT_POLICY=PASSIVE`` and its thread
count through ``env=``; they ignore SIGINT and leave when their parent dies.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automl.search.worker import STORAGE_ENV
from automl.store.schema import RunPaths, worker_log

__all__ = ["FILE_SYSTEM_EXIT", "WorkerPool", "refit_in_child", "threads_per_worker"]

logger = logging.getLogger(__name__)

#: A worker or the refit process exits with this plus the error number when the file system
#: refused a write (full, over quota, read-only): its log may be unwritable too, so the exit
#: code says it.
FILE_SYSTEM_EXIT = 64


def threads_per_worker(n_workers: int) -> int:
    """``max(1, cores // workers)``."""
    return max(1, (os.cpu_count() or 1) // max(1, n_workers))


@dataclass
class WorkerPool:
    """A set of local worker processes for one run.

    Attributes:
        data: The data file.
        storage_url: The Optuna storage URL (passed through the environment, not argv).
        study_name: The run's study.
        n_workers: How many workers.
        log_dir: Where each worker's stderr goes (``worker-<i>.log``).
        oof_dir: Where workers save out-of-fold predictions.
    """

    data: Path
    storage_url: str
    study_name: str
    n_workers: int
    log_dir: Path
    oof_dir: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        """Start the workers."""
        threads = threads_per_worker(self.n_workers)
        env = _child_env(self.storage_url, threads)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for index in range(self.n_workers):
            command = [
                sys.executable, "-P", "-m", "automl.search.worker",
                "--data", str(self.data), "--study", self.study_name,
                "--index", str(index), "--threads", str(threads),
                "--parent-pid", str(os.getpid()),
            ]  # fmt: skip
            if self.oof_dir is not None:
                command += ["--oof-dir", str(self.oof_dir)]
            log = worker_log(self.log_dir, index).open("wb")
            self.processes.append(
                subprocess.Popen(
                    command,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches only the coordinator
                )
            )
            log.close()

    def worker_ids(self) -> set[str]:
        """``host:pid`` of each worker, as its trials record it (the ``worker`` attribute)."""
        host = socket.gethostname()
        return {f"{host}:{process.pid}" for process in self.processes}

    def alive(self) -> int:
        """Workers still running."""
        return sum(p.poll() is None for p in self.processes)

    def stop(self, *, grace: float = 2.0) -> None:
        """Terminate every worker, then kill those still running after ``grace`` seconds."""
        for process in self.processes:
            if process.poll() is None:
                _signal(process, signal.SIGTERM)
        end = time.monotonic() + grace
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal(process, signal.SIGKILL)
                process.wait()

    def file_system_error(self) -> OSError | None:
        """The error of a worker that stopped because the file system refused a write (full,
        read-only...), as its exit code says; ``None`` if none did."""
        for process in self.processes:
            error = _file_system_error(process.returncode, self.log_dir.parent)
            if error is not None:
                return error
        return None

    def failures(self) -> list[str]:
        """The last line each failed worker wrote, for error messages."""
        lines = []
        for index, process in enumerate(self.processes):
            if process.returncode not in (None, 0, -signal.SIGTERM, -signal.SIGKILL):
                log = worker_log(self.log_dir, index)
                text = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
                last = text[-1] if text else f"exit code {process.returncode}"
                lines.append(f"worker {index}: {last}")
        return lines


def _child_env(storage_url: str, threads: int) -> dict[str, str]:
    return {
        **os.environ,
        "OMP_WAIT_POLICY": "PASSIVE",
        "OMP_NUM_THREADS": str(threads),
        "PYTHONUNBUFFERED": "1",
        STORAGE_ENV: storage_url,
    }


def refit_in_child(
    *,
    data: Path,
    storage_url: str,
    study_name: str,
    trials: list[int],
    weights: list[float],
    n_threads: int,
    deadline_epoch: float | None,
    run_dir: Path,
    max_predict_ms: float | None = None,
) -> dict[str, Any]:
    """Refit the chosen trial(s) in a fresh process (with ``OMP_WAIT_POLICY=PASSIVE``), which
    writes ``model.joblib`` and ``refit.json`` into the run folder.

    Returns:
        ``refit.json`` (see :func:`automl.search.refit.run_refit`).

    Raises:
        OSError: The refit process could not write (full, read-only...): its error number.
        RuntimeError: The refit process failed; the message has its last log line.
        KeyboardInterrupt: The user pressed Ctrl-C again (the process is stopped).
    """
    import json

    command = _refit_command(data, study_name, trials, weights, n_threads, run_dir,
                             deadline_epoch, max_predict_ms)  # fmt: skip
    log_path = RunPaths(run_dir).refit_log
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=_child_env(storage_url, n_threads),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        code = process.wait()
    except BaseException:
        _signal(process, signal.SIGKILL)
        process.wait()
        raise
    refused = _file_system_error(code, run_dir)
    if refused is not None:
        raise refused
    if code != 0:
        lines = log_path.read_text(errors="replace").strip().splitlines()
        raise RuntimeError(
            f"the final refit failed ({lines[-1] if lines else f'exit code {code}'}); "
            f"see {log_path}"
        )
    result: dict[str, Any] = json.loads(RunPaths(run_dir).refit.read_text())
    return result


def _refit_command(data: Path, study_name: str, trials: list[int], weights: list[float],
                   n_threads: int, run_dir: Path, deadline_epoch: float | None,
                   max_predict_ms: float | None) -> list[str]:  # fmt: skip
    """``python -m automl.search.refit ...`` for :func:`refit_in_child`."""
    command = [
        sys.executable, "-P", "-m", "automl.search.refit", "--data", str(data),
        "--study", study_name, "--trials", ",".join(map(str, trials)),
        "--weights", ",".join(repr(float(w)) for w in weights), "--threads", str(n_threads),
        "--out", str(run_dir),
    ]  # fmt: skip
    if deadline_epoch is not None:
        command += ["--deadline-epoch", repr(deadline_epoch)]
    if max_predict_ms:
        command += ["--max-predict-ms", repr(float(max_predict_ms))]
    return command


def _file_system_error(code: int | None, where: Path) -> OSError | None:
    number = (code or 0) - FILE_SYSTEM_EXIT
    if number in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
        return OSError(number, os.strerror(number), str(where))
    return None


def _signal(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
