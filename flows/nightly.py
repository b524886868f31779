"""The nightly flow, read top to bottom like the pipeline diagram:

discover -> ingest (per file, in parallel) -> stage -> normalise -> build marts -> publish
-> extract.

Each task is one coarse step around a plain function in this package, so every step can be
tested without Prefect and the flow stays cheap to orchestrate (a handful of task runs).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from flows import build, state
from flows.config import Settings, settings_from
from flows.discover import FileItem, discover
from flows.ingest import FileResult, ingest_file
from flows.load import apply_results
from flows.publish import publish, write_extracts

NORMALISE_LAYERS = ("staging", "intermediate")
MART_LAYERS = ("marts",)


@dataclass
class RunSummary:
    """What a run did; printed by the CLI and stored with the build."""

    run_id: str
    files: dict[str, int] = field(default_factory=dict)  # status -> number of files
    failed_files: dict[str, str] = field(default_factory=dict)  # file -> reason
    rows_read: int = 0
    rows_staged: int = 0
    rows_quarantined: int = 0
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows
    published_db: str = ""
    extracts_dir: str = ""
    seconds: float = 0.0


@task(name="discover", cache_policy=NO_CACHE)
def discover_files(settings: Settings, full_refresh: bool) -> list[FileItem]:
    """Hash every raw file and compare with the manifest."""
    if full_refresh:
        state.reset(settings)
    with state.connect(settings) as con:
        items = discover(settings.raw_dir, con)
    counts = {s: sum(i.status == s for i in items) for s in {i.status for i in items}}
    get_run_logger().info("discovered %d files under %s: %s", len(items), settings.raw_dir, counts)
    return items


@task(name="ingest", task_run_name="ingest {item.file_path}", cache_policy=NO_CACHE)
def ingest(settings: Settings, item: FileItem, run_id: str) -> FileResult:
    """Read and validate one new or changed file."""
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


@task(name="stage", cache_policy=NO_CACHE)
def stage(settings: Settings, items: list[FileItem], results: list[FileResult], run_id: str):
    """Replace each ingested file's rows in the ingest database; retire deleted files."""
    with state.connect(settings) as con:
        apply_results(con, items, results, run_id)


@task(name="normalise", cache_policy=NO_CACHE)
def normalise(settings: Settings, run_id: str) -> tuple[Path, dict[str, int]]:
    """Start a new build: reference tables, then currencies and units (staging, intermediate)."""
    target = build.open_build(settings, run_id)
    return target, build.run_models(settings, target, NORMALISE_LAYERS)


@task(name="build marts", cache_policy=NO_CACHE)
def build_marts(settings: Settings, target: Path) -> dict[str, int]:
    """Build sql/marts and check that every file's rows reconcile."""
    counts = build.run_models(settings, target, MART_LAYERS)
    build.check_reconciliation(target)
    return counts


@task(name="publish", cache_policy=NO_CACHE)
def publish_build(settings: Settings, target: Path, summary: RunSummary) -> Path:
    """Stamp the build and swap it in as the published marts file."""
    build.stamp_build(target, summary.run_id, asdict(summary))
    return publish(settings, target)


@task(name="extract", cache_policy=NO_CACHE)
def extract(settings: Settings) -> dict[str, Path]:
    """Write one CSV per published mart for report writers."""
    return write_extracts(settings)


@task(name="figures and report", cache_policy=NO_CACHE)
def figures_and_report(settings: Settings) -> Path:
    """Redraw the figure pack and write report.html from the published build."""
    from flows.figures import draw_figures
    from flows.report import write_report

    figures = draw_figures(settings.published_db, settings.marts_dir / "figures")
    for figure in figures:
        if not figure.drawn:
            get_run_logger().info("figure %s skipped: %s", figure.name, figure.reason)
    return write_report(settings.marts_dir, settings.published_db, settings.extracts_dir, figures)


def _run_id() -> str:
    return str(flow_run.id) if flow_run.id else uuid.uuid4().hex


def _summarise(summary: RunSummary, items, results, target: Path) -> None:
    summary.files = {}
    for item in items:
        summary.files[item.status] = summary.files.get(item.status, 0) + 1
    for result in results:
        if result.failed:
            summary.failed_files[result.item.file_path] = result.error
            summary.files[result.item.status] -= 1
            summary.files["failed"] = summary.files.get("failed", 0) + 1
    with duckdb.connect(str(target), read_only=True) as con:
        row = con.execute(
            "SELECT coalesce(sum(rows_read), 0), coalesce(sum(rows_staged), 0),"
            " coalesce(sum(rows_quarantined), 0) FROM ingest_files WHERE status <> 'deleted'"
        ).fetchone()
    summary.rows_read, summary.rows_staged, summary.rows_quarantined = (int(v) for v in row)


@flow(name="nightly", log_prints=True)
def nightly(
    raw_dir: str | None = None,
    marts_dir: str | None = None,
    full_refresh: bool = False,
) -> RunSummary:
    """Ingest new and changed observation files, rebuild the marts, publish them."""
    started = time.monotonic()
    settings = settings_from(raw_dir, marts_dir)
    summary = RunSummary(run_id=_run_id())
    items = discover_files(settings, full_refresh)
    todo = [item for item in items if item.needs_ingest]
    results = [
        future.result() for future in ingest.map(unmapped(settings), todo, unmapped(summary.run_id))
    ]
    stage(settings, items, results, summary.run_id)
    target, normalised = normalise(settings, summary.run_id)
    marts = build_marts(settings, target)
    summary.tables = {**normalised, **marts}
    _summarise(summary, items, results, target)
    summary.published_db = str(settings.published_db)
    summary.extracts_dir = str(settings.extracts_dir)
    summary.seconds = round(time.monotonic() - started, 2)
    publish_build(settings, target, summary)
    extract(settings)
    figures_and_report(settings)
    return summary
