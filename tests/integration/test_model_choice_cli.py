"""Which model is saved, and why: ``--max-predict-ms`` is opt-in; when the saved model is not
the rank-1 trial as cross-validated, ``fit``'s text and ``--json``, and ``show``, say which,
why and at what cost; ``scaffold-serve`` reports the model's measured latency."""

from __future__ import annotations

import json
from pathlib import Path

from automl.cli.serve import SLOW_PREDICT_MS, _latency
from tests.conftest import dataset, run_automl

#: A random forest predicts 1,000 rows in tens of milliseconds: over 1 ms, it is refitted
#: with the fewest trees allowed (50 of the 300 it was cross-validated with), whatever the
#: machine's load.
FOREST = ("--models", "random_forest", "--n-trials", "2", "--n-jobs", "1")


def fit(home: Path, *args: str):
    return run_automl("--home", home, "fit", dataset("titanic").path, "--target", "Survived",
                      *args)  # fmt: skip


def rank1(leaderboard: list[dict]) -> dict:
    return next(r for r in leaderboard if r["trial"] is not None and r["rank"] is not None)


def test_a_latency_limit_substitution_is_explained_in_fit_show_and_json(tmp_path: Path) -> None:
    home = tmp_path / "h"
    result = fit(home, *FOREST, "--max-predict-ms", "1", "--json")
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    best = rank1(doc["leaderboard"])
    label = f"random_forest#{best['trial']}"
    substitution = doc["model"]["substitution"]
    assert substitution["rank1_trial"] == label and substitution["saved"] == label
    assert substitution["reason"] == "fewer_trees" and substitution["cv_cost"] is None
    assert "refitted with 50 trees instead of 300" in substitution["explanation"]
    assert "--max-predict-ms 1" in substitution["explanation"]
    shown = json.loads(run_automl("--home", home, "show", "--json").stdout)
    assert shown["model"]["substitution"] == substitution

    text = run_automl("--home", home, "show")
    assert text.code == 0, text.stderr
    line = " ".join(text.stdout.split())
    assert f"Saved model: {label}, refitted on all rows, not as cross-validated (CV cost not " \
           "measured)." in line  # fmt: skip
    assert "refitted with 50 trees instead of 300" in line

    again = fit(tmp_path / "text", *FOREST, "--max-predict-ms", "1")
    assert again.code == 0, again.stderr
    line = " ".join(again.stdout.split())
    assert "not as cross-validated (CV cost not measured)" in line
    assert "refitted with 50 trees instead of 300" in line

    served = run_automl("--home", home, "scaffold-serve", "--out", tmp_path / "svc")
    assert served.code == 0, served.stderr
    ms = doc["model"]["predict_ms_per_1000"]
    assert f"The model predicts 1,000 rows in {ms:,.1f} ms in one batch" in served.stderr


def test_without_the_option_the_rank_1_trial_or_a_better_ensemble_is_saved(
    tmp_path: Path,
) -> None:
    result = fit(tmp_path / "h", "--models", "lightgbm,linear,random_forest", "--n-trials", "5",
                 "--n-jobs", "1", "--json")  # fmt: skip
    assert result.code == 0, result.stderr
    doc = json.loads(result.stdout)
    model = doc["model"]
    assert model["substitution"] is None
    assert json.loads((Path(doc["run_dir"]) / "run.json").read_text())["options"][
        "max_predict_ms"] is None  # fmt: skip
    best = rank1([r for r in doc["leaderboard"] if r["family"] != "ensemble"])
    if model["kind"] == "single":
        assert model["members"] == [f"{best['family']}#{best['trial']}"]
    else:  # an ensemble beats every single trial on the pooled out-of-fold predictions
        assert model["cv_mean"] > model["best_single_cv_mean"]
    assert not any("--max-predict-ms" in note for note in doc["notes"])


def test_scaffold_serve_suggests_a_limit_only_for_a_slow_model() -> None:
    slow = _latency(4 * SLOW_PREDICT_MS)
    assert "200.0 ms in one batch (0.200 ms per row" in slow
    assert f"--max-predict-ms {SLOW_PREDICT_MS:g}" in slow
    assert "--max-predict-ms" not in _latency(SLOW_PREDICT_MS / 2)
