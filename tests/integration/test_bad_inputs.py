"""Inputs with nothing to learn from: fit refuses them (exit 3) and says why; profile still
describes a file with a single data row, with a warning."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_automl


def _fit(home: Path, data: Path, *args: str):
    return run_automl("--home", home, "fit", data, "--target", "y", "--n-trials", "1",
                      "--n-jobs", "1", *args)  # fmt: skip


def test_a_file_with_only_the_target_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "only.csv"
    data.write_text("y\n" + "".join(f"{i % 2}\n" for i in range(100)))
    result = _fit(tmp_path / "home", data)
    assert result.code == 3, result.stderr
    message = " ".join(result.stderr.split())
    assert "only.csv has no feature columns: its only column is the target 'y'" in message
    assert not (tmp_path / "home").exists()  # nothing made


def test_a_file_whose_other_columns_are_all_left_out_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "left_out.csv"
    rows = "".join(f"{i},k,{i * 0.37 % 1:.3f},{i % 2}\n" for i in range(100))
    data.write_text("id,kind,x,y\n" + rows)
    assert _fit(tmp_path / "ok", data, "--json").code == 0  # x alone is something to learn from
    result = _fit(tmp_path / "home", data, "--ignore", "x")
    assert result.code == 3, result.stderr
    message = " ".join(result.stderr.split())
    assert "left_out.csv has no feature columns: besides the target 'y', every column" in message
    assert "'id' (identifier:" in message and "'kind' (constant: always 'k')" in message
    assert "'x' (constant: ignored by option)" in message
    assert not (tmp_path / "home").exists()


def test_a_one_row_file_is_profiled_with_a_warning_and_refused_by_fit(tmp_path: Path) -> None:
    data = tmp_path / "one.csv"
    data.write_text("a,b,y\n1,x,0\n")
    profiled = run_automl("profile", data, "--target", "y", "--json")
    assert profiled.code == 0, profiled.stderr
    profile = json.loads(profiled.stdout)
    assert profile["n_rows"] == 1 and profile["target"] is None
    (warning,) = [w for w in profile["warnings"] if w["kind"] == "too_few_rows"]
    assert "fit needs at least 10 rows" in warning["message"] and warning["column"] == "y"
    assert not [w for w in profile["warnings"] if w["column"] == "y" and w["kind"] == "constant"]
    text = run_automl("profile", data, "--target", "y")
    assert text.code == 0 and "has only 1 data row(s)" in " ".join(text.stdout.split())
    fitted = _fit(tmp_path / "home", data)
    assert fitted.code == 3, fitted.stderr
    assert "Only 1 row(s) in" in fitted.stderr and "at least 10 rows" in fitted.stderr
