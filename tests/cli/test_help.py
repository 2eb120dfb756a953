"""Help at an 80-column terminal: every choice visible, flags shown as flags, for every command."""

from __future__ import annotations

import re

import pytest

from automl.models.registry import FAMILIES
from tests.conftest import run_automl

COMMANDS = ["profile", "fit", "leaderboard", "predict", "evaluate", "explain", "experiments",
            "runs", "show", "report", "worker", "scaffold-serve", "promote", "rollback",
            "aliases", "compare", "refit", "drift"]  # fmt: skip


def test_fit_help_lists_every_family_whole_at_80_columns() -> None:
    result = run_automl("fit", "--help", env={"COLUMNS": "80"})
    assert result.code == 0, result.stderr
    words = set(re.findall(r"[a-z_]+", result.stdout))
    for family in FAMILIES:
        assert family in words, f"{family} missing from fit --help"
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    for flag in ("--resume", "--json", "--ensemble / --no-ensemble"):
        assert re.search(rf"^\s+{re.escape(flag)}\s{{2,}}\S", result.stdout, re.M), flag


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_no_command_shows_a_flag_as_taking_a_value(command: str | None) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = run_automl(*[a for a in args if a], env={"COLUMNS": "80"})
    assert result.code == 0, result.stderr
    assert "<bool>" not in result.stdout
    cut = [line for line in result.stdout.splitlines() if line.rstrip().endswith(("…", "..."))]
    assert cut in ([], ["Usage: automl [OPTIONS] COMMAND [ARGS]..."]), cut


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_lines_name_arguments_plainly(command: str) -> None:
    result = run_automl(command, "--help", env={"COLUMNS": "80"})
    assert result.code == 0, result.stderr
    usage = next(line for line in result.stdout.splitlines() if line.startswith("Usage:"))
    assert "{" not in usage and "}" not in usage, usage
    if command in ("profile", "fit", "predict", "evaluate", "explain", "worker", "drift"):
        assert usage == f"Usage: automl {command} [OPTIONS] DATA"


def test_a_missing_argument_shows_the_plain_usage_line() -> None:
    result = run_automl("fit")
    assert result.code == 2
    assert "Usage: automl fit [OPTIONS] DATA" in result.stderr
