"""Read observation files (CSV, XLSX, JSON Lines) as chunks of text cells.

Every chunk carries the row numbers a person sees when opening the file (spreadsheet rows:
the header is row 1; JSON Lines: the line number), canonical column names where a header
matches the contract, and every other column kept under its own name, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from schemas.columns import match_headers


class UnreadableFile(Exception):
    """A file that cannot be read at all; it is recorded as failed in the manifest."""


@dataclass
class RawChunk:
    """Text cells of consecutive rows from one file (and one sheet, for workbooks)."""

    frame: pd.DataFrame  # index: row_number; columns: canonical or normalised header keys
    sheet: str  # "" for files without sheets


def _as_text(frame: pd.DataFrame, first_row_number: int) -> pd.DataFrame:
    frame = frame.astype("string")
    frame.index = pd.RangeIndex(first_row_number, first_row_number + len(frame), name="row_number")
    return frame


def _rename(frame: pd.DataFrame, canonical: tuple[str, ...]) -> pd.DataFrame:
    return frame.rename(columns=match_headers(list(frame.columns), canonical))


def read_chunks(path: Path, canonical: tuple[str, ...], chunk_rows: int) -> Iterator[RawChunk]:
    """Yield the file's rows in chunks of at most ``chunk_rows``.

    Raises :class:`UnreadableFile` with a one-line reason when the file cannot be parsed.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            yield from _read_csv(path, canonical, chunk_rows)
        elif suffix == ".xlsx":
            yield from _read_xlsx(path, canonical, chunk_rows)
        elif suffix in (".jsonl", ".ndjson"):
            yield from _read_jsonl(path, canonical, chunk_rows)
        else:
            raise UnreadableFile(f"unsupported file type {suffix!r}")
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            f"not UTF-8 text (byte {err.object[err.start : err.start + 1]!r} at offset {err.start})"
        ) from err
    except (pd.errors.ParserError, ValueError, KeyError) as err:
        # Content that does not parse is permanent. An OSError (a file locked or vanishing
        # while read) is not caught here: the ingest task retries it.
        if isinstance(err, UnreadableFile):
            raise
        raise UnreadableFile(f"{type(err).__name__}: {str(err).splitlines()[0]}") from err


def _read_csv(path: Path, canonical: tuple[str, ...], chunk_rows: int) -> Iterator[RawChunk]:
    reader = pd.read_csv(
        path,
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
        chunksize=chunk_rows,
        skip_blank_lines=True,
    )
    next_row = 2  # spreadsheet row of the first record: the header is row 1
    with reader:
        for chunk in reader:
            yield RawChunk(_as_text(_rename(chunk, canonical), next_row), sheet="")
            next_row += len(chunk)


def _read_xlsx(path: Path, canonical: tuple[str, ...], chunk_rows: int) -> Iterator[RawChunk]:
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    for name, frame in sheets.items():
        frame = _rename(frame, canonical)
        for start in range(0, len(frame), chunk_rows):
            part = frame.iloc[start : start + chunk_rows]
            yield RawChunk(_as_text(part, start + 2), sheet=str(name))


def _read_jsonl(path: Path, canonical: tuple[str, ...], chunk_rows: int) -> Iterator[RawChunk]:
    reader = pd.read_json(path, lines=True, dtype=False, chunksize=chunk_rows, encoding="utf-8")
    next_row = 1  # JSON Lines: the line number
    with reader:
        for chunk in reader:
            yield RawChunk(_as_text(_rename(chunk, canonical), next_row), sheet="")
            next_row += len(chunk)
