"""The ``spotprices`` command: run the nightly flow once, or show the last run.

Exit codes: 0 success; 1 the run failed (if it failed before the publish step, nothing was
published and the previous marts stay live); 2 bad arguments (an empty path, a raw folder that
is not there, the raw and marts folders one inside the other); 3 the run published, but some
files could not be read (listed in the summary); 4 another run is in progress on the same
marts folder (this one changed nothing); 143 (130) the run was stopped by SIGTERM (SIGINT),
128 + the signal's number as a shell reports it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

from flows.config import TASK_RUNNERS, UsageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3, 4

# Prefect starts a temporary local server when no PREFECT_API_URL is set; these defaults make
# that quiet (no telemetry, no internet here) and patient on a cold two-core machine.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


def _days(text: str) -> int:
    """A number of days for ``--warn-days``: a whole number, 0 or more."""
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(
            f"expected a whole number of days, 0 or more, not {text!r}"
        )
    return int(text)


def _missing_marts(command: str, marts_dir: str | None) -> bool:
    """Say on standard error that no marts are published in the folder, if so (exit 1)."""
    from flows.config import settings_from
    from flows.status import no_marts

    settings = settings_from(marts_dir=marts_dir)
    if settings.published_db.exists():
        return False
    print(f"spotprices {command}: {no_marts(settings)}", file=sys.stderr)
    return True


def _lock_hint(err: Exception) -> str | None:
    """For DuckDB's lock error (someone holds the file open read-write), what to do."""
    held = re.search(
        r'Could not set lock on file "(?P<file>[^"]+)": Conflicting lock is held in'
        r" (?P<program>.*?) \(PID (?P<pid>\d+)\)",
        str(err),
    )
    if held is None:
        return None
    return (
        f"another program holds {held['file']} open for writing ({held['program']}, PID"
        f" {held['pid']}): open it read-only, e.g. duckdb -readonly {held['file']}"
    )


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
    run.add_argument(
        "--allow-empty",
        action="store_true",
        help="let a raw folder with no files retire every file the published build holds"
        " (refused without it: an unmounted share looks the same)",
    )
    run.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        help="where files are read and validated: threads in this process, or a Dask cluster"
        " (default: threads, or SPOTPRICES_TASK_RUNNER)",
    )
    run.add_argument(
        "--dask-address",
        help="a running Dask scheduler, e.g. tcp://scheduler:8786 (default: a LocalCluster for"
        " the run, or SPOTPRICES_DASK_ADDRESS)",
    )
    status = commands.add_parser(
        "status", help="recent runs, the published build, data freshness, quarantine counts"
    )
    status.add_argument("--marts-dir", help="where the marts are (default: data/marts)")
    status.add_argument(
        "--warn-days", type=_days, help="warn when the newest observation is older (default 365)"
    )
    serve = commands.add_parser(
        "serve", help="serve the nightly flow on a schedule (a Prefect deployment) until stopped"
    )
    serve.add_argument("--cron", help="when to run (default: 0 2 * * *)")
    serve.add_argument(
        "--timezone", default="Europe/Sarajevo", help="time zone of the cron (default: %(default)s)"
    )
    serve.add_argument("--interval", type=int, help="run every N seconds instead of the cron")
    serve.add_argument("--raw-dir", help="folder with prices/ and routes/ (default: data/raw)")
    serve.add_argument("--marts-dir", help="where marts and extracts go (default: data/marts)")
    serve.add_argument("--port", type=int, help="port of the local Prefect server (default: free)")
    docs = commands.add_parser(
        "docs", help="write the data dictionary (docs/marts.md) from the published comments"
    )
    docs.add_argument("--marts-dir", help="where the marts are (default: data/marts)")
    docs.add_argument(
        "--out",
        help="where to write it (default: docs/marts.md for the project's data/marts, else"
        " marts.md in the marts folder)",
    )
    quarantine = commands.add_parser("quarantine", help="list rejected rows with their reasons")
    quarantine.add_argument("--file", help="only files whose path contains this text")
    quarantine.add_argument("--marts-dir", help="where the marts are (default: data/marts)")
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
    export.add_argument(
        "--out",
        help="output file, or a folder to write MART.FORMAT into (default: MART.FORMAT in the"
        " current folder)",
    )
    export.add_argument("--no-bom", action="store_true", help="CSV without the UTF-8 BOM")
    export.add_argument("--marts-dir", help="where the marts are (default: data/marts)")


def _export(args) -> int:
    from pathlib import Path

    import duckdb

    from flows.config import settings_from
    from flows.export import ExportError, Filters, export

    if _missing_marts("export", args.marts_dir):
        return EXIT_FAILED
    settings = settings_from(marts_dir=args.marts_dir)
    filters = Filters(args.flow, args.country, args.leg, args.since, args.until)
    name = f"{args.mart}.{args.format}"
    out = Path(args.out or name)
    if out.is_dir() or (args.out or "").endswith(("/", os.sep)):
        out = out / name  # a folder, as cp takes one
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
    from flows.runs import describe_build

    files = ", ".join(f"{n} {s}" for s, n in sorted(summary.files.items())) or "no files"
    print(f"\nspotprices run {summary.run_id} finished in {summary.seconds:.1f} s")
    if summary.kept_build:
        print(f"  no change: published build kept (run {summary.kept_build})")
    elif summary.build:  # full, or incremental: from the standby or a copy of the published
        print(f"  build:  {describe_build(summary)}")
    print(f"  files:  {files}")
    print(
        f"  rows:   {summary.rows_read} read = {summary.rows_staged} staged"
        f" + {summary.rows_quarantined} quarantined"
    )
    for path, reason in summary.failed_files.items():
        print(f"  FAILED  {path}: {reason}")
    for path, reason in summary.kept_files.items():
        print(f"  KEPT    {path}: {reason}")
    for copy, original in summary.copies.items():
        print(f"  COPY    {copy} holds the same bytes as {original}: its rows count twice")
    marts = [t for t in summary.tables if not t.startswith("int_")]
    print("  tables: " + ", ".join(f"{t} ({summary.tables[t]})" for t in marts))
    checked = "the kept build passed" if summary.kept_build else ""
    print(
        f"  checks: {checked}{' ' if checked else ''}{summary.expectations_passed} expectations"
        f" passed, {summary.expectations_warned} warnings; Data Docs: {summary.data_docs}"
    )
    print(f"  marts:    {summary.published_db}")
    print(f"  extracts: {summary.extracts_dir}")
    marts_dir = os.path.dirname(summary.published_db)
    print(f"  parquet:  {os.path.join(marts_dir, 'parquet')}")
    print(f"  figures:  {os.path.join(marts_dir, 'figures')}")
    print(f"  report:   {os.path.join(marts_dir, 'report.html')}")


def _run(args) -> int:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from flows.stop import RunStopped, cli_owns_signals

    with cli_owns_signals():
        try:
            return _run_once(args)
        except RunStopped as stopped:
            print(
                f"spotprices run: {stopped}; the published marts stay whole (the previous build"
                " unless this run had published) and the next run starts over",
                file=sys.stderr,
            )
            return stopped.exit_code


def _run_once(args) -> int:
    from flows.config import check_folders_apart, check_raw_folder, settings_from
    from flows.discover import EmptyRawFolder
    from flows.lock import RunInProgress
    from flows.runners import NoPrefectServer, SchedulerUnreachable, run_nightly

    try:
        settings = settings_from(
            args.raw_dir, args.marts_dir, task_runner=args.task_runner,
            dask_address=args.dask_address,
        )  # fmt: skip
        check_folders_apart(settings)
        check_raw_folder(settings)
    except ValueError as err:
        print(f"spotprices run: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.dask_address and settings.task_runner != "dask":
        print("spotprices run: --dask-address needs --task-runner dask", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = run_nightly(
            settings, raw_dir=args.raw_dir, marts_dir=args.marts_dir,
            full_refresh=args.full_refresh, allow_empty=args.allow_empty,
        )  # fmt: skip
    except EmptyRawFolder as err:
        print(f"spotprices run: {err}", file=sys.stderr)
        return EXIT_FAILED
    except NoPrefectServer as err:
        print(f"spotprices run: {err}", file=sys.stderr)
        return EXIT_USAGE
    except SchedulerUnreachable as err:
        print(f"spotprices run: {err}; nothing ran", file=sys.stderr)
        return EXIT_FAILED
    except RunInProgress as busy:
        print(f"spotprices run: {busy}; nothing changed", file=sys.stderr)
        return EXIT_BUSY
    _print_summary(summary)
    return EXIT_PARTIAL if summary.failed_files else EXIT_OK


def _status(args) -> int:
    from flows.config import settings_from
    from flows.status import describe, recent_runs

    if _missing_marts("status", args.marts_dir):
        print(recent_runs(settings_from(marts_dir=args.marts_dir)))
        return EXIT_FAILED
    print(describe(args.marts_dir, args.warn_days))
    return EXIT_OK


def _quarantine(args) -> int:
    from flows.status import quarantine_listing

    if _missing_marts("quarantine", args.marts_dir):
        return EXIT_FAILED
    print(quarantine_listing(args.marts_dir, args.file))
    return EXIT_OK


def _serve(args) -> int:
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from flows.config import check_folders_apart, settings_from
    from flows.serve import BadSchedule, serve

    # Not whether the raw folder is there: a share may be mounted by the first run's time.
    check_folders_apart(settings_from(args.raw_dir, args.marts_dir))
    try:
        serve(args.cron, args.timezone, args.interval, args.raw_dir, args.marts_dir, args.port)
    except BadSchedule as err:
        print(f"spotprices serve: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("spotprices serve: stopped", file=sys.stderr)
    return EXIT_OK


def _docs(args) -> int:
    from flows.dictionary import write_dictionary

    if _missing_marts("docs", args.marts_dir):
        return EXIT_FAILED
    print(f"wrote {write_dictionary(args.marts_dir, args.out)}")
    return EXIT_OK


COMMANDS = {
    "run": _run,
    "status": _status,
    "quarantine": _quarantine,
    "serve": _serve,
    "docs": _docs,
    "export": _export,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as err:  # an empty --marts-dir, folders one inside the other, ...
        print(f"spotprices {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:  # one line for the operator; the Prefect log has the traceback
        hint = _lock_hint(err)
        if hint:
            print(f"spotprices {args.command}: {hint}", file=sys.stderr)
            return EXIT_FAILED
        print(f"spotprices {args.command} failed: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
