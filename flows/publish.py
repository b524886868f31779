"""Publish a checked build: swap the file in atomically, then write the CSV extracts.

``os.replace`` on the same filesystem is atomic: an analyst who holds the old file open keeps
reading the old build, and any connection opened after the swap sees the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from flows.config import Settings

#: Tables that land as CSV extracts for report writers.
EXTRACT_PREFIXES = ("stg_", "mart_", "dim_")
EXTRACT_TABLES = ("ingest_files", "quarantine_rows", "unresolved_places")


def publish(settings: Settings, target: Path) -> Path:
    """Atomically make ``target`` the published marts file."""
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    os.replace(target, settings.published_db)
    return settings.published_db


def extract_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    names = [name for (name,) in con.execute("SHOW TABLES").fetchall()]
    return [n for n in names if n.startswith(EXTRACT_PREFIXES) or n in EXTRACT_TABLES]


def write_extracts(settings: Settings) -> dict[str, Path]:
    """One CSV per published mart in ``extracts/``, each written aside and swapped in."""
    out = settings.extracts_dir
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        for table in extract_tables(con):
            final = out / f"{table}.csv"
            partial = out / f".{table}.csv.partial"
            con.execute(f"COPY (SELECT * FROM {table}) TO '{partial}' (HEADER, DELIMITER ',')")
            os.replace(partial, final)
            written[table] = final
    for old in out.glob("*.csv"):
        if old.stem not in written:
            old.unlink()  # the extract of a table this build no longer has
    return written
