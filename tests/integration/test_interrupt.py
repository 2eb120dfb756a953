"""Ctrl-C during a search: the best model is refitted in fit's own process, at once (no refit
process to start), saved, and usable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd

from tests.conftest import automl_executable, dataset, run_automl


def _completed_trials(home: Path) -> int:
    import sqlite3

    database = home / "automl.db"
    if not database.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as connection:
            query = "SELECT count(*) FROM trials WHERE state = 'COMPLETE'"
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.Error:  # the schema is being created
        return 0


def test_ctrl_c_saves_the_model_without_a_refit_process(tmp_path: Path) -> None:
    home = tmp_path / "home"
    titanic = dataset("titanic").path
    process = subprocess.Popen(
        [*automl_executable(), "--home", str(home), "fit", str(titanic), "--target", "Survived",
         "--n-trials", "500", "--n-jobs", "2", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    end = time.monotonic() + 180
    while _completed_trials(home) < 3:
        assert process.poll() is None, "fit ended before it was interrupted"
        assert time.monotonic() < end, "fewer than 3 trials completed in 180 s"
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    document = json.loads(out)
    assert document["status"] == "interrupted" and document["model"]["kind"] == "single"
    run_dir = Path(document["run_dir"])
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "interrupted" and (run_dir / "model.joblib").is_file()
    assert not (run_dir / "logs" / "refit.log").exists()  # refitted in fit's own process
    predicted = run_automl("--home", home, "predict", titanic, "--output", tmp_path / "p.csv")
    assert predicted.code == 0, predicted.stderr
    assert len(pd.read_csv(tmp_path / "p.csv")) == 891
