"""The single writer: apply each file's ingest result to the ingest database and manifest."""

from __future__ import annotations

import shutil
from datetime import datetime

import duckdb

from flows.discover import FileItem
from flows.ingest import FileResult
from flows.state import replace_file_slice
from schemas import CONTRACTS


def _upsert_manifest(
    con: duckdb.DuckDBPyConnection, item: FileItem, status: str, run_id: str, **values
) -> None:
    file_format = item.file_path.rsplit(".", 1)[-1].lower()
    con.execute(
        """INSERT OR REPLACE INTO ingest_files
           (file_path, dataset, file_format, content_hash, size_bytes, rows_read, status, error,
            run_id, ingested_at, encoding, layout, file_signature)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
        ],
    )


def apply_results(
    con: duckdb.DuckDBPyConnection, items: list[FileItem], results: list[FileResult], run_id: str
) -> None:
    """Replace each ingested file's rows, retire deleted files, and stamp the manifest.

    Each file is its own transaction: a crash leaves every file either fully old or fully new.
    A file that could not be read has its earlier rows retired and no hash, so it is retried.
    Rows are loaded without keeping their order in the spool: every reader of the ingest
    tables finds rows by their key (file, sheet, row number), and DuckDB then loads in
    parallel (1M rows: 7.1 s -> 4.3 s).
    """
    con.execute("SET preserve_insertion_order = false")
    for result in results:
        item = result.item
        con.execute("BEGIN TRANSACTION")
        replace_file_slice(con, CONTRACTS[item.dataset], item.file_path, result.spool)
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
            )  # fmt: skip
        con.execute("COMMIT")
        if result.spool is not None:
            shutil.rmtree(result.spool, ignore_errors=True)
    for item in items:
        if item.status == "deleted":
            con.execute("BEGIN TRANSACTION")
            replace_file_slice(con, CONTRACTS[item.dataset], item.file_path, None)
            con.execute(
                "UPDATE ingest_files SET status = 'deleted', rows_read = 0, error = NULL,"
                " run_id = ?, ingested_at = ? WHERE file_path = ?",
                [run_id, datetime.now(), item.file_path],
            )
            con.execute("COMMIT")
        elif item.status == "unchanged":
            con.execute(
                "UPDATE ingest_files SET status = 'unchanged' WHERE file_path = ?",
                [item.file_path],
            )
