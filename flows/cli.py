"""The ``spotprices`` command: run the nightly flow once, or show the last run.

Exit codes: 0 success; 1 the run failed and nothing was published (the previous marts stay
live); 2 bad arguments; 3 the run published, but some files could not be read (listed).
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

# Prefect starts a temporary local server when no PREFECT_API_URL is set; these defaults make
# that quiet (no telemetry, no internet here) and patient on a cold two-core machine.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spotprices",
        description="Balkan-route price and route observations in, DuckDB marts and CSV out.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the nightly flow once")
    run.add_argument("--raw-dir", help="folder with prices/ and routes/ (default: data/raw)")
    run.add_argument("--marts-dir", help="where marts and extracts go (default: data/marts)")
    run.add_argument(
        "--full-refresh", action="store_true", help="forget the manifest and re-read every file"
    )
    status = commands.add_parser("status", help="show the last published run and its counts")
    status.add_argument("--marts-dir", help="where the marts are (default: data/marts)")
    _add_export(commands)
    return parser


def _add_export(commands) -> None:
    export = commands.add_parser(
        "export", help="write one mart, filtered, as Excel-safe CSV, xlsx or Parquet"
    )
    export.add_argument("mart", help="a mart's table name, e.g. mart_smuggling_prices")
    export.add_argument("--flow", help="people, drugs or money")
    export.add_argument("--country", help="ISO 3166-1 alpha-2 code, in any country column")
    export.add_argument("--leg", help="origin-destination as XX-YY, e.g. RS-HU")
    export.add_argument("--since", help="first month, YYYY-MM (by period_start)")
    export.add_argument("--until", help="last month, YYYY-MM (by period_start)")
    export.add_argument("--columns", help="comma-separated subset of the allowed columns")
    export.add_argument("--format", default="csv", choices=("csv", "xlsx", "parquet"))
    export.add_argument("--out", help="output file (default: MART.FORMAT in the current folder)")
    export.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 BOM")
    export.add_argument("--marts-dir", help="where the marts are (default: data/marts)")


def _export(args) -> int:
    from pathlib import Path

    import duckdb

    from flows.config import settings_from
    from flows.export import ExportError, Filters, export

    settings = settings_from(marts_dir=args.marts_dir)
    if not settings.published_db.exists():
        print(f"no marts published yet in {settings.marts_dir} (run: spotprices run)")
        return EXIT_FAILED
    filters = Filters(args.flow, args.country, args.leg, args.since, args.until)
    out = Path(args.out or f"{args.mart}.{args.format}")
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        try:
            info = export(con, args.mart, out, args.format, filters, columns, not args.no_bom)
        except ExportError as err:
            print(f"spotprices export: {err}", file=sys.stderr)
            return EXIT_USAGE
    print(f"{info['row_count']} rows of {args.mart} -> {out}")
    return EXIT_OK


def _print_summary(summary) -> None:
    files = ", ".join(f"{n} {s}" for s, n in sorted(summary.files.items())) or "no files"
    print(f"\nspotprices run {summary.run_id} finished in {summary.seconds:.1f} s")
    print(f"  files:  {files}")
    print(
        f"  rows:   {summary.rows_read} read = {summary.rows_staged} staged"
        f" + {summary.rows_quarantined} quarantined"
    )
    for path, reason in summary.failed_files.items():
        print(f"  FAILED  {path}: {reason}")
    marts = [t for t in summary.tables if not t.startswith("int_")]
    print("  tables: " + ", ".join(f"{t} ({summary.tables[t]})" for t in marts))
    print(f"  marts:    {summary.published_db}")
    print(f"  extracts: {summary.extracts_dir}")


def _run(args) -> int:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from flows.nightly import nightly

    summary = nightly(
        raw_dir=args.raw_dir, marts_dir=args.marts_dir, full_refresh=args.full_refresh
    )
    _print_summary(summary)
    return EXIT_PARTIAL if summary.failed_files else EXIT_OK


def _status(args) -> int:
    from flows.status import describe

    print(describe(args.marts_dir))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "export":
            return _export(args)
        return _run(args) if args.command == "run" else _status(args)
    except Exception as err:  # one line for the operator; the Prefect log has the traceback
        print(f"spotprices {args.command} failed: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
