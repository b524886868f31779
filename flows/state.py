"""The ingest state, kept across runs: the manifest, the raw layer and the validated rows.

It is private to the pipeline (``<marts>/_state/``); analysts read the published file instead.
The ingest database (``ingest.duckdb``) holds the manifest, the run log and the validation
failures. Each file's raw and valid rows stay in the Parquet parts its ingest task wrote,
moved into the row store (``rows/<folder per file and run>/``) and read through the views
``raw_<dataset>_rows`` and ``valid_<dataset>_rows``: loading them into DuckDB tables cost as
much as writing them (about 20 s at 10M rows), to be read once per build.

Every load is idempotent by construction: a file's failures are deleted and inserted again,
and its manifest row pointed to its new folder, in one transaction keyed by its path; the
folders no manifest row points to are deleted after.

The state folder holds every raw row with its notes and source_locator, so it is readable by
its owner alone (mode 0700, :func:`private_dir`), and one left open by an earlier version is
closed on the next run. What DuckDB, Arrow and pandas write into it then needs no mode of
its own: nobody else can reach it. (No umask: a build is written in ``_state/`` and published
by a rename, and must stay readable by the analysts who open it.)
"""

from __future__ import annotations

import os
import shutil
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from flows.config import Settings
from flows.excel_safe import quote_literal

if TYPE_CHECKING:
    from schemas import Contract

ROW_KINDS = ("raw", "valid")
#: The mode of the state folder: its owner alone may list, read or enter it.
PRIVATE_MODE = 0o700
ROW_KEY = "file_path VARCHAR NOT NULL, sheet VARCHAR NOT NULL, row_number BIGINT NOT NULL"


def _row_columns(contract: Contract, kind: str) -> list[tuple[str, str]]:
    """The columns and DuckDB types of a dataset's ``raw`` or ``valid`` rows."""
    key = [("file_path", "VARCHAR"), ("sheet", "VARCHAR"), ("row_number", "BIGINT")]
    if kind == "raw":
        return key + [(c, "VARCHAR") for c in contract.columns] + [("extra", "JSON")]
    typed = [(c, "VARCHAR") for c in contract.text_columns]
    typed += [(c, "DOUBLE") for c in contract.number_columns]
    typed += [("period_start", "DATE"), ("period_end", "DATE"), ("period_precision", "VARCHAR")]
    return key + typed


def _rows_view(contract: Contract, kind: str, parts: list[str]) -> str:
    """The view of a dataset's raw or valid rows over the Parquet parts of the row store.

    An empty typed row is unioned by name first, so a column that no part has (one added to
    the contract after they were written, or no part at all) is there, empty; each column is
    cast to its type (pandas writes dates as timestamps)."""
    columns = _row_columns(contract, kind)
    rows = "SELECT " + ", ".join(f'NULL::{t} AS "{c}"' for c, t in columns) + " WHERE false"
    if parts:
        files = "[" + ", ".join(quote_literal(part) for part in parts) + "]"
        rows += f" UNION ALL BY NAME SELECT * FROM read_parquet({files}, union_by_name = true)"
    select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in columns)
    table = contract.raw_table if kind == "raw" else contract.valid_table
    return f"CREATE OR REPLACE VIEW {table} AS SELECT {select} FROM ({rows})"


#: The manifest and the run log: all that discover and the run log need.
CORE_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS ingest_files (
        file_path VARCHAR PRIMARY KEY,
        dataset VARCHAR NOT NULL,
        file_format VARCHAR,
        content_hash VARCHAR,
        size_bytes BIGINT,
        rows_read BIGINT,
        status VARCHAR NOT NULL,
        error VARCHAR,
        run_id VARCHAR NOT NULL,
        ingested_at TIMESTAMP
    )""",
    "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS encoding VARCHAR",
    "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS layout VARCHAR",
    # The stat signature content_hash holds for (flows.discover); NULL: hash the file again.
    "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS file_signature VARCHAR",
    # The row store's folder with the file's raw and valid rows; NULL: none (failed, deleted).
    "ALTER TABLE ingest_files ADD COLUMN IF NOT EXISTS rows_dir VARCHAR",
    f"""CREATE TABLE IF NOT EXISTS validation_failures (
        {ROW_KEY}, dataset VARCHAR NOT NULL, column_name VARCHAR, rule VARCHAR NOT NULL,
        failure_case VARCHAR
    )""",
    """CREATE TABLE IF NOT EXISTS pipeline_runs (
        run_id VARCHAR PRIMARY KEY,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,
        files_new INTEGER, files_changed INTEGER, files_unchanged INTEGER,
        files_deleted INTEGER, files_failed INTEGER,
        rows_read BIGINT, rows_staged BIGINT, rows_quarantined BIGINT,
        seconds DOUBLE,
        error VARCHAR
    )""",
]


def _retire_row_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Databases written before the row store kept the rows in tables of the views' names
    (``raw_<dataset>_rows``, ``valid_<dataset>_rows``): drop those and forget the files, so
    this run's discover finds every file new and reads it again into the store (as after
    ``--full-refresh``; the run log is kept). Done on every connection that writes, before
    discover reads the manifest: a file it found unchanged would otherwise lose its rows."""
    old = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        " AND regexp_full_match(table_name, '(raw|valid)_[a-z]+_rows')"
    ).fetchall()
    if not old:
        return
    con.execute("BEGIN TRANSACTION")
    for (table,) in old:
        con.execute(f"DROP TABLE {table}")
    con.execute("DELETE FROM ingest_files")
    con.execute("DELETE FROM validation_failures")
    con.execute("COMMIT")


def refresh_row_views(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """(Re)define the raw and valid rows views over the parts of every file the manifest
    keeps in the row store. The views name the parts by absolute path, so each writing
    connection with the views defines them again: a moved marts folder is mended on its next
    run."""
    from schemas import CONTRACTS

    stored = con.execute(
        "SELECT dataset, rows_dir FROM ingest_files WHERE rows_dir IS NOT NULL ORDER BY file_path"
    ).fetchall()
    for contract in CONTRACTS.values():
        folders = [
            settings.rows_dir / name for dataset, name in stored if dataset == contract.dataset
        ]
        for kind in ROW_KINDS:
            parts = [str(p) for folder in folders for p in sorted(folder.glob(f"{kind}-*.parquet"))]
            con.execute(_rows_view(contract, kind, parts))


def private_dir(path: Path) -> Path:
    """Create the folder ``path`` readable by its owner alone, or make it so if it exists.

    The state folder lies inside the marts folder, which is shared with analysts; the mode of
    the folder is what keeps its files (raw rows with notes and source_locator) from them."""
    path.mkdir(mode=PRIVATE_MODE, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != PRIVATE_MODE:
        os.chmod(path, PRIVATE_MODE)
    return path


@contextmanager
def connect(settings: Settings, read_only: bool = False, row_views: bool = True):
    """A connection to the ingest database, created with its tables on first use.

    ``row_views=False`` creates only the manifest, the failures and the run log: enough for
    discover and the run log, and it spares importing the data contract (pandas, Pandera).
    Otherwise the views of the rows (:func:`refresh_row_views`) are defined too.
    """
    private_dir(settings.state_dir)
    con = duckdb.connect(str(settings.state_db), read_only, settings.duckdb_config)
    try:
        if not read_only:
            for statement in CORE_SCHEMA:
                con.execute(statement)
            _retire_row_tables(con)
            if row_views:
                refresh_row_views(con, settings)
        yield con
    finally:
        con.close()


def reset(settings: Settings) -> None:
    """Forget every file ingested so far (``--full-refresh``): the next run reads all again.

    The run log (pipeline_runs) is kept: it is history, not derived from the files.
    """
    with connect(settings) as con:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM ingest_files")
        con.execute("DELETE FROM validation_failures")
        con.execute("COMMIT")
        sweep_row_store(con, settings)
        refresh_row_views(con, settings)
    shutil.rmtree(settings.spool_dir, ignore_errors=True)


def store_rows(settings: Settings, spool: Path) -> Path:
    """Move a file's spooled parts into the row store, under a folder of their own (the
    spool's folder is per file and run; the manifest keeps its name). The file's earlier
    folder stays until the manifest points to the new one (:func:`sweep_row_store`)."""
    settings.rows_dir.mkdir(parents=True, exist_ok=True)
    target = settings.rows_dir / f"{spool.name}-{spool.parent.name}"
    shutil.rmtree(target, ignore_errors=True)
    return spool.rename(target)  # the spool and the store are both under _state/


def replace_failures(con: duckdb.DuckDBPyConnection, file_path: str, folder: Path | None) -> None:
    """Delete the validation failures of a file, then insert its new ones from ``folder``.

    Runs inside the caller's transaction, so a file's old and new failures are never both live.
    """
    con.execute("DELETE FROM validation_failures WHERE file_path = ?", [file_path])
    parts = sorted(str(p) for p in folder.glob("failures-*.parquet")) if folder else []
    if parts:
        con.execute(
            "INSERT INTO validation_failures BY NAME "
            "SELECT ? AS file_path, * FROM read_parquet(?, union_by_name = true)",
            [file_path, parts],
        )


def sweep_row_store(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Delete the row store's folders that no file of the manifest points to: the rows of
    replaced, deleted and failed files, and those a killed run left."""
    if not settings.rows_dir.is_dir():
        return
    kept = {
        name
        for (name,) in con.execute(
            "SELECT rows_dir FROM ingest_files WHERE rows_dir IS NOT NULL"
        ).fetchall()
    }
    for folder in settings.rows_dir.iterdir():
        if folder.name not in kept:
            shutil.rmtree(folder, ignore_errors=True)
