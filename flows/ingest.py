"""Read and validate one file, spooling its raw rows, valid rows and failures as Parquet.

This runs per file and in parallel; it never writes to DuckDB (one writer, in
:mod:`flows.load`), so files can be validated on threads or on a Dask cluster alike.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow

from flows import stop
from flows.config import Settings
from flows.discover import FileItem, file_hash, signature
from flows.readers import RawChunk, UnreadableFile, describe_file, read_chunks
from flows.validation import ContractError, validate_chunk
from schemas import CONTRACTS, Contract
from schemas.columns import column_of
from schemas.parsing import Conventions, decide_conventions

#: Columns whose day-month order the file's conventions decide.
DATE_COLUMNS = ("period_start", "period_end", "date", "period")


@dataclass(frozen=True)
class FileResult:
    """What ingesting one file produced; ``spool`` holds its Parquet parts."""

    item: FileItem
    rows_read: int = 0
    rows_valid: int = 0
    rows_failed: int = 0
    error: str | None = None
    spool: Path | None = None
    encoding: str | None = None  # as detected from the file's first bytes
    layout: str | None = None  # how it was read: kind, delimiter, decimal mark, day order
    #: Seconds spent reading, typing and validating, and spooling; the benchmark's per-stage
    #: breakdown splits ingest with them. Chunks are typed and spooled on several threads
    #: while the file is read, so their sum may exceed the wall time.
    seconds: dict[str, float] = field(default_factory=dict)
    #: The file changed while it was read (still being written): nothing of this read is
    #: kept, and its last good version, if any, stays published for this run (flows.nightly).
    changed_while_read: bool = False

    @property
    def failed(self) -> bool:
        return self.error is not None


def spool_path(settings: Settings, run_id: str, item: FileItem) -> Path:
    """A folder per file and run; keyed by path, since two files may have the same bytes."""
    return settings.spool_dir / run_id / hashlib.sha1(item.file_path.encode()).hexdigest()


def _raw_rows(contract: Contract, frame: pd.DataFrame, sheet: str) -> pd.DataFrame:
    """Canonical columns as text plus every unknown column folded into a JSON ``extra``."""
    rows = pd.DataFrame(index=frame.index)
    rows["sheet"] = sheet
    for column in contract.columns:
        rows[column] = frame.get(column, pd.NA)
    extras = [c for c in frame.columns if c not in contract.columns]
    if extras:
        records = frame[extras].to_json(orient="records", lines=True, force_ascii=False)
        rows["extra"] = records.splitlines()
    else:
        rows["extra"] = None
    return rows.astype("string").reset_index()


def ingest_file(settings: Settings, item: FileItem, run_id: str) -> FileResult:
    """Read ``item`` in chunks, validate each, and spool the results for the loader.

    Arrow's allocator keeps the memory of the chunks for reuse; it is handed back when the
    file is done, so the build that follows in the same process starts ~200 MB lower.
    A file that discover failed by its name (:attr:`FileItem.error`) is not opened."""
    if item.error is not None:
        return FileResult(item, error=item.error)
    try:
        return _ingest_file(settings, item, run_id)
    finally:
        pyarrow.default_memory_pool().release_unused()


def _ingest_file(settings: Settings, item: FileItem, run_id: str) -> FileResult:
    contract = CONTRACTS[item.dataset]
    out = spool_path(settings, run_id, item)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rows_read = rows_valid = rows_failed = 0
    path = settings.raw_dir / item.file_path
    encoding = layout = None
    conventions: Conventions | None = None
    # (column, code) of the currencies and units its headers named, for the layout
    headed: dict[str, set[tuple[str, str]]] = {"currency": set(), "unit": set()}
    seconds = dict.fromkeys(("read", "validate", "spool"), 0.0)

    def collect(done: Future[ChunkResult]) -> None:
        nonlocal rows_read, rows_valid, rows_failed
        result = done.result()
        rows_read += result.rows_read
        rows_valid += result.rows_valid
        rows_failed += result.rows_failed
        seconds["validate"] += result.validate_seconds
        seconds["spool"] += result.spool_seconds

    try:
        file_layout = describe_file(path)
        encoding, layout = file_layout.encoding, file_layout.describe()
        chunks = read_chunks(path, contract.columns, settings.chunk_rows, file_layout)
        # The reader hands chunks to threads that type, validate and spool them, and reads
        # the next chunk only while a thread is free: memory stays that of a few chunks.
        with ThreadPoolExecutor(settings.chunk_threads, "chunk") as pool:
            pending: deque[Future[ChunkResult]] = deque()
            clock = time.monotonic()
            for number, chunk in enumerate(chunks):
                # A stop signal whose exception this reading thread never sees (it is raised
                # in the main thread) ends the read here, not after a long file's last chunk.
                stop.raise_if_received()
                seconds["read"] += time.monotonic() - clock
                if conventions is None:  # decided once per file, from its first chunk
                    conventions = file_conventions(contract, chunk, file_layout.delimiter)
                    layout = f"{layout}; {conventions.describe()}"
                headed["currency"].update(chunk.currencies.items())
                headed["unit"].update(chunk.units.items())
                part = out / f"{number:05d}.parquet"
                pending.append(
                    pool.submit(_spool_chunk, contract, conventions, chunk, item.file_path, part)
                )
                while len(pending) >= settings.chunk_threads:
                    collect(pending.popleft())
                clock = time.monotonic()
            while pending:
                collect(pending.popleft())
    except (UnreadableFile, ContractError) as err:
        shutil.rmtree(out, ignore_errors=True)
        return FileResult(item, rows_read, error=str(err), encoding=encoding, layout=layout)
    if conventions is not None and conventions.day_first is None:
        layout += " - dates like 03/04/2020 in this file are quarantined"
    if file_layout.hidden_sheets:
        layout += f"; {file_layout.hidden_note()}"
    for what, joiner in (("currency", " in "), ("unit", " ")):  # price in EUR, price per_kg
        # A column given twice (price, price_dup) is one column to the reader of the layout.
        columns = sorted({(column_of(column), code) for column, code in headed[what]})
        if columns:
            named = ", ".join(column + joiner + code for column, code in columns)
            layout += f"; {what} named by the header: {named}"
    if _changed_since_discovery(path, item):
        shutil.rmtree(out, ignore_errors=True)
        return FileResult(
            item, error="the file changed while it was being read (still being written?);"
            " left for the next run", encoding=encoding, layout=layout, changed_while_read=True,
        )  # fmt: skip
    return FileResult(
        item, rows_read, rows_valid, rows_failed, spool=out, encoding=encoding, layout=layout,
        seconds={stage: round(value, 3) for stage, value in seconds.items()},
    )  # fmt: skip


def file_conventions(contract: Contract, chunk: RawChunk, delimiter: str | None) -> Conventions:
    """The decimal marks and day-month order of a file, decided from its first chunk's text
    (numbers it stored as numbers say nothing of how its text writes them). A ``;``-delimited
    file is evidence of a decimal comma (:func:`schemas.parsing.decide_conventions`)."""
    numbers = contract.number_columns + ("price",)
    return decide_conventions(chunk.text_cells(), numbers, DATE_COLUMNS, delimiter)


def typed_chunk(contract: Contract, conventions: Conventions, chunk: RawChunk) -> pd.DataFrame:
    """The chunk typed for its model: its cells, the currencies and units its headers name and
    the numbers it stored as numbers, read with the file's conventions."""
    return contract.prepare(
        chunk.frame, conventions, chunk.currencies, chunk.stored_decimals, chunk.units
    )


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk adds to its file's :class:`FileResult`."""

    rows_read: int
    rows_valid: int
    rows_failed: int
    validate_seconds: float
    spool_seconds: float


def _spool_chunk(
    contract: Contract, conventions: Conventions, chunk: RawChunk, file_path: str, part: Path
) -> ChunkResult:
    """Type and validate one chunk, and write its raw rows, valid rows and failures as
    ``raw-``, ``valid-`` and ``failures-`` Parquet files named after ``part``. The raw and
    valid rows carry their ``file_path``: they stay in these files (the row store,
    :mod:`flows.state`), read through views."""
    started = time.monotonic()
    typed = typed_chunk(contract, conventions, chunk)
    valid, failures = validate_chunk(contract, typed)
    validated = time.monotonic()
    valid = valid.drop(columns=[c for c in valid.columns if c.endswith("_text")])
    valid.insert(0, "sheet", chunk.sheet)
    valid.insert(0, "file_path", file_path)
    failures.insert(0, "sheet", chunk.sheet)
    failures.insert(0, "dataset", contract.dataset)
    raw = _raw_rows(contract, chunk.frame, chunk.sheet)
    raw.insert(0, "file_path", file_path)
    raw.to_parquet(part.with_name(f"raw-{part.name}"))
    valid.reset_index().to_parquet(part.with_name(f"valid-{part.name}"))
    failures.to_parquet(part.with_name(f"failures-{part.name}"))
    return ChunkResult(
        len(chunk.frame), len(valid), failures["row_number"].nunique(),
        validated - started, time.monotonic() - validated,
    )  # fmt: skip


def _changed_since_discovery(path: Path, item: FileItem) -> bool:
    """True when the file differs from what discovery hashed: by its stat signature when
    discovery could trust one (any write since changes it, :mod:`flows.discover`), else by
    its size and a second hash (a file written just before discovery)."""
    try:
        stat = path.stat()
        if item.signature is not None:
            return signature(stat) != item.signature
        return stat.st_size != item.size_bytes or file_hash(path) != item.content_hash
    except OSError:
        return True
