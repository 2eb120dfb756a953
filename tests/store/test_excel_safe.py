"""``predict --excel-safe``: class labels that a spreadsheet would run as formulas are written
with a leading quote; numbers, and cells that are plain numbers, stay as they are."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from tests.conftest import run_automl

LABELS = ['=HYPERLINK("http://127.0.0.1:1/x","open")', "@SUM(A1)", "+cmd", "-1.5"]


def test_formula_labels_are_quoted_only_with_excel_safe(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    codes = np.repeat(np.arange(len(LABELS)), 30)
    frame = pd.DataFrame({"x": codes + rng.normal(scale=0.1, size=len(codes)),
                          "label": [LABELS[c] for c in codes]})  # fmt: skip
    data = tmp_path / "train.csv"
    frame.to_csv(data, index=False)
    home = tmp_path / "home"
    fitted = run_automl("--home", home, "fit", data, "--target", "label", "--n-trials", "2",
                        "--n-jobs", "1", "--models", "linear")  # fmt: skip
    assert fitted.code == 0, fitted.stderr

    plain, safe = tmp_path / "plain.csv", tmp_path / "safe.csv"
    assert run_automl("--home", home, "predict", data, "--output", plain).code == 0
    result = run_automl("--home", home, "predict", data, "--output", safe, "--excel-safe")
    assert result.code == 0, result.stderr
    raw = [row["prediction"] for row in csv.DictReader(plain.open(newline=""))]
    quoted = [row["prediction"] for row in csv.DictReader(safe.open(newline=""))]
    assert set(raw) == set(LABELS)  # the model learnt every label
    expected = {label: label if label == "-1.5" else "'" + label for label in LABELS}
    assert quoted == [expected[label] for label in raw]
    plain_frame, safe_frame = pd.read_csv(plain), pd.read_csv(safe)
    probabilities = [c for c in plain_frame.columns if c.startswith("proba_")]
    assert len(probabilities) == len(LABELS)
    pd.testing.assert_frame_equal(plain_frame[probabilities], safe_frame[probabilities])


def test_numeric_predictions_are_never_touched(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=80)
    data = tmp_path / "train.csv"
    pd.DataFrame({"x": x, "y": -3.0 * x - 1.5}).to_csv(data, index=False)
    home = tmp_path / "home"
    fitted = run_automl("--home", home, "fit", data, "--target", "y", "--n-trials", "2",
                        "--n-jobs", "1", "--models", "linear")  # fmt: skip
    assert fitted.code == 0, fitted.stderr
    out = tmp_path / "p.csv"
    assert run_automl("--home", home, "predict", data, "--output", out, "--excel-safe").code == 0
    text = out.read_text()
    assert "'" not in text and "\n-" in text  # negative numbers stay numbers
