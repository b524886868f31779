"""The nightly flow, read top to bottom like the pipeline diagram:

discover -> ingest (per file, in parallel) -> stage (the build file opened meanwhile) ->
normalise -> build marts -> check (Great Expectations) -> publish -> extract -> parquet (the
figures drawn meanwhile) -> report.

Each task is one coarse step around a plain function in this package, so every step can be
tested without Prefect and the flow stays cheap to orchestrate (a handful of task runs). The
whole run holds a lock on its marts folder: a second run started meanwhile stops at once.

A run with nothing to do stops after discover: when no file is new, changed or deleted and the
inputs fingerprint (:mod:`flows.fingerprint`: the manifest, sql/, the reference tables, the
code and library versions) equals the one stored with the published build, that build is kept
and the run is logged as ``no_change``. When files changed but the rules did not (the rules
fingerprint: sql/, reference tables, code and library versions), the new build starts from
the standby (the build the published one replaced) or a copy of the published one, and its
incremental models replace only the rows of the files changed since (:mod:`flows.build`).
``full_refresh`` always rebuilds from nothing. The steps after discover import pandas, Pandera
and Great Expectations only when they run.

A run that cannot see its raw files publishes nothing: a raw folder missing, or empty while the
published build has files, is refused before discover (``refused`` in the run log; the
parameter ``allow_empty`` lets an empty folder retire every file), and raw and marts folders
one inside the other before the lock. A file that changed while it was read keeps its last good
version for the run (:func:`_keep_last_good_versions`).
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import duckdb
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.task_runners import ThreadPoolTaskRunner

from flows import runs, state, stop
from flows.config import (
    Settings,
    UsageError,
    check_folders_apart,
    check_raw_folder,
    settings_from,
)
from flows.discover import EmptyRawFolder, FileItem, copies, discover, refuse_empty_raw_folder
from flows.fingerprint import inputs_fingerprint, rules_fingerprint
from flows.lock import run_lock

if TYPE_CHECKING:  # imported where used: a run with nothing to do never loads them
    from flows.build import BuiltModels, OpenedBuild
    from flows.figures import Figure
    from flows.ingest import FileResult
    from flows.quality import QualityReport

stop.quiet_expected()  # another run in progress, a stop signal: one line, no traceback

NORMALISE_LAYERS = ("staging", "intermediate")
MART_LAYERS = ("marts",)


@dataclass
class RunSummary:
    """What a run did; printed by the CLI, stored with the build and in pipeline_runs."""

    run_id: str
    files: dict[str, int] = field(default_factory=dict)  # status -> number of files
    failed_files: dict[str, str] = field(default_factory=dict)  # file -> reason
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    published_db: str = ""
    extracts_dir: str = ""
    #: Wall seconds of the run, as the command and the run log report them. The copy stamped
    #: into the build (build_info.summary) stops before publishing, which it cannot outlast.
    seconds: float = 0.0
    expectations_passed: int = 0
    expectations_warned: int = 0
    data_docs: str = ""
    #: Seconds the ingest tasks spent reading, typing and validating, and spooling, summed
    #: over files and chunks (both run in parallel, so the sum may exceed the wall time).
    ingest_seconds: dict[str, float] = field(default_factory=dict)
    #: Seconds each SQL model took to build or update, in build order.
    model_seconds: dict[str, float] = field(default_factory=dict)
    inputs_fingerprint: str = ""  # see flows.fingerprint
    rules_fingerprint: str = ""  # the inputs fingerprint without the raw files
    #: "full", or "incremental": a build made under the same rules with the rows of the files
    #: changed since replaced in the incremental models.
    build: str = ""
    #: What the build started from: "new" (a full build), "standby" (the build the published
    #: one replaced) or "copy" (of the published build, when a reader held the standby).
    build_start: str = ""
    kept_build: str = ""  # no change: the run id of the published build that was kept
    #: Files with the same bytes as another, whose rows count twice: copy -> original.
    copies: dict[str, str] = field(default_factory=dict)
    #: Files that changed while they were read, whose last good version stays published for
    #: this run: file -> what happened, in words (:func:`_keep_last_good_versions`).
    kept_files: dict[str, str] = field(default_factory=dict)


@task(name="discover", cache_policy=NO_CACHE)
def discover_files(settings: Settings, full_refresh: bool) -> list[FileItem]:
    """Compare every raw file with the manifest, hashing those whose stat signature changed."""
    if full_refresh:
        state.reset(settings)
    with state.connect(settings, row_views=False) as con:
        items = discover(settings.raw_dir, con)
    counts = {s: sum(i.status == s for i in items) for s in {i.status for i in items}}
    hashed = sum(item.hashed for item in items)
    vouched = sum(item.status == "unchanged" and not item.hashed for item in items)
    get_run_logger().info(
        "discovered %d files under %s: %s (%d hashed, %d unchanged by their stat signature)",
        len(items), settings.raw_dir, counts, hashed, vouched,
    )  # fmt: skip
    return items


def _is_transient(task, task_run, state) -> bool:
    """Retry an ingest only for operating-system errors (locked, vanished, I/O)."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


@task(
    name="ingest",
    task_run_name="ingest {item.file_path}",
    cache_policy=NO_CACHE,
    retry_condition_fn=_is_transient,
)
def ingest(settings: Settings, item: FileItem, run_id: str) -> FileResult:
    """Read and validate one new or changed file."""
    from flows.ingest import ingest_file

    result = ingest_file(settings, item, run_id)
    logger = get_run_logger()
    if result.failed:
        logger.error("%s: could not be read: %s", item.file_path, result.error)
    else:
        logger.info(
            "%s (%s): %d rows read, %d valid, %d quarantined",
            item.file_path, item.status, result.rows_read, result.rows_valid, result.rows_failed,
        )  # fmt: skip
    return result


def _ingest_all(settings: Settings, todo: list[FileItem], run_id: str) -> list[FileResult]:
    """Ingest files in parallel; a file that could not be opened is tried again after each of
    the configured delays (content that does not parse is not retried), and a file whose task
    failed even so is recorded as failed while the other files go on."""
    from flows.ingest import FileResult

    delays = list(settings.ingest_retry_delays)
    retrying = ingest.with_options(retries=len(delays), retry_delay_seconds=delays)
    futures = retrying.map(unmapped(settings), todo, unmapped(run_id))
    results = []
    for item, future in zip(todo, futures, strict=True):
        future.wait()
        if future.state.is_completed():
            results.append(future.result())
        else:
            error = future.state.result(raise_on_failure=False)
            reason = f"gave up after {len(delays) + 1} tries: {type(error).__name__}: {error}"
            results.append(FileResult(item, error=reason))
    return results


def _keep_last_good_versions(
    summary: RunSummary, items: list[FileItem], results: list[FileResult]
) -> tuple[list[FileItem], list[FileResult]]:
    """Treat a file that changed while it was read (still being written) and has a last good
    version as unchanged for this run: its manifest row, rows and failures stay as the last
    run that read it left them, so its published rows stay too, and discover, finding its
    stat signature changed, has the next run read it again. Such a file with no good version
    (new, or failed last time) stays failed. Returns the items and the results to stage."""
    kept = {
        result.item.file_path: result
        for result in results
        if result.changed_while_read and result.item.previous_hash is not None
    }
    if not kept:
        return items, results
    logger = get_run_logger()
    for file_path, result in kept.items():
        rows = result.item.previous_rows or 0
        summary.kept_files[file_path] = (
            f"{result.error.removesuffix('; left for the next run')}; kept its last good"
            f" version's {rows} rows, read again next run"
        )
        logger.warning("%s: %s", file_path, summary.kept_files[file_path])
    as_before = {"status": "unchanged", "signature": None, "hashed": False}
    items = [
        replace(item, content_hash=item.previous_hash, **as_before)
        if item.file_path in kept
        else item
        for item in items
    ]
    return items, [result for result in results if result.item.file_path not in kept]


def _published_files(settings: Settings) -> dict[str, int]:
    """How many files of each dataset have rows in the published build (none published: {});
    from the manifest of the ingest database when the build cannot be opened."""
    query = (
        "SELECT dataset, count(*) FROM ingest_files WHERE status NOT IN ('deleted', 'failed')"
        " GROUP BY dataset"
    )
    if settings.published_db.exists():
        try:
            with duckdb.connect(str(settings.published_db), read_only=True) as con:
                return dict(con.execute(query).fetchall())
        except duckdb.Error:  # held read-write by someone, or from an older build
            pass
    with state.connect(settings, row_views=False) as con:
        return dict(con.execute(query).fetchall())


@task(name="stage", cache_policy=NO_CACHE)
def stage(settings: Settings, items: list[FileItem], results: list[FileResult], run_id: str):
    """Store each ingested file's rows in the ingest state; retire deleted files."""
    from flows.load import apply_results

    with state.connect(settings) as con:
        apply_results(con, settings, items, results, run_id)


@task(name="open build", cache_policy=NO_CACHE)
def open_build(settings: Settings, run_id: str, rules: str, incremental: bool) -> OpenedBuild:
    """Start the new build file: for a build updated by file, the standby or a copy of the
    published build, made under the same ``rules``; else a new file with the reference
    tables."""
    from flows import build

    base = settings.published_db if incremental else None
    opened = build.open_build(settings, run_id, base, rules)
    get_run_logger().info("build started from: %s", opened.start)
    return opened


@task(name="compare build", cache_policy=NO_CACHE)
def compare_build(settings: Settings, target: Path) -> list[str]:
    """The files whose rows the build must replace: changed since the build it started from."""
    from flows import build

    return build.stale_files(settings, target)


@task(name="normalise", cache_policy=NO_CACHE)
def normalise(settings: Settings, target: Path, changed_files: list[str] | None) -> BuiltModels:
    """Currencies and units (staging, intermediate) into the new build; with
    ``changed_files``, the tables updated by file have only those files' rows replaced."""
    from flows import build

    return build.run_models(settings, target, NORMALISE_LAYERS, changed_files)


@task(name="build marts", cache_policy=NO_CACHE)
def build_marts(settings: Settings, target: Path, changed_files: list[str] | None) -> BuiltModels:
    """Build sql/marts and check that every file's rows reconcile."""
    from flows import build

    built = build.run_models(settings, target, MART_LAYERS, changed_files)
    build.check_reconciliation(target)
    return built


@task(name="check", cache_policy=NO_CACHE)
def check(settings: Settings, target: Path, added_files: list[str] | None) -> QualityReport:
    """Run the Great Expectations suites on the new build; a blocking failure raises and the
    build is not published (the previous marts stay live). After a build updated by file that
    only added ``added_files``, the tables updated by file have only those files' rows
    validated, merged with the published build's results."""
    from flows import build
    from flows.quality import check_build

    previous = settings.published_db if settings.published_db.exists() else None
    by_file = build.incremental_models(settings.sql_dir)
    report = check_build(
        target, previous, settings.data_docs_dir, added_files=added_files, by_file=by_file
    )
    logger = get_run_logger()
    for outcome in report.warnings:
        logger.warning("expectation warning: %s", outcome.describe())
    logger.info(
        "%d expectations passed, %d warnings; Data Docs: %s",
        report.passed, len(report.warnings), report.data_docs,
    )  # fmt: skip
    return report


@task(name="publish", cache_policy=NO_CACHE)
def publish_build(
    settings: Settings, target: Path, summary: RunSummary, quality: QualityReport
) -> Path:
    """Stamp the build and swap it in as the published marts file; after a build updated by
    file, the file it replaces becomes the standby."""
    from flows import build
    from flows.publish import publish

    build.stamp_build(
        target,
        summary.run_id,
        asdict(summary),
        quality.table_rows(),
        summary.inputs_fingerprint,
        summary.rules_fingerprint,
    )
    return publish(settings, target, keep_replaced=summary.build == "incremental")


@task(name="keep standby", cache_policy=NO_CACHE)
def keep_standby(settings: Settings) -> None:
    """After a full build, copy the published build to the standby for the next run."""
    from flows import publish

    error = publish.keep_standby(settings)
    if error is not None:
        get_run_logger().warning("no standby kept (the next build copies instead): %s", error)


@task(name="extract", cache_policy=NO_CACHE)
def extract(settings: Settings, added_files: list[str] | None) -> dict[str, Path]:
    """Write one CSV per published mart for report writers; after a run that only added
    ``added_files``, append their rows to the extracts of the tables updated by file."""
    from flows.publish import write_extracts

    return write_extracts(settings, added_files=added_files)


@task(name="parquet", cache_policy=NO_CACHE)
def parquet(
    settings: Settings, changed_files: list[str] | None, base_run_id: str | None
) -> dict[str, Path]:
    """Replace the Parquet set (one folder per table) for Spark, Trino and other clients;
    after a build updated by file from build ``base_run_id``, write only the parts of
    ``changed_files`` in the tables updated by file."""
    from flows.publish import write_parquet

    return write_parquet(settings, changed_files, base_run_id)


@task(name="figures", cache_policy=NO_CACHE)
def figures(settings: Settings) -> list[Figure]:
    """Redraw the figure pack from the published build."""
    from flows.figures import draw_figures

    limits = settings.duckdb_config
    drawn = draw_figures(settings.published_db, settings.marts_dir / "figures", limits)
    for figure in drawn:
        if not figure.drawn:
            get_run_logger().info("figure %s skipped: %s", figure.name, figure.reason)
    return drawn


@task(name="report", cache_policy=NO_CACHE)
def report(settings: Settings, drawn: list[Figure]) -> Path:
    """Write report.html from the published build, linking the figures and the extracts."""
    from flows.report import write_report

    return write_report(
        settings.marts_dir, settings.published_db, settings.extracts_dir, drawn,
        settings.duckdb_config,
    )  # fmt: skip


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else uuid.uuid4().hex


def _summarise(summary: RunSummary, items, results, target: Path) -> None:
    summary.files = {}
    for item in items:
        status = "kept" if item.file_path in summary.kept_files else item.status
        summary.files[status] = summary.files.get(status, 0) + 1
    for result in results:
        for stage, seconds in result.seconds.items():
            summary.ingest_seconds[stage] = round(summary.ingest_seconds.get(stage, 0) + seconds, 3)
        if result.failed:
            withdrawn = result.item.previous_rows
            summary.failed_files[result.item.file_path] = result.error + (
                f"; its {withdrawn} rows published before are withdrawn until it reads"
                if withdrawn
                else ""
            )
            summary.files[result.item.status] -= 1
            summary.files["failed"] = summary.files.get("failed", 0) + 1
    summary.files = {status: n for status, n in summary.files.items() if n}
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute(
            "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_staged), 0),"
            " coalesce(sum(rows_quarantined), 0) FROM ingest_files WHERE status <> 'deleted'"
        ).fetchone()
    summary.rows_read, summary.rows_staged, summary.rows_quarantined = (int(v) for v in row)


class PublishedBuild(NamedTuple):
    """What the published build's ``build_info`` says of it."""

    run_id: str
    inputs_fingerprint: str
    rules_fingerprint: str
    summary: dict


def _published_build(settings: Settings, run_id: str) -> PublishedBuild | None:
    """The published build, as its ``build_info`` describes it, if the ingest database is
    still as that build saw it apart from this run's files: the run that built it is the last
    run that did anything and it finished (no failed or killed run since, whose staged files,
    Data Docs or spool would be left)."""
    if not settings.published_db.exists():
        return None
    try:
        with duckdb.connect(str(settings.published_db), read_only=True) as con:
            built, inputs, rules, summary = con.execute(
                "SELECT run_id, inputs_fingerprint, rules_fingerprint, summary FROM build_info"
            ).fetchone()
    except duckdb.Error:  # a build from before both fingerprints were stored
        return None
    with state.connect(settings, row_views=False) as con:
        last = con.execute(
            "SELECT run_id, status FROM pipeline_runs WHERE run_id <> ?"
            " AND status NOT IN ('no_change', 'refused') ORDER BY started_at DESC LIMIT 1",
            [run_id],
        ).fetchone()
    if last not in ((built, "published"), (built, "published_with_failed_files")):
        return None
    return PublishedBuild(built, inputs, rules, json.loads(summary))


def _kept_build(
    settings: Settings, items: list[FileItem], summary: RunSummary, published: PublishedBuild | None
) -> dict | None:
    """The published build's stored summary if it can be kept as it is: no file is new,
    changed or deleted, its inputs fingerprint equals this run's, and the extracts, Parquet
    set and report are in place (the run that built it finished them)."""
    if published is None or any(item.status != "unchanged" for item in items):
        return None
    outputs = (settings.extracts_dir, settings.parquet_dir, settings.marts_dir / "report.html")
    if not all(path.exists() for path in outputs):
        return None
    if published.inputs_fingerprint != summary.inputs_fingerprint:
        return None
    return {**published.summary, "run_id": published.run_id}


def _changed_files(
    items: list[FileItem], summary: RunSummary, published: PublishedBuild | None
) -> list[str] | None:
    """The files whose rows this run replaces, when the published build was made under the
    same rules and can be updated by file; None when the build must start from nothing."""
    if published is None or published.rules_fingerprint != summary.rules_fingerprint:
        return None
    return sorted(item.file_path for item in items if item.status != "unchanged")


def _keep_build(summary: RunSummary, items: list[FileItem], kept: dict) -> None:
    """Fill the summary of a run that changed nothing from the kept build's own summary."""
    summary.kept_build = kept["run_id"]
    summary.files = {"unchanged": len(items)} if items else {}
    for name in (
        "rows_read", "rows_staged", "rows_quarantined", "tables", "published_db",
        "extracts_dir", "expectations_passed", "expectations_warned", "data_docs",
    ):  # fmt: skip
        setattr(summary, name, kept[name])


def _publish_artifacts(summary: RunSummary, quality: QualityReport | None) -> None:
    markdown = runs.summary_markdown(summary)
    if quality is not None:
        markdown += "\n\n" + quality.markdown()
    create_markdown_artifact(markdown, key="nightly-summary")
    rows = [{"item": f"files {status}", "value": n} for status, n in summary.files.items()]
    rows += [
        {"item": "rows staged", "value": summary.rows_staged},
        {"item": "rows quarantined", "value": summary.rows_quarantined},
        {"item": "expectations passed", "value": summary.expectations_passed},
        {"item": "expectations failed", "value": quality.failed if quality else 0},
    ]
    rows += [{"item": f"table {table}", "value": n} for table, n in summary.tables.items()]
    create_table_artifact(rows, key="nightly-run")


def _pipeline(
    settings: Settings, summary: RunSummary, full_refresh: bool, allow_empty: bool = False
) -> QualityReport | None:
    """Run every step; return the quality report, or None when the published build was kept."""
    started = time.monotonic()
    # A raw folder gone, or empty where the published build has files (a share not mounted),
    # would retire every row: refused before discover (or --full-refresh) changes anything.
    check_raw_folder(settings)
    if not allow_empty:
        refuse_empty_raw_folder(settings.raw_dir, lambda: _published_files(settings))
    shutil.rmtree(settings.spool_dir, ignore_errors=True)  # left by a run that was killed
    items = discover_files(settings, full_refresh)
    summary.copies = copies(items)
    for copy, original in summary.copies.items():
        get_run_logger().warning(
            "%s holds the same bytes as %s: its rows count twice", copy, original
        )
    summary.rules_fingerprint = rules_fingerprint(settings)
    summary.inputs_fingerprint = inputs_fingerprint(
        summary.rules_fingerprint,
        [(i.file_path, i.dataset, i.content_hash) for i in items if i.content_hash],
    )
    published = None if full_refresh else _published_build(settings, summary.run_id)
    kept = _kept_build(settings, items, summary, published)
    if kept is not None:
        _keep_build(summary, items, kept)
        summary.seconds = round(time.monotonic() - started, 2)
        get_run_logger().info("no change: published build %s kept", summary.kept_build)
        return None
    changed_files = _changed_files(items, summary, published)
    summary.build = "full" if changed_files is None else "incremental"
    todo = [item for item in items if item.needs_ingest]
    # The build file is opened on a thread of this process while the files are read: at 10M
    # rows, a copy of the published build (when the standby cannot be taken) is 2 GB to
    # write, the longest step of a run that adds a file, so it starts first, before the
    # imports below.
    with ThreadPoolTaskRunner(max_workers=1) as beside:
        opening = beside.submit(open_build, {
            "settings": settings, "run_id": summary.run_id,
            "rules": summary.rules_fingerprint, "incremental": changed_files is not None,
        })  # fmt: skip
        results = _ingest_all(settings, todo, summary.run_id)
        items, results = _keep_last_good_versions(summary, items, results)
        stage(settings, items, results, summary.run_id)
        from flows.quality import preload

        # Great Expectations (2 s of Python) is imported on a thread from here on: beside
        # normalise's SQL, which leaves the interpreter free, and beside what is left of a
        # copy of the published build (made when the standby cannot be taken), which at 10M
        # rows outlasts reading a night's file. Beside ingest, whose typing and rules are
        # Python too, it doubled a 100,000-row file's ingest (3.7-4.7 s against 1.5-2.3 s).
        preload()
        target, summary.build_start = opening.result()
    if summary.kept_files:  # those files count with the version the build holds
        summary.inputs_fingerprint = inputs_fingerprint(
            summary.rules_fingerprint,
            [(i.file_path, i.dataset, i.content_hash) for i in items if i.content_hash],
        )
        changed_files = _changed_files(items, summary, published)
    stop.raise_if_received()  # a stop whose exception a callback swallowed: honoured here
    stale = None if changed_files is None else compare_build(settings, target)
    normalised = normalise(settings, target, stale)
    marts = build_marts(settings, target, stale)
    summary.tables = {**normalised.rows, **marts.rows}
    summary.model_seconds = {**normalised.seconds, **marts.seconds}
    _summarise(summary, items, results, target)
    summary.published_db = str(settings.published_db)
    summary.extracts_dir = str(settings.extracts_dir)
    only_added = all(item.status in ("new", "unchanged") for item in items)
    added_files = changed_files if only_added else None
    stop.raise_if_received()
    quality = check(settings, target, added_files)
    summary.expectations_passed = quality.passed
    summary.expectations_warned = len(quality.warnings)
    summary.data_docs = str(quality.data_docs)
    summary.seconds = round(time.monotonic() - started, 2)  # as far as the build can know
    stop.raise_if_received()  # the last moment a stop leaves the published build as it was
    publish_build(settings, target, summary, quality)
    # The figures (2 s of matplotlib, mostly Python) are drawn on a thread of this process,
    # whatever the flow's task runner, while DuckDB writes the extracts and the Parquet set;
    # the report links all three. After a full build, the standby is copied meanwhile too.
    with ThreadPoolTaskRunner(max_workers=2) as beside:
        drawing = beside.submit(figures, {"settings": settings})
        full = summary.build == "full"
        copying = beside.submit(keep_standby, {"settings": settings}) if full else None
        extract(settings, added_files)
        parquet(settings, changed_files, published.run_id if published else None)
        drawn = drawing.result()
        if copying is not None:
            copying.result()
    report(settings, drawn)
    summary.seconds = round(time.monotonic() - started, 2)  # the whole run, as reported
    return quality


@flow(name="nightly", log_prints=True)
def nightly(
    raw_dir: str | None = None,
    marts_dir: str | None = None,
    full_refresh: bool = False,
    allow_empty: bool = False,
) -> RunSummary:
    """Ingest new and changed observation files, rebuild the marts, publish them.

    ``allow_empty`` lets a raw folder with no files retire every file the published build
    holds; without it such a run is refused (``refused`` in the run log) and changes nothing.
    """
    settings = settings_from(raw_dir, marts_dir)
    check_folders_apart(settings)  # before the lock writes _state/ into a folder of the other
    summary = RunSummary(run_id=_run_id())
    with stop.noting_signals(), run_lock(settings.state_dir):
        # Holding the lock, no other run is running: one still logged as running was killed.
        runs.record_start(settings, summary.run_id, datetime.now())
        try:
            quality = _pipeline(settings, summary, full_refresh, allow_empty)
        except (UsageError, EmptyRawFolder) as err:  # stopped before discover: nothing changed
            runs.record_end(settings, summary, "refused", str(err))
            raise
        except BaseException as caught:  # a stop signal too: the run log says how it ended
            err = stop.as_stopped(caught)
            status, error = runs.ending(err)
            runs.record_end(settings, summary, status, error)
            try:
                _publish_artifacts(summary, getattr(err, "report", None))
            except Exception:  # the run's own error is what the operator must see
                get_run_logger().exception("the failed run's artifacts were not published")
            if err is caught:
                raise
            raise err from caught
        status = "published_with_failed_files" if summary.failed_files else "published"
        status = "no_change" if summary.kept_build else status
        runs.record_end(settings, summary, status)
    _publish_artifacts(summary, quality)
    return summary
