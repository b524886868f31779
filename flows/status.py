"""``spotprices status`` and ``spotprices quarantine``: what the last runs did and what the
published marts hold, read-only, without starting Prefect."""

from __future__ import annotations

import json
from datetime import date

import duckdb

from flows.config import settings_from

FRESHNESS_SQL = """
    SELECT 'prices: ' || flow AS series, max(period_end) AS newest
    FROM stg_price_observations GROUP BY flow
    UNION ALL
    SELECT 'routes', max(period_end) FROM stg_route_observations
    ORDER BY series
"""


def _recent_runs(settings, limit: int = 5) -> list[str]:
    if not settings.state_db.exists():
        return []
    try:
        with duckdb.connect(str(settings.state_db), read_only=True) as con:
            rows = con.execute(
                "SELECT run_id, started_at, status, rows_read, rows_staged, rows_quarantined,"
                " seconds, error FROM pipeline_runs ORDER BY started_at DESC LIMIT ?",
                [limit],
            ).fetchall()
    except duckdb.Error:
        return ["  (run log busy: a run is writing it; try again in a moment)"]
    lines = []
    for run_id, started, status, read, staged, quarantined, seconds, error in rows:
        counts = f"{read} read / {staged} staged / {quarantined} quarantined" if read else ""
        took = f" in {seconds:.1f} s" if seconds else ""
        lines.append(f"  {started:%Y-%m-%d %H:%M}  {status:<27} {counts}{took}  {run_id}")
        if error:
            lines.append(f"      error: {error}")
    return lines


def no_marts(settings) -> str:
    """What ``status``, ``quarantine``, ``export`` and ``docs`` say when nothing is published."""
    return f"no marts published yet in {settings.marts_dir} (run: spotprices run)"


def recent_runs(settings) -> str:
    """The run log's last runs, also when nothing was published (a first run that failed)."""
    return "\n".join(["recent runs:", *(_recent_runs(settings) or ["  none"])])


def describe(marts_dir: str | None = None, warn_days: int | None = None) -> str:
    settings = settings_from(marts_dir=marts_dir)
    if warn_days is None:
        warn_days = settings.freshness_warn_days  # SPOTPRICES_FRESHNESS_WARN_DAYS, or 365
    lines = [recent_runs(settings)]
    if not settings.published_db.exists():
        lines.append(no_marts(settings))
        return "\n".join(lines)
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        run_id, built_at, summary = con.execute(
            "SELECT run_id, built_at, summary FROM build_info"
        ).fetchone()
        files = con.execute(
            "SELECT status, count(*), sum(rows_read), sum(rows_staged), sum(rows_quarantined)"
            " FROM ingest_files GROUP BY status ORDER BY status"
        ).fetchall()
        freshness = con.execute(FRESHNESS_SQL).fetchall()
        reasons = con.execute(
            "SELECT rule, count(*) FROM (SELECT unnest(rules) AS rule FROM quarantine_rows)"
            " GROUP BY rule ORDER BY count(*) DESC, rule"
        ).fetchall()
        tables = con.execute(
            "SELECT table_name, estimated_size FROM duckdb_tables()"
            " WHERE table_name LIKE 'mart_%' OR table_name LIKE 'dim_%'"
            " OR table_name IN ('ingest_files', 'quarantine_rows') ORDER BY table_name"
        ).fetchall()
    summary = json.loads(summary)
    models = sorted(summary.get("model_seconds", {}).items(), key=lambda kv: -kv[1])
    lines += [
        f"published: {run_id}, built {built_at:%Y-%m-%d %H:%M:%S} ({summary['seconds']:.1f} s)",
        f"marts:     {settings.published_db}",
        "slowest models: " + (", ".join(f"{m} {s:.1f} s" for m, s in models[:3]) or "-"),
        "files by status (rows read / staged / quarantined):",
    ]
    lines += [
        f"  {s:<10} {n:>4} files  {r or 0} / {st or 0} / {q or 0}" for s, n, r, st, q in files
    ]
    lines.append(f"freshness (newest observation; warning after {warn_days} days):")
    for series, newest in freshness:
        if newest is None:
            continue
        age = (date.today() - newest).days
        warning = "  WARNING: stale" if age > warn_days else ""
        lines.append(f"  {series:<16} {newest}  ({age} days ago){warning}")
    lines.append("quarantined rows by rule:")
    lines += [f"  {rule:<34} {n}" for rule, n in reasons] or ["  none"]
    lines.append("tables: " + ", ".join(f"{t} (~{n} rows)" for t, n in tables))
    return "\n".join(lines)


def quarantine_listing(marts_dir: str | None = None, file: str | None = None) -> str:
    """Rejected rows with their reasons, optionally for files whose path contains ``file``."""
    settings = settings_from(marts_dir=marts_dir)
    if not settings.published_db.exists():
        return no_marts(settings)
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        rows = con.execute(
            "SELECT file_path, sheet, row_number, obs_id, reasons FROM quarantine_rows"
            " WHERE ? IS NULL OR contains(file_path, ?) ORDER BY file_path, sheet, row_number",
            [file, file],
        ).fetchall()
    if not rows:
        return "no quarantined rows" + (f" in files matching {file!r}" if file else "")
    lines = []
    for file_path, sheet, row_number, obs_id, reasons in rows:
        where = f"{file_path}{'!' + sheet if sheet else ''} row {row_number}"
        lines.append(f"{where} ({obs_id or 'no obs_id'}):")
        lines += [f"    {reason}" for reason in reasons.split("; ")]
    lines.append(f"{len(rows)} quarantined rows")
    return "\n".join(lines)
