"""The vendored test datasets are the bytes their manifest records, so the quirks the tests
check (telco's CRLF line endings and blank cells, titanic's missing final newline) survive
checkouts, editors and line-ending conversion."""

from __future__ import annotations

import csv
import hashlib

from tests.conftest import DATASETS, load_manifest


def test_every_vendored_file_has_its_recorded_sha256_and_row_count() -> None:
    with (DATASETS / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        recorded = {row["name"]: row for row in csv.DictReader(fh)}
    for ds in load_manifest():
        data = ds.path.read_bytes()
        row = recorded[ds.name]
        assert hashlib.sha256(data).hexdigest() == row["sha256"], f"{ds.path} was changed"
        assert data.count(b"\n") + (not data.endswith(b"\n")) - 1 == int(row["rows"])
    assert b"\r\n" in (DATASETS / "telco_churn.csv").read_bytes()[:2000]
