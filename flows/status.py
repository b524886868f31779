"""``spotprices status``: the last published build and what it holds, read-only."""

from __future__ import annotations

import json

import duckdb

from flows.config import settings_from


def describe(marts_dir: str | None = None) -> str:
    settings = settings_from(marts_dir=marts_dir)
    if not settings.published_db.exists():
        return f"no marts published yet in {settings.marts_dir} (run: spotprices run)"
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        run_id, built_at, summary = con.execute(
            "SELECT run_id, built_at, summary FROM build_info"
        ).fetchone()
        files = con.execute(
            "SELECT status, count(*), sum(rows_read), sum(rows_staged), sum(rows_quarantined)"
            " FROM ingest_files GROUP BY status ORDER BY status"
        ).fetchall()
        tables = con.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables()"
            " WHERE table_name LIKE 'mart_%' OR table_name LIKE 'dim_%'"
            " OR table_name IN ('ingest_files', 'quarantine_rows') ORDER BY table_name"
        ).fetchall()
    summary = json.loads(summary)
    lines = [
        f"last run:  {run_id}",
        f"built at:  {built_at:%Y-%m-%d %H:%M:%S} ({summary['seconds']:.1f} s)",
        f"marts:     {settings.published_db}",
        "files by status (rows read / staged / quarantined):",
    ]
    lines += [
        f"  {s:<10} {n:>4} files  {r or 0} / {st or 0} / {q or 0}" for s, n, r, st, q in files
    ]
    lines.append("tables: " + ", ".join(f"{t} (~{n} rows)" for t, n in tables))
    return "\n".join(lines)
