"""The Python API on one real run fitted from a data frame: loaded by id, predicting what
``automl predict`` writes for the same rows, explaining, and refusing bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import automl
from tests.conftest import dataset, run_automl


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One quick titanic run, fitted from a data frame; rows to predict in a CSV."""
    folder = tmp_path_factory.mktemp("api")
    frame = pd.read_csv(dataset("titanic").path)
    rows = folder / "rows.csv"
    frame.drop(columns=["Survived"]).iloc[::7].to_csv(rows, index=False)
    home = folder / "home"
    seen: list[object] = []
    run = automl.fit(frame, "Survived", n_trials=2, n_jobs=1, models="lightgbm", home=home,
                     progress=seen.append)  # fmt: skip
    return {"run": run, "home": home, "rows": rows, "frame": frame, "folder": folder,
            "progress": seen}  # fmt: skip


def test_fit_from_a_data_frame_returns_the_saved_run(fitted: dict[str, object]) -> None:
    run = fitted["run"]
    assert isinstance(run, automl.Run)
    assert run.task == "binary" and run.metric == "roc_auc" and run.target == "Survived"
    assert (run.path / "model.joblib").is_file() and run.path.name == run.id
    assert 0.5 < run.score <= 1.0 and not run.interrupted
    # the frame was written once, as the run's training file, named by its SHA-256
    frames = list((fitted["home"] / ".frames").glob("*.parquet"))
    assert len(frames) == 1
    shown = run_automl("--home", fitted["home"], "show", run.id, "--json")
    assert shown.code == 0 and frames[0].name in shown.stdout


def test_progress_reports_the_search_as_the_cli_status_line(fitted: dict[str, object]) -> None:
    seen = fitted["progress"]
    assert seen, "the progress callable was never called"
    last = seen[-1].status()
    assert last.startswith("searching: 2/2 trials (") and "best roc_auc" in last


def test_leaderboard_is_a_data_frame_of_the_runs_trials(fitted: dict[str, object]) -> None:
    board = fitted["run"].leaderboard()
    assert list(board.columns[:5]) == ["rank", "run_id", "trial", "family", "state"]
    done = board[board["state"] == "complete"]
    assert len(done) >= 1 and list(done["rank"]) == list(range(1, len(done) + 1))
    assert done["cv_mean"].is_monotonic_decreasing  # roc_auc: best first


def test_load_by_run_predicts_what_the_cli_writes(fitted: dict[str, object]) -> None:
    run, rows = fitted["run"], fitted["rows"]
    out = fitted["folder"] / "cli.csv"
    done = run_automl("--home", fitted["home"], "predict", rows, "--run", run.id, "-o", out)
    assert done.code == 0, done.stderr
    cli = pd.read_csv(out)
    predictor = automl.load(run.id, home=fitted["home"])
    frame = pd.read_csv(rows)
    ours = predictor.predict_frame(frame)
    assert list(ours.columns) == list(cli.columns) == ["prediction", "proba_0", "proba_1"]
    assert list(ours["prediction"]) == list(cli["prediction"])
    np.testing.assert_allclose(ours[["proba_0", "proba_1"]], cli[["proba_0", "proba_1"]],
                               rtol=0, atol=1e-9)  # fmt: skip
    np.testing.assert_allclose(predictor.predict_proba(frame), cli[["proba_0", "proba_1"]],
                               rtol=0, atol=1e-9)  # fmt: skip
    assert list(predictor.predict(frame)) == list(cli["prediction"])
    assert list(predictor.classes_) == [0, 1]


def test_load_without_a_run_takes_the_latest_and_the_run_gives_the_same_model(
    fitted: dict[str, object],
) -> None:
    run = fitted["run"]
    latest = automl.load(home=fitted["home"])
    assert latest.run_id == run.id and latest.path == run.path
    assert run.predictor.run_id == run.id
    assert [f["name"] for f in latest.schema["features"]] == latest.features
    assert "PassengerId" not in latest.features and "Survived" not in latest.features


def test_explain_splits_each_prediction_into_column_contributions(
    fitted: dict[str, object],
) -> None:
    predictor = automl.load(home=fitted["home"])
    rows = fitted["frame"].head(5)
    explained = predictor.explain(rows)
    assert len(explained) == 5
    parts = [c for c in explained.columns if c.startswith("contrib_")]
    assert parts == [f"contrib_{name}" for name in predictor.features]
    total = explained["base"] + explained[parts].sum(axis=1)
    np.testing.assert_allclose(total, explained["output"], atol=1e-6)


def test_rows_without_a_feature_are_a_data_error_naming_it(fitted: dict[str, object]) -> None:
    predictor = automl.load(home=fitted["home"])
    with pytest.raises(automl.DataError, match="lacks 1 column the model needs: 'Sex'"):
        predictor.predict(fitted["frame"].drop(columns=["Sex"]))
    with pytest.raises(automl.UsageError, match="Expected a pandas DataFrame"):
        predictor.predict(fitted["frame"].to_numpy())


def test_unknown_run_is_not_found(fitted: dict[str, object]) -> None:
    with pytest.raises(automl.NotFoundError, match="Run 'nope' not found") as caught:
        automl.load("nope", home=fitted["home"])
    assert caught.value.exit_code == 4


def test_a_tampered_model_is_refused_like_the_cli_refuses_it(
    fitted: dict[str, object], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    shutil.copytree(fitted["home"], home)
    run = fitted["run"]
    model = home / run.experiment / run.id / "model.joblib"
    model.write_bytes(model.read_bytes() + b"\0")
    with pytest.raises(automl.DataError, match="SHA-256") as caught:
        automl.load(run.id, home=home)
    cli = run_automl("--home", home, "predict", fitted["rows"], "-o", tmp_path / "p.csv")
    assert cli.code == caught.value.exit_code == 3
    assert caught.value.message.split(":")[0] in cli.stderr.replace("\n", " ")


def test_profile_of_a_data_frame_matches_the_profile_of_its_file() -> None:
    path = dataset("titanic").path
    from_file = automl.profile(path, "Survived")
    from_frame = automl.profile(pd.read_csv(path), target="Survived")
    assert isinstance(from_frame, automl.Profile)
    assert [(c.name, c.role) for c in from_frame.columns] == [
        (c.name, c.role) for c in from_file.columns
    ]
    assert from_frame.target.task == "binary" and from_frame.to_dict()["source"] == "the DataFrame"
    with pytest.raises(automl.NotFoundError, match="Did you mean 'Survived'"):
        automl.profile(pd.read_csv(path), target="survived")


def test_an_alias_that_names_no_run_is_refused_naming_it(fitted: dict[str, object]) -> None:
    # before aliases exist: a usage error saying so; once they do: the alias is not found
    with pytest.raises((automl.UsageError, automl.NotFoundError), match="'nobody'"):
        automl.load(alias="nobody", home=fitted["home"])
    with pytest.raises(automl.UsageError, match="run or alias, not both"):
        automl.load("x", alias="nobody", home=fitted["home"])


def test_load_by_alias_gives_the_run_the_alias_names(fitted: dict[str, object]) -> None:
    run = fitted["run"]
    promoted = run_automl("--home", fitted["home"], "promote", run.id, "--alias", "champion")
    assert promoted.code == 0, promoted.stderr
    predictor = automl.load(alias="champion", home=fitted["home"])
    assert predictor.run_id == run.id
    rows = fitted["frame"].head(20)
    np.testing.assert_array_equal(predictor.predict_proba(rows), run.predictor.predict_proba(rows))
