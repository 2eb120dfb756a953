"""``scaffold-serve``: the generated project passes its own tests in a fresh virtual environment
installed with ``--require-hashes``; its files; ``--force``; ``--synthetic-golden``; and the
service's answers over real HTTP equal ``automl predict``'s, rows with gaps included."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd

from tests.conftest import dataset, run_automl
from tests.serve.helpers import Project, assert_served_as_predicted, call, serve

ROWS = 20


def own_tests(project: Project, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(project.python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=folder, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_the_generated_project_passes_its_own_tests(project: Project) -> None:
    result = own_tests(project, project.out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_every_requirement_is_pinned_and_hashed(project: Project) -> None:
    lines = [
        line
        for name in ("requirements.txt", "requirements-test.txt")
        for line in (project.out / name).read_text().splitlines()
        if line and not line.startswith(("#", "-r "))
    ]
    (wheel,) = (project.out / "wheels").glob("automl-*.whl")
    assert f"./wheels/{wheel.name} --hash=sha256:" in lines[0]  # by path, never by name
    for line in lines[1:]:
        assert "==" in line and " --hash=sha256:" in line and len(line.split(":")[-1]) == 64
    names = {line.split("==")[0] for line in lines[1:]}
    for name in ("lightgbm", "scikit-learn", "pandas", "catboost", "fastapi", "starlette",
                 "prometheus-client", "pydantic-core", "annotated-types", "pytest"):  # fmt: skip
        assert name in names  # transitive ones too (starlette, pydantic-core, annotated-types)
    assert "automl" not in names


def test_the_dockerfile_and_readme(project: Project) -> None:
    docker = (project.out / "Dockerfile").read_text()
    assert "-slim" in docker and "USER app" in docker and "HEALTHCHECK" in docker
    assert "--require-hashes" in docker and "not pinned by digest" in docker
    command = json.loads(docker.split("\nCMD ", 1)[1].splitlines()[0])
    for flag in ("--limit-concurrency", "--timeout-graceful-shutdown", "--no-access-log"):
        assert flag in command
    readme = (project.out / "README.md").read_text()
    assert "-p 127.0.0.1:8000:8000" in readme and "API_KEY" in readme
    assert "real training rows" in readme


def test_the_containers_command_runs_as_is(project: Project) -> None:
    docker = (project.out / "Dockerfile").read_text()
    command = json.loads(docker.split("\nCMD ", 1)[1].splitlines()[0])
    flags = command[2:]
    flags = [a for a in flags if a not in ("--host", "0.0.0.0", "--port", "8000")]
    with serve(project, *flags) as server:
        assert call(server.base + "/healthz")[0] == 200


def test_force_writes_only_over_a_scaffold_and_keeps_other_files(project: Project) -> None:
    home = project.home
    stranger = project.folder / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    refused = run_automl("--home", home, "scaffold-serve", "--out", stranger, "--force",
                         "--no-hashes")  # fmt: skip
    assert refused.code == 2 and ".automl-scaffold.json" in refused.stderr
    assert sorted(p.name for p in stranger.iterdir()) == ["notes.txt"]

    out = project.folder / "forced"
    first = run_automl("--home", home, "scaffold-serve", "--out", out, "--no-hashes")
    assert first.code == 0, first.stderr
    again = run_automl("--home", home, "scaffold-serve", "--out", out, "--no-hashes")
    assert again.code == 2 and "--force" in again.stderr
    wheels = out / "wheels"
    (wheels / "automl-0.0.1-py3-none-any.whl").write_bytes(b"an older automl")
    (wheels / "mylib-1.0-py3-none-any.whl").write_bytes(b"the user's own wheel")
    (out / "extra.txt").write_text("kept")
    outside = project.folder / "outside.txt"
    outside.write_text("must not change")
    (out / "pytest.ini").unlink()
    (out / "pytest.ini").symlink_to(outside)
    forced = run_automl("--home", home, "scaffold-serve", "--out", out, "--force", "--no-hashes")
    assert forced.code == 0, forced.stderr
    assert sorted(p.name for p in wheels.iterdir()) == [
        "automl-0.1.0-py3-none-any.whl", "mylib-1.0-py3-none-any.whl"]  # fmt: skip
    assert (out / "extra.txt").read_text() == "kept"
    assert outside.read_text() == "must not change"  # the link was replaced, not written through
    assert not (out / "pytest.ini").is_symlink() and "[pytest]" in (out / "pytest.ini").read_text()

    elsewhere = project.folder / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "tests")
    (out / "tests").symlink_to(elsewhere, target_is_directory=True)
    linked = run_automl("--home", home, "scaffold-serve", "--out", out, "--force", "--no-hashes")
    assert linked.code == 2 and "symbolic link" in linked.stderr
    assert list(elsewhere.iterdir()) == []


def test_synthetic_golden_puts_no_training_row_in_the_project(project: Project) -> None:
    out = project.folder / "synthetic"
    result = run_automl("--home", project.home, "scaffold-serve", "--out", out,
                        "--synthetic-golden", "--no-hashes")  # fmt: skip
    assert result.code == 0, result.stderr
    training = pd.read_csv(dataset("titanic").path)
    text = "\n".join(p.read_text() for p in [out / "README.md", out / "tests" / "golden.json"])
    for name in training["Name"].head(50):
        assert name not in text
    for ticket in training["Ticket"].value_counts()[lambda n: n < 5].index[:50]:
        assert f'"{ticket}"' not in text
    assert "no training\nrow is in this project" in (out / "README.md").read_text()
    records = json.loads((out / "tests" / "golden.json").read_text())["records"]
    assert any(r["Age"] is None for r in records)  # Age had gaps in training
    checked = own_tests(project, out)
    assert checked.returncode == 0, checked.stdout[-3000:]


def test_served_predictions_equal_automl_predict_gaps_included(project: Project) -> None:
    rows = pd.read_csv(dataset("titanic").path).head(ROWS)
    rows.loc[0:4, "Fare"] = None  # Fare had no gap in training
    rows.loc[3:8, "Sex"] = None
    rows.loc[6:10, "Pclass"] = None
    rows.loc[10, rows.columns.drop("Survived")] = None  # a row of nothing
    csv = project.folder / "gaps.csv"
    rows.to_csv(csv, index=False)
    expected_path = project.folder / "expected.csv"
    predicted = run_automl("--home", project.home, "predict", csv, "--output", expected_path)
    assert predicted.code == 0, predicted.stderr
    expected = pd.read_csv(expected_path)
    records = json.loads(rows.drop(columns=["Survived"]).to_json(orient="records"))
    with serve(project) as server:
        status, raw = call(server.base + "/v1/predict", records)
        assert status == 200, raw
        assert_served_as_predicted(json.loads(raw), expected)

        # A column the file lacks is refused by predict; a field the record lacks, by the
        # service: one error, naming it, without the record echoed back.
        broken = dict(records[1])
        broken.pop("Fare")
        status, raw = call(server.base + "/v1/predict", broken)
        detail = json.loads(raw)["detail"]
        assert status == 422 and [e["loc"] for e in detail] == [["body", "record", "Fare"]]
        assert "Braund" not in raw.decode()
        lacking = project.folder / "lacking.csv"
        rows.drop(columns=["Fare"]).to_csv(lacking, index=False)
        refused = run_automl("--home", project.home, "predict", lacking, "--output",
                             project.folder / "x.csv")  # fmt: skip
        assert refused.code == 3 and "Fare" in refused.stderr
        status, raw = call(server.base + "/v1/predict", dict(records[1], Age="old"))
        assert status == 422 and b"Age" in raw


def test_refuses_a_non_empty_folder_and_a_tampered_model(project: Project) -> None:
    again = run_automl("--home", project.home, "scaffold-serve", "--out", project.out)
    assert again.code == 2 and "--force" in again.stderr
    (run_dir,) = (project.home / "default").iterdir()
    model = run_dir / "model.joblib"
    original = model.read_bytes()
    try:
        model.write_bytes(original + b"tampered")
        out = project.folder / "other"
        result = run_automl("--home", project.home, "scaffold-serve", "--out", out)
        assert result.code == 3 and "SHA-256" in result.stderr
        assert not out.exists()
    finally:
        model.write_bytes(original)
