"""The run's schema has one owner: no other module spells a key of the run state (a study's
or a trial's user attributes) or a run-folder file name; the readers read what 0.1.0 wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import optuna
import pytest

from automl.store.record import RunRecord
from automl.store.schema import (
    SCHEMA_VERSION,
    RunPaths,
    StudySettings,
    TrialResult,
    record_scores,
)

PACKAGE = Path(__file__).resolve().parents[2] / "automl"
OWNERS = {PACKAGE / "store" / "schema.py", PACKAGE / "store" / "record.py"}
OLD_HOME = Path(__file__).resolve().parents[1] / "fixtures" / "home-0.1.0" / "home"

#: A user attribute read or written by name, anywhere: ``user_attrs["cv_mean"]``,
#: ``.user_attrs.get("family")``, ``set_user_attr("error", ...)``.
ATTRIBUTE = re.compile(
    r"""(user_attrs\s*(\[|\.get\()|set_user_attr\(|user_attrs\(.*\)\.get\()\s*["']"""
)
#: A run-folder file name spelled out.
FILE_NAME = re.compile(
    r"""["'](run\.json|model\.joblib|profile\.json|schema\.json|sample\.json|leaderboard\.json"""
    r"""|refit\.json|refit\.log|reference\.json)["']|trial_\{|worker-\{"""
)


def _offences(pattern: re.Pattern[str]) -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in OWNERS:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code):
                found.append(f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}")
    return found


def test_no_module_but_the_schema_spells_a_run_state_attribute() -> None:
    assert _offences(ATTRIBUTE) == []


def test_no_module_but_the_schema_spells_a_run_folder_file_name() -> None:
    assert _offences(FILE_NAME) == []


def test_the_patterns_find_what_they_look_for() -> None:
    assert ATTRIBUTE.search('x = trial.user_attrs.get("family")')
    assert ATTRIBUTE.search("trial.set_user_attr('cv_mean', 1.0)")
    assert ATTRIBUTE.search('storage.get_study_user_attrs(study_id).get("model_sha256")')
    assert FILE_NAME.search('path = run_dir / "run.json"')
    assert FILE_NAME.search('log = logs / f"worker-{index}.log"')


@pytest.mark.parametrize("study_dir", sorted(OLD_HOME.glob("*/*")), ids=lambda p: p.parent.name)
def test_the_settings_and_trials_of_0_1_0_read(study_dir: Path) -> None:
    storage = optuna.storages.RDBStorage(f"sqlite:///{OLD_HOME / 'automl.db'}")
    name = f"{study_dir.parent.name}/{study_dir.name}"
    study = optuna.load_study(study_name=name, storage=storage)
    settings = StudySettings.read(study)
    assert settings.schema_version == 1  # 0.1.0 did not store it
    assert settings.task in ("binary", "regression")
    assert settings.data_sha256 and settings.families[0] == "constant"
    assert settings.profile["columns"] and settings.data_spec["target"]
    results = [TrialResult.of(t) for t in study.trials]
    complete = [r for r, t in zip(results, study.trials, strict=True) if t.state.name == "COMPLETE"]
    assert complete and all(r.cv_mean is not None and len(r.fold_scores) >= 2 for r in complete)
    assert all(r.family for r in results)


@pytest.mark.parametrize("run_json", sorted(OLD_HOME.glob("*/*/run.json")), ids=str)
def test_the_run_records_of_0_1_0_read(run_json: Path) -> None:
    record = RunRecord.from_dict(json.loads(run_json.read_text()), where=run_json)
    assert record.schema_version == 1 and record.status == "complete"
    paths = RunPaths(run_json.parent)
    assert record.model_sha256 and paths.model.is_file() and paths.schema.is_file()
    assert record.model_kind in ("single", "ensemble") and record.score is not None


def test_a_record_from_a_newer_automl_is_refused_with_a_hint() -> None:
    from automl.errors import DataError

    with pytest.raises(DataError, match="schema_version 99") as caught:
        RunRecord.from_dict({"schema_version": 99})
    assert caught.value.hint and "Upgrade" in caught.value.hint
    assert SCHEMA_VERSION == 1


def test_settings_and_trial_results_round_trip_through_a_real_storage(tmp_path: Path) -> None:
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'x.db'}")
    study = optuna.create_study(storage=storage, study_name="e/r")
    settings = StudySettings(
        config={"seed": 3}, data_spec={"target": "y"}, profile={}, task="binary",
        metric="roc_auc", labels=[0, 1], positive_class=1, data_sha256="ab", data_name="d.csv",
        families=["constant", "linear"], n_trials=4, search_end_epoch=None, run_dir="/x",
    )  # fmt: skip
    settings.write(study)
    again = StudySettings.read(optuna.load_study(study_name="e/r", storage=storage))
    assert again == settings and again.seed == 3
    trial = study.ask()
    record_scores(trial, mean=0.8, std=0.1, fold_scores=[0.7, 0.9], fit_seconds=1.23456,
                  predict_ms_per_1000=4.567, n_iterations=None)  # fmt: skip
    result = TrialResult.of(study.trials[trial.number])
    assert (result.cv_mean, result.fit_seconds, result.predict_ms_per_1000) == (0.8, 1.235, 4.57)
    assert result.n_iterations is None and result.label == "?#0"
