"""A text column's bytes as Arrow holds them, to search a whole column in one pass.

An Arrow-backed string column keeps its text in one data buffer per chunk. Asking whether any
cell holds a given byte (a line break, a control character) is then one vectorised comparison
over those bytes instead of a regular expression per cell: 1.6 ms for the 24 columns of a
100,000-row chunk, against 27-33 ms with ``str.contains``. A buffer may hold the text of rows
sliced off the column, so a hit means *may hold*: callers look at the cells then.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute


def arrow_chunks(cells: pd.Series, cast: pyarrow.DataType | None = None) -> list[pyarrow.Array]:
    """The Arrow arrays holding a text column (zero-copy for Arrow-backed text): one, or a
    chunked column's chunks; cast first when ``cast`` is given."""
    arrow = pyarrow.array(cells.array)
    arrow = arrow if cast is None else arrow.cast(cast)
    return arrow.chunks if isinstance(arrow, pyarrow.ChunkedArray) else [arrow]


def matches(cells: pd.Series, pattern: str) -> np.ndarray:
    """True where a text cell matches ``pattern`` (RE2, Arrow's regex engine), False where it
    does not or is null: one vectorised pass, 4-5 ms per 100,000 cells, where pandas'
    ``str.contains`` on the same column took 125 ms."""
    found = pyarrow.compute.match_substring_regex(pyarrow.array(cells.array), pattern)
    return found.fill_null(False).to_numpy(zero_copy_only=False)


def text_bytes(cells: pd.Series) -> Iterator[np.ndarray]:
    """The data buffers of ``cells`` as arrays of bytes (zero-copy for Arrow-backed text).
    In UTF-8 a byte below 0x80 is always a character of its own, so an ASCII byte found here
    is that character."""
    for chunk in arrow_chunks(cells):
        data = chunk.buffers()[-1]
        if data is not None:
            yield np.frombuffer(data, dtype=np.uint8)
