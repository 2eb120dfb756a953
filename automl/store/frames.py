"""Data frames given to ``automl.fit``, kept as Parquet files in the home.

A run is bound to its training file by the file's SHA-256: ``fit --resume`` and
``automl worker`` refuse other data, workers read the file, and ``automl report`` reads it
again for the out-of-fold curves. A data frame has no file, so ``fit`` writes one:
``<home>/.frames/<sha256>.parquet``, named by the SHA-256 of its bytes. The same frame gives
the same bytes, so fitting it again (or resuming) reuses the file, and the run's record names
it like any training file. Delete the folder when no run needs it any more.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from automl.store.artifacts import write_bytes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAMES_FOLDER", "save_frame"]

#: The folder of the home that holds data frames written by ``fit``.
FRAMES_FOLDER = ".frames"


def save_frame(frame: pd.DataFrame, home: Path) -> Path:
    """Write ``frame`` (without its index) as ``<home>/.frames/<sha256>.parquet``, unless
    that file exists, and return its path.

    Raises:
        UsageError: ``frame`` is not a pandas data frame.
        DataError: It cannot be stored as a table (see
            :func:`automl.data.frame.frame_arrow`).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from automl.data.frame import frame_arrow

    sink = pa.BufferOutputStream()
    pq.write_table(frame_arrow(frame), sink)
    data = sink.getvalue().to_pybytes()
    path = Path(home) / FRAMES_FOLDER / f"{hashlib.sha256(data).hexdigest()}.parquet"
    if not path.is_file():
        write_bytes(path, data)
    return path
