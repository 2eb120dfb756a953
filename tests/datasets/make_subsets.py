"""Regenerate the test datasets in this folder from ``../shared/datasets`` (a developer's copy).

    python tests/datasets/make_subsets.py [--source DIR]

Small files are copied byte for byte. Large ones are cut to a seeded subset of their lines,
stratified by the target for classification, with rows a test depends on always kept (telco's
blank ``TotalCharges``). A subset keeps the source's bytes: the header, every kept line as it
was (quoting, blanks, ``NA``, CRLF endings) in the source's order, and the presence or absence
of a final line ending. The same source always gives the same files. ``MANIFEST.csv`` records
each file's source, licence, selection and the SHA-256 of the source and of the copy; a source
whose SHA-256 differs from the recorded one is refused unless ``--accept-new-sources``.

The tests read only this folder; ``../shared/datasets`` is for benchmarks and for this script.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "datasets"
SEED = 0

PMLB = "MIT (the PMLB repository's LICENSE); see README.md for the original source"
LICENCES = {
    "EpistasisLab/pmlb": PMLB,
    "nghiatt90/kaggle": "Kaggle competition data (Titanic); see README.md",
    "AlexGreco1/Churn_AG": "IBM sample data (Telco Customer Churn); see README.md",
    "ta-data-mexpt/statistical-analysis-project": "Ames housing data, Dean De Cock; see README.md",
}


@dataclass(frozen=True)
class Plan:
    """What to take from one source file: all of it, or ``rows`` data lines."""

    rows: int | None = None
    keep_column: str | None = None  # rows whose cell in this column equals keep_value are kept
    keep_value: str | None = None

    def describe(self, source_rows: int, target: str, task: str, kept: int) -> str:
        if self.rows is None:
            return "whole file, bytes unchanged"
        how = f"stratified by {target}" if task != "regression" else "uniform"
        text = f"{self.rows} of {source_rows} rows, {how}, seed {SEED}, source line order"
        if self.keep_column is not None:
            text += f", including all {kept} rows with {self.keep_column} == {self.keep_value!r}"
        return text


PLANS = {
    "titanic": Plan(),
    "house_prices": Plan(),
    "wine_quality_white": Plan(),
    "credit_g": Plan(),
    "telco_churn": Plan(rows=2500, keep_column="TotalCharges", keep_value=" "),
    "satimage": Plan(rows=2000),
    "churn": Plan(),  # "phone number" is an identifier as a permutation of 0..4999 only
    "tokyo1": Plan(rows=400),
    "phoneme": Plan(rows=500),
    "spambase": Plan(rows=500),
    "537_houses": Plan(rows=500),
    "197_cpu_act": Plan(rows=500),
}

COLUMNS = ["name", "file", "target", "task", "rows", "source_rows", "selection", "sha256",
           "source_sha256", "source_repo", "source_path", "source_commit", "licence",
           "source_notes"]  # fmt: skip


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_lines(data: bytes) -> tuple[bytes, list[bytes], bytes, bool]:
    """Header, data lines (without endings), the line ending and whether the file ends with it.

    Refuses a file whose quoted cells span lines: cutting it by lines would break records.
    """
    ending = b"\r\n" if data.split(b"\n", 1)[0].endswith(b"\r") else b"\n"
    final = data.endswith(ending)
    lines = (data[: -len(ending)] if final else data).split(ending)
    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if len(records) != len(lines):
        raise SystemExit("a quoted cell spans lines: this file cannot be cut by lines")
    return lines[0], lines[1:], ending, final


def choose(
    cells: list[list[str]], header: list[str], target: str, task: str, plan: Plan
) -> np.ndarray:
    """Indices of the data lines to keep, sorted (the source's order)."""
    assert plan.rows is not None
    rng = np.random.default_rng(SEED)
    n = len(cells)
    forced = np.zeros(n, dtype=bool)
    if plan.keep_column is not None:
        column = header.index(plan.keep_column)
        forced = np.array([row[column] == plan.keep_value for row in cells])
    if task == "regression":
        groups = {"": np.arange(n)}
    else:
        labels = np.array([row[header.index(target)] for row in cells])
        groups = {label: np.flatnonzero(labels == label) for label in sorted(set(labels))}
    # largest remainder: each class gets its share of the rows, the total is exact
    shares = {label: plan.rows * len(rows) / n for label, rows in groups.items()}
    quota = {label: int(share) for label, share in shares.items()}
    by_remainder = sorted(shares, key=lambda label: (quota[label] - shares[label], label))
    for label in by_remainder[: plan.rows - sum(quota.values())]:
        quota[label] += 1
    chosen: list[np.ndarray] = []
    for label, rows in groups.items():
        must = rows[forced[rows]]
        free = rows[~forced[rows]]
        extra = rng.choice(free, size=max(0, quota[label] - len(must)), replace=False)
        chosen += [must, extra]
    return np.sort(np.concatenate(chosen))


def make(entry: dict[str, str], source: Path, plan: Plan) -> tuple[bytes, dict[str, str]]:
    """The vendored bytes of one dataset and its manifest row."""
    data = (source / entry["file"]).read_bytes()
    header, lines, ending, final = split_lines(data)
    kept = 0
    if plan.rows is None:
        out = data
    else:
        names = next(csv.reader([header.decode("utf-8")]))
        cells = list(csv.reader(line.decode("utf-8") for line in lines))
        keep = choose(cells, names, entry["target"], entry["task"], plan)
        if plan.keep_column is not None:
            column = names.index(plan.keep_column)
            kept = sum(cells[i][column] == plan.keep_value for i in range(len(cells)))
        out = ending.join([header, *(lines[i] for i in keep)]) + (ending if final else b"")
    row = {
        "name": entry["name"],
        "file": entry["file"],
        "target": entry["target"],
        "task": entry["task"],
        "rows": str(len(split_lines(out)[1])),
        "source_rows": str(len(lines)),
        "selection": plan.describe(len(lines), entry["target"], entry["task"], kept),
        "sha256": sha256(out),
        "source_sha256": sha256(data),
        "source_repo": entry["source_repo"],
        "source_path": entry["source_path"],
        "source_commit": entry["source_commit"],
        "licence": LICENCES[entry["source_repo"]],
        "source_notes": entry["notes"],
    }
    return out, row


def recorded_sources() -> dict[str, str]:
    """The source SHA-256 of each dataset as the current MANIFEST.csv records it."""
    manifest = HERE / "MANIFEST.csv"
    if not manifest.is_file():
        return {}
    with manifest.open(newline="", encoding="utf-8") as fh:
        return {row["name"]: row["source_sha256"] for row in csv.DictReader(fh)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument(
        "--accept-new-sources",
        action="store_true",
        help="write even if a source's SHA-256 differs from MANIFEST.csv",
    )
    args = parser.parse_args(argv)
    with (args.source / "MANIFEST.csv").open(newline="", encoding="utf-8") as fh:
        entries = {row["name"]: row for row in csv.DictReader(fh)}
    known = recorded_sources()
    made = [make(entries[name], args.source, plan) for name, plan in PLANS.items()]
    changed = [row for _, row in made if known.get(row["name"], row["source_sha256"])
               != row["source_sha256"]]  # fmt: skip
    if changed and not args.accept_new_sources:
        for row in changed:
            print(f"{row['name']}: the source changed (SHA-256 {row['source_sha256']}, "
                  f"recorded {known[row['name']]})", file=sys.stderr)  # fmt: skip
        print("Nothing written; check the sources, then rerun with --accept-new-sources.",
              file=sys.stderr)  # fmt: skip
        return 1
    rows = []
    for out, row in made:
        (HERE / row["file"]).write_bytes(out)
        rows.append(row)
        print(f"{row['file']}: {row['rows']} rows, {len(out):,} bytes ({row['selection']})")
    with (HERE / "MANIFEST.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
