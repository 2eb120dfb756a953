"""Beyond one machine: one ``fit`` and two ``automl worker`` processes share a real PostgreSQL
server (started by ``.ci/run``; its URL in ``AUTOML_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import automl_executable, dataset, run_automl

URL = os.environ.get("AUTOML_TEST_POSTGRES_URL")
if not URL and os.environ.get("CI"):
    raise RuntimeError("CI must provide AUTOML_TEST_POSTGRES_URL (see .ci/postgres.sh)")
pytestmark = pytest.mark.skipif(not URL, reason="set AUTOML_TEST_POSTGRES_URL to a server")


def popen(*args: str | Path) -> subprocess.Popen[str]:
    # three processes share this machine's cores: like fit's own workers, they wait passively
    # (with OpenMP's default spinning a worker's hist_gb trial took 46 s instead of 2.5 s, and
    # the fit reached its trial count and stopped it before it finished)
    return subprocess.Popen(
        [*automl_executable(), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "OMP_WAIT_POLICY": "PASSIVE"},
    )


def study_of(experiment: str):
    import optuna

    assert URL is not None
    storage = URL.replace("postgresql://", "postgresql+psycopg://", 1)
    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        if summary.study_name.startswith(experiment + "/"):
            return optuna.load_study(study_name=summary.study_name, storage=storage)
    return None


def test_fit_and_two_workers_share_the_search(tmp_path: Path) -> None:
    assert URL is not None
    data = dataset("titanic").path
    experiment = f"pg-{uuid.uuid4().hex[:8]}"
    # a trial count, not a time budget: on a busy machine the workers start late and must still
    # finish a trial before the count is reached (when it is, the fit fails the trials still
    # running). Loaded, workers joined after 12 s with 5 trials done and finished their first
    # trials at 20-23 s; 30 trials took the three processes about a minute.
    fit = popen(
        "--home", tmp_path / "h", "fit", data, "--target", "Survived", "--n-trials", "30",
        "--n-jobs", "1", "--experiment", experiment, "--storage", URL, "--json",
    )  # fmt: skip
    end = time.monotonic() + 300
    while study_of(experiment) is None:
        assert time.monotonic() < end and fit.poll() is None, fit.communicate()
        time.sleep(0.5)
    workers = [popen("worker", data, "--experiment", experiment, "--storage", URL, "--json")
               for _ in range(2)]  # fmt: skip
    results = [p.communicate(timeout=900) for p in workers]
    out, err = fit.communicate(timeout=900)
    assert fit.returncode == 0, err
    for worker, (w_out, w_err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, w_err
        assert json.loads(w_out)["trials"] >= 1
    assert "automl:automl@" not in out + err  # the password is never printed

    study = study_of(experiment)
    trials = [t for t in study.get_trials(deepcopy=False) if t.state.name != "WAITING"]
    processes = {t.user_attrs.get("worker") for t in trials}
    assert len(processes) >= 3, processes  # the fit's local worker and the two others
    # evaluated = completed (a trial the deadline stopped may be drawn again, and a twin
    # drawn at the same moment is pruned with "duplicate of trial N")
    configs = [
        (t.params.get("family"), tuple(sorted(t.params.items())))
        for t in trials
        if t.params.get("family") != "constant" and t.state.name == "COMPLETE"
    ]
    assert len(configs) == len(set(configs)), "a configuration was evaluated twice"
    assert not [t for t in trials if "duplicate_of" in t.user_attrs and t.state.name != "PRUNED"]
    document = json.loads(out)
    assert Path(document["run_dir"], "model.joblib").is_file()
    record = json.loads(Path(document["run_dir"], "run.json").read_text())
    assert record["options"]["storage"].startswith("postgresql://automl:***@127.0.0.1")


def test_a_worker_for_an_unknown_experiment_is_exit_4() -> None:
    assert URL is not None
    result = run_automl("worker", dataset("titanic").path, "--experiment", "no-such-experiment",
                        "--storage", URL)  # fmt: skip
    assert result.code == 4
    assert "No run of experiment 'no-such-experiment'" in " ".join(result.stderr.split())
    assert "automl:automl@" not in result.stderr


def test_a_worker_with_other_data_is_refused(tmp_path: Path) -> None:
    assert URL is not None
    experiment = f"pg-{uuid.uuid4().hex[:8]}"
    data = dataset("titanic").path
    # a trial count: a run without a deadline is never "finished" for a joining worker, so the
    # data check is reached however late the worker starts
    fit = popen("--home", tmp_path / "h", "fit", data, "--target", "Survived", "--n-trials",
                "3", "--n-jobs", "1", "--experiment", experiment, "--storage", URL)  # fmt: skip
    end = time.monotonic() + 300
    while study_of(experiment) is None:
        assert time.monotonic() < end and fit.poll() is None, fit.communicate()
        time.sleep(0.5)
    other = tmp_path / "other.csv"
    other.write_bytes(data.read_bytes() + b"\n")
    result = run_automl("worker", other, "--experiment", experiment, "--storage", URL)
    fit.communicate(timeout=600)
    assert result.code == 3
    assert "is not the run's data" in " ".join(result.stderr.split())
