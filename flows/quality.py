"""Quality gates: run the expectation suites of ``schemas/expectations.py`` on a new build,
before it is published.

Each table is read from the (not yet published) build file through a read-only DuckDB
connection into pandas, only the columns its checks need, and validated with Great
Expectations Core (a pandas data source; GX's DuckDB support through SQLAlchemy is fragile).
Row counts come from DuckDB. The outcome is a :class:`QualityReport`; the GX Data Docs are
written in any case, and only then does a failed blocking expectation raise
:class:`QualityGateFailed`, so the person who reads the error can read the docs too.

Plain functions, no Prefect: the nightly flow calls :func:`check_build` between building the
marts and publishing them. Great Expectations is imported on first use: it takes seconds.
"""

from __future__ import annotations

import html
import math
import os
import shutil
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from flows import data_docs
from schemas.expectations import (
    ROW_COUNT_MIN_SLACK,
    ROW_COUNT_TOLERANCE,
    SUITES,
    Check,
    Suite,
)

#: How many unexpected values a result keeps as examples (GX's partial_unexpected_count),
#: and how many of them a message quotes.
EXAMPLES = 5
MESSAGE_EXAMPLES = 3

#: What html.escape replaces, in its order (the ampersand first).
HTML_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


class QualityGateFailed(Exception):
    """A build failed at least one blocking expectation; it must not be published."""

    def __init__(self, report: QualityReport):
        self.report = report
        failures = "; ".join(o.describe() for o in report.failed_blocking)
        super().__init__(
            f"{len(report.failed_blocking)} blocking expectation(s) failed, build not published:"
            f" {failures}. Data Docs: {report.data_docs}"
        )

    def __reduce__(self):  # picklable with its report, e.g. across Prefect's task boundary
        return (type(self), (self.report,))


@dataclass(frozen=True)
class Outcome:
    """The result of one expectation on one table."""

    table: str
    expectation: str  # GX's name for it, e.g. expect_column_values_to_not_be_null
    target: str  # the columns it is about, or "table"
    why: str
    blocking: bool
    success: bool
    observed: str  # the observed value, or how many rows were unexpected, with examples
    unexpected_count: int | None = None

    @property
    def result(self) -> str:
        if self.success:
            return "passed"
        return "FAILED" if self.blocking else "warning"

    def describe(self) -> str:
        return f"{self.table}: {self.expectation} ({self.target}: {self.why}) - {self.observed}"


@dataclass
class QualityReport:
    """Every expectation's outcome on every table of one build."""

    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checks that were skipped, and why
    data_docs: Path | None = None
    checked_at: str = ""
    seconds: float = 0.0

    @property
    def tables(self) -> list[str]:
        return list(dict.fromkeys(o.table for o in self.outcomes))

    @property
    def failed_blocking(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and o.blocking]

    @property
    def warnings(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success and not o.blocking]

    @property
    def passed(self) -> int:
        return sum(o.success for o in self.outcomes)

    @property
    def failed(self) -> int:
        return len(self.outcomes) - self.passed

    def table_rows(self) -> list[dict[str, Any]]:
        """One row per expectation, e.g. for a Prefect table artifact."""
        return [
            {
                "table": o.table,
                "expectation": o.expectation,
                "columns": o.target,
                "on_failure": "block" if o.blocking else "warn",
                "result": o.result,
                "observed": o.observed,
                "why": o.why,
            }
            for o in self.outcomes
        ]

    def markdown(self) -> str:
        """A short summary: the verdict, the counts, and each failure or warning."""
        verdict = "BLOCKED, not published" if self.failed_blocking else "passed"
        lines = [
            f"### Quality gates: {verdict}",
            "",
            f"{len(self.outcomes)} expectations on {len(self.tables)} tables: {self.passed}"
            f" passed, {len(self.failed_blocking)} blocking failures,"
            f" {len(self.warnings)} warnings ({self.seconds:.1f} s).",
        ]
        problems = self.failed_blocking + self.warnings
        if problems:
            lines += ["", "| result | table | expectation | columns | observed |"]
            lines += ["|---|---|---|---|---|"]
            lines += [
                f"| {o.result} | {o.table} | {o.expectation} | {_md(o.target)}"
                f" | {_md(o.observed)} |"
                for o in problems
            ]
        lines += [f"- {note}" for note in self.notes]
        if self.data_docs:
            lines += ["", f"Data Docs: `{self.data_docs}`"]
        return "\n".join(lines)


def check_build(build_db: Path, published_db: Path | None, data_docs_dir: Path) -> QualityReport:
    """Validate every table of ``build_db``; write the Data Docs; raise if a blocking check fails.

    ``published_db`` is the build now live (None or missing on the first build): each table's
    row count is compared with its count there, as a warning.
    """
    started = time.monotonic()
    report = QualityReport(checked_at=datetime.now().astimezone().isoformat(timespec="seconds"))
    previous = _published_counts(published_db, report)
    gx = _import_great_expectations()
    site_dir = data_docs.new_site_dir(data_docs_dir)
    try:
        context = _context(gx, site_dir)
        with duckdb.connect(str(build_db), read_only=True) as con:
            existing = _table_columns(con)
            for suite in SUITES.values():
                if suite.table not in existing:
                    report.outcomes.append(_missing_table(suite))
                    continue
                frame = _read(con, suite, existing[suite.table])
                checks = list(suite.checks)
                if suite.table in previous:
                    checks.append(_row_count_check(previous[suite.table]))
                _validate(gx, context, suite, checks, frame, report)
                del frame
        try:
            context.build_data_docs(site_names=[data_docs.SITE_NAME])
        except Exception as err:  # the verdict stands on the checks, not on GX's HTML
            report.notes.append(f"GX's own pages could not be written: {err!r}"[:500])
        data_docs.write_index(site_dir, report, build_db.name)
        report.data_docs = data_docs.publish_site(site_dir, data_docs_dir)
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)  # left only if something failed midway
        shutil.rmtree(site_dir.with_name(site_dir.name + ".work"), ignore_errors=True)
    report.seconds = round(time.monotonic() - started, 2)
    if report.failed_blocking:
        raise QualityGateFailed(report)
    return report


def _import_great_expectations():
    """Import GX quietly: no analytics, and none of its import-time deprecation warnings
    (it imports ``sre_constants``), which would fail a run under ``-W error``."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
    return gx


def _context(gx, site_dir: Path):
    """An ephemeral GX context: suites and results live in memory, the docs go to site_dir."""
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    workdir = site_dir.with_name(site_dir.name + ".work")
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={data_docs.SITE_NAME: data_docs.site_config(site_dir)},
        plugins_directory=str(data_docs.plugins_dir(workdir)),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.data_sources.add_pandas("build")
    return context


def _validate(gx, context, suite: Suite, checks: list[Check], frame, report: QualityReport):
    table = suite.table
    asset = context.data_sources.get("build").add_dataframe_asset(table)
    batch = asset.add_batch_definition_whole_dataframe("whole table")
    # One suite with all its expectations: adding them one by one re-serialises it each time.
    expectations = [_expectation(gx, check, number) for number, check in enumerate(checks)]
    gx_suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=table, data=batch, suite=gx_suite)
    )
    # Unexpected rows are shown with their grain (file and row, or the mart's key), so a
    # message says where the problem is, not only what the value was.
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLES}
    identify_by = [c for c in suite.grain if c in frame.columns]
    if identify_by:
        result_format["unexpected_index_column_names"] = identify_by
    result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    outcomes = {}
    for item in result.results:  # GX lists table-level expectations first: keep our order
        number = item.expectation_config.meta["check"]
        outcomes[number] = _outcome(table, checks[number], item)
    report.outcomes.extend(outcomes[number] for number in sorted(outcomes))


def _expectation(gx, check: Check, number: int):
    from great_expectations.expectations.row_conditions import Column

    options: dict[str, Any] = dict(check.kwargs)
    if check.when:
        column, value = check.when
        options["row_condition"] = Column(column) == value
    return getattr(gx.expectations, check.expectation)(
        **options,
        severity="critical" if check.blocking else "warning",
        notes=f"{check.why} ({'blocks the publish' if check.blocking else 'warns'} on failure)",
        meta={"check": number, "blocking": check.blocking},
    )


def _outcome(table: str, check: Check, item) -> Outcome:
    result = item.result or {}
    error = _exception_message(item.exception_info)
    unexpected = result.get("unexpected_count")
    if error:
        observed = f"could not be evaluated: {error}"
    elif "observed_value" in result:
        observed = str(result["observed_value"])
    elif unexpected:
        rows = result.get("partial_unexpected_index_list") or []
        if rows and all(isinstance(row, dict) for row in rows):
            examples = [_located(row, check.columns) for row in rows]
        else:
            examples = [_short(value) for value in result.get("partial_unexpected_list", [])]
        examples = list(dict.fromkeys(examples))  # both rows of a duplicate read the same
        observed = (
            f"{unexpected} of {result.get('element_count')} rows unexpected,"
            f" e.g. {'; '.join(examples[:MESSAGE_EXAMPLES])}"
        )
    else:
        observed = f"0 of {result.get('element_count', 0)} rows unexpected"
    return Outcome(
        table=table,
        expectation=item.expectation_config.type,
        target=check.target + (f" where {check.when[0]} = {check.when[1]}" if check.when else ""),
        why=check.why,
        blocking=check.blocking,
        success=bool(item.success),
        observed=observed,
        unexpected_count=unexpected,
    )


def _exception_message(info) -> str | None:
    """GX reports an expectation that raised either flat or keyed by metric."""
    if not info:
        return None
    candidates = [info, *(v for v in info.values() if isinstance(v, dict))]
    for entry in candidates:
        if entry.get("raised_exception") or entry.get("exception_message"):
            message = str(entry.get("exception_message") or "error").strip()
            return message.splitlines()[-1][:300]
    return None


def _missing_table(suite: Suite) -> Outcome:
    return Outcome(
        table=suite.table,
        expectation="expect_table_to_exist",
        target="table",
        why="every published table is in the build",
        blocking=True,
        success=False,
        observed="the build has no such table",
    )


def _row_count_check(previous: int) -> Check:
    slack = max(math.ceil(previous * ROW_COUNT_TOLERANCE), ROW_COUNT_MIN_SLACK)
    return Check(
        "ExpectTableRowCountToBeBetween",
        {"min_value": max(previous - slack, 0), "max_value": previous + slack},
        f"row count within {ROW_COUNT_TOLERANCE:.0%} (or {ROW_COUNT_MIN_SLACK} rows) of the last"
        f" published build's {previous}",
        blocking=False,
    )


def _published_counts(published_db: Path | None, report: QualityReport) -> dict[str, int]:
    """Row counts per table of the live build; a note instead when there is none to compare."""
    if published_db is None or not Path(published_db).exists():
        report.notes.append("row counts not compared: no published build yet")
        return {}
    try:
        with duckdb.connect(str(published_db), read_only=True) as con:
            tables = [t for t in SUITES if t in _table_columns(con)]
            return {t: con.execute(f"SELECT count(*) FROM {_q(t)}").fetchone()[0] for t in tables}
    except duckdb.Error as err:  # a broken live file must not hide the new build's checks
        report.notes.append(f"row counts not compared: cannot read {published_db}: {err}")
        return {}


def _table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Column names and types of every table, per table."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = current_database() AND schema_name = 'main'"
        " ORDER BY table_name, column_index"
    ).fetchall()
    columns: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        columns.setdefault(table, {})[column] = data_type
    return columns


def _read(con: duckdb.DuckDBPyConnection, suite: Suite, present: dict[str, str]):
    """The columns the suite reads (those the table has: a missing one fails its checks).

    Text is HTML-escaped on the way: GX's Data Docs print unexpected values unescaped, and
    a value from a hostile file (``<script>...``) would run in the reader's browser.
    Escaping is one-to-one, so it changes no emptiness, uniqueness or membership of the
    plain codes the suites compare text with; the report unescapes the examples it quotes.
    """
    wanted = [c for c in suite.columns if c in present]
    select = ", ".join(
        f"{_html_escaped(_q(c))} AS {_q(c)}" if present[c] == "VARCHAR" else _q(c) for c in wanted
    )
    # Through Arrow: half the peak memory of DuckDB's own .df() (measured on 1M rows).
    arrow = con.sql(f"SELECT {select or '1 AS no_checked_columns'} FROM {_q(suite.table)}")
    return arrow.to_arrow_table().to_pandas(date_as_object=False, self_destruct=True)


def _html_escaped(expression: str) -> str:
    for char, entity in HTML_ENTITIES:
        literal = char.replace("'", "''")
        expression = f"replace({expression}, '{literal}', '{entity}')"
    return expression


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _located(row: dict, checked: tuple[str, ...]) -> str:
    """``value at grain`` for one unexpected row, leaving out empty grain columns."""
    values = ", ".join(f"{c}={_short(row[c])}" for c in checked if c in row)
    where = ", ".join(
        f"{c}={_short(v)}" for c, v in row.items() if c not in checked and not _empty(v)
    )
    return f"{values} at {where}" if values and where else values or where


def _empty(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _short(value: object) -> str:
    """A value as people write it: dates without midnight, empty as "(empty)", text unescaped."""
    if _empty(value):
        return "(empty)"
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        value = value.date().isoformat()
    text = html.unescape(str(value))
    return text if len(text) <= 80 else text[:77] + "..."


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
