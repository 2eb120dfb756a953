"""A home mounted read-only (a model store) can be read; a damaged ``automl.db`` gives one
clear error, wherever the damage is. The read-only home is a real read-only bind mount
(``mounts`` in conftest.py): root ignores file permissions, so ``chmod`` would prove nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import dataset, run_automl


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with one fitted run (WAL mode, as every home)."""
    home = tmp_path_factory.mktemp("ro") / "home"
    result = run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                        "--n-trials", "2", "--n-jobs", "1")  # fmt: skip
    assert result.code == 0, result.stderr
    return home


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("wal_files", [True, False], ids=["with-wal-files", "database-only"])
def test_the_reading_commands_work_on_a_read_only_mount(
    home: Path, tmp_path: Path, mounts, wal_files: bool
) -> None:
    titanic = dataset("titanic").path
    if not wal_files:  # a store copied as automl.db alone: SQLite cannot make its -shm file
        copy = tmp_path / "copy"
        shutil.copytree(home, copy, ignore=shutil.ignore_patterns("automl.db-*"))
        home = copy
    before = _tree(home)
    mounted = mounts.read_only(home)
    assert not os.access(mounted, os.W_OK)  # a read-only file system, even for root
    runs = run_automl("--home", mounted, "runs", "--json")
    assert runs.code == 0, runs.stderr
    (run,) = json.loads(runs.stdout)["runs"]
    assert run["status"] == "complete" and run["trials"] == {"complete": 2}
    for command in (["experiments", "--json"], ["show", "--json"], ["leaderboard", "--json"]):
        result = run_automl("--home", mounted, *command)
        assert result.code == 0, (command, result.stderr)
        json.loads(result.stdout)
    out = tmp_path / "p.csv"
    predicted = run_automl("--home", mounted, "predict", titanic, "--output", out)
    assert predicted.code == 0, predicted.stderr
    assert len(out.read_text().splitlines()) == 892
    reported = run_automl("--home", mounted, "report", "--out", tmp_path / "r.html", "--json")
    assert reported.code == 0, reported.stderr
    assert json.loads(reported.stdout)["notes"] == []  # the curves and importance too

    into_home = run_automl("--home", mounted, "predict", titanic, "--output",
                           mounted / "p.csv")  # fmt: skip
    assert into_home.code == 3, into_home.stderr
    message = " ".join(into_home.stderr.split())
    assert "read-only" in message and "Unexpected" not in message
    fitted = run_automl("--home", mounted, "fit", titanic, "--target", "Survived",
                        "--n-trials", "1")  # fmt: skip
    assert fitted.code == 3, fitted.stderr
    message = " ".join(fitted.stderr.split())
    assert "read-only" in message and "server" not in message
    assert _tree(home) == before  # nothing was created, not even a lock file


def _damage(kind: str, data: bytes) -> bytes:
    page = 4096
    middle = (len(data) // page // 2) * page
    if kind == "truncated":
        return data[: middle + 100]
    if kind == "garbage_header":
        return bytes(range(100)) + data[100:]
    if kind == "garbage_page_in_the_middle":
        return data[:middle] + bytes([0xA5]) * page + data[middle + page :]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["truncated", "garbage_header", "garbage_page_in_the_middle"])
def test_a_damaged_database_is_one_clear_exit_3(home: Path, tmp_path: Path, kind: str) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    database = copy / "automl.db"
    database.write_bytes(_damage(kind, database.read_bytes()))
    titanic = dataset("titanic").path
    commands = [
        ["runs"],
        ["show"],
        ["leaderboard"],
        ["predict", titanic, "--output", tmp_path / "p.csv"],
        ["fit", titanic, "--target", "Survived", "--n-trials", "1", "--resume"],
    ]
    for command in commands:
        result = run_automl("--home", copy, *command)
        message = " ".join(result.stderr.split())
        assert result.code == 3, (kind, command, result.stderr)
        assert f"The experiment storage {database} is damaged" in message, message
        assert f"sqlite3 {database} 'PRAGMA integrity_check'" in message
    assert not (tmp_path / "p.csv").exists()
