"""The command-line contract: global options, exit codes, one-paragraph errors, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from automl import __version__
from automl.cli.app import app
from automl.config import resolve_home
from automl.errors import ExitCode

runner = CliRunner()


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"automl {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "profile" in result.stdout and "--home" in result.stdout


def test_exit_codes_are_the_documented_ones() -> None:
    assert {c.name: int(c) for c in ExitCode} == {
        "OK": 0,
        "UNEXPECTED": 1,
        "USAGE": 2,
        "BAD_DATA": 3,
        "NOT_FOUND": 4,
        "NO_TRIAL_SUCCEEDED": 5,
        "CHECK_FAILED": 6,
        "INTERRUPTED": 130,
    }


def test_unknown_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["profile", "--no-such-option", "x.csv"])
    assert result.exit_code == ExitCode.USAGE


def test_json_is_one_document_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,x,0\n2,y,1\n3,x,0\n4,z,1\n")
    result = runner.invoke(app, ["profile", str(path), "--target", "y", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1
    assert document["target"]["task"] == "binary"
    assert [c["name"] for c in document["columns"]] == ["a", "b", "y"]


def test_error_is_one_paragraph_without_traceback(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["profile", str(path), "--target", "B"])
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stdout == ""
    assert "Target column 'B' not found" in result.stderr
    assert "Did you mean 'b'" in result.stderr
    assert "Traceback" not in result.stderr


def test_unexpected_errors_exit_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import automl.data

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(automl.data, "read_table", broken)
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n")
    result = runner.invoke(app, ["profile", str(path)])
    assert result.exit_code == ExitCode.UNEXPECTED
    assert "RuntimeError: disk on fire" in result.stderr
    assert "--debug" in result.stderr
    assert "Traceback" not in result.stderr


def test_home_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("AUTOML_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_home() == tmp_path / "automl-runs"
    monkeypatch.setenv("AUTOML_HOME", str(tmp_path / "env"))
    assert resolve_home() == tmp_path / "env"
    assert resolve_home(tmp_path / "flag") == tmp_path / "flag"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--max-predict-ms", "-1", "--max-predict-ms must be 0 (no limit) or positive"),
        ("--holdout", "0.95", "--holdout must be a fraction between 0 and 0.9"),
        ("--cv", "1", "--cv must be at least 2"),
    ],
)
def test_fit_option_out_of_range_is_a_usage_error(
    tmp_path: Path, option: str, value: str, message: str
) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,y\n1,0\n2,1\n3,0\n4,1\n")
    home = tmp_path / "home"
    result = runner.invoke(
        app, ["--home", str(home), "fit", str(path), "--target", "y", option, value]
    )
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not any(home.rglob("run.json"))  # nothing was started


_ENDING = """
import atexit, sys, pathlib
from automl.cli.app import main
marker = pathlib.Path(sys.argv[1])
atexit.register(lambda: marker.write_text("cleaned up"))
sys.argv = ["automl", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize(
    ("args", "code", "stream", "expected"),
    [
        (["--version"], 0, "stdout", f"automl {__version__}"),
        (["profile", "{missing}"], 4, "stderr", "not found"),
        (["profile", "{bad}", "--target", "target"], 3, "stderr", "is never closed"),
    ],
)
def test_the_process_ends_with_the_commands_code_after_cleaning_up(
    tmp_path: Path, args: list[str], code: int, stream: str, expected: str
) -> None:
    """main() ends the process itself (no interpreter finalization, where pyarrow's threads
    could abort): the exit code, the flushed output and the atexit clean-up are all kept."""
    import subprocess
    import sys

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b'a,b,target\n1,"x,0\n2,y,1\n3,z,0\n')
    marker = tmp_path / "marker"
    argv = [a.format(missing=tmp_path / "nope.csv", bad=bad) for a in args]
    done = subprocess.run(
        [sys.executable, "-c", _ENDING, str(marker), *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == code, done.stderr
    assert expected in getattr(done, stream)
    assert "Traceback" not in done.stderr
    assert marker.read_text() == "cleaned up"
