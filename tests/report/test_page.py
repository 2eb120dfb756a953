"""``automl report`` on real runs: what the page says is what the run recorded."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import optuna
import pytest

from tests.conftest import run_automl

SECTIONS = ["summary", "leaderboard", "model", "importance", "model-card"]


class _Numbers(HTMLParser):
    """Every ``<span class="num">`` of the page: (key, exact value, shown text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []
        self._open: tuple[str, str] | None = None
        self.ids: set[str] = set()
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for name in ("src", "href", "xlink:href"):
            value = found.get(name)
            if value and not value.startswith(("#", "data:")):
                self.links.append(value)
        if tag == "span" and found.get("class") == "num":
            self._open = (str(found["data-key"]), str(found["data-value"]))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.found.append((*self._open, data))
            self._open = None


def parse(text: str) -> _Numbers:
    parser = _Numbers()
    parser.feed(text)
    return parser


def source_value(key: str, record: dict, rows: list[dict], fold_scores: dict[int, list]):
    """The value a page key names, read from run.json, leaderboard.json or the study."""
    head, _, path = key.partition(".")
    if head == "run":
        value = record
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        return value
    if head == "lb":
        trial, field = path.split(".")
        row = next(
            r
            for r in rows
            if (r["trial"] is None and trial == "ensemble") or str(r["trial"]) == trial
        )
        return row[field]
    if head == "trial":
        trial, _, k = path.split(".")
        return fold_scores[int(trial)][int(k)]
    raise AssertionError(f"unknown key {key}")


def shown_matches(text: str, value: float) -> bool:
    """The shown text is ``value`` rounded to the decimals it shows."""
    cleaned = text.replace(",", "")
    places = len(cleaned.partition(".")[2])
    return math.isclose(float(cleaned), value, abs_tol=0.5 * 10**-places + 1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["titanic", "satimage", "537_houses"])
def test_every_number_on_the_page_is_the_runs(reported, name: str) -> None:
    run = reported(name)
    record = run.record
    rows = json.loads((run.run_dir / "leaderboard.json").read_text())
    storage = f"sqlite:///{run.home / 'automl.db'}"
    study = optuna.load_study(study_name=record["study_name"], storage=storage)
    fold_scores = {t.number: t.user_attrs.get("fold_scores") for t in study.trials}
    numbers = parse(run.text).found
    assert len(numbers) > 30
    for key, exact, text in numbers:
        expected = source_value(key, record, rows, fold_scores)
        assert float(exact) == float(expected), (key, exact, expected)
        assert shown_matches(text, float(expected)), (key, text, expected)
    keys = {key for key, _, _ in numbers}
    # the figures a reader looks for first are all there, and all checked above
    assert {
        "run.best.cv_mean",
        "run.best.cv_std",
        "run.data.n_rows",
        "run.model.cv_mean",
        "run.trials.complete",
        "run.cv.folds",
    } <= keys
    assert {f"run.best.fold_scores.{k}" for k in range(3)} <= keys
    assert {
        f"lb.{r['trial']}.cv_mean"
        for r in rows
        if r["rank"] and r["trial"] is not None and r["rank"] <= 15
    } <= keys
    model = record["model"]
    assert {f"run.model.weights.{i}" for i in range(len(model["weights"]))} <= keys
    if record["holdout"]:
        assert "run.holdout.score" in keys


@pytest.mark.slow
def test_the_binary_report_has_every_section_and_plot_and_fetches_nothing(reported) -> None:
    run = reported("titanic")
    doc = run.document
    assert doc["schema_version"] == 1 and doc["sections"] == SECTIONS
    assert doc["plots"] == [
        "families",
        "search",
        "roc",
        "pr",
        "calibration",
        "confusion",
        "folds",
        "importance",
    ]
    assert doc["notes"] == [] and doc["bytes"] == run.html.stat().st_size
    page = parse(run.text)
    assert {*SECTIONS, *(f"plot-{key}" for key in doc["plots"])} <= page.ids
    assert "script" not in page.tags and page.links == []  # nothing to fetch, nothing to run
    assert not re.search(r"url\(|@import|https?://", run.text.split("<svg", 1)[0])
    # the holdout, the ensemble and the profile's warnings are all said
    record = run.record
    assert record["holdout"] and "Holdout roc_auc" in run.text
    assert record["model"]["kind"] == "ensemble"
    for label in record["model"]["members"]:
        assert label in run.text
    assert "looks like an identifier" in run.text and "Not used: PassengerId" in run.text
    assert " ".join(record["command"]) in run.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "model_plots"),
    [
        ("satimage", ["roc", "pr", "calibration", "confusion"]),
        ("537_houses", ["actual", "residuals"]),
    ],
)
def test_each_task_gets_its_own_plots(reported, name: str, model_plots: list[str]) -> None:
    run = reported(name)
    assert run.document["plots"] == ["families", "search", *model_plots, "folds", "importance"]
    assert run.document["notes"] == []
    if name == "satimage":  # one curve per class, each named
        for label in run.record["labels"]:
            assert f"class {label}: AUC" in run.text


@pytest.mark.slow
def test_the_binary_report_marks_the_runs_own_threshold_not_half(reported) -> None:
    run = reported("titanic")  # fitted with --decision f1
    decision = run.record["decision"]
    assert decision["rule"] == "f1" and decision["threshold"] != 0.5
    page = parse(run.text)
    keys = {key for key, _, _ in page.found}
    wanted = {"run.decision.threshold", "run.decision.at_threshold", "run.decision.at_default"}
    assert wanted <= keys
    assert "--decision f1" in run.text
    # the ROC and precision-recall legends name the threshold the model uses
    legend = f"p &gt;= {decision['threshold']:.3g}, f1"
    assert run.text.count(legend) >= 2, legend
    assert "decision (p &gt; 0.5)" not in run.text
    if decision["calibrated"]:
        assert "calibrated (" in run.text and "Probabilities are calibrated" in run.text


@pytest.mark.slow
def test_the_report_is_byte_identical_when_built_again(reported, tmp_path: Path) -> None:
    run = reported("titanic")
    again = tmp_path / "again.html"
    result = run_automl("--home", run.home, "report", "--out", again)
    assert result.code == 0, result.stderr
    assert again.read_bytes() == run.html.read_bytes()
    assert f"Wrote {again}" in result.stdout


@pytest.mark.slow
def test_without_the_training_file_the_report_says_what_it_left_out(reported, tmp_path: Path):
    run = reported("titanic")
    moved = tmp_path / "moved.csv"
    run.data.rename(moved)
    try:
        out = tmp_path / "report.html"
        result = run_automl("--home", run.home, "report", "--out", out, "--json")
        assert result.code == 0, result.stderr
        doc = json.loads(result.stdout)
        assert "roc" not in doc["plots"] and "importance" not in doc["plots"]
        assert "families" in doc["plots"] and "folds" in doc["plots"]
        assert len(doc["notes"]) == 1 and str(run.data) in doc["notes"][0]
        assert "--data" in doc["notes"][0] and "report-notes" in parse(out.read_text()).ids
        # given where it went, the report is whole again, and the same
        again = tmp_path / "again.html"
        result = run_automl("--home", run.home, "report", "--out", again, "--data", moved)
        assert result.code == 0, result.stderr
        assert again.read_bytes() == run.html.read_bytes()
    finally:
        moved.rename(run.data)


@pytest.mark.slow
def test_another_file_as_data_is_refused_with_both_hashes(reported, tmp_path: Path) -> None:
    run = reported("titanic")
    other = tmp_path / "other.csv"
    other.write_text(run.data.read_text() + "\n")
    result = run_automl("--home", run.home, "report", "--out", tmp_path / "r.html", "--data", other)
    assert result.code == 3
    assert "is not the file run" in result.stderr and "SHA-256" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_a_missing_run_is_exit_4(tmp_path: Path) -> None:
    result = run_automl("--home", tmp_path, "report", "--out", tmp_path / "r.html")
    assert result.code == 4
    assert "no runs" in result.stderr and not (tmp_path / "r.html").exists()


@pytest.mark.slow
def test_without_matplotlib_the_report_says_how_to_install_it(reported, tmp_path: Path) -> None:
    run = reported("titanic")
    fake = tmp_path / "site" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    result = run_automl(
        "--home",
        run.home,
        "report",
        "--out",
        tmp_path / "r.html",
        env={"PYTHONPATH": str(tmp_path / "site")},
    )
    assert result.code == 2, result.stderr
    assert 'pip install "automl[report]"' in result.stderr
    assert "Traceback" not in result.stderr
