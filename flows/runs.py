"""The run log: a row per run in ``pipeline_runs`` (ingest database) and a Prefect artifact,
so that a person can see what each night did without reading logs."""

from __future__ import annotations

import signal
from datetime import datetime

from flows import state
from flows.config import Settings

#: The status of a run found still ``running`` by a later run: it ended without recording
#: its end (SIGKILL, the out-of-memory killer, a power cut).
INTERRUPTED = "interrupted"
INTERRUPTED_ERROR = "ended without recording its end (killed, or the machine stopped); seen by run"


def record_start(settings: Settings, run_id: str, started_at: datetime) -> None:
    """Log the run as ``running``. The caller holds the run lock, so no other run is running:
    an earlier one still logged as ``running`` ended without saying so, and is marked
    ``interrupted``."""
    with state.connect(settings, row_views=False) as con:
        con.execute(
            "UPDATE pipeline_runs SET status = ?, error = ? WHERE status = 'running'",
            [INTERRUPTED, f"{INTERRUPTED_ERROR} {run_id}"],
        )
        con.execute(
            "INSERT OR REPLACE INTO pipeline_runs (run_id, started_at, status)"
            " VALUES (?, ?, 'running')",
            [run_id, started_at],
        )


def ending(err: BaseException) -> tuple[str, str]:
    """The status and error a run that raised ``err`` ends with: ``stopped`` by a signal
    (``stopped by SIGTERM``), else ``failed`` with the error's type and message."""
    from prefect.exceptions import TerminationSignal

    from flows.stop import RunStopped

    if isinstance(err, RunStopped):
        return "stopped", str(err)
    if isinstance(err, TerminationSignal):  # Prefect's SIGTERM handler, in a served run
        return "stopped", f"stopped by {signal.Signals(err.signal).name}"
    if isinstance(err, KeyboardInterrupt):
        return "stopped", "stopped by SIGINT"
    return "failed", f"{type(err).__name__}: {err}"


def record_end(settings: Settings, summary, status: str, error: str | None = None) -> None:
    """Close the run's row: ``published``, ``published_with_failed_files``, ``no_change``
    (nothing to rebuild: the published build was kept), ``refused`` (stopped before discover,
    nothing changed: a raw folder missing, or empty where the published build has files),
    ``failed`` or ``stopped`` (by a signal). A file kept at its last good version counts as
    unchanged."""
    files = dict(summary.files)
    files["unchanged"] = files.get("unchanged", 0) + files.get("kept", 0)
    with state.connect(settings, row_views=False) as con:
        con.execute(
            """UPDATE pipeline_runs SET finished_at = ?, status = ?,
                   files_new = ?, files_changed = ?, files_unchanged = ?, files_deleted = ?,
                   files_failed = ?, rows_read = ?, rows_staged = ?, rows_quarantined = ?,
                   seconds = ?, error = ?
               WHERE run_id = ?""",
            [
                datetime.now(), status,
                files.get("new", 0), files.get("changed", 0), files.get("unchanged", 0),
                files.get("deleted", 0), files.get("failed", 0),
                summary.rows_read, summary.rows_staged, summary.rows_quarantined,
                summary.seconds, error, summary.run_id,
            ],
        )  # fmt: skip


#: Where a build updated by file started (:class:`flows.build.OpenedBuild`), in words.
BUILD_STARTS = {
    "standby": "the standby (the build the published one replaced)",
    "copy": "a copy of the published build",
}


def describe_build(summary) -> str:
    """``full``, or ``incremental, from`` where it started: for the CLI and the artifact.
    A run that failed before its build was opened knows only the kind of build it meant."""
    start = BUILD_STARTS.get(summary.build_start)
    if summary.build == "incremental" and start is not None:
        return f"incremental, from {start}"
    return summary.build


def summary_markdown(summary) -> str:
    """The run in a few lines of markdown, for the Prefect UI."""
    files = ", ".join(f"{n} {s}" for s, n in sorted(summary.files.items())) or "no files"
    lines = [
        f"# spotprices run `{summary.run_id}`",
        "",
        f"- files: {files}",
        f"- rows: {summary.rows_read} read = {summary.rows_staged} staged"
        f" + {summary.rows_quarantined} quarantined",
        f"- published: `{summary.published_db}`",
    ]
    if summary.kept_build:
        lines.append(f"- no change: published build `{summary.kept_build}` kept")
    elif summary.build:
        lines.append(f"- build: {describe_build(summary)}")
    lines += [f"- **failed** `{path}`: {reason}" for path, reason in summary.failed_files.items()]
    lines += [f"- **kept** `{path}`: {reason}" for path, reason in summary.kept_files.items()]
    lines += [
        f"- **copy** `{copy}` holds the same bytes as `{original}`: its rows count twice"
        for copy, original in summary.copies.items()
    ]
    lines += ["", "| table | rows |", "|---|---|"]
    lines += [f"| {table} | {rows} |" for table, rows in summary.tables.items()]
    return "\n".join(lines)
