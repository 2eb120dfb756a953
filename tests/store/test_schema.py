"""The run's schema has one owner: no other module spells a key of the run state (a study's
or a trial's user attributes) or a run-folder file name; the readers read what 0.1.0 wrote."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import optuna
import pytest

from automl.store import run_record
from automl.store.record import RunRecord
from automl.store.schema import (
    SCHEMA_VERSION,
    RunPaths,
    StudySettings,
    TrialResult,
    record_scores,
)

PACKAGE = Path(__file__).resolve().parents[2] / "automl"
OWNERS = {PACKAGE / "store" / name for name in ("schema.py", "record.py", "run_record.py")}
OLD_HOME = Path(__file__).resolve().parents[1] / "fixtures" / "home-0.1.0" / "home"

#: A user attribute read or written by name, anywhere: ``user_attrs["cv_mean"]``,
#: ``.user_attrs.get("family")``, ``set_user_attr("error", ...)``.
ATTRIBUTE = re.compile(
    r"""(user_attrs\s*(\[|\.get\()|set_user_attr\(|user_attrs\(.*\)\.get\()\s*["']"""
)
#: A run-folder file name spelled out.
FILE_NAME = re.compile(
    r"""["'](run\.json|model\.joblib|profile\.json|schema\.json|sample\.json|leaderboard\.json"""
    r"""|refit\.json|refit\.log|decision\.json|reference\.json)["']|trial_\{|worker-\{"""
)


#: Every key of the run state, from the dataclasses that own them: ``run.json``'s top level
#: and its sections, a study's user attributes, a trial's. A new field is covered at once.
RUN_STATE_KEYS = sorted(
    {f.name for kind in (RunRecord, *run_record.SECTIONS.values(), run_record.Artifact,
                         StudySettings, TrialResult) for f in fields(kind)} - {"written"}
)  # fmt: skip
#: A key read or written by name: ``x["task"]``, ``x.get("task"``, ``set_user_attr("task"``.
_NAMES = "|".join(RUN_STATE_KEYS)
KEY = re.compile(rf"""(\[\s*|\.get\(\s*|set_user_attr\(\s*)["']({_NAMES})["']""")
#: Modules that spell some of those names as keys of *other* documents, and why. The
#: ``--json`` documents of the commands are a public contract with keys of their own (``show
#: --json`` mirrors ``run.json`` on purpose); so are the MLflow export's metadata, the
#: service's manifest, ``profile.json``, the refit's result and a family's parameters.
#: Only these keys, only there: ``run.json`` itself is read as a :class:`RunRecord`
#: (see ``test_only_the_store_opens_run_json``).
OTHER_DOCUMENTS: dict[str, tuple[set[str], str]] = {
    "cli/_model.py": (
        {"cv_mean", "kind", "members", "score_kind", "substitution", "weights"},
        "renders the saved model of `fit --json` / `show --json`",
    ),
    "cli/export.py": ({"name", "run_id"}, "renders the `export --json` document"),
    "cli/drift.py": (
        {"data", "kind", "n_rows", "name", "run_id"},
        "renders the `drift --json` document",
    ),
    "cli/leaderboard.py": ({"params"}, "renders `leaderboard --json` rows as CSV"),
    "cli/runs.py": (
        {
            "artifacts",
            "best",
            "bytes",
            "command",
            "decision",
            "cv",
            "cv_mean",
            "cv_std",
            "data",
            "experiment",
            "family",
            "fold_scores",
            "holdout",
            "metric",
            "model",
            "n_rows",
            "name",
            "parent",
            "predict_ms_per_1000",
            "refit",
            "run_dir",
            "run_id",
            "score",
            "sha256",
            "status",
            "substitution",
            "task",
            "trials",
            "versions",
        },
        "renders the `runs --json` and `show --json` documents",
    ),
    "config.py": ({"data"}, "FitConfig.to_dict(), the `fit` options"),
    "data/columns.py": ({"number"}, "a Literal of parse rules, not a key"),
    "data/profile.py": ({"n_rows", "target"}, "profile.json, owned by Profile"),
    "export/mlflow_model.py": (
        {"experiment", "labels", "metric", "model_sha256", "run_id", "target", "task"},
        "the export's manifest",
    ),
    "export/pyfunc.py": ({"model_sha256"}, "the export's manifest"),
    "monitor/drift.py": ({"name", "score"}, "the `drift --json` document"),
    "monitor/page.py": ({"name"}, "the `drift --json` document, drawn"),
    "monitor/reference.py": (
        {"labels", "n_rows", "name", "schema_version", "task"},
        "reference.json, owned by Reference",
    ),
    "export/register.py": (
        {"experiment", "metric", "model_sha256", "run_id", "score", "score_kind", "task"},
        "the MLmodel's automl metadata",
    ),
    "export/signature.py": ({"name"}, "schema.json and profile.json columns"),
    "models/linear.py": ({"kind"}, "a family's parameters"),
    "report/collect.py": (
        {"family", "members", "model", "weights"},
        "the `show --json` document and leaderboard rows",
    ),
    "report/context.py": (
        {
            "command",
            "experiment",
            "labels",
            "members",
            "model",
            "n_trials",
            "options",
            "positive_class",
            "run_id",
            "trial",
            "versions",
        },
        "the `show --json` document, leaderboard rows, the fit options",
    ),
    "report/page.py": (
        {"labels", "members", "metric", "model", "task"},
        "the `show --json` document; the page's plot groups",
    ),
    "report/plots.py": ({"cv_mean", "family", "trial"}, "`leaderboard --json` rows"),
    "search/finish.py": (
        {"holdout", "notes", "seconds", "sha256", "trials", "weights"},
        "the refit process's result (refit.json)",
    ),
    "search/interrupt.py": ({"notes"}, "the refit's result"),
    "search/retrain.py": (
        {"kind", "notes", "seconds", "sha256", "trials", "weights"},
        "the refit process's result (refit.json) and its changes",
    ),
    "search/substitution.py": ({"kind"}, "the refit's changes"),
    "serve/golden.py": ({"decision", "name"}, "profile.json columns; golden.json's decision"),
    "serve/lock.py": ({"name", "sha256"}, "pip's installation report"),
    "serve/scaffold.py": (
        {"model_sha256", "name", "score_kind"},
        "the template context and schema.json fields",
    ),
    "store/evaluate.py": ({"data", "metric", "task"}, "the `evaluate --json` document"),
    "store/leaderboard.py": ({"family"}, "Optuna's trial parameters"),
}


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


def test_no_module_but_the_schema_spells_a_key_of_the_run_state() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path in OWNERS:
            continue
        module = path.relative_to(PACKAGE).as_posix()
        allowed = OTHER_DOCUMENTS.get(module, (set(), ""))[0]
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in KEY.finditer(line.split("#", 1)[0]):
                if match.group(2) not in allowed:
                    found.append(f"automl/{module}:{number}: {line.strip()}")
    assert found == []


def test_the_exemptions_are_still_needed() -> None:
    for module, (keys, _) in OTHER_DOCUMENTS.items():
        text = (PACKAGE / module).read_text()
        used = {m.group(2) for m in KEY.finditer(text)}
        assert keys <= used, f"{module} no longer spells {sorted(keys - used)}: drop them"


def test_only_the_store_opens_run_json() -> None:
    """``run.json`` is loaded by ``Store.run_record()`` (a :class:`RunRecord`) and written by
    ``fit``'s last step; nothing else reaches the raw document."""
    users = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
             if path not in OWNERS and re.search(r"\.run_json\b", path.read_text())}  # fmt: skip
    assert users == {"store/runs.py", "search/finish.py"}


def test_the_key_list_comes_from_the_dataclasses() -> None:
    assert {"task", "cv_mean", "data_spec", "model_sha256", "predict_ms_per_1000"} <= set(
        RUN_STATE_KEYS
    )
    assert KEY.search('record["holdout"]') and KEY.search("attrs.get('data_spec')")
    assert not KEY.search("record.holdout") and not KEY.search('x["unrelated"]')


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
    written = json.loads(run_json.read_text())
    assert run_record.written(record.best) == written["best"]  # show --json echoes it
    assert record.best is not None and record.best.cv_mean == written["best"]["cv_mean"]
    assert record.data is not None and record.data.sha256 == written["data"]["sha256"]
    assert record.trials is not None and record.trials.complete == written["trials"]["complete"]
    assert record.model is not None and record.model.substitution is None  # 0.1.0 had none


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
