"""With ``--n-trials``, ``fit`` fails only its own workers' trials when its search ends: a trial
that another process (an ``automl worker`` elsewhere) is running in the same study goes on."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import optuna

from tests.conftest import automl_executable, dataset


def test_n_trials_leaves_another_process_s_running_trial_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    fit = subprocess.Popen(
        [*automl_executable(), "--home", str(home), "fit", str(dataset("titanic").path),
         "--target", "Survived", "--n-trials", "4", "--models", "linear", "--n-jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip
    try:
        # the workers' log folder exists once the study is created (never create the schema
        # from two processes at once)
        end = time.monotonic() + 300
        while not list(home.glob("default/*/logs")):
            assert fit.poll() is None, fit.communicate()[1]
            assert time.monotonic() < end, "fit did not start its workers"
            time.sleep(0.1)
        url = f"sqlite:///{home / 'automl.db'}"
        (summary,) = optuna.get_all_study_summaries(url)
        study = optuna.load_study(study_name=summary.study_name, storage=url)
        ours = study.ask()  # as `automl worker` on another machine would
        ours.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
        ours.set_user_attr("family", "linear")
        stderr = fit.communicate(timeout=600)[1]
    finally:
        if fit.poll() is None:
            fit.kill()
    assert fit.returncode == 0, stderr
    trial = study.trials[ours.number]
    assert trial.state == optuna.trial.TrialState.RUNNING
    assert "error" not in trial.user_attrs
    others = [t for t in study.trials if t.number != ours.number]
    assert len(others) == 3 and all(t.state.is_finished() for t in others)
