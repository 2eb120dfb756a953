"""``automl drift`` and ``predict --on-invalid`` through the real command, on a real fit:
the reference saved and hashed at fit, ``none`` on unshifted rows, ``drift`` and exit 6 on a
shifted column, the HTML page, a tampered reference refused, the input contract's reject and
warn, and a run of automl 0.1.0 given its reference with ``--rebuild-reference``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import dataset, run_automl

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "home-0.1.0" / "home"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A LightGBM model on 491 rows of titanic; the 400 others unchanged, and with Fare
    shifted by half its standard deviation."""
    folder = tmp_path_factory.mktemp("drift")
    frame = pd.read_csv(dataset("titanic").path).sample(frac=1.0, random_state=0)
    train, same, shifted = folder / "train.csv", folder / "same.csv", folder / "shifted.csv"
    frame.iloc[:491].to_csv(train, index=False)
    rows = frame.iloc[491:].drop(columns=["Survived"])
    rows.to_csv(same, index=False)
    rows.assign(Fare=rows["Fare"] + 0.5 * frame["Fare"].std()).to_csv(shifted, index=False)
    home = folder / "home"
    fitted = run_automl("--home", home, "fit", train, "--target", "Survived",
                        "--models", "lightgbm", "--no-ensemble", "--n-trials", "2",
                        "--n-jobs", "1", "--cv", "3")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    run_dir = next((home / "default").iterdir())
    return {"home": home, "same": same, "shifted": shifted, "folder": folder, "dir": run_dir}


def test_fit_saves_a_small_hashed_reference_without_rows(run: dict[str, Path]) -> None:
    path = run["dir"] / "reference.json"
    record = json.loads((run["dir"] / "run.json").read_text())
    assert (
        record["artifacts"]["reference.json"]["sha256"]
        == hashlib.sha256(path.read_bytes()).hexdigest()
    )
    reference = json.loads(path.read_text())
    assert path.stat().st_size < 100_000
    assert reference["weights_source"] == "mean_abs_contribution"
    assert reference["prediction_kind"] == "probability"
    names = [c["name"] for c in reference["columns"]]
    assert "Fare" in names and "PassengerId" not in names and "Survived" not in names
    assert "Fare" in names and "Name" in names
    assert not any(n in path.read_text() for n in pd.read_csv(run["same"])["Name"].head(3))


def test_unchanged_rows_are_none_and_pass_the_gate(run: dict[str, Path]) -> None:
    result = run_automl("--home", run["home"], "drift", run["same"], "--json",
                        "--fail-on", "warn")  # fmt: skip
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["schema_version"] == 1 and document["verdict"] == "none"
    assert document["reasons"] == [] and document["prediction"]["severity"] == "none"


def test_a_shifted_column_is_drift_ranked_first_and_exits_6(run: dict[str, Path]) -> None:
    page = run["folder"] / "drift.html"
    result = run_automl("--home", run["home"], "drift", run["shifted"], "--fail-on", "drift",
                        "--html", page)  # fmt: skip
    assert result.code == 6, result.stderr
    assert "Verdict: drift" in result.stdout
    assert "Drift verdict 'drift' meets --fail-on drift: Fare: PSI" in result.stderr
    rows = [line.split()[0] for line in result.stdout.splitlines() if "│" in line]
    assert rows[0] == "Fare"
    html = page.read_text()
    assert (
        'id="verdict">drift<' in html
        and "<script" not in html
        and "http" not in html.split("</head>")[1]
    )


def test_a_tampered_reference_is_refused(run: dict[str, Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(run["home"], home)
    path = next((home / "default").iterdir()) / "reference.json"
    path.write_text(path.read_text().replace('"missing_rate": 0.0', '"missing_rate": 0.5', 1))
    result = run_automl("--home", home, "drift", run["same"])
    assert result.code == 3
    assert "does not match its recorded SHA-256" in result.stderr


def test_predict_reject_names_the_row_and_writes_nothing(run: dict[str, Path]) -> None:
    rows = pd.read_csv(run["folder"] / "train.csv").drop(columns=["Survived"]).head(30)
    rows.loc[11, "Fare"] = 9999.0  # training rows: every other value within the contract
    bad, out = run["folder"] / "bad.csv", run["folder"] / "pred.csv"
    rows.to_csv(bad, index=False)
    rejected = run_automl("--home", run["home"], "predict", bad, "--output", out,
                          "--on-invalid", "reject")  # fmt: skip
    assert rejected.code == 3
    assert "1 row (12; 1 = the first data row) breaks the input contract" in rejected.stderr
    assert "Fare: a value out of the training range in 1 row" in rejected.stderr
    assert not out.exists()
    warned = run_automl("--home", run["home"], "predict", bad, "--output", out, "--json")
    assert warned.code == 0, warned.stderr
    assert len(pd.read_csv(out)) == 30
    contract = json.loads(warned.stdout)["contract"]
    assert [(i["column"], i["kind"], i["rows"]) for i in contract["issues"]] == [
        ("Fare", "out_of_range", [12])
    ]
    assert contract["new_columns"] == ["PassengerId"]


def test_a_run_of_010_is_told_how_and_gets_a_reference(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shutil.copytree(FIXTURE, home)
    data = dataset("titanic").path
    told = run_automl("--home", home, "drift", data)
    assert told.code == 4
    assert "--rebuild-reference titanic.csv" in told.stderr
    built = run_automl("--home", home, "drift", data, "--rebuild-reference", data, "--json")
    assert built.code == 0, built.stderr
    assert json.loads(built.stdout)["verdict"] == "none"
    again = run_automl("--home", home, "drift", data)  # the reference is kept, and hashed
    assert again.code == 0, again.stderr


def test_drift_reads_the_run_an_alias_names(run: dict[str, Path]) -> None:
    run_id = run["dir"].name
    promoted = run_automl("--home", run["home"], "promote", run_id, "--alias", "production")
    assert promoted.code == 0, promoted.stderr
    by_alias = run_automl("--home", run["home"], "drift", run["shifted"], "--alias", "production",
                          "--json")  # fmt: skip
    by_run = run_automl("--home", run["home"], "drift", run["shifted"], "--run", run_id, "--json")
    assert by_alias.code == 0, by_alias.stderr
    assert json.loads(by_alias.stdout) == json.loads(by_run.stdout)
    unknown = run_automl("--home", run["home"], "drift", run["same"], "--alias", "staging")
    assert unknown.code == 4 and "production" in unknown.stderr
