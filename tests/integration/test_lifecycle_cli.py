"""Aliases through the real CLI: promote, promote another, roll back; ``--alias`` on the
reading commands; two concurrent promotes; ``compare`` and ``promote --if-better``. On the
home's SQLite file, and on the PostgreSQL server ``.ci/run`` starts (its URL in
``AUTOML_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import automl_executable, dataset, run_automl

POSTGRES = os.environ.get("AUTOML_TEST_POSTGRES_URL")
DATA = dataset("titanic").path


@dataclass(frozen=True)
class Home:
    """Two fitted runs of one experiment, in a home and a storage."""

    home: Path
    storage: list[str]  # ["--storage", URL] or []
    experiment: str
    lightgbm: str
    linear: str

    def run(self, *args: str | Path) -> tuple[int, str, str]:
        result = run_automl("--home", self.home, *self.storage, *args)
        return result.code, result.stdout, " ".join(result.stderr.split())

    def json(self, *args: str | Path) -> dict:
        code, out, err = self.run(*args, "--json")
        assert code == 0, err
        return json.loads(out)


def _fit(home: Path, storage: list[str], experiment: str, *models: str) -> str:
    result = run_automl("--home", home, *storage, "fit", DATA, "--target", "Survived",
                        "--n-trials", "2", "--n-jobs", "1", "--experiment", experiment,
                        "--models", ",".join(models), "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    return str(json.loads(result.stdout)["run_id"])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fitted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Home:
    if request.param == "postgresql" and not POSTGRES:
        if os.environ.get("CI"):
            raise RuntimeError("CI must provide AUTOML_TEST_POSTGRES_URL (see .ci/postgres.sh)")
        pytest.skip("set AUTOML_TEST_POSTGRES_URL to a server")
    storage = ["--storage", POSTGRES] if request.param == "postgresql" and POSTGRES else []
    home = tmp_path_factory.mktemp(f"life-{request.param}")
    experiment = f"life-{uuid.uuid4().hex[:8]}"
    lightgbm = _fit(home, storage, experiment, "lightgbm")
    linear = _fit(home, storage, experiment, "linear")
    return Home(home, storage, experiment, lightgbm, linear)


def _predictions(home: Home, tmp: Path, *selector: str) -> str:
    out = tmp / f"p-{uuid.uuid4().hex[:6]}.csv"
    code, _, err = home.run("predict", DATA, "--experiment", home.experiment, *selector,
                            "--output", out)  # fmt: skip
    assert code == 0, err
    return out.read_text()


def test_promote_promote_rollback_keeps_history_and_predict_follows(
    fitted: Home, tmp_path: Path
) -> None:
    h, e = fitted, fitted.experiment
    alias = "production"
    by_run = {r: _predictions(h, tmp_path, "--run", r) for r in (h.lightgbm, h.linear)}
    assert by_run[h.lightgbm] != by_run[h.linear]
    expected = []
    for step, run in (("promote", h.lightgbm), ("promote", h.linear), ("rollback", h.lightgbm)):
        if step == "promote":
            document = h.json("promote", run, "--alias", alias)
            assert document["changed"] and document["run_id"] == run
        else:
            document = h.json("rollback", "--alias", alias, "--experiment", e)
            assert document["run_id"] == run and document["previous_run_id"] == h.linear
        expected.append((step, run))
        assert _predictions(h, tmp_path, "--alias", alias) == by_run[run]
    history = h.json("aliases", "--experiment", e, "--history")["history"]
    assert [(x["action"], x["run_id"]) for x in history] == expected
    assert [x["seq"] for x in history] == [1, 2, 3]
    assert history[1]["previous_run_id"] == h.lightgbm
    assert f"rollback --alias {alias} --experiment {e}" in history[2]["command"]
    now = h.json("aliases", "--experiment", e)["aliases"]
    assert [(a["alias"], a["run_id"], a["set_by"]) for a in now] == [
        (alias, h.lightgbm, "rollback")
    ]
    # the other reading commands follow the alias too
    assert h.json("show", "--alias", alias, "--experiment", e)["run_id"] == h.lightgbm
    board = h.json("leaderboard", "--alias", alias, "--experiment", e)
    assert board["runs"] == [h.lightgbm]
    # nothing before the first holder
    code, _, err = h.run("rollback", "--alias", alias, "--experiment", e)
    assert code == 4 and "no earlier holder" in err


def test_two_concurrent_promotes_lose_no_entry(fitted: Home) -> None:
    h = fitted
    alias = f"race-{uuid.uuid4().hex[:6]}"
    runs = [h.lightgbm, h.linear, h.lightgbm, h.linear]
    env = {**os.environ, "NO_COLOR": "1"}
    commands = [[*automl_executable(), "--home", str(h.home), *h.storage, "promote", run,
                 "--alias", alias, "--json"] for run in runs]  # fmt: skip
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for c in commands
    ]
    results = [p.communicate(timeout=300) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
    changed = [json.loads(out) for out, _ in results]
    history = h.json("aliases", "--experiment", h.experiment, "--history")["history"]
    mine = [x for x in history if x["alias"] == alias]
    # every promotion that changed the holder is one entry, numbered without a gap
    assert len(mine) == sum(d["changed"] for d in changed) >= 2
    assert [x["seq"] for x in mine] == list(range(1, len(mine) + 1))
    for before, after in itertools.pairwise(mine):
        assert after["previous_run_id"] == before["run_id"] != after["run_id"]
    now = h.json("aliases", "--experiment", h.experiment)["aliases"]
    assert {a["alias"]: a["run_id"] for a in now}[alias] == mine[-1]["run_id"]


def test_compare_a_model_with_itself_is_indistinguishable(fitted: Home) -> None:
    h = fitted
    document = h.json("compare", h.lightgbm, h.lightgbm, "--data", DATA)
    assert document["verdict"] == "indistinguishable"
    assert document["difference"] == 0 and document["challenger_ahead"] == 0
    assert document["resamples"] == 2000 and document["n_rows"] == 891
    code, out, err = h.run("compare", h.lightgbm, h.lightgbm, "--data", DATA,
                           "--fail-unless", "better")  # fmt: skip
    assert code == 6, err
    assert "Verdict: indistinguishable" in out and "--fail-unless better" in err


def test_compare_names_the_better_model(fitted: Home) -> None:
    # scored on its own training rows, the boosted model is far ahead of the linear one
    h = fitted
    ahead = h.json("compare", h.lightgbm, h.linear, "--data", DATA)
    behind = h.json("compare", h.linear, h.lightgbm, "--data", DATA, "--metric", "log_loss")
    assert ahead["verdict"] == "better" and ahead["challenger_ahead"] >= 0.95
    assert ahead["low"] > 0 and ahead["difference"] > 0
    assert behind["verdict"] == "worse" and behind["metric"] == "log_loss"
    assert behind["difference"] > 0  # log loss: the linear model's is higher


def test_promote_if_better_refuses_an_equal_model(fitted: Home) -> None:
    h = fitted
    alias = f"gate-{uuid.uuid4().hex[:6]}"
    h.json("promote", h.lightgbm, "--alias", alias)
    code, out, err = h.run("promote", h.lightgbm, "--alias", alias, "--if-better",
                           "--data", DATA, "--json")  # fmt: skip
    assert code == 6, err
    assert json.loads(out)["changed"] is False and "unchanged" in err
    code, _, err = h.run("promote", h.linear, "--alias", alias, "--if-better", "--data", DATA)
    assert code == 6 and "worse" in err
    history = h.json("aliases", "--experiment", h.experiment, "--history")["history"]
    assert [x["run_id"] for x in history if x["alias"] == alias] == [h.lightgbm]


def test_promote_if_better_promotes_and_records_the_comparison(fitted: Home) -> None:
    h = fitted
    alias = f"gate-{uuid.uuid4().hex[:6]}"
    h.json("promote", h.linear, "--alias", alias)
    document = h.json("promote", h.lightgbm, "--alias", alias, "--if-better", "--data", DATA)
    assert document["changed"] and document["comparison"]["verdict"] == "better"
    history = h.json("aliases", "--experiment", h.experiment, "--history")["history"]
    last = [x for x in history if x["alias"] == alias][-1]
    assert last["run_id"] == h.lightgbm and last["comparison"]["champion"] == h.linear


def test_unknown_alias_and_alias_of_another_experiment(fitted: Home, tmp_path: Path) -> None:
    h = fitted
    known = f"known-{uuid.uuid4().hex[:6]}"  # a PostgreSQL server keeps earlier runs' aliases
    h.json("promote", h.lightgbm, "--alias", known)
    code, _, err = h.run("predict", DATA, "--experiment", h.experiment, "--alias", "nope",
                         "--output", tmp_path / "p.csv")  # fmt: skip
    assert code == 4 and "No alias 'nope'" in err and known in err
    # the alias belongs to another experiment than the one asked
    code, _, err = h.run("show", "--alias", known, "--experiment", "elsewhere")
    assert code == 4 and f"belongs to experiment '{h.experiment}'" in err
    code, _, err = h.run("promote", h.linear, "--alias", known, "--experiment", "elsewhere")
    assert code == 4 and f"belongs to experiment '{h.experiment}'" in err
    code, _, err = h.run("predict", DATA, "--run", h.linear, "--alias", known,
                         "--output", tmp_path / "p.csv")  # fmt: skip
    assert code == 2 and "not both" in err


def test_compare_on_rows_without_the_target_is_exit_3(fitted: Home, tmp_path: Path) -> None:
    lines = DATA.read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("Survived")
    import csv
    import io

    rows = list(csv.reader(io.StringIO("\n".join(lines[:50]))))
    unlabelled = tmp_path / "unlabelled.csv"
    with unlabelled.open("w", newline="") as fh:
        csv.writer(fh).writerows([r[:column] + r[column + 1 :] for r in rows])
    code, _, err = fitted.run("compare", fitted.lightgbm, fitted.linear, "--data", unlabelled)
    assert code == 3 and "no target column 'Survived'" in err
