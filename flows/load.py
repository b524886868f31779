"""The single writer: apply each file's ingest result to the ingest state and manifest."""

from __future__ import annotations

from datetime import datetime

import duckdb

from flows.config import Settings
from flows.discover import FileItem
from flows.ingest import FileResult
from flows.state import refresh_row_views, replace_failures, store_rows, sweep_row_store


def _upsert_manifest(
    con: duckdb.DuckDBPyConnection, item: FileItem, status: str, run_id: str, **values
) -> None:
    file_format = item.file_path.rsplit(".", 1)[-1].lower()
    con.execute(
        """INSERT OR REPLACE INTO ingest_files
           (file_path, dataset, file_format, content_hash, size_bytes, rows_read, status, error,
            run_id, ingested_at, encoding, layout, file_signature, rows_dir)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            item.file_path,
            item.dataset,
            file_format,
            values.get("content_hash"),
            item.size_bytes,
            values.get("rows_read"),
            status,
            values.get("error"),
            run_id,
            datetime.now(),
            values.get("encoding"),
            values.get("layout"),
            values.get("signature"),
            values.get("rows_dir"),
        ],
    )


def apply_results(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    items: list[FileItem],
    results: list[FileResult],
    run_id: str,
) -> None:
    """Store each ingested file's rows, retire deleted files, and stamp the manifest.

    Each file is its own transaction: a crash leaves every file either fully old or fully new
    (its spool is moved into the row store first, and the manifest points to it on commit).
    A file that could not be read has its earlier rows retired and no hash, so it is retried.
    """
    for result in results:
        item = result.item
        folder = store_rows(settings, result.spool) if result.spool is not None else None
        con.execute("BEGIN TRANSACTION")
        replace_failures(con, item.file_path, folder)
        if result.failed:
            _upsert_manifest(
                con, item, "failed", run_id,
                error=result.error, encoding=result.encoding, layout=result.layout,
            )  # fmt: skip
        else:
            _upsert_manifest(
                con, item, item.status, run_id,
                content_hash=item.content_hash, signature=item.signature,
                rows_read=result.rows_read, encoding=result.encoding, layout=result.layout,
                rows_dir=folder.name if folder else None,
            )  # fmt: skip
        con.execute("COMMIT")
        if folder:
            for part in folder.glob("failures-*.parquet"):
                part.unlink()  # loaded into validation_failures
    for item in items:
        if item.status == "deleted":
            con.execute("BEGIN TRANSACTION")
            replace_failures(con, item.file_path, None)
            con.execute(
                "UPDATE ingest_files SET status = 'deleted', rows_read = 0, error = NULL,"
                " rows_dir = NULL, run_id = ?, ingested_at = ? WHERE file_path = ?",
                [run_id, datetime.now(), item.file_path],
            )
            con.execute("COMMIT")
        elif item.status == "unchanged":
            con.execute(
                "UPDATE ingest_files SET status = 'unchanged' WHERE file_path = ?",
                [item.file_path],
            )
    sweep_row_store(con, settings)
    refresh_row_views(con, settings)
