"""A full disk is a clear exit 3 with a hint, and leaves nothing half-written; one run is
never fitted by two processes at once. The full disk is a real small tmpfs (``mounts`` in
conftest.py), filled up but for a few hundred kilobytes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import automl_executable, dataset, run_automl


def _temporary_files(folder: Path) -> list[Path]:
    """Files left under a temporary name (artifacts are written as ``.<name>.<random>``)."""
    return [p for p in folder.rglob(".*") if p.is_file()]


@pytest.mark.parametrize("free_kb", [250, 700])
def test_fit_on_a_full_disk_is_exit_3_with_nothing_half_written(mounts, free_kb: int) -> None:
    # 250 KB runs out while the run is set up, 700 KB during the search
    disk = mounts.tmpfs(size_kb=4096, free_kb=free_kb)
    home = disk / "home"
    result = run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                        "--n-trials", "8", "--n-jobs", "1")  # fmt: skip
    message = " ".join(result.stderr.split())
    assert result.code == 3, result.stderr
    assert "No space left on the device [ENOSPC]" in message
    assert "Free some space" in message
    assert "Unexpected" not in message and "server" not in message
    assert _temporary_files(home) == []
    for run_dir in (home / "default").glob("*"):
        assert not (run_dir / "model.joblib").exists()  # no model without its run.json


def test_predict_onto_a_full_disk_writes_nothing(mounts, tmp_path: Path) -> None:
    home = tmp_path / "home"
    titanic = dataset("titanic").path
    fitted = run_automl("--home", home, "fit", titanic, "--target", "Survived", "--n-trials",
                        "2", "--n-jobs", "1")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    disk = mounts.tmpfs(size_kb=1024, free_kb=8)  # the predictions take about 40 KB
    result = run_automl("--home", home, "predict", titanic, "--output", disk / "p.csv")
    message = " ".join(result.stderr.split())
    assert result.code == 3, result.stderr
    assert "No space left on the device [ENOSPC]" in message and "Unexpected" not in message
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]  # no partial or temporary file


def test_two_resumes_of_one_run_at_once_the_second_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    titanic = dataset("titanic").path
    first = run_automl("--home", home, "fit", titanic, "--target", "Survived", "--n-trials",
                       "2", "--n-jobs", "1", "--json")  # fmt: skip
    assert first.code == 0, first.stderr
    run_dir = Path(json.loads(first.stdout)["run_dir"])
    resume = [*automl_executable(), "--home", str(home), "fit", str(titanic), "--target",
              "Survived", "--n-trials", "500", "--n-jobs", "1", "--resume"]  # fmt: skip
    running = subprocess.Popen(resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               env={**os.environ, "PYTHONFAULTHANDLER": "1"})  # fmt: skip
    try:
        lock = run_dir / "fit.lock"
        end = time.monotonic() + 120
        while not (lock.is_file() and lock.read_text().startswith(f"{running.pid} ")):
            assert running.poll() is None, "the first resume ended early"
            assert time.monotonic() < end, "the first resume never held the run's lock"
            time.sleep(0.2)
        second = run_automl("--home", home, "fit", titanic, "--target", "Survived",
                            "--n-trials", "500", "--n-jobs", "1", "--resume")  # fmt: skip
        message = " ".join(second.stderr.split())
        assert second.code == 3, second.stderr
        expected = f"is being fitted by process {running.pid} on host {socket.gethostname()}"
        assert f"Run default/{run_dir.name} {expected}" in message
    finally:
        if running.poll() is None:
            os.killpg(running.pid, signal.SIGINT)
        try:
            running.communicate(timeout=120)
        except subprocess.TimeoutExpired:  # a hang after Ctrl-C: show where every thread is
            os.kill(running.pid, signal.SIGABRT)  # faulthandler dumps each thread's stack
            _, err = running.communicate(timeout=60)
            with contextlib.suppress(ProcessLookupError):  # its workers, if any are left
                os.killpg(running.pid, signal.SIGKILL)
            pytest.fail(f"the interrupted resume did not exit within 120 s:\n{err[-8000:]}")
    assert running.returncode == 130
    again = run_automl("--home", home, "fit", titanic, "--target", "Survived", "--n-trials",
                       "1", "--n-jobs", "1", "--resume")  # fmt: skip
    assert again.code == 0, again.stderr  # the lock went with its process
