"""The storage URL: from ``--storage`` or ``AUTOML_STORAGE_URL`` (kept out of the process
list), and its password never printed or recorded, however the URL is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from automl.config import redact_url
from tests.conftest import dataset, run_automl

HOSTILE = {
    "query_password": ("postgresql://127.0.0.1:1/automl?password=s3cret-pw", "s3cret-pw"),
    "empty_user": ("postgresql://:s3cret-pw@127.0.0.1:1/automl", "s3cret-pw"),
    "unencoded_at": ("postgresql://automl:s3cret@pw@127.0.0.1:1/automl", "pw@127"),
    "unencoded_at_slash": ("postgresql://automl:s3c@ret/pw@127.0.0.1:1/automl", "ret/pw"),
    "sslpassword": ("postgresql://automl@127.0.0.1:1/automl?sslpassword=s3cret-pw", "s3cret-pw"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_redaction_hides_every_password(case: str) -> None:
    url, secret = HOSTILE[case]
    shown = redact_url(url)
    assert secret not in shown and "s3c" not in shown, shown
    assert shown.startswith("postgresql://") and "127.0.0.1" in shown
    assert redact_url(f"--storage={url}").startswith("--storage=postgresql://")
    assert secret not in redact_url(f"--storage={url}")


def test_redaction_leaves_other_text_alone() -> None:
    for text in ("--target", "Survived", "/data/train.csv", "sqlite:////tmp/h/automl.db"):
        assert redact_url(text) == text
    assert redact_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_an_unreachable_storage_never_shows_its_password(tmp_path: Path, case: str) -> None:
    url, secret = HOSTILE[case]
    home = tmp_path / "h"
    result = run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                        "--n-trials", "1", "--storage", url)  # fmt: skip
    assert result.code == 3, result.stderr
    message = " ".join(result.stderr.split())
    assert "Cannot open the experiment storage" in message and "127.0.0.1" in message
    assert secret not in result.stderr + result.stdout and "s3c" not in result.stderr
    assert not home.exists() or not any(home.rglob("*.json"))  # no run folder left behind


def test_the_storage_url_comes_from_the_environment(tmp_path: Path) -> None:
    home = tmp_path / "h"
    elsewhere = tmp_path / "elsewhere.db"
    env = {"AUTOML_STORAGE_URL": f"sqlite:///{elsewhere}"}
    data = dataset("titanic").path
    fitted = run_automl("--home", home, "fit", data, "--target", "Survived", "--n-trials", "2",
                        "--n-jobs", "1", "--json", env=env)  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    assert elsewhere.is_file() and not (home / "automl.db").exists()
    run_dir = Path(json.loads(fitted.stdout)["run_dir"])
    record = json.loads((run_dir / "run.json").read_text())
    assert record["options"]["storage"] == f"sqlite:///{elsewhere}"
    assert str(elsewhere) not in " ".join(record["command"])  # not on the command line

    listed = run_automl("--home", home, "runs", "--json", env=env)
    assert [r["run_id"] for r in json.loads(listed.stdout)["runs"]] == [run_dir.name]
    for command in (("leaderboard", "--json"), ("show", "--json")):
        assert run_automl("--home", home, *command, env=env).code == 0
    predicted = run_automl("--home", home, "predict", data, "--output", tmp_path / "p.csv",
                           env=env)  # fmt: skip
    assert predicted.code == 0, predicted.stderr
    # --storage wins over the environment; without either, the home's own SQLite (none here)
    other = run_automl("--home", home, "--storage", f"sqlite:///{tmp_path / 'other.db'}", "runs",
                       "--json", env=env)  # fmt: skip
    assert json.loads(other.stdout)["runs"] == []
    worker = run_automl("worker", data, "--experiment", "nope", env=env)
    assert worker.code == 4, worker.stderr  # it found the storage, not the experiment


def test_a_worker_without_any_storage_is_a_usage_error() -> None:
    result = run_automl("worker", dataset("titanic").path, "--experiment", "x",
                        env={"AUTOML_STORAGE_URL": ""})  # fmt: skip
    assert result.code == 2
    assert "AUTOML_STORAGE_URL" in result.stderr
