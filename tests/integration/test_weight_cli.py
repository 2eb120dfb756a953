"""``fit --weight COLUMN`` through the real command: weights of 1 change nothing, the column
is never a feature, and a bad weight is exit 3 naming the rows."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import imbalanced_churn, run_automl

FIT = ("--target", "target", "--models", "linear,lightgbm", "--n-trials", "3", "--n-jobs", "1",
       "--json")  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("weight")
    train, _ = imbalanced_churn(folder)
    frame = pd.read_csv(train).head(1200)
    plain, ones, bad = folder / "plain.csv", folder / "ones.csv", folder / "bad.csv"
    frame.to_csv(plain, index=False)
    frame.assign(w=1.0).to_csv(ones, index=False)
    broken = frame.assign(w=1.0).astype({"w": object})
    broken.loc[[3, 9], "w"] = [-1.0, "heavy"]
    broken.to_csv(bad, index=False)
    return {"folder": folder, "plain": plain, "ones": ones, "bad": bad}


def _fit(files: dict[str, Path], data: str, *extra: str) -> dict:
    result = run_automl("--home", files["folder"] / "home", "fit", files[data], *FIT,
                        "--experiment", data, *extra)  # fmt: skip
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_weights_of_one_give_the_same_leaderboard_as_no_weights(files) -> None:
    plain = _fit(files, "plain")
    weighted = _fit(files, "ones", "--weight", "w")
    scores = [(r["family"], r["trial"], r["cv_mean"]) for r in plain["leaderboard"]]
    assert scores == [(r["family"], r["trial"], r["cv_mean"]) for r in weighted["leaderboard"]]
    assert weighted["decision"]["weighted"] is True
    assert weighted["decision"]["threshold"] == plain["decision"]["threshold"]
    schema = json.loads((Path(weighted["run_dir"]) / "schema.json").read_text())
    assert "w" not in json.dumps(schema["features"])  # never a feature


def test_a_bad_weight_is_exit_3_naming_the_rows(files) -> None:
    result = run_automl("--home", files["folder"] / "home", "fit", files["bad"], *FIT,
                        "--weight", "w")  # fmt: skip
    assert result.code == 3
    message = " ".join(result.stderr.split())
    assert "'w'" in message and "2 bad weights" in message
    assert "data row 4: '-1.0' (negative)" in message
    assert "data row 10: 'heavy' (not a number)" in message
