"""Read a user's table (CSV in any common dialect, gzipped CSV, or Parquet) into pandas.

Reading is strict where silence would corrupt data and lenient where the intent is clear: the
delimiter is sniffed, a UTF-8 byte-order mark is dropped, quoted newlines work; ragged rows,
duplicate column names, undecodable bytes and binary files are errors that name the file, the
line and the fix. Cells are not cleaned here: an empty cell is missing, everything else is kept
as read so that the profile can see markers such as ``?`` or a lone space.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from automl.data._csv_checks import (
    _check_not_binary,
    _check_unclosed_quotes,
    _check_utf8_columns,
    _decode_sample,
    _ragged,
)
from automl.data.limits import InputLimits, input_limits
from automl.errors import DataError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "arrow_table", "file_sha256", "read_table"]

logger = logging.getLogger(__name__)

_SAMPLE_BYTES = 256 * 1024
_DELIMITERS = (",", ";", "\t", "|")
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_MAGIC_PARQUET = b"PAR1"
_MAGIC_GZIP = b"\x1f\x8b"


@dataclass(frozen=True)
class Table:
    """A table read from a file, with how it was read.

    Attributes:
        frame: The data; column names exactly as in the file's header.
        path: The file that was read.
        format: ``"csv"``, ``"parquet"``, or ``"dataframe"`` for a pandas data frame given
            to the Python API (``path`` is then a name for messages, not a file).
        delimiter: The CSV delimiter that was found, or ``None`` for Parquet.
        compression: ``"gzip"`` or ``None``.
    """

    frame: pd.DataFrame
    path: Path
    format: Literal["csv", "parquet", "dataframe"]
    delimiter: str | None
    compression: Literal["gzip"] | None


def read_table(path: str | Path) -> Table:
    """Read a CSV (any common delimiter, optionally gzipped) or Parquet file.

    Args:
        path: The file to read.

    Returns:
        The table with its dialect.

    Raises:
        NotFoundError: The file does not exist.
        DataError: The path is a directory, or the file is empty, has no data rows, has ragged rows
            or duplicate column names, is not UTF-8, or is not a table at all; or it holds more
            rows or bytes than ``AUTOML_MAX_INPUT_ROWS`` / ``AUTOML_MAX_INPUT_BYTES`` allow
            (:mod:`automl.data.limits`; checked while reading).
        UsageError: One of those variables is not a positive amount.
    """
    path = Path(path)
    limits = input_limits()
    _check_is_file(path)
    with path.open("rb") as fh:
        head = fh.read(16)
    if not head:
        raise DataError(
            f"{path} is empty (0 bytes).",
            hint="Expected a CSV file with a header and at least one data row, or a Parquet file.",
        )
    if head.startswith(_MAGIC_PARQUET) or path.suffix.lower() in _PARQUET_SUFFIXES:
        return _read_parquet(path, limits)
    compression: Literal["gzip"] | None = "gzip" if head.startswith(_MAGIC_GZIP) else None
    return _read_csv(path, compression, limits)


def file_sha256(path: str | Path) -> str:
    """Return the SHA-256 of a file's bytes as a hex string.

    Args:
        path: The file to hash.

    Returns:
        64 hex digits.

    Raises:
        NotFoundError: The file does not exist.
        DataError: The path is a directory.
    """
    _check_is_file(Path(path))
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_is_file(path: Path) -> None:
    if path.is_dir():
        candidates = sorted(
            p.name
            for p in path.iterdir()
            if p.suffix.lower() in {".csv", ".gz", ".tsv", ".txt", ".parquet", ".pq"}
        )[:5]
        hint = (
            f"Pass one of its files, for example {path / candidates[0]}."
            if candidates
            else "Pass the path of a CSV or Parquet file."
        )
        raise DataError(f"{path} is a directory, not a data file.", hint=hint)
    if not path.exists():
        parent = path.parent if str(path.parent) else Path(".")
        similar = []
        if parent.is_dir():
            import difflib

            names = [p.name for p in parent.iterdir() if p.is_file()]
            similar = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
        hint = (
            "Did you mean " + " or ".join(repr(str(parent / s)) for s in similar) + "?"
            if similar
            else "Check the path; relative paths start from the current folder."
        )
        raise NotFoundError(f"Data file {str(path)!r} not found.", hint=hint)


def _read_parquet(path: Path, limits: InputLimits) -> Table:
    import pyarrow.parquet as pq

    from automl.data.limits import check_parquet_size

    try:
        check_parquet_size(path, pq.ParquetFile(path).metadata, limits)
        arrow = pq.read_table(path)
    except DataError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
        raise DataError(
            f"{path} could not be read as Parquet: {exc}",
            hint="Check that the file was written completely, or export the data as CSV.",
        ) from exc
    return arrow_table(arrow, path, "parquet")


def arrow_table(arrow: Any, path: Path, format: Literal["parquet", "dataframe"]) -> Table:
    """A :class:`Table` from an Arrow table read from Parquet (or converted from a data frame:
    :mod:`automl.data.frame`), after the checks both share.

    Raises:
        DataError: Duplicate column names, nested columns, or no rows.
    """
    import pyarrow as pa

    names = list(arrow.column_names)
    _check_header(path, names)
    nested = [f.name for f in arrow.schema if pa.types.is_nested(f.type)]
    if nested:
        raise DataError(
            f"{path} has nested (list or struct) columns: {', '.join(map(repr, nested[:5]))}.",
            hint="Flatten them into plain columns, or drop them, before training.",
        )
    if arrow.num_rows == 0:
        raise DataError(f"{path} has columns but no rows.", hint="Add data rows to the file.")
    return Table(_to_pandas(arrow), path, format, None, None)


def _open_text_sample(path: Path, compression: str | None) -> bytes:
    opener: Any = gzip.open if compression == "gzip" else open
    try:
        with opener(path, "rb") as fh:
            return bytes(fh.read(_SAMPLE_BYTES))
    except (OSError, EOFError) as exc:
        raise DataError(
            f"{path} looks gzip-compressed but could not be decompressed: {exc}",
            hint="Check that the download finished, or decompress it yourself and pass the CSV.",
        ) from exc


def _read_csv(path: Path, compression: Literal["gzip"] | None, limits: InputLimits) -> Table:
    sample = _open_text_sample(path, compression)
    _check_not_binary(path, sample)
    if sample.startswith(codecs.BOM_UTF8):
        sample = sample[len(codecs.BOM_UTF8) :]
    text = _decode_sample(path, sample, complete=len(sample) < _SAMPLE_BYTES)
    if not text.strip():
        raise DataError(
            f"{path} contains only blank lines.",
            hint="Expected a header row and at least one data row.",
        )
    delimiter = sniff_delimiter(text)
    try:
        names = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise DataError(
            f"{path}: the header row could not be parsed: {exc}.",
            hint="The first line must hold the column names, separated by the delimiter.",
        ) from exc
    names = [name.strip() for name in names]
    names = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
    _check_header(path, names)
    arrow = _parse_csv(path, compression, names, delimiter, quoted='"' in text, limits=limits)
    if arrow.num_rows == 0:
        raise DataError(
            f"{path} has a header ({len(names)} columns) but no data rows.",
            hint="Add data rows below the header.",
        )
    _check_utf8_columns(path, arrow, compression)
    frame = _to_pandas(arrow)
    if '"' in text:
        _check_unclosed_quotes(path, frame, delimiter)
    return Table(frame, path, "csv", delimiter, compression)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first lines into the most, and most regular, fields.

    Args:
        text: The start of the file, decoded.

    Returns:
        One of ``,`` ``;`` tab ``|``; a comma when nothing splits the lines (a single column).
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the sample may end mid-line
    head = "".join(lines[:100])
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
            rows = [row for row in reader if row]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        regular = sum(len(row) == width for row in rows) / len(rows)
        score = (regular, width)
        if regular >= 0.9 and score > best_score:
            best, best_score = delimiter, score
    return best


def _check_header(path: Path, names: list[str]) -> None:
    duplicates = [name for name, count in Counter(names).items() if count > 1]
    if duplicates:
        shown = ", ".join(repr(d) for d in duplicates[:5])
        raise DataError(
            f"{path} has duplicate column names: {shown}.",
            hint="Rename the columns so that every name is unique.",
        )


def _parse_csv(
    path: Path,
    compression: str | None,
    names: list[str],
    delimiter: str,
    *,
    quoted: bool,
    limits: InputLimits,
) -> Any:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from automl.data.limits import CappedStream

    bad_rows: list[Any] = []

    def on_invalid(row: Any) -> str:
        bad_rows.append(row)
        return "skip"

    read_options = pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=8 << 20)
    parse_options = pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=quoted, invalid_row_handler=on_invalid
    )
    convert_options = pacsv.ConvertOptions(
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True
    )
    try:
        with pa.input_stream(str(path), compression=compression) as stream:
            arrow = pacsv.read_csv(
                CappedStream(stream, path, limits, compressed=compression is not None),
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
    except pa.ArrowInvalid as exc:
        raise DataError(
            f"{path} could not be parsed as CSV (delimiter {delimiter!r}): {exc}",
            hint="Check the quoting of that row; every quoted field must be closed.",
        ) from exc
    if bad_rows:
        raise _ragged(path, compression, bad_rows, len(names))
    return arrow


def _to_pandas(arrow: Any) -> pd.DataFrame:
    """Convert to pandas with one dtype per kind: float/int, ``str``, ``boolean``, datetime."""
    import pandas as pd
    import pyarrow as pa

    columns = []
    for field, column in zip(arrow.schema, arrow.columns, strict=True):
        if pa.types.is_date(field.type):
            column = column.cast(pa.timestamp("us"))
        elif pa.types.is_null(field.type):
            column = column.cast(pa.float64())
        elif pa.types.is_timestamp(field.type) and field.type.tz is not None:
            column = column.cast(pa.timestamp(field.type.unit))
        columns.append(column)
    arrow = pa.table(columns, names=arrow.column_names)
    mapper = {pa.bool_(): pd.BooleanDtype()}
    frame = arrow.to_pandas(types_mapper=mapper.get, self_destruct=True)
    return frame
