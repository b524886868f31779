"""Quality gates: run the expectation suites of ``schemas/expectations.py`` on a new build,
before it is published.

Each table is read from the (not yet published) build file through a read-only DuckDB
connection, only the columns its checks need, in batches of :data:`BATCH_ROWS` rows in the
table's stored order, and each batch is validated with Great Expectations Core (a pandas data
source; GX's DuckDB support through SQLAlchemy is fragile). The batch results are merged into
one result per table, as if GX had seen the whole table: unexpected counts summed, the first
examples kept. What no single batch can see is computed by DuckDB over the whole table and
reported as its expectation's result: the row count (compared with the published build) and,
when a table takes more than one batch, the uniqueness of its grain. So peak memory stays flat
whatever the size of the build. The outcome is a :class:`QualityReport`; the GX Data Docs are
written in any case, and only then does a failed blocking expectation raise
:class:`QualityGateFailed`, so the person who reads the error can read the docs too.

Plain functions, no Prefect: the nightly flow calls :func:`check_build` between building the
marts and publishing them. Great Expectations is imported on first use: it takes seconds.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
import os
import shutil
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from flows import data_docs
from flows.export import rows_of_files
from flows.stop import Expected
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

#: Rows of a table validated at once. The check holds one batch in pandas, and GX several
#: copies of it (boolean masks, the fingerprint it takes of every batch): with 250,000 rows of
#: the widest checked table (stg_price_observations, 13 columns) the whole check peaked at
#: 0.85 GiB, the same at 9.8M and 19.7M rows, against 1.05 GiB with 500,000 rows for only ~5 %
#: less time. Smaller batches cost time: GX spends 0.3-0.8 s per validation however few rows
#: it has. Change it here only (tests pass ``batch_rows`` to check_build).
BATCH_ROWS = 250_000

#: The check's DuckDB connections: it only streams columns out and groups one table's grain at
#: a time, so it needs far less than building the marts (flows/config.py
#: Settings.duckdb_config); past this DuckDB spills to its temporary directory.
DUCKDB_CONFIG = {"memory_limit": "256MB", "threads": "2"}

#: Checks no batch can judge: DuckDB judges them over the whole table, and its numbers are
#: reported as the expectation's GX result (uniqueness only when a table takes more than one
#: batch; in one batch GX judges it itself).
ROW_COUNT = "ExpectTableRowCountToBeBetween"
UNIQUE = ("ExpectColumnValuesToBeUnique", "ExpectCompoundColumnsToBeUnique")

#: Expectations that compare a column's values only for equality (as does the ``when`` of
#: any check). A text column that only these read reaches GX as a pandas categorical: GX
#: filters the whole batch for each expectation (an Arrow ``take`` of every column, a fifth
#: of its time), and a categorical column is taken as integer codes, not strings. The check
#: of a 10M-row build: 19.9 -> 12.4 s, with the same results.
EQUALITY_ONLY = frozenset({"ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeInSet", *UNIQUE})

#: What html.escape replaces, in its order (the ampersand first).
HTML_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))


class QualityGateFailed(Expected):
    """A build failed at least one blocking expectation; it must not be published. Expected
    in that its message says all (the failures and the Data Docs): logged without a
    traceback."""

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
    gx_result: str | None = None  # GX's verdict and result, as JSON: see _carried_results

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
                "gx_result": o.gx_result,
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


def check_build(
    build_db: Path,
    published_db: Path | None,
    data_docs_dir: Path,
    batch_rows: int = BATCH_ROWS,
    added_files: list[str] | None = None,
    by_file: frozenset[str] = frozenset(),
) -> QualityReport:
    """Validate every table of ``build_db``; write the Data Docs; raise if a blocking check fails.

    ``published_db`` is the build now live (None or missing on the first build): each table's
    row count is compared with its count there, as a warning. Tables are validated
    ``batch_rows`` rows at a time (:data:`BATCH_ROWS`; tests pass a few rows).

    ``added_files``: ``build_db`` is the live build updated by file, and these raw files are
    all that changed, all of them new. A table of ``by_file`` (each row belongs to one raw
    file) then has only those files' rows validated, and each check's result is merged with
    the live build's result for that table, which covered every other row, as batches are
    merged (:func:`_carried_results` says when that is exact). At 10M rows this spares
    validating the 10M observations again after a night's new file.
    """
    started = time.monotonic()
    report = QualityReport(checked_at=datetime.now().astimezone().isoformat(timespec="seconds"))
    previous = _published_counts(published_db, report)
    published_results = (
        _published_results(published_db, by_file, report) if added_files is not None else {}
    )
    gx = _import_great_expectations()
    site_dir = data_docs.new_site_dir(data_docs_dir)
    try:
        context = _context(gx, site_dir)
        with duckdb.connect(str(build_db), read_only=True, config=DUCKDB_CONFIG) as con:
            existing = _table_columns(con)
            for suite in SUITES.values():
                if suite.table not in existing:
                    report.outcomes.append(_missing_table(suite))
                    continue
                checks = list(suite.checks)
                if suite.table in previous:
                    checks.append(_row_count_check(previous[suite.table]))
                carry = _carried_results(
                    checks, published_results.get(suite.table), added_files or []
                )
                _validate(
                    gx, context, con, suite, checks, existing[suite.table], batch_rows, report,
                    carry,
                )  # fmt: skip
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
    (it imports ``sre_constants``), which would fail a run under ``-W error``. The filter
    names GX's modules and is added, not swapped in with ``catch_warnings``, which is not
    thread-safe: :func:`preload` imports GX on a thread while the build runs."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"great_expectations\.")
    import great_expectations as gx

    return gx


def preload() -> None:
    """Import GX on a background thread, to be done by the time the check needs it.

    The import takes about 2 s of Python (most of the check of a small run); the nightly flow
    starts it once the files are staged, so it overlaps normalise's SQL (and what is left of a
    copy of the build, when one is made) rather than the Python of ingest. An import that
    fails here fails again, with its error, when the check imports GX itself."""
    threading.Thread(target=_quiet_import, name="preload-gx", daemon=True).start()


def _quiet_import() -> None:
    with contextlib.suppress(Exception):  # reported by the check, which imports it again
        _import_great_expectations()


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


@dataclass(frozen=True)
class Carry:
    """The live build's result of each check of a table (by check number), to be merged with
    the results on the rows of the added ``files``, which alone are validated again."""

    results: dict[int, dict[str, Any]]
    files: list[str]

    def item(self, number: int, config):
        from great_expectations.core import ExpectationValidationResult

        carried = self.results[number]
        return ExpectationValidationResult(
            success=carried["success"], result=carried["result"], expectation_config=config
        )


def _validate(
    gx,
    context,
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    checks: list[Check],
    present: dict[str, str],
    batch_rows: int,
    report: QualityReport,
    carry: Carry | None = None,
):
    """Validate one table batch by batch and store one merged GX result for it.

    The suite GX keeps (and the Data Docs show) has every check; GX runs those it can judge
    batch by batch, and DuckDB judges, over the whole table, the row count and, when the table
    takes more than one batch, the uniqueness of the grain (a duplicate may straddle batches).
    With ``carry``, GX sees only the rows of the added files, and the live build's results
    stand for the other rows, as one more batch; DuckDB still judges the whole table.
    """
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    table = suite.table
    rows = con.execute(f"SELECT count(*) FROM {_q(table)}").fetchall()[0][0]
    identify_by = [c for c in suite.grain if c in present]
    result_format = _result_format(identify_by)
    # One suite with all its expectations: adding them one by one re-serialises it each time.
    expectations = [_expectation(gx, check, number) for number, check in enumerate(checks)]
    context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    carried = carry.results if carry is not None else {}
    whole_table = {
        number: _whole_table_result(
            con,
            table,
            check,
            present,
            rows,
            identify_by,
            carry.files if check.expectation in UNIQUE and number in carried else None,
        )
        for number, check in enumerate(checks)
        if check.expectation == ROW_COUNT
        or (
            check.expectation in UNIQUE
            and (rows > batch_rows or carry is not None)
            and set(check.columns) <= present.keys()
        )
    }
    if carry is not None and any(
        n not in carry.results for n in range(len(checks)) if n not in whole_table
    ):
        carry = None  # a check GX runs here has no carried result: validate every row
    # The same checks again for the batches (an expectation belongs to one suite), unsaved.
    batch_suite = gx.ExpectationSuite(
        name=table,
        expectations=[
            _expectation(gx, check, number)
            for number, check in enumerate(checks)
            if number not in whole_table
        ],
    )
    asset = context.data_sources.get("build").add_dataframe_asset(table)
    definition = asset.add_batch_definition_whole_dataframe("whole table")
    per_batch: dict[int, list] = {}
    batches = 0
    files = carry.files if carry is not None else None
    for frame in _batches(con, table, suite, present, batch_rows, files):
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        batch_id, batches = batch.id, batches + 1
        result = batch.validate(batch_suite, result_format=result_format)
        for item in result.results:
            per_batch.setdefault(item.expectation_config.meta["check"], []).append(item)
        del batch, frame, result
    if carry is not None:  # the live build's results first: they cover the earlier rows
        for number, items in per_batch.items():
            items.insert(0, carry.item(number, items[0].expectation_config))
        added = f"{len(carry.files)} added file{'s' if len(carry.files) != 1 else ''}"
        report.notes.append(
            f"{table}: only the rows of {added} validated again, merged with the published"
            " build's results"
        )
    results = {number: _merged(items) for number, items in per_batch.items()}
    results.update(whole_table)
    ordered = []
    for number in sorted(results):  # GX lists table-level expectations first: keep our order
        results[number].expectation_config = expectations[number].configuration
        ordered.append(results[number])
        report.outcomes.append(_outcome(table, checks[number], results[number]))
    passed = sum(bool(r.success) for r in ordered)
    run_id = RunIdentifier(run_time=datetime.now(UTC))
    merged = ExpectationSuiteValidationResult(
        success=passed == len(ordered),
        results=ordered,
        suite_name=table,
        statistics={
            "evaluated_expectations": len(ordered),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(ordered) - passed,
            "success_percent": 100 * passed / len(ordered) if ordered else None,
        },
        meta={
            "great_expectations_version": gx.__version__,
            "run_id": run_id,
            "validation_time": run_id.run_time,
            "batch_spec": {"data_asset_name": table, "batch_data": "DuckDB table, in batches"},
            # Shown under "Show more info" on the validation page.
            "batch_parameters": {
                "rows": rows,
                "batches": batches,
                "rows per batch": batch_rows,
                "validated again": "only the rows of the added files" if carry else "every row",
                "over the whole table in DuckDB": ", ".join(
                    dict.fromkeys(
                        "row count" if checks[n].expectation == ROW_COUNT else "grain uniqueness"
                        for n in sorted(whole_table)
                    )
                )
                or "none",
            },
        },
        batch_id=batch_id,
    )
    context.validation_results_store.store_validation_results(
        suite_validation_result=merged,
        suite_validation_result_identifier=ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=table),
            run_id=run_id,
            batch_identifier=batch_id,
        ),
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=table),
    )


def _result_format(identify_by: list[str]) -> dict[str, Any]:
    # Unexpected rows are shown with their grain (file and row, or the mart's key), so a
    # message says where the problem is, not only what the value was.
    result_format: dict[str, Any] = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": EXAMPLES,
    }
    if identify_by:
        result_format["unexpected_index_column_names"] = identify_by
    return result_format


def _merged(items: list):
    """One expectation's results on every batch, as GX reports it on the whole table.

    Counts are summed and the percentages recomputed as GX computes them; the examples are
    the first ones in the table's order. A batch that could not be evaluated decides the
    result. Exact for map expectations (a verdict on each row) without ``mostly``: the table
    has no unexpected row exactly when no batch has one.
    """
    from great_expectations.core import ExpectationValidationResult

    if len(items) == 1:
        return items[0]
    for item in items:
        if _exception_message(item.exception_info):
            return item
    config = items[0].expectation_config
    if "observed_value" in (items[0].result or {}) or config.kwargs.get("mostly", 1) != 1:
        raise ValueError(
            f"{config.type} cannot be checked batch by batch: its verdict is not per row"
        )
    parts = [item.result for item in items]
    merged = dict(parts[0])
    element = sum(r.get("element_count") or 0 for r in parts)
    unexpected = sum(r.get("unexpected_count") or 0 for r in parts)
    counts_missing = "missing_count" in merged  # not every expectation reports them
    missing = sum(r.get("missing_count") or 0 for r in parts) if counts_missing else None
    merged.update(
        (key, value)
        for key, value in _percentages(element, missing, unexpected).items()
        if key in merged or key in ("element_count", "unexpected_count", "unexpected_percent")
    )
    for key in ("partial_unexpected_list", "partial_unexpected_index_list"):
        if key in merged:
            merged[key] = [x for r in parts for x in r.get(key) or []][:EXAMPLES]
    if "partial_unexpected_counts" in merged:
        merged["partial_unexpected_counts"] = _value_counts(merged["partial_unexpected_list"])
    return ExpectationValidationResult(
        success=all(bool(item.success) for item in items),
        expectation_config=config,
        result=merged,
        exception_info=items[0].exception_info,
    )


def _percentages(element: int, missing: int | None, unexpected: int) -> dict[str, Any]:
    """The counts and percentages of a GX map result (its ``_format_map_output``)."""
    nonnull = None if missing is None else element - missing
    total = nonmissing = missing_percent = None
    if element > 0:
        total = unexpected / element * 100
        if missing is None:
            nonmissing = total
        else:
            missing_percent = missing / element * 100
            nonmissing = unexpected / nonnull * 100 if nonnull else None
    return {
        "element_count": element,
        "unexpected_count": unexpected,
        "unexpected_percent": nonmissing,
        "missing_count": missing,
        "missing_percent": missing_percent,
        "unexpected_percent_total": total,
        "unexpected_percent_nonmissing": nonmissing,
    }


def _value_counts(examples: list) -> list[dict[str, Any]]:
    """GX's ``partial_unexpected_counts``: the most common of the examples, by count, value."""
    values = [tuple(v.values()) if isinstance(v, dict) else v for v in examples]
    try:
        common = Counter(values).most_common(EXAMPLES)
        return [{"value": k, "count": n} for k, n in sorted(common, key=lambda x: (-x[1], x[0]))]
    except TypeError:
        return [{"error": "partial_exception_counts requires a hashable type"}]


def _whole_table_result(
    con: duckdb.DuckDBPyConnection,
    table: str,
    check: Check,
    present: dict[str, str],
    rows: int,
    identify_by: list[str],
    files: list[str] | None = None,
):
    """A check no batch can judge, judged by DuckDB on the whole table, as GX reports it.

    The row count is ``count(*)``. Uniqueness is GX's: every row whose value (or combination
    of values, an empty one counting as a value) occurs more than once is unexpected; a
    single column's empty values are left out and counted as missing. The examples are the
    first such rows in the table's order, read as the batches are read.

    ``files``: only the rows of these raw files are searched for repeats, for a grain that
    holds ``file_path`` after a run that only added them to a live build without repeats (a
    repeat is within one file, so the other rows have none); 1 s at 10M rows.
    """
    from great_expectations.core import ExpectationValidationResult

    if check.expectation == ROW_COUNT:
        low, high = check.kwargs["min_value"], check.kwargs["max_value"]
        return ExpectationValidationResult(
            success=low <= rows <= high, result={"observed_value": rows}
        )
    columns = list(check.columns)
    keys = ", ".join(_q(c) for c in columns)
    single = check.expectation == "ExpectColumnValuesToBeUnique"
    conditions = [f"{_q(columns[0])} IS NOT NULL"] if single else []
    conditions += [rows_of_files(files)] if files is not None else []
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    missing = (
        con.execute(f"SELECT count(*) - count({keys}) FROM {_q(table)}").fetchall()[0][0]
        if single
        else 0
    )
    repeated = f"SELECT {keys} FROM {_q(table)} {where} GROUP BY ALL HAVING count(*) > 1"
    unexpected = con.execute(
        f"SELECT coalesce(sum(n), 0)::BIGINT FROM (SELECT count(*) AS n FROM {_q(table)}"
        f" {where} GROUP BY {keys} HAVING count(*) > 1)",
        files,
    ).fetchall()[0][0]
    result = _percentages(rows, missing, unexpected)
    if identify_by:
        result["unexpected_index_column_names"] = identify_by
    examples = []
    if unexpected:
        shown = list(dict.fromkeys(columns + identify_by))
        on = " AND ".join(f"t.{_q(c)} IS NOT DISTINCT FROM r.{_q(c)}" for c in columns)
        frame = (
            con.sql(
                f"SELECT {_select(shown, present, 't.')} FROM {_q(table)} AS t"
                f" SEMI JOIN ({repeated}) AS r ON {on} ORDER BY t.rowid LIMIT {EXAMPLES}",
                params=files,
            )
            .to_arrow_table()
            .to_pandas(date_as_object=False)
        )
        examples = frame.to_dict("records")
    values = (
        [row[columns[0]] for row in examples]
        if single
        else [{c: row[c] for c in columns} for row in examples]
    )
    result["partial_unexpected_list"] = values
    result["partial_unexpected_counts"] = _value_counts(values)
    if identify_by:
        result["partial_unexpected_index_list"] = examples
    return ExpectationValidationResult(success=unexpected == 0, result=result)


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
        target=_target(check),
        why=check.why,
        blocking=check.blocking,
        success=bool(item.success),
        observed=observed,
        unexpected_count=unexpected,
        gx_result=json.dumps({"success": bool(item.success), "result": result}, default=_json),
    )


def _json(value: object) -> object:
    """A value of a GX result as JSON has it, read back as :func:`_short` quotes the value:
    numpy scalars as numbers, a date or midnight timestamp as ``YYYY-MM-DD``."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if _empty(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _target(check: Check) -> str:
    return check.target + (f" where {check.when[0]} = {check.when[1]}" if check.when else "")


def _published_results(
    published_db: Path | None, by_file: frozenset[str], report: QualityReport
) -> dict[str, list[tuple[str, str, str | None]]]:
    """Per table of ``by_file``, the live build's ``expectation_results`` rows in their order:
    (expectation, columns, gx_result)."""
    if published_db is None or not by_file:
        return {}
    try:
        with duckdb.connect(str(published_db), read_only=True, config=DUCKDB_CONFIG) as con:
            rows = con.execute(
                'SELECT "table", expectation, "columns", gx_result FROM expectation_results'
                ' WHERE "table" IN (SELECT unnest(?)) ORDER BY rowid',
                [sorted(by_file)],
            ).fetchall()
    except duckdb.Error as err:  # a build from before gx_result: validate every row
        report.notes.append(f"every row validated: no earlier results to merge with ({err})"[:300])
        return {}
    results: dict[str, list[tuple[str, str, str | None]]] = {}
    for table, *row in rows:
        results.setdefault(table, []).append(tuple(row))
    return results


def _carried_results(
    checks: list[Check], published: list[tuple[str, str, str | None]] | None, files: list[str]
) -> Carry | None:
    """The live build's result of each check that GX runs batch by batch, to be merged with
    the results on the rows of the added ``files``; or None when any cannot be carried, and
    the whole table is validated again.

    Carried only when the live build ran the same checks in the same order (but the row
    count, which a first build has not), and every such result is a verdict on each row (no
    ``mostly``, no observed value): then counts add up and the merged result is the one GX
    would give on the whole table, as :func:`_merged` merges batches. The checks DuckDB
    judges over the whole table (row count, uniqueness) are judged again.
    """
    from great_expectations.util import camel_to_snake  # GX's own expectation names

    if published is None:
        return None
    kept = [row for row in published if row[0] != camel_to_snake(ROW_COUNT)]
    numbered = [(n, check) for n, check in enumerate(checks) if check.expectation != ROW_COUNT]
    if len(kept) != len(numbered):
        return None
    results = {}
    for (number, check), (expectation, target, stored) in zip(numbered, kept, strict=True):
        if expectation != camel_to_snake(check.expectation) or target != _target(check):
            return None
        if check.expectation in UNIQUE:
            # Rows repeat a grain that holds file_path only within one file: when the live
            # build had no repeat, only the added files' rows can (:func:`_whole_table_result`).
            result = json.loads(stored) if stored is not None else {}
            passed = result.get("result", {}).get("unexpected_count") == 0
            compound = check.expectation == "ExpectCompoundColumnsToBeUnique"
            if compound and "file_path" in check.columns and passed:
                results[number] = result
            continue
        if stored is None or check.kwargs.get("mostly", 1) != 1:
            return None
        result = json.loads(stored)
        if "observed_value" in result["result"]:
            return None
        results[number] = result
    return Carry(results, files)


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
        with duckdb.connect(str(published_db), read_only=True, config=DUCKDB_CONFIG) as con:
            tables = [t for t in SUITES if t in _table_columns(con)]
            return {
                t: con.execute(f"SELECT count(*) FROM {_q(t)}").fetchall()[0][0] for t in tables
            }
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


def _batches(
    con: duckdb.DuckDBPyConnection,
    table: str,
    suite: Suite,
    present: dict[str, str],
    rows: int,
    files: list[str] | None = None,
) -> Iterator[pd.DataFrame]:
    """The columns the suite reads (those the table has: a missing one fails its checks),
    ``rows`` at a time in the table's stored order (DuckDB preserves insertion order), each
    frame indexed by its rows' positions in the whole table; only the rows of the raw
    ``files`` when given. An empty table is one empty frame.

    Text is HTML-escaped on the way: GX's Data Docs print unexpected values unescaped, and
    a value from a hostile file (``<script>...``) would run in the reader's browser.
    Escaping is one-to-one, so it changes no emptiness, uniqueness or membership of the
    plain codes the suites compare text with; the report unescapes the examples it quotes.
    Text that the checks only compare for equality comes as categoricals (:data:`EQUALITY_ONLY`).
    """
    wanted = [c for c in suite.columns if c in present]
    categorical = _categorical_columns(suite, present)
    where = "" if files is None else f" WHERE {rows_of_files(files)}"
    relation = con.sql(f"SELECT {_select(wanted, present)} FROM {_q(table)}{where}", params=files)
    offset = 0

    def frame(parts: list[pa.RecordBatch], schema: pa.Schema) -> pd.DataFrame:
        nonlocal offset
        # Through Arrow: half the peak memory of DuckDB's own .df() (measured on 1M rows).
        data = pa.Table.from_batches(parts, schema=schema).to_pandas(date_as_object=False)
        for column in categorical:
            data[column] = data[column].astype("category")
        data.index = pd.RangeIndex(offset, offset + len(data))
        offset += len(data)
        return data

    # DuckDB hands out Arrow batches of at most ``rows`` (often a row group, ~120,000 rows):
    # they are gathered into frames of exactly ``rows``, GX costing the same per frame.
    with relation.to_arrow_reader(rows) as reader:
        parts: list[pa.RecordBatch] = []
        held = 0
        for record_batch in reader:
            while record_batch.num_rows:
                part = record_batch.slice(0, rows - held)
                record_batch = record_batch.slice(part.num_rows)
                parts.append(part)
                held += part.num_rows
                if held == rows:
                    yield frame(parts, reader.schema)
                    parts, held = [], 0
        if parts or offset == 0:  # the rest, or an empty table as one empty frame
            yield frame(parts, reader.schema)


def _categorical_columns(suite: Suite, present: dict[str, str]) -> set[str]:
    """The suite's text columns that no check compares by order (:data:`EQUALITY_ONLY`)."""
    ordered = {
        column
        for check in suite.checks
        if check.expectation not in EQUALITY_ONLY
        for column in check.columns
        if not check.when or column != check.when[0]
    }
    return {c for c in suite.columns if present.get(c) == "VARCHAR" and c not in ordered}


def _select(columns: list[str], present: dict[str, str], prefix: str = "") -> str:
    """The select list of ``columns``, text HTML-escaped (see :func:`_batches`)."""
    items = [
        f"{_html_escaped(prefix + _q(c))} AS {_q(c)}"
        if present[c] == "VARCHAR"
        else f"{prefix}{_q(c)} AS {_q(c)}"
        for c in columns
    ]
    return ", ".join(items) or "1 AS no_checked_columns"


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
