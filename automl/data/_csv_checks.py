"""Checks of a CSV file before and after parsing, each a clear ``DataError``: binary content,
unclosed quotes, text that is not UTF-8, rows of the wrong length."""

from __future__ import annotations

import codecs
import gzip
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from automl.errors import DataError

if TYPE_CHECKING:
    import pandas as pd


_BINARY_SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Office document",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "an SQLite database",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ": "an xz archive",
    b"\x7fELF": "an executable",
}


def _check_unclosed_quotes(path: Path, frame: pd.DataFrame, delimiter: str) -> None:
    """A cell that swallowed whole lines with the delimiter in them is an unclosed quote."""
    import pandas as pd

    width = frame.shape[1]
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_string_dtype(column):
            continue
        multiline = column[column.str.contains("\n", regex=False, na=False)]
        if multiline.empty:
            continue
        swallowed = multiline[multiline.str.count(re.escape(delimiter)) >= max(1, width - 1)]
        if not swallowed.empty:
            start = str(swallowed.iloc[0]).splitlines()[0][:60]
            raise DataError(
                f"{path}: a quoted field in column {name!r} is never closed; it swallows the "
                f"lines that follow, starting at {start!r}.",
                hint='Close the quote, or double a quote inside a quoted field ("").',
            )


def _check_not_binary(path: Path, sample: bytes) -> None:
    for signature, what in _BINARY_SIGNATURES.items():
        if sample.startswith(signature):
            raise DataError(
                f"{path} is {what}, not a CSV or Parquet file.",
                hint="Export the data as CSV (UTF-8) or Parquet and pass that file.",
            )
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(
            f"{path} is encoded as UTF-16; automl reads UTF-8.",
            hint=f"Convert it, for example: iconv -f UTF-16 -t UTF-8 {path} > data-utf8.csv",
        )
    if b"\x00" in sample:
        raise DataError(
            f"{path} contains NUL bytes: it is a binary file, not a CSV.",
            hint="Pass a CSV (UTF-8 text) or Parquet file.",
        )


def _decode_sample(path: Path, sample: bytes, *, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return str(decoder.decode(sample, final=complete))
    except UnicodeDecodeError as exc:
        raise _undecodable(path, sample, exc.start) from exc


def _undecodable(
    path: Path, data: bytes, offset: int, *, base: int = 0, line: int = 1
) -> DataError:
    line += data.count(b"\n", 0, offset)
    bad = data[offset : offset + 4]
    return DataError(
        f"{path} is not valid UTF-8: byte {bad[:1]!r} at offset {base + offset} (line {line}).",
        hint=(
            "Re-save the file as UTF-8, or convert it, for example: "
            f"iconv -f latin1 -t utf-8 {path} > data-utf8.csv"
        ),
    )


def _ragged(path: Path, compression: str | None, bad_rows: list[Any], width: int) -> DataError:
    first = bad_rows[0]
    if "\n" in first.text and '"' in first.text:
        start = first.text.splitlines()[0][:60]
        return DataError(
            f"{path}: a quoted field is never closed; it swallows the lines that follow, "
            f"starting at {start!r}.",
            hint='Close the quote, or double a quote inside a quoted field ("").',
        )
    line = _find_line(path, compression, first.text)
    where = f"line {line}" if line else "a row"
    text = first.text if len(first.text) <= 80 else first.text[:77] + "..."
    more = f" ({len(bad_rows)} such rows in all)" if len(bad_rows) > 1 else ""
    return DataError(
        f"{path}: {where} has {first.actual_columns} fields but the header has {width}"
        f"{more}: {text!r}.",
        hint="Fix or remove the ragged rows; a field containing the delimiter must be quoted.",
    )


def _find_line(path: Path, compression: str | None, text: str) -> int | None:
    """The 1-based line number where ``text`` stands alone on a line (error path only)."""
    opener: Any = gzip.open if compression == "gzip" else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
        for number, line in enumerate(fh, start=1):
            if line.rstrip("\r\n") == text:
                return number
    return None


def _check_utf8_columns(path: Path, arrow: Any, compression: str | None) -> None:
    import pyarrow as pa

    if not any(pa.types.is_binary(field.type) for field in arrow.schema):
        return
    opener: Any = gzip.open if compression == "gzip" else open
    decoder = codecs.getincrementaldecoder("utf-8")()
    base, line = 0, 1
    with opener(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise _undecodable(path, block, exc.start, base=base, line=line) from exc
            base += len(block)
            line += block.count(b"\n")
    raise DataError(f"{path} is not valid UTF-8.", hint="Re-save the file as UTF-8.")
