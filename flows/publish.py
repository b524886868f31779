"""Publish a checked build: swap the file in atomically, then write the CSV extracts.

Extracts are written by :mod:`flows.export` (allow-listed columns, Excel-safe cells).

``os.replace`` on the same filesystem is atomic: an analyst who holds the old file open keeps
reading the old build, and any connection opened after the swap sees the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from flows.config import Settings
from flows.export import export, exportable_tables, sidecar_paths


def publish(settings: Settings, target: Path) -> Path:
    """Atomically make ``target`` the published marts file."""
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    os.replace(target, settings.published_db)
    return settings.published_db


def write_extracts(settings: Settings, bom: bool = True) -> dict[str, Path]:
    """One Excel-safe CSV per allow-listed table in ``extracts/``, with its data dictionary
    and provenance; each file is written aside and swapped in."""
    out = settings.extracts_dir
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        for table in exportable_tables(con):
            final = out / f"{table}.csv"
            export(con, table, final, "csv", bom=bom)
            written[table] = final
    keep = {p.name for f in written.values() for p in (f, *sidecar_paths(f))}
    for old in [*out.glob("*.csv"), *out.glob("*.json")]:
        if old.name not in keep:
            old.unlink()  # the extract of a table this build no longer has
    return written
