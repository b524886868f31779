"""The ingest database: the manifest, the raw layer and validated rows, kept across runs.

It is private to the pipeline (``<marts>/_state/ingest.duckdb``); analysts read the published
file instead. Every load is idempotent by construction: a file's slice is deleted and inserted
again in one transaction, keyed by its path.
"""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from flows.config import Settings

if TYPE_CHECKING:
    from schemas import Contract

ROW_KEY = "file_path VARCHAR NOT NULL, sheet VARCHAR NOT NULL, row_number BIGINT NOT NULL"


def _ddl(contract: Contract) -> list[str]:
    raw_columns = ", ".join(f'"{c}" VARCHAR' for c in contract.columns)
    typed = [f'"{c}" VARCHAR' for c in contract.text_columns]
    typed += [f'"{c}" DOUBLE' for c in contract.number_columns]
    typed += ["period_start DATE", "period_end DATE", "period_precision VARCHAR"]
    return [
        f"CREATE TABLE IF NOT EXISTS {contract.raw_table} ({ROW_KEY}, {raw_columns}, extra JSON)",
        f"CREATE TABLE IF NOT EXISTS {contract.valid_table} ({ROW_KEY}, {', '.join(typed)})",
        # Columns added to the contract after a database was created (e.g. price, date).
        *[
            f'ALTER TABLE {contract.raw_table} ADD COLUMN IF NOT EXISTS "{c}" VARCHAR'
            for c in contract.columns
        ],
        *[
            f'ALTER TABLE {contract.valid_table} ADD COLUMN IF NOT EXISTS "{c}" VARCHAR'
            for c in contract.text_columns
        ],
    ]


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


def contract_schema() -> list[str]:
    """The raw and valid tables of every dataset, from the data contract (imports Pandera)."""
    from schemas import CONTRACTS

    return [statement for contract in CONTRACTS.values() for statement in _ddl(contract)]


@contextmanager
def connect(settings: Settings, read_only: bool = False, contract_tables: bool = True):
    """A connection to the ingest database, created with its tables on first use.

    ``contract_tables=False`` creates only the manifest and the run log: enough for discover
    and the run log, and it spares importing the data contract (pandas, Pandera).
    """
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.state_db), read_only, settings.duckdb_config)
    try:
        if not read_only:
            for statement in CORE_SCHEMA + (contract_schema() if contract_tables else []):
                con.execute(statement)
        yield con
    finally:
        con.close()


def reset(settings: Settings) -> None:
    """Forget every file ingested so far (``--full-refresh``): the next run reads all again.

    The run log (pipeline_runs) is kept: it is history, not derived from the files.
    """
    from schemas import CONTRACTS

    with connect(settings) as con:
        tables = ["ingest_files", "validation_failures"]
        tables += [t for c in CONTRACTS.values() for t in (c.raw_table, c.valid_table)]
        con.execute("BEGIN TRANSACTION")
        for table in tables:
            con.execute(f"DELETE FROM {table}")
        con.execute("COMMIT")
    shutil.rmtree(settings.spool_dir, ignore_errors=True)


def replace_file_slice(
    con: duckdb.DuckDBPyConnection, contract: Contract, file_path: str, spool: Path | None
) -> None:
    """Delete every row a file contributed, then insert its new rows from the spool (if any).

    Runs inside the caller's transaction, so a file's old and new rows are never both live.
    """
    for table in (contract.raw_table, contract.valid_table):
        con.execute(f"DELETE FROM {table} WHERE file_path = ?", [file_path])
    con.execute("DELETE FROM validation_failures WHERE file_path = ?", [file_path])
    if spool is None:
        return
    for kind, table in (
        ("raw", contract.raw_table),
        ("valid", contract.valid_table),
        ("failures", "validation_failures"),
    ):
        parts = sorted(str(p) for p in spool.glob(f"{kind}-*.parquet"))
        if parts:
            con.execute(
                f"INSERT INTO {table} BY NAME "
                "SELECT ? AS file_path, * FROM read_parquet(?, union_by_name = true)",
                [file_path, parts],
            )
