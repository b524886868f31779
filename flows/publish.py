"""Publish a checked build: swap the file in atomically, then write the CSV extracts and the
Parquet set.

Both are written by :mod:`flows.export` from the published file, so they carry the same
allow-listed columns (:mod:`flows.allowlists`) and never a never-exported one. Views
(mart_lineage) are not written: they are computed when read, and at a million observations
the lineage has ten million rows; ``spotprices export mart_lineage`` writes it on request.

``os.replace`` on the same filesystem is atomic: an analyst who holds the old file open keeps
reading the old build, and any connection opened after the swap sees the new one. The old file
is kept as the standby, the start of the next build, which takes it only when no reader holds
it open (DuckDB's lock says so).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import duckdb

from flows.allowlists import EXPORT_COLUMNS
from flows.build import fsync_file, incremental_models
from flows.config import Settings
from flows.export import (
    append_files,
    build_stamp,
    export,
    exportable_tables,
    sidecar_paths,
    table_provenance,
    write_parts,
)

MANIFEST = "_manifest.json"


def publish(settings: Settings, target: Path, keep_replaced: bool = False) -> Path:
    """Atomically make ``target`` the published marts file; with ``keep_replaced``, keep the
    file it replaces as the standby, from which the next build starts (:func:`flows.build.
    open_build`), as a hard link: no byte is copied.

    Only a build updated by file keeps it: a full build ran under other rules or from an
    ingest database read again, so every row of the file it replaces is stale (see
    :func:`keep_standby`)."""
    settings.marts_dir.mkdir(parents=True, exist_ok=True)
    settings.standby_db.unlink(missing_ok=True)
    if keep_replaced and settings.published_db.exists():
        with contextlib.suppress(OSError):  # no hard links here: the next build copies
            os.link(settings.published_db, settings.standby_db)
    os.replace(target, settings.published_db)
    return settings.published_db


def keep_standby(settings: Settings) -> OSError | None:
    """Copy the published build to the standby, after a full build: the next run that adds a
    file then starts from it, not from a copy of its own (2.3 GB at 10M rows).

    The copy is written aside, synced and renamed, so that a run killed midway leaves no
    half a standby (the next build clears the part). It only spares the next run a copy, so
    a copy that fails (a full disk) does not fail the run: the error is returned, to be
    logged, and the part removed."""
    partial = settings.standby_partial
    try:
        shutil.copyfile(settings.published_db, partial)
        fsync_file(partial)
        os.replace(partial, settings.standby_db)
    except OSError as err:
        partial.unlink(missing_ok=True)
        return err
    return None


def write_extracts(
    settings: Settings, bom: bool = True, added_files: list[str] | None = None
) -> dict[str, Path]:
    """One Excel-safe CSV per allow-listed table in ``extracts/``, with its data dictionary
    and provenance; each file is written aside and swapped in.

    ``added_files``: the run only added these raw files to a build updated by file. The
    extract of a table updated by file (:func:`flows.build.incremental_models`) then has their
    rows appended, when the previous extract can be trusted (:func:`flows.export.append_files`):
    at 10M rows the observation-level CSV is about 3 GB.
    """
    by_file = incremental_models(settings.sql_dir) if added_files is not None else frozenset()
    out = settings.extracts_dir
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    with duckdb.connect(str(settings.published_db), True, settings.duckdb_config) as con:
        for table in exportable_tables(con):
            final = out / f"{table}.csv"
            appended = (
                added_files is not None
                and table in by_file
                and append_files(con, table, final, added_files)
            )
            if not appended:
                export(con, table, final, "csv", bom=bom)
            written[table] = final
    keep = {p.name for f in written.values() for p in (f, *sidecar_paths(f))}
    for old in [*out.glob("*.csv"), *out.glob("*.json")]:
        if old.name not in keep:
            old.unlink()  # the extract of a table this build no longer has
    return written


def write_parquet(
    settings: Settings, changed_files: list[str] | None = None, base_run_id: str | None = None
) -> dict[str, Path]:
    """Every allow-listed table of the published build as Parquet in ``parquet/<table>/``
    (zstd, native types), with ``_manifest.json``: the build's run id and time, and per table
    the provenance the CSV extracts carry (rows, observations, sources, columns) and its files.

    One folder per table because Trino's Hive connector (and Spark, by convention) reads a
    table from a folder. A mart is one file, ``<table>.parquet``. A table updated by file
    (:func:`flows.build.incremental_models`: the observation-level tables) is one part per raw
    file, so that after a build updated by file from build ``base_run_id`` only the parts of
    ``changed_files`` are written, and the others are kept from the live set, which that build
    wrote (hard links, so nothing is copied); at 10M rows writing the observations whole took
    about 30 s. A table whose kept and new parts do not add up to its rows is written whole.

    The set is replaced as a whole: it is written into the sibling folder
    ``.parquet.new`` and swapped in by two renames, the live folder aside to ``.parquet.old``
    and the new one in its place; then the old one is deleted. A reader sees the previous set
    or the new one, each whole: a file already open keeps reading the previous data, and only
    in the instant between the two renames is there no ``parquet/`` (opening a file then fails
    with "not found"; a retry finds the new set). A failure while writing deletes
    ``.parquet.new`` and leaves the previous set as it was. A run killed at any point leaves
    the previous set or the new one: the next run puts the previous set back if the kill came
    between the two renames, and clears what was left aside.
    """
    live = settings.parquet_dir
    fresh = live.with_name(f".{live.name}.new")
    old = live.with_name(f".{live.name}.old")
    if old.exists() and not live.exists():
        old.rename(live)
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    by_file = incremental_models(settings.sql_dir)
    previous = _live_manifest(live, base_run_id) if changed_files is not None else {}
    written = {}
    try:
        with duckdb.connect(str(settings.published_db), True, settings.duckdb_config) as con:
            run_id, built_at = build_stamp(con)
            tables = {}
            for table in exportable_tables(con):
                (fresh / table).mkdir(parents=True)
                if table in by_file and "file_path" in EXPORT_COLUMNS[table]:
                    tables[table] = _write_parts(
                        con, table, fresh / table, live / table, previous.get(table), changed_files
                    )
                else:
                    path = Path(table) / f"{table}.parquet"
                    provenance = export(con, table, fresh / path, "parquet", sidecars=False)
                    tables[table] = {**provenance, "file": path.as_posix()}
                written[table] = live / table
        manifest = {"run_id": run_id, "built_at": built_at, "tables": tables}
        (fresh / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), "utf-8")
        if live.exists():
            live.rename(old)
        fresh.rename(live)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    return written


def _live_manifest(live: Path, base_run_id: str | None) -> dict[str, dict]:
    """Per table, what the live set's manifest says, if build ``base_run_id`` wrote it."""
    try:
        manifest = json.loads((live / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest["tables"] if base_run_id and manifest.get("run_id") == base_run_id else {}


def _write_parts(
    con: duckdb.DuckDBPyConnection,
    table: str,
    folder: Path,
    live: Path,
    previous: dict | None,
    changed_files: list[str] | None,
) -> dict:
    """Write ``table`` as parts per raw file into ``folder``, keeping from ``live`` the parts
    of the files not in ``changed_files`` that the ``previous`` manifest entry lists; return
    the table's manifest entry. With no row, one empty ``<table>.parquet`` keeps the schema."""
    provenance = table_provenance(con, table)
    parts: dict[str, dict] = {}
    if previous and "parts" in previous and previous["columns"] == provenance["columns"]:
        changed = set(changed_files or ())
        for file_path, kept in previous["parts"].items():
            if file_path not in changed and (live / kept["part"]).is_file():
                _link(live / kept["part"], folder / kept["part"])
                parts[file_path] = kept
        parts.update(write_parts(con, table, folder, changed_files))
    if sum(part["rows"] for part in parts.values()) != provenance["row_count"]:
        shutil.rmtree(folder)  # not kept, or kept parts that do not add up: write it whole
        folder.mkdir()
        parts = write_parts(con, table, folder)
    entry = {**provenance, "format": "parquet", "parts": parts}
    if not parts:
        path = Path(table) / f"{table}.parquet"
        export(con, table, folder / path.name, "parquet", sidecars=False)
        entry["file"] = path.as_posix()
    entry["bytes"] = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    return entry


def _link(source: Path, target: Path) -> None:
    """``target`` as a second name of ``source`` (same filesystem), or else a copy of it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
