"""Extracts as report writers receive them: built by the real nightly flow from the synthetic
fixtures plus a hostile file (formula cells, Cyrillic and Albanian names, an informant's name
in the notes), then opened as Excel, openpyxl and DuckDB would open them."""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from flows.allowlists import exportable, scrubbed_json
from flows.cli import EXIT_OK, EXIT_USAGE, main
from flows.export import export as export_api
from tests.conftest import Workspace
from tests.flows.conftest import PLANTED_NAME

pytestmark = pytest.mark.usefixtures("prefect_server")

FORMULA = re.compile(r"^[=+\-@\t\r]")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$")


def spotprices(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def export(ws: Workspace, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    return spotprices("export", *args, "--marts-dir", str(ws.marts))


def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), f"{path.name} has no UTF-8 BOM"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def formula_cells(rows: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would take as a formula."""
    return [c for r in rows for c in r if FORMULA.match(c) and not PLAIN_NUMBER.match(c)]


def test_nightly_extracts_neutralise_every_formula_and_keep_names(hostile):
    extracts = sorted((hostile.marts / "extracts").glob("*.csv"))
    assert len([p for p in extracts if not p.name.endswith(".dictionary.csv")]) >= 8
    everything = []
    for path in extracts:
        rows = read_csv(path)
        assert formula_cells(rows) == [], path.name
        everything += rows
    cells = {c for r in everything for c in r}
    assert '\'=HYPERLINK("http://evil.example/x","Subotica")' in cells
    assert {"'+1+1", "'-2+3 eura", "'@SUM(A1) synthetic hostile fixture"} <= cells
    assert "Бихаћ / Bihać" in cells  # Serbian Cyrillic and Bosnian Latin intact
    assert any("Durrës" in c for c in cells)  # Albanian, inside the quarantined row's values


def test_numbers_stay_numbers_and_dates_are_iso(hostile):
    header, *rows = read_csv(hostile.marts / "extracts" / "stg_price_observations.csv")
    hx01 = dict(
        zip(header, next(r for r in rows if r[header.index("obs_id")] == "HX01"), strict=True)
    )
    assert hx01["price_point_eur"] == "2600.0" and hx01["period_start"] == "2021-03-01"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[header.index("period_start")]) for r in rows)


def test_the_planted_name_reaches_no_mart_or_extract(hostile):
    for (table,) in hostile.query("SHOW TABLES"):
        hits = hostile.query(
            f'SELECT count(*) FROM "{table}" t WHERE CAST(t AS VARCHAR) LIKE ?',
            [f"%{PLANTED_NAME}%"],
        )
        assert hits == [(0,)], table
    for path in (hostile.marts / "extracts").iterdir():
        assert PLANTED_NAME not in path.read_text(encoding="utf-8-sig"), path.name


def test_only_allow_listed_columns_leave(hostile):
    for path in (hostile.marts / "extracts").glob("*.csv"):
        header = read_csv(path)[0]
        assert not {"notes", "extra", "source_locator"} & set(header), path.name


def test_export_filters_by_leg_and_month(hostile, tmp_path):
    out = tmp_path / "rs_hu.csv"
    code, stdout, _ = export(
        hostile, tmp_path, "mart_smuggling_prices", "--leg", "RS-HU", "--since", "2020-06",
        "--until", "2020-06", "--out", str(out),
    )  # fmt: skip
    assert code == EXIT_OK, stdout
    header, *rows = read_csv(out)
    assert rows and {(r[header.index("leg")], r[header.index("period_start")]) for r in rows} == {
        ("RS->HU", "2020-06-01")
    }
    everything = hostile.query(
        "SELECT count(*) FROM mart_smuggling_prices WHERE origin_country = 'RS'"
        " AND destination_country = 'HU' AND period_start = DATE '2020-06-01'"
    )[0][0]
    assert len(rows) == everything
    provenance = json.loads((tmp_path / "rs_hu.provenance.json").read_text("utf-8"))
    assert provenance["filters"] == {"leg": "RS-HU", "since": "2020-06", "until": "2020-06"}
    assert provenance["row_count"] == len(rows)
    assert provenance["observations"] == sum(int(r[header.index("n_obs")]) for r in rows)
    run_id, built_at = hostile.query("SELECT run_id, built_at FROM build_info")[0]
    assert provenance["run_id"] == run_id and provenance["built_at"].startswith(
        f"{built_at:%Y-%m-%d}"
    )


def test_the_lineage_view_is_exported_on_request_only(hostile, tmp_path):
    assert not list((hostile.marts / "extracts").glob("mart_lineage*"))
    out = tmp_path / "lineage.parquet"
    code, stdout, _ = export(
        hostile, tmp_path, "mart_lineage", "--format", "parquet", "--out", str(out)
    )
    assert code == EXIT_OK, stdout
    with duckdb.connect() as con:
        exported = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
    assert exported == hostile.query("SELECT count(*) FROM mart_lineage")[0][0] > 0


def test_export_by_country_matches_any_country_column(hostile, tmp_path):
    out = tmp_path / "ba.csv"
    assert (
        export(hostile, tmp_path, "stg_price_observations", "--country", "ba", "--out", str(out))[0]
        == 0
    )
    header, *rows = read_csv(out)
    countries = [
        {r[header.index(c)] for c in ("origin_country", "destination_country", "location_country")}
        for r in rows
    ]
    assert len(rows) == 3 and all("BA" in c for c in countries)


def test_a_hostile_filter_value_is_a_parameter_not_sql(hostile, tmp_path):
    code, _, err = export(
        hostile, tmp_path, "mart_smuggling_prices", "--country", "RS' OR 1=1 --", "--out",
        str(tmp_path / "x.csv"),
    )  # fmt: skip
    assert code == EXIT_USAGE
    assert "matches nothing in mart_smuggling_prices; valid values: BA, BG, HR, HU, RS, TR" in err
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mart_nope"], "unknown mart 'mart_nope'; valid marts: mart_smuggling_prices"),
        (["mart_smuggling_prices", "--flow", "people"], "has no column for --flow"),
        (
            ["mart_estimates", "--columns", "obs_id,notes"],
            "unknown column(s) notes for mart_estimates",
        ),
        (["mart_drug_prices", "--leg", "RS"], "--leg 'RS': expected XX-YY"),
        (["mart_drug_prices", "--since", "2020"], "expected a month as YYYY-MM"),
        (["mart_smuggling_prices", "--leg", "HU-RS"], "valid legs: BA-HR, RS-HU, TR-BG"),
    ],
)
def test_bad_requests_name_what_would_be_valid(hostile, tmp_path, args, message):
    code, _, err = export(hostile, tmp_path, *args, "--out", str(tmp_path / "x.csv"))
    assert code == EXIT_USAGE and message in err, err


def test_xlsx_opens_with_openpyxl_and_holds_the_same_rows_as_the_csv(hostile, tmp_path):
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"prices.{fmt}"
        assert (
            export(hostile, tmp_path, "stg_price_observations", "--format", fmt, "--out", str(out))[
                0
            ]
            == 0
        )
    csv_rows = read_csv(tmp_path / "prices.csv")
    sheet = load_workbook(tmp_path / "prices.xlsx").active
    xlsx_rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    staged = hostile.query("SELECT count(*) FROM stg_price_observations")[0][0]
    assert len(xlsx_rows) == len(csv_rows) == 1 + staged
    assert xlsx_rows[0] == csv_rows[0]
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    by_id = {r[3]: r for r in xlsx_rows[1:]}
    header = xlsx_rows[0]
    assert by_id["HX01"][header.index("origin_place")].startswith("'=HYPERLINK(")
    assert by_id["HX01"][header.index("price_point_eur")] == 2600.0  # a number, not text
    assert by_id["HX01"][header.index("row_number")] == 2
    assert by_id["HX02"][header.index("origin_place")] == "Бихаћ / Bihać"


def test_parquet_keeps_types_and_allow_list(hostile, tmp_path):
    out = tmp_path / "volumes.parquet"
    assert (
        export(hostile, tmp_path, "mart_route_volumes", "--format", "parquet", "--out", str(out))[0]
        == 0
    )
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT count(*), typeof(any_value(value)) FROM read_parquet(?)", [str(out)]
        ).fetchone()
    assert rows == (hostile.query("SELECT count(*) FROM mart_route_volumes")[0][0], "DOUBLE")


def test_no_bom_option(hostile, tmp_path):
    out = tmp_path / "plain.csv"
    assert export(hostile, tmp_path, "mart_estimates", "--no-bom", "--out", str(out))[0] == 0
    assert out.read_bytes().startswith(b"obs_id,")


def header_of(ws: Workspace, table: str) -> str:
    columns = ws.query(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
        [table],
    )
    return ",".join(exportable(table, [c for (c,) in columns]))


@pytest.mark.parametrize("bom", [[], ["--no-bom"]])
def test_every_line_ends_once_and_an_empty_extract_is_its_header_alone(hostile, tmp_path, bom):
    full, empty = tmp_path / "all.csv", tmp_path / "none.csv"
    assert hostile.query("SELECT count(*) FROM mart_drug_price_gradients") == [(0,)]
    for out, table in ((full, "mart_smuggling_prices"), (empty, "mart_drug_price_gradients")):
        assert export(hostile, tmp_path, table, "--out", str(out), *bom)[0] == EXIT_OK
    start = b"" if bom else b"\xef\xbb\xbf"
    assert (
        empty.read_bytes()
        == start + header_of(hostile, "mart_drug_price_gradients").encode() + b"\n"
    )
    expected_header = header_of(hostile, "mart_smuggling_prices")
    lines = full.read_bytes().removeprefix(start).split(b"\n")
    assert lines[0] == expected_header.encode() and lines[-1] == b""  # ends with one newline
    rows = hostile.query("SELECT count(*) FROM mart_smuggling_prices")[0][0]
    assert len(lines) == rows + 2 and b"" not in lines[1:-1]


def test_the_dictionary_gives_meaning_and_unit_from_the_duckdb_comments(hostile):
    extracts = hostile.marts / "extracts"
    header, *rows = read_csv(extracts / "mart_smuggling_prices.dictionary.csv")
    assert header == ["column", "type", "meaning", "unit"]
    comments = dict(
        hostile.query(
            "SELECT column_name, comment FROM duckdb_columns()"
            " WHERE table_name = 'mart_smuggling_prices'"
        )
    )
    assert [r[0] for r in rows] == read_csv(extracts / "mart_smuggling_prices.csv")[0]
    assert all(r[2] == comments[r[0]] and r[2] for r in rows)
    units = {r[0]: r[3] for r in rows}
    assert units["median_eur"].startswith("EUR") and units["n_obs"] == "count"
    assert units["period_start"].startswith("date (ISO 8601")


def test_a_json_column_leaves_without_a_never_exported_key_whatever_the_model_put_in_it():
    """The second lock: quarantine_rows leaves notes out of raw_values, and should a model
    put one in, the export takes it out (only such an object is rewritten, its values as
    text); an object without one leaves as it is."""
    objects = [
        {"obs_id": "A1", "notes": f"met {PLANTED_NAME}", "row_number": 7, "price": None},
        {"obs_id": "A2", "row_number": "8", "price": "1.500"},
    ]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (j JSON)")
        con.executemany("INSERT INTO t VALUES (?)", [[json.dumps(o)] for o in objects])
        rows = con.execute(f"SELECT {scrubbed_json('j')} FROM t ORDER BY rowid").fetchall()
    exported = [json.loads(j) for (j,) in rows]
    assert exported == [
        {"obs_id": "A1", "row_number": "7", "price": None},
        {"obs_id": "A2", "row_number": "8", "price": "1.500"},
    ]


def test_quarantined_raw_values_leave_without_the_source_locator(hostile, tmp_path):
    # The hostile row HX03 fails its contract; its raw source_locator names an interviewee.
    assert hostile.query(
        "SELECT count(*) FROM quarantine_rows WHERE obs_id = 'HX03'"
        " AND raw_values->>'source_locator' IS NULL"
        " AND raw_values->>'destination_place' IS NOT NULL"
    ) == [(1,)]
    for fmt in ("csv", "xlsx", "parquet"):
        out = tmp_path / f"q.{fmt}"
        assert (
            export(hostile, tmp_path, "quarantine_rows", "--format", fmt, "--out", str(out))[0] == 0
        )
        with duckdb.connect() as con:
            if fmt == "parquet":
                text = str(con.execute("SELECT * FROM read_parquet(?)", [str(out)]).fetchall())
            elif fmt == "xlsx":
                text = str(list(load_workbook(out).active.iter_rows(values_only=True)))
            else:
                text = out.read_text("utf-8-sig")
        assert "Ana Anić" not in text and "source_locator" not in text, fmt
        assert "Durrës" in text and "price_point_is_number" in text, fmt


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_file_name_with_an_apostrophe_is_written(hostile, tmp_path, fmt):
    out = tmp_path / "O'Brien exports" / f"Ana's RS-HU.{fmt}"
    code, _, err = export(
        hostile, tmp_path, "mart_smuggling_prices", "--format", fmt, "--out", str(out)
    )
    assert code == EXIT_OK, err
    rows = hostile.query("SELECT count(*) FROM mart_smuggling_prices")[0][0]
    provenance = json.loads((out.parent / "Ana's RS-HU.provenance.json").read_text("utf-8"))
    assert provenance["row_count"] == rows > 0 and provenance["bytes"] == out.stat().st_size
    if fmt == "parquet":
        with duckdb.connect() as con:
            assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(out)]).fetchone() == (
                rows,
            )
    assert {p.name for p in out.parent.iterdir()} == {
        f"Ana's RS-HU.{fmt}", "Ana's RS-HU.dictionary.csv", "Ana's RS-HU.provenance.json"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "2030-01"],
            "no row of mart_smuggling_prices matches --since 2030-01; its period_start runs"
            " from 2020-01 to 2021-04; nothing written",
        ),
        (
            ["--leg", "RS-HU", "--until", "2019-12"],
            "no row of mart_smuggling_prices matches --leg RS-HU --until 2019-12; its"
            " period_start runs from 2020-01 to 2021-04; nothing written",
        ),
        (
            ["--since", "2021-01", "--until", "2020-01"],
            "--since 2021-01 is after --until 2020-01: no month is in that period",
        ),
    ],
)
def test_a_period_that_matches_nothing_is_refused_and_keeps_the_previous_file(
    hostile, tmp_path, args, message
):
    out = tmp_path / "rs_hu.csv"
    code, _, err = export(hostile, tmp_path, "mart_smuggling_prices", "--out", str(out))
    assert code == EXIT_OK, err
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    code, stdout, err = export(hostile, tmp_path, "mart_smuggling_prices", *args, "--out", str(out))
    assert (code, stdout) == (EXIT_USAGE, "")
    assert err == f"spotprices export: {message}\n"
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_out_naming_a_folder_writes_the_mart_into_it(hostile, tmp_path, fmt):
    folder = tmp_path / "for Ana"
    folder.mkdir()
    code, stdout, err = export(
        hostile, tmp_path, "mart_estimates", "--format", fmt, "--out", str(folder)
    )
    assert code == EXIT_OK, err
    assert stdout.endswith(f" -> {folder / f'mart_estimates.{fmt}'}\n")
    assert {p.name for p in folder.iterdir()} == {
        f"mart_estimates.{fmt}", "mart_estimates.dictionary.csv", "mart_estimates.provenance.json"
    }  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == {"for Ana"}  # no hidden partial beside it


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_write_that_fails_leaves_no_partial_file(hostile, tmp_path, fmt):
    """Through the API, where a folder is not taken for a file name: the swap fails, and the
    file written aside is removed."""
    target = tmp_path / f"taken.{fmt}"
    (target / "inside").mkdir(parents=True)
    with duckdb.connect(str(hostile.db), read_only=True) as con, pytest.raises(OSError):
        export_api(con, "mart_estimates", target, fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"taken.{fmt}"]
    assert [p.name for p in target.iterdir()] == ["inside"]
