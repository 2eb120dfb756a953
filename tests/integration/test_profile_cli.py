"""``automl profile`` on the real shared datasets and on broken files, through the real command."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import dataset, load_manifest, run_automl

PROFILES: dict[str, dict] = {}


def profile_json(name: str) -> dict:
    """``automl profile FILE --target T --json`` for a manifest dataset, run once per dataset."""
    if name not in PROFILES:
        ds = dataset(name)
        result = run_automl("profile", ds.path, "--target", ds.target, "--json")
        assert result.code == 0, result.stderr
        PROFILES[name] = json.loads(result.stdout)
    return PROFILES[name]


def roles(profile: dict) -> dict[str, str]:
    return {c["name"]: c["role"] for c in profile["columns"]}


def column(profile: dict, name: str) -> dict:
    return next(c for c in profile["columns"] if c["name"] == name)


@pytest.mark.parametrize("ds", load_manifest(), ids=lambda d: d.name)
def test_every_shared_dataset_gets_the_task_its_manifest_lists(ds) -> None:
    profile = profile_json(ds.name)
    assert profile["schema_version"] == 1
    assert profile["target"]["name"] == ds.target
    assert profile["target"]["task"] == ds.task


def test_telco_total_charges_is_numeric_text_with_eleven_blanks() -> None:
    profile = profile_json("telco_churn")
    total = column(profile, "TotalCharges")
    assert total["role"] == "numeric"
    assert total["parse"] == "number"
    assert total["n_missing"] == 11
    assert total["missing_markers"] == {" ": 11}


def test_identifiers_are_found_in_every_dataset_that_has_one() -> None:
    assert roles(profile_json("telco_churn"))["customerID"] == "identifier"
    assert roles(profile_json("titanic"))["PassengerId"] == "identifier"
    assert roles(profile_json("house_prices"))["Id"] == "identifier"
    assert roles(profile_json("churn"))["phone number"] == "identifier"
    warned = {w["column"] for w in profile_json("titanic")["warnings"] if w["kind"] == "identifier"}
    assert warned == {"PassengerId"}


def test_titanic_name_is_text_and_cabin_mostly_missing() -> None:
    profile = profile_json("titanic")
    assert roles(profile)["Name"] == "text"
    assert column(profile, "Age")["n_missing"] == 177
    kinds = {(w["kind"], w["column"]) for w in profile["warnings"]}
    assert ("mostly_missing", "Cabin") in kinds
    assert ("high_cardinality", "Ticket") in kinds


def test_house_prices_codes_and_na_markers() -> None:
    profile = profile_json("house_prices")
    assert roles(profile)["MSSubClass"] == "categorical"
    assert roles(profile)["OverallQual"] == "numeric"  # 1..10: an ordinal, not codes
    frontage = column(profile, "LotFrontage")
    assert frontage["role"] == "numeric" and frontage["missing_markers"] == {"NA": 259}
    pool = column(profile, "PoolQC")
    assert pool["role"] == "categorical" and pool["missing_markers"]["NA"] == 1453
    assert "'NA' in 1,453 rows read as missing" in pool["reason"]


def test_class_balance_and_duplicates_are_reported() -> None:
    wine = profile_json("wine_quality_white")
    assert wine["n_duplicate_rows"] == 937
    assert [label for label, _ in wine["target"]["classes"]] == [3, 4, 5, 6, 7, 8]
    assert any(w["kind"] == "class_imbalance" for w in wine["warnings"])
    telco = profile_json("telco_churn")["target"]
    assert telco["classes"] == [["No", 5174], ["Yes", 1869]]
    assert telco["positive_class"] == "Yes"


def test_table_output_lists_columns_then_warnings() -> None:
    ds = dataset("titanic")
    result = run_automl("profile", ds.path, "--target", ds.target)
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "PassengerId" in out and "identifier" in out and "free text" in out
    assert out.index("Embarked") < out.index("warnings")
    assert "Target 'Survived': binary" in out


def test_gzip_semicolon_and_parquet_read_the_same_as_csv(tmp_path: Path) -> None:
    import pandas as pd

    ds = dataset("titanic")
    frame = pd.read_csv(ds.path, keep_default_na=False)
    semicolon = tmp_path / "titanic.csv.gz"
    with gzip.open(semicolon, "wt", encoding="utf-8") as fh:
        frame.to_csv(fh, sep=";", index=False)
    parquet = tmp_path / "titanic.parquet"
    pd.read_csv(ds.path).to_parquet(parquet)
    for path in (semicolon, parquet):
        result = run_automl("profile", path, "--target", "Survived", "--json")
        assert result.code == 0, result.stderr
        profile = json.loads(result.stdout)
        assert profile["n_rows"] == 891
        assert roles(profile)["Name"] == "text"
        assert roles(profile)["PassengerId"] == "identifier"
        assert profile["target"]["task"] == "binary"
    assert json.loads(run_automl("profile", semicolon, "--json").stdout)["delimiter"] == ";"


BAD_FILES = {
    "empty": (b"", 3, "is empty"),
    "header_only": (b"a,b,target\n", 3, "no data rows"),
    "ragged": (b"a,b,target\n1,2,3\n4,5\n6,7,8\n", 3, "line 3 has 2 fields but the header has 3"),
    "unclosed_quote": (b'a,b,target\n1,"x,0\n2,y,1\n3,z,0\n', 3, "never closed"),
    "duplicate_columns": (b"a,a,target\n1,2,3\n4,5,6\n", 3, "duplicate column names: 'a'"),
    "undecodable": (b"a,b,target\ncaf\xe9,1,0\nx,2,1\n", 3, "not valid UTF-8"),
    "binary": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), 3, "ZIP archive"),
    "nul_bytes": (b"a,b\x00,c\n\x00\x01\x02\n", 3, "binary file"),
    "target_all_missing": (b"a,target\n1,\n2,\n3,?\n", 3, "all 3 values are missing"),
    "target_single_value": (b"a,target\n1,x\n2,x\n3,x\n", 3, "single value, 'x'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_get_exit_3_and_a_message_naming_the_problem(tmp_path: Path, case: str) -> None:
    content, code, expected = BAD_FILES[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(content)
    result = run_automl("profile", path, "--target", "target")
    assert result.code == code, (result.stdout, result.stderr)
    message = " ".join(result.stderr.split())
    assert expected in message
    assert str(path.name) in message
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_file_is_exit_4_and_a_directory_exit_3(tmp_path: Path) -> None:
    missing = run_automl("profile", tmp_path / "nope.csv")
    assert missing.code == 4 and "not found" in missing.stderr
    folder = run_automl("profile", tmp_path)
    assert folder.code == 3 and "is a directory" in folder.stderr
    assert "Traceback" not in missing.stderr + folder.stderr


def test_unknown_target_suggests_the_case_insensitive_match() -> None:
    ds = dataset("telco_churn")
    result = run_automl("profile", ds.path, "--target", "churn")
    assert result.code == 4
    message = " ".join(result.stderr.split())
    assert "Target column 'churn' not found" in message
    assert "Did you mean 'Churn'" in message


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = run_automl("--debug", "profile", path)
    assert result.code == 3
    assert "Traceback" in result.stderr
