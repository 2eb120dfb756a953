"""Run folders stay inside the home: names are checked when written and when read back from a
storage that other processes (or people) can write to."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from automl.config import FitConfig
from automl.errors import DataError, UsageError
from automl.store.runs import RunRef, Store
from tests.conftest import dataset, run_automl


@pytest.mark.parametrize("name", [".", "..", "...", "a/b", "/tmp", "", "x" * 65, "a b"])
def test_names_that_are_not_one_folder_are_refused(name: str) -> None:
    from automl.config import is_valid_name

    assert not is_valid_name(name)
    with pytest.raises(UsageError, match="not allowed"):
        FitConfig(data=Path("d.csv"), target="y", experiment=name)
    with pytest.raises(DataError, match="invalid"):
        RunRef(name, "20260101-000000-abcd")
    assert RunRef.from_study_name(f"{name}/20260101-000000-abcd") is None


@pytest.mark.parametrize("name", ["default", "churn.v2", "a_b-c", ".hidden", "x" * 64])
def test_plain_names_are_accepted(name: str) -> None:
    assert RunRef.from_study_name(f"{name}/20260101-000000-abcd") == RunRef(
        name, "20260101-000000-abcd"
    )


def test_run_dir_refuses_a_reference_that_leads_outside_the_home(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    ref = RunRef("exp", "20260101-000000-abcd")
    assert store.run_dir(ref) == tmp_path / "home" / "exp" / "20260101-000000-abcd"
    object.__setattr__(ref, "experiment", "..")  # what the checks on RunRef would refuse
    with pytest.raises(DataError, match="outside the home"):
        store.run_dir(ref)


@pytest.mark.parametrize("experiment", ["..", "."])
def test_fit_with_a_dot_experiment_writes_nothing_outside_the_home(tmp_path: Path, experiment):
    home = tmp_path / "nest" / "home"
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(40)))
    result = run_automl("--home", home, "fit", data, "--target", "y", "--n-trials", "1",
                        "--n-jobs", "1", "--experiment", experiment)  # fmt: skip
    assert result.code == 2, result.stderr
    assert "is not allowed" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]  # not even the home


def _plant_run(folder: Path, marker: Path) -> None:
    """A run folder outside the home whose model runs code when unpickled; its hash is right."""
    import joblib

    from automl.store.artifacts import sha256_of

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    folder.mkdir(parents=True)
    joblib.dump(Payload(), folder / "model.joblib")
    record = {"artifacts": {"model.joblib": {"sha256": sha256_of(folder / "model.joblib")}},
              "data": {"name": "d.csv"}, "target": "Survived"}  # fmt: skip
    (folder / "run.json").write_text(json.dumps(record))


@pytest.mark.parametrize("kind", ["absolute", "dotdot"])
def test_a_study_name_from_the_storage_cannot_lead_outside_the_home(tmp_path: Path, kind: str):
    import optuna

    from automl.store.runs import open_storage

    home = tmp_path / "home"
    outside = tmp_path / "outside"
    run_id = "20260101-000000-beef"
    experiment = str(outside) if kind == "absolute" else "../outside"
    marker = tmp_path / "unpickled"
    _plant_run(outside / run_id, marker)
    storage = open_storage(f"sqlite:///{home / 'automl.db'}")
    optuna.create_study(study_name=f"{experiment}/{run_id}", storage=storage)
    del storage

    titanic = dataset("titanic").path
    predicted = run_automl("--home", home, "predict", titanic, "--run", run_id,
                           "--output", tmp_path / "p.csv")  # fmt: skip
    assert predicted.code == 4, predicted.stderr
    assert f"Run '{run_id}' not found" in " ".join(predicted.stderr.split())
    assert not marker.exists()
    listed = run_automl("--home", home, "runs", "--json")
    assert listed.code == 0, listed.stderr
    assert json.loads(listed.stdout)["runs"] == []
    assert "not a valid automl run name" in listed.stderr
