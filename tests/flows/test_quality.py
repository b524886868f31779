"""The quality gates for real: Great Expectations on a marts file the pipeline built from the
small fixtures, and on copies of it tampered with through DuckDB the way a broken build or
a strange source would leave them."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.quality import QualityGateFailed, check_build
from schemas.expectations import SUITES
from tests.conftest import FIXTURES, Workspace

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_server) -> Path:
    """The marts file of one pipeline run on the fixtures, shared by the module: read only.

    Besides the CSV fixtures, a workbook with an estimate on row 2 of each of two sheets: row
    numbers repeat across sheets, so the sheet is part of every input-row grain.
    """
    root = tmp_path_factory.mktemp("quality")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        ws.add(path, path.parent.name)
    notes = pd.read_csv(FIXTURES / "raw" / "prices" / "field_notes_2020.csv", dtype=str)
    estimate = notes[notes["obs_id"] == "FN008"].drop(columns="notes")
    with pd.ExcelWriter(ws.raw / "prices" / "estimates.xlsx") as writer:
        estimate.assign(obs_id="WB001").to_excel(writer, sheet_name="Serbia", index=False)
        estimate.assign(obs_id="WB002").to_excel(writer, sheet_name="Bosnia", index=False)
    ws.run()
    return ws.db


def tampered(published: Path, tmp_path: Path, *statements: str, name="build.duckdb") -> Path:
    """A copy of the published file with ``statements`` applied: a build gone wrong."""
    copy = tmp_path / name
    shutil.copyfile(published, copy)
    with duckdb.connect(str(copy)) as con:
        for statement in statements:
            con.execute(statement)
    return copy


#: Breakages a build can come with, each with the blocking expectations it must fail: one
#: tampered build holds them all, so each must be found among the others.
BREAKAGES = {
    "duplicated grain row": (
        "INSERT INTO mart_smuggling_prices SELECT * FROM mart_smuggling_prices LIMIT 1",
        ("mart_smuggling_prices", "expect_compound_columns_to_be_unique",
         "leg, origin_country, origin_place, destination_country, destination_place,"
         " commodity, unit, period_start, period_end"),
    ),
    "null key": (
        "UPDATE mart_route_volumes SET metric = NULL WHERE figure_status = 'revised'",
        ("mart_route_volumes", "expect_column_values_to_not_be_null", "metric"),
    ),
    "counts do not reconcile": (
        "UPDATE ingest_files SET reconciles = false WHERE file_path LIKE '%field_notes%'",
        ("ingest_files", "expect_column_values_to_be_in_set", "reconciles"),
    ),
    "unknown value, hostile text": (
        "UPDATE mart_route_volumes SET figure_status = '<script>alert(1)</script>'"
        " WHERE figure_status = 'preliminary'",
        ("mart_route_volumes", "expect_column_values_to_be_in_set", "figure_status"),
    ),
    "more sources than observations": (
        "UPDATE mart_drug_prices SET n_sources = n_obs + 1 WHERE drug = 'heroin'",
        ("mart_drug_prices", "expect_column_pair_values_a_to_be_greater_than_b",
         "n_sources <= n_obs"),
    ),
    "score off its scale": (
        "UPDATE dim_country_context SET criminality = 11 WHERE country = 'RS'",
        ("dim_country_context", "expect_column_values_to_be_between", "criminality"),
    ),
    "missing table": (
        "DROP TABLE mart_estimates",
        ("mart_estimates", "expect_table_to_exist", "table"),
    ),
    "renamed column": (
        "ALTER TABLE stg_route_observations RENAME COLUMN value TO amount",
        ("stg_route_observations", "expect_column_values_to_not_be_null", "value"),
        ("stg_route_observations", "expect_column_values_to_be_between", "value"),
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def blocked(published, tmp_path_factory) -> tuple[QualityGateFailed, Path]:
    """The error and the Data Docs of checking a build with every breakage above."""
    tmp = tmp_path_factory.mktemp("blocked")
    build = tampered(published, tmp, *(statement for statement, *_ in BREAKAGES.values()))
    docs = tmp / "data_docs"
    with pytest.raises(QualityGateFailed) as raised:
        check_build(build, published, docs)
    return raised.value, docs


@pytest.fixture(scope="module")
def warned(published, tmp_path_factory):
    """The report on a build with implausible prices and a table much smaller than before."""
    tmp = tmp_path_factory.mktemp("warned")
    build = tampered(
        published, tmp,
        "UPDATE mart_smuggling_prices SET max_high_eur = 9999999 WHERE origin_place = 'Subotica'",
        # EUR 30,000 is a plausible kilogram of cannabis, not a plausible gram of heroin.
        "UPDATE mart_drug_prices SET median_eur = 30000, max_eur = 30000",
    )  # fmt: skip
    before = tampered(
        published, tmp,
        "INSERT INTO stg_route_observations SELECT s.* FROM stg_route_observations AS s,"
        " range(20)",
        name="published.duckdb",
    )  # fmt: skip
    return check_build(build, before, tmp / "data_docs")


def test_a_clean_build_passes_every_suite_and_documents_it(published, tmp_path):
    docs = tmp_path / "data_docs"
    (tmp_path / ".data_docs.left_by_a_killed_run").mkdir()
    report = check_build(tampered(published, tmp_path), published, docs)
    assert report.failed_blocking == [] and report.warnings == []
    assert report.passed == len(report.outcomes) > 100 and report.failed == 0
    assert set(report.tables) == set(SUITES)
    # Compared with the published build, every table's row count is a checked expectation.
    row_counts = [o for o in report.outcomes if o.expectation.startswith("expect_table_row")]
    assert {o.table for o in row_counts} == set(SUITES)
    assert report.notes == []
    assert report.data_docs == docs / "index.html"
    index = report.data_docs.read_text(encoding="utf-8")
    assert "PASSED" in index and "<script" not in index  # no scripts: it reads offline
    for table in SUITES:
        assert f'id="{table}"' in index
        assert list((docs / "validations" / table).rglob("*.html")), table
        assert (docs / "expectations" / f"{table}.html").exists()
    assert (docs / "gx_index.html").exists()
    # The site was built aside and swapped in; what a killed run left aside is gone.
    assert not list(tmp_path.glob(".data_docs*"))


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_a_blocking_failure_raises_naming_the_expectation_and_the_table(blocked, breakage):
    error, docs = blocked
    _, *expected = BREAKAGES[breakage]
    failed = {(o.table, o.expectation, o.target) for o in error.report.failed_blocking}
    index = (docs / "index.html").read_text(encoding="utf-8")
    for table, expectation, columns in expected:
        assert (table, expectation, columns) in failed
        assert f"{table}: {expectation} ({columns}:" in str(error)
        # The docs were written before the error, so a person can read why.
        assert f'href="#{table}"' in index
    assert "BLOCKED" in index


def test_only_the_broken_checks_fail(blocked):
    error, docs = blocked
    expected = {failure for _, *failures in BREAKAGES.values() for failure in failures}
    assert {(o.table, o.expectation, o.target) for o in error.report.failed_blocking} == expected
    assert error.report.warnings == []
    assert str(error).startswith(f"{len(expected)} blocking expectation(s) failed")
    assert str(error).endswith(f"Data Docs: {docs / 'index.html'}")
    reconciles = next(o for o in error.report.failed_blocking if o.table == "ingest_files")
    assert reconciles.unexpected_count == 1 and reconciles.observed == (
        "1 of 3 rows unexpected, e.g. reconciles=False at file_path=prices/field_notes_2020.csv"
    )
    assert reconciles.observed in str(error)  # the message says which file


def test_the_error_survives_pickling_with_its_report(blocked):
    error, _ = blocked
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and copy.report.failed_blocking == error.report.failed_blocking


def test_hostile_values_are_escaped_in_the_docs(blocked):
    error, docs = blocked
    (status,) = [o for o in error.report.failed_blocking if o.target == "figure_status"]
    assert "<script>alert(1)</script>" in status.observed
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script" not in index
    (page,) = (docs / "validations" / "mart_route_volumes").rglob("*.html")
    assert "<script>alert(1)" not in page.read_text(encoding="utf-8")


def test_an_implausible_price_warns_but_does_not_block(warned):
    assert warned.failed_blocking == []
    (warning,) = [o for o in warned.warnings if o.table == "mart_smuggling_prices"]
    assert warning.expectation == "expect_column_values_to_be_between"
    assert warning.target == "max_high_eur where unit = per_person"
    assert "9999999" in warning.observed and warning.result == "warning"
    assert "| warning | mart_smuggling_prices |" in warned.markdown()
    rows = warned.table_rows()
    assert len(rows) == len(warned.outcomes)
    assert {r["on_failure"] for r in rows if r["result"] == "warning"} == {"warn"}


def test_drug_price_bounds_depend_on_the_unit(warned):
    assert {o.target for o in warned.warnings if o.table == "mart_drug_prices"} == {
        "median_eur where price_unit = per_gram", "max_eur where price_unit = per_gram",
    }  # fmt: skip


def test_a_table_much_smaller_than_in_the_last_build_warns(warned):
    (warning,) = [o for o in warned.warnings if o.table == "stg_route_observations"]
    assert warning.expectation == "expect_table_row_count_to_be_between"
    assert warning.observed == "3"  # against 63 rows published
    assert len(warned.warnings) == 4


def test_the_first_build_replaces_old_docs_and_compares_no_row_counts(published, blocked, tmp_path):
    docs = tmp_path / "data_docs"
    shutil.copytree(blocked[1], docs)
    report = check_build(tampered(published, tmp_path), None, docs)
    assert not [o for o in report.outcomes if o.expectation.startswith("expect_table_row")]
    assert report.notes == ["row counts not compared: no published build yet"]
    assert "no published build yet" in report.markdown()
    index = (docs / "index.html").read_text(encoding="utf-8")
    assert "PASSED" in index and "BLOCKED" not in index
    assert len(list((docs / "validations").rglob("*.html"))) == len(SUITES)


def test_estimates_on_the_same_row_of_two_sheets_are_two_rows(published):
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            "SELECT sheet, row_number FROM mart_estimates WHERE obs_id LIKE 'WB%' ORDER BY sheet"
        ).fetchall()
    assert rows == [("Bosnia", 2), ("Serbia", 2)]  # and the clean build passes its grain check


# Batches: a table is validated a few rows at a time, as a large build is (BATCH_ROWS), and the
# outcome is the one on the whole table.


def outcomes(report) -> list[tuple]:
    return [
        (o.table, o.expectation, o.target, o.success, o.observed, o.unexpected_count)
        for o in report.outcomes
    ]


def test_checked_in_batches_a_broken_build_has_the_outcome_it_has_whole(
    blocked, published, tmp_path
):
    whole, _ = blocked
    build = tampered(published, tmp_path, *(statement for statement, *_ in BREAKAGES.values()))
    with pytest.raises(QualityGateFailed) as raised:
        check_build(build, published, tmp_path / "data_docs", batch_rows=2)
    assert outcomes(raised.value.report) == outcomes(whole.report)
    assert str(raised.value).replace(str(tmp_path), "") == str(whole).replace(
        str(whole.report.data_docs.parent.parent), ""
    )


def test_checked_in_batches_a_clean_build_passes_and_documents_each_table_once(published, tmp_path):
    docs = tmp_path / "data_docs"
    report = check_build(tampered(published, tmp_path), published, docs, batch_rows=3)
    assert report.failed == 0 and set(report.tables) == set(SUITES)
    for table in SUITES:  # one merged validation result per table, not one per batch
        assert len(list((docs / "validations" / table).rglob("*.html"))) == 1, table


def test_a_duplicate_grain_split_across_batches_is_caught(published, tmp_path):
    """The first row copied to the end of the table: a whole-table duplicate, though no batch
    holds both copies."""
    build = tampered(
        published, tmp_path,
        "INSERT INTO stg_price_observations SELECT * FROM stg_price_observations LIMIT 1",
        "INSERT INTO ingest_files SELECT * FROM ingest_files LIMIT 1",
    )  # fmt: skip
    with duckdb.connect(str(build), read_only=True) as con:
        rows, first, last = con.execute(
            "SELECT count(*), min(rowid), max(rowid) FROM stg_price_observations"
            " WHERE (file_path, sheet, row_number)"
            " = (SELECT (file_path, sheet, row_number) FROM stg_price_observations LIMIT 1)"
        ).fetchone()
    batch_rows = 4
    assert rows == 2 and first // batch_rows != last // batch_rows  # in two batches
    with pytest.raises(QualityGateFailed) as raised:
        check_build(build, published, tmp_path / "data_docs", batch_rows=batch_rows)
    failed = {(o.table, o.expectation): o for o in raised.value.report.failed_blocking}
    assert set(failed) == {
        ("stg_price_observations", "expect_compound_columns_to_be_unique"),
        ("ingest_files", "expect_column_values_to_be_unique"),
    }
    staged = failed["stg_price_observations", "expect_compound_columns_to_be_unique"]
    assert staged.unexpected_count == 2
    assert staged.observed.startswith(f"2 of {last + 1} rows unexpected, e.g. file_path=")
    files = failed["ingest_files", "expect_column_values_to_be_unique"]
    assert files.unexpected_count == 2 and files.observed.startswith("2 of 4 rows unexpected")


def test_unexpected_counts_are_summed_across_batches(published, tmp_path):
    build = tampered(
        published, tmp_path, "UPDATE dim_country_context SET criminality = 11 WHERE rowid % 3 = 1"
    )
    with duckdb.connect(str(build), read_only=True) as con:
        broken, total = con.execute(
            "SELECT count(*) FILTER (WHERE criminality > 10), count(*) FROM dim_country_context"
        ).fetchone()
        first = con.execute(
            "SELECT country, edition FROM dim_country_context WHERE criminality > 10"
            " ORDER BY rowid LIMIT 3"
        ).fetchall()
    assert broken >= 10  # spread over ten batches of 2 rows and more
    with pytest.raises(QualityGateFailed) as raised:
        check_build(build, published, tmp_path / "data_docs", batch_rows=2)
    (score,) = raised.value.report.failed_blocking
    assert (score.table, score.target) == ("dim_country_context", "criminality")
    assert score.unexpected_count == broken
    assert score.observed.startswith(f"{broken} of {total} rows unexpected, e.g. criminality=11")
    # The examples are the first broken rows of the table, as GX quotes them on the whole table.
    assert score.observed.endswith(
        "; ".join(f"criminality=11.0 at country={c}, edition={e}" for c, e in first)
    )


def checked(build: Path, before: Path, docs: Path, **options):
    """The report of checking ``build``, whether or not it passed."""
    try:
        return check_build(build, before, docs, **options)
    except QualityGateFailed as failed:
        return failed.report


def test_after_files_are_only_added_the_observations_are_checked_on_their_rows_alone(
    published, tmp_path
):
    """A build that only adds a file to the live one has only that file's staged rows
    validated, merged with the live build's results, and gets the outcomes a check of every
    row gives: counts, examples and verdicts, with broken rows before and in the new file."""
    from flows.build import incremental_models, stamp_build
    from flows.config import settings_from

    broken = "UPDATE stg_price_observations SET price_point_eur = -5 WHERE rowid % 3 = 0"
    live = tampered(published, tmp_path, broken, name="live.duckdb")
    stamp_build(live, "live", {}, checked(live, published, tmp_path / "docs").table_rows())
    added = "prices/added_2021.csv"
    build = tampered(
        live, tmp_path,
        f"INSERT INTO stg_price_observations SELECT * REPLACE ('{added}' AS file_path)"
        " FROM stg_price_observations WHERE rowid < 6",
    )  # fmt: skip
    by_file = incremental_models(settings_from().sql_dir)
    merged = checked(build, live, tmp_path / "a", added_files=[added], by_file=by_file)
    whole = checked(build, live, tmp_path / "b")
    assert outcomes(merged) == outcomes(whole)
    (negative,) = [
        o for o in merged.outcomes
        if (o.table, o.target) == ("stg_price_observations", "price_point_eur")
    ]  # fmt: skip
    with duckdb.connect(str(build), read_only=True) as con:
        (below_zero,) = con.execute(
            "SELECT count(*) FROM stg_price_observations WHERE price_point_eur < 0"
        ).fetchone()
        (new_below_zero,) = con.execute(
            "SELECT count(*) FROM stg_price_observations"
            " WHERE price_point_eur < 0 AND file_path = ?",
            [added],
        ).fetchone()
    assert negative.unexpected_count == below_zero and new_below_zero > 0
    assert (
        "stg_price_observations: only the rows of 1 added file validated again,"
        " merged with the published build's results" in merged.notes
    )
    assert not any("only the rows" in note for note in whole.notes)


@pytest.mark.parametrize("live_repeat", [False, True], ids=["clean live", "repeat in live"])
def test_after_files_are_only_added_a_repeated_row_is_found_as_in_the_whole_table(
    published, tmp_path, live_repeat
):
    """A row's grain (file, sheet, row) repeats only within one file, so after a run that only
    added files to a live build without repeats, only the added rows are searched for them;
    the outcome is that of the whole table: a repeat in the added file is caught, and one the
    live build already had (a build that failed) is still reported with it."""
    from flows.build import incremental_models, stamp_build
    from flows.config import settings_from

    repeat = "INSERT INTO stg_price_observations SELECT * FROM stg_price_observations LIMIT 1"
    live = tampered(published, tmp_path, *([repeat] if live_repeat else []), name="live.duckdb")
    stamp_build(live, "live", {}, checked(live, published, tmp_path / "docs").table_rows())
    added = "prices/added_2021.csv"
    rows = "INSERT INTO stg_price_observations SELECT * REPLACE ('{}' AS file_path) FROM {}"
    build = tampered(
        live, tmp_path,
        rows.format(added, "stg_price_observations WHERE rowid IN (1, 2, 3)"),
        rows.format(added, "stg_price_observations WHERE rowid = 3"),  # row 3 twice
    )  # fmt: skip
    by_file = incremental_models(settings_from().sql_dir)
    merged = checked(build, live, tmp_path / "a", added_files=[added], by_file=by_file)
    whole = checked(build, live, tmp_path / "b")
    assert outcomes(merged) == outcomes(whole)
    grain = ("stg_price_observations", "expect_compound_columns_to_be_unique")
    (unique,) = [o for o in merged.outcomes if (o.table, o.expectation) == grain]
    assert unique.unexpected_count == (4 if live_repeat else 2)
    assert added in unique.observed and not unique.success


def test_every_check_is_judged_row_by_row():
    """Batches are exact only for expectations with a verdict per row (GX's map expectations)
    and without ``mostly``; the row count and uniqueness are judged in DuckDB instead."""
    from great_expectations import expectations as gxe
    from great_expectations.expectations.expectation import (
        ColumnMapExpectation,
        ColumnPairMapExpectation,
        MulticolumnMapExpectation,
    )

    per_row = (ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation)
    for suite in SUITES.values():
        for check in suite.checks:
            assert issubclass(getattr(gxe, check.expectation), per_row), check
            assert "mostly" not in check.kwargs, check


def test_batches_hold_exactly_batch_rows_rows_in_the_tables_order(tmp_path):
    """DuckDB hands Arrow out in pieces of a row group or less; the check gathers them."""
    from flows.quality import BATCH_ROWS, _batches, _table_columns

    rows = BATCH_ROWS + 150_000  # three row groups of DuckDB's 122,880 rows
    with duckdb.connect(str(tmp_path / "big.duckdb")) as con:
        con.execute(
            "CREATE TABLE unresolved_places AS SELECT 'place ' || i AS place_as_written,"
            f" i + 1 AS n_rows FROM range({rows}) AS t(i)"
        )
        present = _table_columns(con)["unresolved_places"]
        frames = list(
            _batches(con, "unresolved_places", SUITES["unresolved_places"], present, BATCH_ROWS)
        )
    assert [len(f) for f in frames] == [BATCH_ROWS, 150_000]
    assert [f.index[0] for f in frames] == [0, BATCH_ROWS]  # positions in the whole table
    assert [f["n_rows"].iloc[0] for f in frames] == [1, BATCH_ROWS + 1]


def test_merged_and_whole_table_results_are_the_ones_gx_gives_on_the_whole_table(tmp_path):
    """GX's own result dicts, not only the outcomes: each check on a 10-row table validated
    whole by GX, against the same checks on batches of 4 rows merged (map expectations) or
    judged by DuckDB (uniqueness), with broken rows in every batch."""
    from flows import quality
    from schemas.expectations import Suite, at_most, between, grain_unique, not_null, one_of

    checks = (
        *not_null("s"),
        between("v", 0, 10, "in range", when=("unit", "g")),
        one_of("s", ("a", "b")),
        at_most("lo", "hi"),
        grain_unique("k", "s"),
        grain_unique("k"),
    )
    suite = Suite("t", ("k",), checks)
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        validate = _ten_broken_rows(con, suite, tmp_path)
        present = quality._table_columns(con)["t"]
        whole = validate(quality._batches(con, "t", suite, present, 100))
        batched = validate(quality._batches(con, "t", suite, present, 4))
        for number, check in enumerate(checks):
            (expected,) = whole[number]
            if check.expectation in quality.UNIQUE:
                got = quality._whole_table_result(con, "t", check, present, 10, ["k"])
            else:
                assert len(batched[number]) == 3
                got = quality._merged(batched[number])
            assert got.success == expected.success is False, check
            assert plain(got.result) == plain(expected.result), check


def test_text_reaches_gx_as_categories_with_the_results_of_plain_text(tmp_path):
    """Text that the checks only compare for equality is handed to GX as categoricals (they
    are cheaper to filter); each check gives the result GX gives on the same rows as plain
    text, broken values, empty ones and the ``when`` condition included. A column compared
    by order stays text."""
    from flows import quality
    from schemas.expectations import Suite, at_most, between, grain_unique, not_null, one_of

    checks = (
        *not_null("s", "k"),
        one_of("s", ("a", "b")),
        one_of("unit", ("g", "kg")),
        between("v", 0, 10, "in range", when=("unit", "g")),
        at_most("lo", "hi"),
        grain_unique("k", "s"),
    )
    suite = Suite("t", ("k", "s"), checks)
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        validate = _ten_broken_rows(con, suite, tmp_path)
        present = quality._table_columns(con)["t"]
        (frame,) = quality._batches(con, "t", suite, present, 100)
    categories = {c: frame[c].cat.categories.dtype for c in frame if frame[c].dtype == "category"}
    assert set(categories) == {"s", "unit"}
    by_order = Suite("t", ("k",), (at_most("s", "unit"),))
    assert quality._categorical_columns(by_order, present) == set()
    text = frame.astype(categories)  # the same frame with the text as it came from DuckDB
    assert text["s"][3] == "&lt;x&gt;" and pd.isna(text["s"][5])
    categorical, plain_text = validate([frame]), validate([text])
    for number, check in enumerate(checks):
        ((got,), (expected,)) = categorical[number], plain_text[number]
        assert got.success == expected.success, check
        assert plain(got.result) == plain(expected.result), check
    failed = [check for number, check in enumerate(checks) if not categorical[number][0].success]
    assert failed == [check for check in checks if check.kwargs.get("column") != "unit"]


def _ten_broken_rows(con: duckdb.DuckDBPyConnection, suite, tmp_path: Path):
    """Create table ``t`` (10 rows, each check of the tests above broken in some of them) and
    return a function that validates frames of it with ``suite``'s checks as the check does,
    giving GX's results per check number."""
    from flows import quality

    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES"
        " (1, 'a', 1.0, 'g', 1.0, 2.0), (2, 'b', 20.0, 'g', 5.0, 4.0),"
        " (3, 'a', 5.0, 'kg', 1.0, 2.0), (4, '<x>', -1.0, 'g', 1.0, 2.0),"
        " (1, 'a', 3.0, 'g', NULL, 1.0), (5, NULL, 50.0, 'g', 3.0, NULL),"
        " (6, 'b', 2.0, 'kg', 1.0, 2.0), (NULL, 'a', 2.0, 'g', 1.0, 2.0),"
        " (2, 'c', 11.0, 'g', 9.0, 8.0), (NULL, 'a', 4.0, 'g', 1.0, 2.0)"
        ") AS v(k, s, v, unit, lo, hi)"
    )
    gx = quality._import_great_expectations()
    context = quality._context(gx, tmp_path / "site")
    asset = context.data_sources.get("build").add_dataframe_asset("t")
    definition = asset.add_batch_definition_whole_dataframe("whole")
    result_format = quality._result_format(list(suite.grain))

    def validate(frames) -> dict[int, list]:
        results: dict[int, list] = {}
        for frame in frames:
            expectations = [quality._expectation(gx, c, n) for n, c in enumerate(suite.checks)]
            batch = definition.get_batch(batch_parameters={"dataframe": frame})
            validated = batch.validate(
                gx.ExpectationSuite(name="t", expectations=expectations),
                result_format=result_format,
            )
            for item in validated.results:
                results.setdefault(item.expectation_config.meta["check"], []).append(item)
        return results

    return validate


def plain(value):
    """A result as plain data: numbers as floats (an integer column with an empty value reads
    as floats in the batches holding it, as ints in the others), empty values as None."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool | str):
        return value
    try:
        return float(value)
    except TypeError:
        return str(value)
