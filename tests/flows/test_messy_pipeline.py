"""Messy files end to end: every encoding, dialect and format goes through the nightly flow
without hand-editing, what cannot be understood is quarantined with a reason, unreadable files
are recorded as failed, and for every file rows read = rows staged + rows quarantined."""

from __future__ import annotations

import datetime as dt
import json
import time

import duckdb
import openpyxl
import pytest

from flows.config import settings_from
from flows.discover import RACY_SECONDS, FileItem, file_hash, hash_with_signature
from flows.ingest import ingest_file
from tests.conftest import FIXTURES
from tests.flows.conftest import PRICE_HEADER, price_row, smuggling_csv, title_block_workbook

MESSY = FIXTURES / "messy"


@pytest.fixture
def messy_workspace(workspace):
    for path in sorted(MESSY.iterdir()):
        workspace.add(path, "prices")
    return workspace


@pytest.mark.usefixtures("prefect_server")
def test_messy_files_are_read_staged_or_quarantined_and_reconcile(messy_workspace):
    ws = messy_workspace
    (ws.raw / "prices" / "empty.csv").write_bytes(b"")
    (ws.raw / "prices" / "header_only.csv").write_text("obs_id,flow,price\n", encoding="utf-8")
    whole = (MESSY / "prices_workbook.xlsx").read_bytes()
    (ws.raw / "prices" / "cut.xlsx").write_bytes(whole[: len(whole) // 2])
    summary = ws.run()
    assert sorted(summary.failed_files) == [
        "prices/cut.xlsx", "prices/empty.csv", "prices/header_only.csv",
    ]  # fmt: skip
    assert "damaged" in summary.failed_files["prices/cut.xlsx"]
    assert "no rows" in summary.failed_files["prices/header_only.csv"]
    assert summary.rows_read == summary.rows_staged + summary.rows_quarantined == 20
    assert ws.query("SELECT bool_and(reconciles) FROM ingest_files") == [(True,)]
    encodings = dict(ws.query("SELECT file_path, encoding FROM ingest_files"))
    assert {name.split("/")[1]: enc for name, enc in encodings.items() if "prices_" in name} == {
        "prices_cp1250_semicolon.csv": "cp1250",
        "prices_cp1251_tab.tsv": "cp1251",
        "prices_cp1252_pipe.csv": "cp1252",
        "prices_utf16.txt": "utf-16",
        "prices_utf8_bom.csv": "utf-8-sig",
        "prices_scraper.jsonl": "utf-8",
        "prices_scraper_array.json": "utf-8",
        "prices_workbook.xlsx": None,
    }
    ((layout,),) = ws.query(
        "SELECT layout FROM ingest_files WHERE file_path = 'prices/prices_cp1250_semicolon.csv'"
    )
    assert "delimiter ';'" in layout and "decimal mark ','" in layout and "day first" in layout


@pytest.mark.usefixtures("prefect_server")
def test_text_prices_local_currencies_and_periods_reach_the_marts(messy_workspace):
    ws = messy_workspace
    ws.run()
    staged = {
        (obs, sheet): rest
        for obs, sheet, *rest in ws.query(
            "SELECT obs_id, sheet, price_low, price_high, price_point, currency, period_start,"
            " period_end, period_precision FROM stg_price_observations"
        )
    }
    # "od 2.000 do 2.500 KM" on 15.07.2020 in a Windows-1250, semicolon, decimal-comma file
    assert staged[("B1", "")] == [
        2000,
        2500,
        None,
        "BAM",
        dt.date(2020, 7, 15),
        dt.date(2020, 7, 15),
        "day",
    ]
    # "do 4000 €" in Q3 2020: a high bound only, the currency from the text
    assert staged[("B3", "")] == [
        None,
        4000,
        None,
        "EUR",
        dt.date(2020, 7, 1),
        dt.date(2020, 9, 30),
        "quarter",
    ]  # noqa: E501
    # "3.000,50" dinars in a Cyrillic month, "новембар 2019"
    assert staged[("C1", "")][2:6] == [2500, "RSD", dt.date(2019, 11, 1), dt.date(2019, 11, 30)]
    assert staged[("C2", "")][2] == 3000.5
    # "~700 ден" in a UTF-16 file
    assert staged[("M1", "")][2:4] == [700, "MKD"]
    # Excel: a date cell and a serial number, on the sheet they came from
    assert staged[("X1", "Bihać 2020")][4] == dt.date(2020, 5, 1)
    assert staged[("X2", "Bihać 2020")][2:5] == [2500, "BAM", dt.date(2020, 6, 1)]
    assert ("X3", "Subotica") in staged
    # JSON: nested price object, a year given as a number
    assert staged[("J1", "")][:4] == [1800, 2200, None, "EUR"]


@pytest.mark.usefixtures("prefect_server")
def test_currency_in_the_text_disagreeing_with_the_column_is_quarantined(messy_workspace):
    ws = messy_workspace
    ws.run()
    ((row_number, rules, reasons, price),) = ws.query(
        "SELECT row_number, rules, reasons, raw_values->>'price' FROM quarantine_rows"
        " WHERE obs_id = 'B4'"
    )
    assert (row_number, rules, price) == (6, ["currency_matches_price_text"], "3.000 $")
    # The rule's sentence alone: no helper column of the model is named to a reader.
    assert reasons.endswith("match the currency column (USD in the price text, EUR in currency)")


@pytest.mark.usefixtures("prefect_server")
def test_a_price_header_naming_its_currency_stages_its_prices_in_it_and_in_euros(workspace):
    # Cijena (KM) was an unknown column: every row was quarantined as price_given.
    ws = workspace
    rows = [
        {"obs_id": "K1", "price": "1500", "notes": "informant SECRET-K1"},
        {"obs_id": "K2", "price": "od 1.000 do 2.000"},
        {"obs_id": "K3", "price": "1500 EUR"},  # a second currency in the cell
        {"obs_id": "K4", "price": "1500", "currency": "EUR"},  # another in the currency column
    ]
    headers = {"price": "Cijena (KM)", "notes": "Napomena EUR"}
    (ws.raw / "prices" / "km.csv").write_text(
        smuggling_csv(*rows, headers=headers), encoding="utf-8"
    )
    summary = ws.run()
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (4, 2, 2)
    # 1 EUR = 1.95583 BAM (the currency board's peg, data/reference/fx_rates.csv)
    assert ws.query(
        "SELECT obs_id, currency, price_point, round(price_point_eur, 2),"
        " round(price_low_eur, 2), round(price_high_eur, 2)"
        " FROM stg_price_observations ORDER BY obs_id"
    ) == [("K1", "BAM", 1500, 766.94, None, None), ("K2", "BAM", None, None, 511.29, 1022.58)]
    quarantined = ws.query("SELECT obs_id, rules, reasons FROM quarantine_rows ORDER BY obs_id")
    assert [(obs, rules) for obs, rules, _ in quarantined] == [
        ("K3", ["currency_matches_price_text"]), ("K4", ["currency_matches_price_text"]),
    ]  # fmt: skip
    assert "EUR in the price text, BAM in the header of price" in quarantined[0][2]
    assert "BAM in the header of price, EUR in currency" in quarantined[1][2]
    ((layout,),) = ws.query("SELECT layout FROM ingest_files")
    assert layout.endswith("; currency named by the header: price in BAM")
    # Napomena EUR is no price column: an unknown column, private like notes.
    assert published_places(ws, "SECRET-K1") == []


@pytest.mark.usefixtures("prefect_server")
def test_a_price_header_naming_its_unit_stages_its_prices_per_it(workspace):
    # Price per person (EUR) was an unknown part of the price: every row was quarantined.
    ws = workspace
    rows = [
        {"obs_id": "P1", "price": "1500", "unit": ""},  # per person, from the header
        {"obs_id": "P2", "price": "2.000 €"},  # the unit column agreeing
        {"obs_id": "P3", "price": "1500", "unit": "per_kg"},  # the unit column disagreeing
    ]
    headers = {"price": "Price per person (EUR)", "unit": "Unit"}
    (ws.raw / "prices" / "ads.csv").write_text(
        smuggling_csv(*rows, headers=headers), encoding="utf-8"
    )
    summary = ws.run()
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (3, 2, 1)
    assert ws.query(
        "SELECT obs_id, currency, unit, price_point_eur FROM stg_price_observations ORDER BY 1"
    ) == [("P1", "EUR", "per_person", 1500), ("P2", "EUR", "per_person", 2000)]
    ((obs_id, rules, reasons),) = ws.query("SELECT obs_id, rules, reasons FROM quarantine_rows")
    assert (obs_id, rules) == ("P3", ["unit_matches_price_text"])
    assert "per_person in the header of price, per_kg in unit" in reasons
    ((layout,),) = ws.query("SELECT layout FROM ingest_files")
    assert layout.endswith(
        "; currency named by the header: price in EUR; unit named by the header: price per_person"
    )


@pytest.mark.usefixtures("prefect_server")
def test_a_file_whose_day_month_order_cannot_be_decided_is_reported(workspace):
    ws = workspace
    (ws.raw / "prices" / "slashes.csv").write_text(
        smuggling_csv({"obs_id": "U1", "date": "03/04/2020"}, {"obs_id": "U2", "date": "2020-05"}),
        encoding="utf-8",
    )
    ws.run()
    ((layout,),) = ws.query("SELECT layout FROM ingest_files")
    assert "day-month order undecided" in layout
    assert ws.query("SELECT obs_id, rules FROM quarantine_rows") == [
        ("U1", ["period_start_is_date"])
    ]  # noqa: E501
    assert ws.query("SELECT obs_id FROM stg_price_observations") == [("U2",)]


@pytest.mark.usefixtures("prefect_server")
def test_dotted_dates_stay_day_first_in_a_file_decided_month_first(workspace):
    # A file merged from two sources: 07/15/2020 makes it month first, the dots are day first.
    ws = workspace
    dates = ["07/15/2020", "05.07.2020", "03/04/2020", "03.04.2020."]
    (ws.raw / "prices" / "merged.csv").write_text(
        smuggling_csv(*({"obs_id": f"D{n}", "date": d} for n, d in enumerate(dates, 1))),
        encoding="utf-8",
    )
    ws.run()
    ((layout,),) = ws.query("SELECT layout FROM ingest_files")
    assert "day-month order month first" in layout
    assert dict(ws.query("SELECT obs_id, period_start FROM stg_price_observations")) == {
        "D1": dt.date(2020, 7, 15),
        "D2": dt.date(2020, 7, 5),
        "D3": dt.date(2020, 3, 4),
        "D4": dt.date(2020, 4, 3),
    }


@pytest.mark.usefixtures("prefect_server")
def test_a_multiplier_on_the_high_end_of_a_price_range_reaches_the_low_end(workspace):
    ws = workspace
    cells = {"K1": "1-2k €", "K2": "5-6 hiljada eura", "K3": "500-2k €"}
    (ws.raw / "prices" / "ranges.csv").write_text(
        smuggling_csv(*({"obs_id": o, "price": p} for o, p in cells.items())), encoding="utf-8"
    )
    ws.run()
    assert ws.query(
        "SELECT obs_id, price_low_eur, price_high_eur FROM stg_price_observations ORDER BY 1"
    ) == [("K1", 1000, 2000), ("K2", 5000, 6000), ("K3", 500, 2000)]


@pytest.mark.usefixtures("prefect_server")
def test_a_lev_price_from_before_the_euro_changeover_is_staged_in_euros(workspace):
    # pycountry 26.2.16 no longer lists BGN (Bulgaria adopted the euro on 1 January 2026):
    # lev prices were all quarantined as currency_iso4217 (currency = BGN).
    ws = workspace
    rows = [
        ("L1", "2020-05", "", "3911.66", "лв"),
        ("L2", "15.07.2020", "1000 лв", "", ""),
        ("L3", "2026-02", "", "1955.83", "BGN"),
    ]
    columns = ("obs_id", "date", "price", "price_point", "currency")
    leg = {"origin_country": "TR", "destination_country": "BG"}
    (ws.raw / "prices" / "leva.csv").write_text(
        smuggling_csv(*({**leg, **dict(zip(columns, row, strict=True))} for row in rows)),
        encoding="utf-8",
    )
    ws.run()
    staged = ws.query(
        "SELECT obs_id, currency, round(price_point_eur, 2) FROM stg_price_observations ORDER BY 1"
    )
    # 1 EUR = 1.95583 BGN: the peg until 2025, the irrevocable conversion rate from 2026
    # (data/reference/fx_rates.csv has an open-ended row for it, so a 2026 lev price converts)
    assert staged == [("L1", "BGN", 2000.0), ("L2", "BGN", 511.29), ("L3", "BGN", 1000.0)]
    assert ws.query("SELECT count(*) FROM quarantine_rows") == [(0,)]


@pytest.mark.usefixtures("prefect_server")
def test_numbers_like_1_500_are_never_read_as_one_and_a_half_by_default(workspace):
    ws = workspace
    # A ministry's export: ';'-delimited, dotted dates, local headers, counts grouped by dots.
    # Nothing else shows the decimal mark: the ';' says decimal comma, so 1.234 is 1234 people.
    (ws.raw / "routes" / "mup.csv").write_text(
        "Metrika;route_or_leg;Država;period;Broj;Izvor\n"
        "registered_arrivals;RS (country registrations);;01.2020.;1.234;MUP Srbije\n"
        "registered_arrivals;RS (country registrations);;02.2020.;12.345;MUP Srbije\n"
        "registered_arrivals;RS (country registrations);;03.2020.;987;MUP Srbije\n",
        encoding="utf-8",
    )
    # A ','-delimited file with nothing showing the mark: 1.500 EUR may be 1.5 or 1500.
    header = "obs_id,flow,commodity,market_level,origin_country,destination_country,"
    header += "period_start,price_point,currency,unit,source_title\n"
    row = "{obs},people,smuggling_service,service,RS,HU,2020-07-15,{price},EUR,per_person,T\n"
    (ws.raw / "prices" / "points.csv").write_text(
        header + row.format(obs="C1", price="1.500") + row.format(obs="C2", price="800"),
        encoding="utf-8",
    )
    ws.run()
    assert ws.query("SELECT value FROM stg_route_observations ORDER BY period_start") == [
        (1234,), (12345,), (987,)
    ]  # fmt: skip
    assert ws.query("SELECT obs_id, price_point FROM stg_price_observations") == [("C2", 800)]
    ((obs, rules, reasons),) = ws.query("SELECT obs_id, rules, reasons FROM quarantine_rows")
    assert (obs, rules) == ("C1", ["number_unambiguous"])
    assert "1.5 or 1500" in reasons and "write 1500 or 1.5 (price_point = 1.500)" in reasons


@pytest.mark.usefixtures("prefect_server")
def test_a_json_line_that_does_not_parse_is_quarantined_with_its_reason_and_text(workspace):
    ws = workspace
    good = (
        '{"obs_id": "J1", "flow": "people", "commodity": "smuggling_service", "market_level":'
        ' "service", "origin_country": "RS", "destination_country": "HU", "date": "2020-05",'
        ' "price": "1500 EUR", "unit": "per_person", "source_title": "Synthetic",'
        ' "source_type": "synthetic"}'
    )
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "prices" / "ads.jsonl").write_text(good + '\n{"obs_id": "J2", oops\n')
    summary = ws.run()
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (2, 1, 1)
    ((row_number, rules, reasons),) = ws.query(
        "SELECT row_number, rules, reasons FROM quarantine_rows"
    )
    assert row_number == 2 and "record_readable" in rules
    assert "not JSON: Expecting " in reasons
    # The line as written stays in the private raw layer (it may hold names or notes).
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        (extra,) = con.execute(
            "SELECT extra->>'unreadable_json' FROM raw_prices_rows WHERE row_number = 2"
        ).fetchone()
    assert extra == '{"obs_id": "J2", oops'


def published_places(ws, text: str) -> list[str]:
    """Where ``text`` appears in what a run publishes: the tables of the DuckDB file, the CSV
    extracts, the Parquet set and the report."""
    like = [f"%{text}%"]
    places = [
        table
        for (table,) in ws.query("SHOW TABLES")
        if ws.query(f'SELECT count(*) FROM "{table}" t WHERE CAST(t AS VARCHAR) LIKE ?', like)
        != [(0,)]
    ]
    places += [p.name for p in (ws.marts / "extracts").iterdir() if text in p.read_text("utf-8")]
    with duckdb.connect() as con:
        for path in (ws.marts / "parquet").rglob("*.parquet"):
            sql = "SELECT count(*) FROM read_parquet(?) t WHERE CAST(t AS VARCHAR) LIKE ?"
            if con.execute(sql, [str(path), *like]).fetchone() != (0,):
                places.append(path.name)
    if text in (ws.marts / "report.html").read_text("utf-8"):
        places.append("report.html")
    return places


def raw_extra(ws, file_path: str) -> dict[tuple[str, int], dict]:
    """The private raw layer's unknown columns of a file, by sheet and row."""
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT sheet, row_number, extra FROM raw_prices_rows WHERE file_path = ?",
            [file_path],
        ).fetchall()
    return {(sheet, row): extra and json.loads(extra) for sheet, row, extra in rows}


@pytest.mark.usefixtures("prefect_server")
def test_headers_written_twice_are_one_column_and_rows_where_they_disagree_are_quarantined(
    workspace,
):
    # Was: the first header won and the second was set aside, whatever it held. Now both are
    # read as one column, row by row; a row giving two different values is quarantined.
    ws = workspace
    header = "obs_id,flow,commodity,market_level,origin_country,destination_country,period_start,"
    header += "price_point,currency,unit,source_title,notes,notes,price_point\n"
    lead = "people,smuggling_service,service,RS,HU,2020,"
    row = f"H1,{lead}2500,EUR,per_person,Synthetic,first note,second note Ivan Ivanović,2500\n"
    row += f"H2,{lead},EUR,per_person,Synthetic,,,2600\n"  # only the second copy filled
    row += f"H3,{lead}2500,EUR,per_person,Synthetic,,note Petar Petrović,86421\n"
    (ws.raw / "prices" / "twice.csv").write_text(header + row, encoding="utf-8")
    book = openpyxl.Workbook()
    dup = book.active
    dup.title = "dup"
    dup.append(["obs_id", "flow", "notes", "notes", "price_point"])
    dup.append(["D1", "people", "first", "sheet note Jovan Jovanović", 5])  # quarantined
    good = book.create_sheet("good")
    good.append(header.strip().split(",")[:11])
    good.append(row.splitlines()[0].split(",")[:11])
    book.save(ws.raw / "prices" / "twice.xlsx")
    summary = ws.run()
    assert summary.failed_files == {}
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (5, 3, 2)
    assert sorted(
        ws.query("SELECT file_path, sheet, obs_id, price_point FROM stg_price_observations")
    ) == [
        ("prices/twice.csv", "", "H1", 2500), ("prices/twice.csv", "", "H2", 2600),
        ("prices/twice.xlsx", "good", "H1", 2500),
    ]  # fmt: skip
    assert sorted(ws.query("SELECT obs_id, sheet FROM quarantine_rows")) == [
        ("D1", "dup"), ("H3", ""),
    ]  # fmt: skip
    (reasons,) = ws.query("SELECT reasons FROM quarantine_rows WHERE obs_id = 'H3'")[0]
    assert reasons == (
        "column_given_once: a column given twice (two headers, or two spellings of a JSON key)"
        " must not hold two different values in one row (price_point is"
        " given in two columns that disagree: 2500 and 86421)"
    )  # notes differ too, but are never compared, nor shown
    for text in ("Ivan Ivanović", "Jovan Jovanović", "Petar Petrović"):
        assert published_places(ws, text) == [], text
    # Nothing is lost: the second copies stay in the private raw layer.
    extra = raw_extra(ws, "prices/twice.csv")
    assert extra[("", 2)] == {"notes_dup": "second note Ivan Ivanović", "price_point_dup": "2500"}
    assert extra[("", 3)] == {"notes_dup": "", "price_point_dup": "2600"}
    assert raw_extra(ws, "prices/twice.xlsx")[("dup", 2)] == {
        "notes_dup": "sheet note Jovan Jovanović"
    }


@pytest.mark.usefixtures("prefect_server")
def test_a_column_named_json_error_is_not_taken_for_the_readers_verdict(workspace):
    ws = workspace
    fields = {
        "flow": "people", "commodity": "smuggling_service", "market_level": "service",
        "origin_country": "RS", "destination_country": "HU", "period_start": "2020",
        "price_point": "2500", "currency": "EUR", "unit": "per_person",
        "source_title": "Synthetic",
    }  # fmt: skip
    forged = {"json_error": "forged error SECRET", "unreadable_json": "forged text SECRET"}
    (ws.raw / "prices" / "collide.csv").write_text(
        ",".join(["obs_id", *fields, *forged]) + "\n"
        + ",".join(["C1", *fields.values(), *forged.values()]) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    (ws.raw / "prices" / "collide.jsonl").write_text(
        json.dumps({"obs_id": "J1", **fields, **forged}) + "\n", encoding="utf-8"
    )
    summary = ws.run()
    assert summary.failed_files == {}
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (2, 2, 0)
    assert sorted(ws.query("SELECT obs_id FROM stg_price_observations")) == [("C1",), ("J1",)]
    assert published_places(ws, "SECRET") == []
    for path, row in (("prices/collide.csv", 2), ("prices/collide.jsonl", 1)):
        assert raw_extra(ws, path)[("", row)] == {
            "json_error_dup": "forged error SECRET", "unreadable_json_dup": "forged text SECRET",
        }  # fmt: skip


def test_a_number_too_large_for_a_float_quarantines_only_its_record(tmp_path):
    raw = tmp_path / "raw"
    (raw / "prices").mkdir(parents=True)
    path = raw / "prices" / "scraped.json"
    record = (
        '{{"obs_id": "{}", "flow": "people", "commodity": "smuggling_service", "market_level":'
        ' "service", "origin_country": "RS", "destination_country": "HU", "period_start":'
        ' "2020", "price_point": {}, "currency": "EUR", "unit": "per_person", "source_title":'
        ' "Synthetic"}}'
    )
    records = [
        record.format("A1", "2500"),
        record.format("A2", "1e400"),
        record.format("A3", "26.5"),
    ]
    path.write_text("[" + ", ".join(records) + "]", encoding="utf-8")
    item = FileItem("prices/scraped.json", "prices", "new", file_hash(path), path.stat().st_size)
    result = ingest_file(settings_from(raw, tmp_path / "marts"), item, "run-1")
    assert result.error is None
    assert (result.rows_read, result.rows_valid, result.rows_failed) == (3, 2, 1)
    with duckdb.connect() as con:
        failures = con.execute(
            "SELECT row_number, rule FROM read_parquet(?)",
            [str(result.spool / "failures-00000.parquet")],
        ).fetchall()
    assert failures == [(2, "price_point_is_number")]


def test_a_file_still_being_written_is_left_for_the_next_run(tmp_path):
    raw = tmp_path / "raw"
    (raw / "prices").mkdir(parents=True)
    path = raw / "prices" / "growing.csv"
    path.write_text("obs_id,flow\nG1,people\n", encoding="utf-8")
    item = FileItem("prices/growing.csv", "prices", "new", file_hash(path), path.stat().st_size)
    with path.open("a", encoding="utf-8") as handle:  # the researcher's export goes on
        handle.write("G2,people\n")
    result = ingest_file(settings_from(raw, tmp_path / "marts"), item, "run-1")
    assert result.failed and "left for the next run" in result.error
    assert result.spool is None


def test_a_settled_file_rewritten_while_it_is_read_is_left_for_the_next_run(tmp_path):
    """Discover vouches for a file it hashed well after its last write by its stat signature,
    and the check after reading compares that signature instead of hashing it again."""
    raw = tmp_path / "raw"
    (raw / "prices").mkdir(parents=True)
    path = raw / "prices" / "settled.csv"
    path.write_text("obs_id,flow\nS1,people\n", encoding="utf-8")
    time.sleep(RACY_SECONDS + 0.2)
    digest, stat_signature = hash_with_signature(path, path.stat())
    assert stat_signature is not None
    item = FileItem("prices/settled.csv", "prices", "new", digest, path.stat().st_size,
                    stat_signature)  # fmt: skip
    settings = settings_from(raw, tmp_path / "marts")
    assert not ingest_file(settings, item, "run-1").failed
    with path.open("r+", encoding="utf-8") as handle:  # same size, one cell changed
        handle.seek(len("obs_id,flow\nS"))
        handle.write("2")
    result = ingest_file(settings, item, "run-2")
    assert result.failed and "left for the next run" in result.error


@pytest.mark.usefixtures("prefect_server")
def test_places_resolve_and_unknown_ones_are_listed_for_a_curator(messy_workspace):
    ws = messy_workspace
    ws.run()
    resolved = dict(
        ws.query(
            "SELECT obs_id, coalesce(origin_place_id, location_place_id) || ' '"
            " || coalesce(origin_place_match, location_place_match)"
            " FROM stg_price_observations WHERE obs_id IN ('B3', 'C1', 'M1', 'A2')"
        )
    )
    assert resolved == {
        "B3": "bihac exact",  # Bihac, an alias of Bihać
        "C1": "subotica exact",  # Суботица, in a Windows-1251 file
        "M1": "gevgelija exact",  # Гевгелија, in a UTF-16 file
        "A2": "shkoder exact",
    }
    unresolved = dict(ws.query("SELECT place_as_written, n_rows FROM unresolved_places"))
    assert {"Zagreb", "Trst", "Beč", "Ohrid", "Podgorica"} <= set(unresolved)
    # The rows naming them are staged all the same, the place kept as written.
    assert ws.query(
        "SELECT destination_place, destination_place_match FROM stg_price_observations"
        " WHERE obs_id = 'B1'"
    ) == [("Zagreb", "unresolved")]


@pytest.mark.usefixtures("prefect_server")
def test_one_place_written_four_ways_is_one_row_of_the_smuggling_mart(workspace):
    # Latin, Cyrillic, a typo and lower case: one town, so one leg and one median.
    ws = workspace
    written = {"P1": "Subotica", "P2": "Суботица", "P3": "Subotca", "P4": "subotica"}
    rows = [
        {"obs_id": obs_id, "origin_place": place, "price": f"{1000 + 100 * n} EUR"}
        for n, (obs_id, place) in enumerate(written.items())
    ]
    rows.append({"obs_id": "P5", "origin_place": "granica Srbija - Mađarska"})
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "prices" / "places.csv").write_text(smuggling_csv(*rows), encoding="utf-8")
    ws.run()
    marts = ws.query(
        "SELECT origin_place, n_obs, median_eur FROM mart_smuggling_prices ORDER BY origin_place"
    )
    assert marts == [("Hungary-Serbia border", 1, 1500.0), ("Subotica", 4, 1150.0)]
    # Staging keeps each as written beside the name, for the researcher checking a match.
    staged = ws.query(
        "SELECT obs_id, origin_place_as_written, origin_place_match FROM stg_price_observations"
        " ORDER BY obs_id"
    )
    assert staged == [
        ("P1", "Subotica", "exact"),
        ("P2", "Суботица", "exact"),  # the gazetteer holds the Cyrillic name
        ("P3", "Subotca", "fuzzy"),
        ("P4", "subotica", "exact"),
        ("P5", "granica Srbija - Mađarska", "border"),
    ]


def published_hits(ws, text: str) -> list[str]:
    """Every published table, CSV extract and Parquet file whose text holds ``text``."""
    hits = [
        table
        for (table,) in ws.query("SHOW TABLES")
        if ws.query(
            f'SELECT count(*) FROM "{table}" t WHERE CAST(t AS VARCHAR) LIKE ?', [f"%{text}%"]
        )
        != [(0,)]
    ]
    hits += [
        path.name
        for path in (ws.marts / "extracts").rglob("*")
        if path.is_file() and text in path.read_text("utf-8-sig", errors="replace")
    ]
    with duckdb.connect() as con:
        for path in (ws.marts / "parquet").rglob("*.parquet"):
            query = "SELECT count(*) FROM read_parquet(?) t WHERE CAST(t AS VARCHAR) LIKE ?"
            if con.execute(query, [str(path), f"%{text}%"]).fetchone() != (0,):
                hits.append(path.name)
    return hits


@pytest.mark.usefixtures("prefect_server")
def test_a_quote_left_open_over_whole_rows_fails_the_file_and_publishes_none_of_it(workspace):
    ws = workspace
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "prices" / "good.csv").write_text(PRICE_HEADER + price_row(7), encoding="utf-8")
    rows = [price_row(1), price_row(2, '"src2'), price_row(3), price_row(4), price_row(5)]
    (ws.raw / "prices" / "stray.csv").write_text(PRICE_HEADER + "".join(rows), encoding="utf-8")
    summary = ws.run()
    assert summary.failed_files["prices/stray.csv"].startswith(
        "line 3: a quoted cell opened here (column source_title) runs over 3 lines"
    )
    assert ws.query("SELECT status FROM ingest_files WHERE file_path = 'prices/stray.csv'") == [
        ("failed",)
    ]
    assert ws.query("SELECT obs_id FROM stg_price_observations") == [("M7",)]
    assert summary.rows_read == summary.rows_staged + summary.rows_quarantined
    for text in ("SECRET-M", "src2"):
        assert published_hits(ws, text) == [], text


@pytest.mark.usefixtures("prefect_server")
def test_a_row_wider_than_its_header_is_quarantined_with_none_of_its_cells_published(workspace):
    ws = workspace
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "routes").mkdir(parents=True, exist_ok=True)
    # An unquoted comma in notes (3rd column) moves the phone number into commodity.
    prices = (
        "obs_id,flow,notes,commodity,market_level,origin_country,destination_country,"
        "period_start,price_point,currency,unit,source_title\n"
        "N1,people,met informant Marko Petrovic, phone 0641234567,smuggling_service,service,"
        "RS,HU,2020,2500,EUR,per_person,src\n"
        "N2,people,ok,smuggling_service,service,RS,HU,2020,2500,EUR,per_person,src\n"
    )
    (ws.raw / "prices" / "shifted.csv").write_text(prices, encoding="utf-8")
    # 12,5 unquoted: value would read 12 and the informant's name would be the source_org.
    routes = (
        "obs_id,metric,route_or_leg,reporting_country,period_start,value,notes,source_org\n"
        "R1,detections,western_balkan_route,RS,2020,7,,Org\n"
        "R5,detections,western_balkan_route,RS,2020,12,5,informant Ana Jovanovic,Org\n"
    )
    (ws.raw / "routes" / "routes.csv").write_text(routes, encoding="utf-8")
    summary = ws.run()
    assert summary.rows_read == summary.rows_staged + summary.rows_quarantined == 4
    assert ws.query("SELECT bool_and(reconciles) FROM ingest_files") == [(True,)]
    assert ws.query("SELECT obs_id FROM stg_price_observations") == [("N2",)]
    assert ws.query("SELECT obs_id FROM stg_route_observations") == [("R1",)]
    quarantined = ws.query(
        "SELECT file_path, row_number, rules, reasons, raw_values FROM quarantine_rows"
        " ORDER BY file_path"
    )
    assert [(path, row, rules) for path, row, rules, _, _ in quarantined] == [
        ("prices/shifted.csv", 2, ["row_width"]),
        ("routes/routes.csv", 3, ["row_width"]),
    ]
    assert "row has 13 cells where the header has 12" in quarantined[0][3]
    assert "row has 9 cells where the header has 8" in quarantined[1][3]
    for path, row, _, _, raw_values in quarantined:
        values = {k: v for k, v in json.loads(raw_values).items() if v is not None}
        assert values == {"file_path": path, "sheet": "", "row_number": str(row)}
    for text in ("Petrovic", "0641234567", "Jovanovic"):
        assert published_hits(ws, text) == [], text
    # The row as read stays whole in the private raw layer, for the researcher.
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        (cells,) = con.execute(
            "SELECT extra->>'row_cells' FROM raw_routes_rows WHERE row_number = 3"
        ).fetchone()
    assert json.loads(cells)[5:8] == ["12", "5", "informant Ana Jovanovic"]


@pytest.mark.usefixtures("prefect_server")
def test_a_row_lacking_a_cell_is_quarantined_with_none_of_its_cells_published(workspace):
    # N1 lacks its source_title cell: read in place, its note would be the published title.
    ws = workspace
    header = "obs_id,flow,commodity,market_level,origin_country,destination_country,"
    header += "period_start,price_point,currency,unit,source_title,notes\n"
    prices = (
        header + "N1,people,smuggling_service,service,RS,HU,2020,2500,EUR,per_person,"
        "met informant Marko Petrovic phone 0641234567\n"
        "N2,people,smuggling_service,service,RS,HU,2020,2500,EUR,per_person,src,\n"
    )
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "prices" / "short.csv").write_text(prices, encoding="utf-8")
    summary = ws.run()
    assert summary.rows_read == summary.rows_staged + summary.rows_quarantined == 2
    assert ws.query("SELECT obs_id FROM stg_price_observations") == [("N2",)]
    ((rules, reasons),) = ws.query("SELECT rules, reasons FROM quarantine_rows")
    assert rules == ["row_width"]
    assert "row has 11 cells where the header has 12: a cell left out?" in reasons
    for text in ("Petrovic", "0641234567"):
        assert published_hits(ws, text) == [], text


@pytest.mark.usefixtures("prefect_server")
def test_a_title_block_above_a_workbooks_header_publishes_no_note(workspace):
    # Row 2's "Izvor:" and "Datum:" name two contract columns; taken as the header, the
    # note in column C would sit under "Datum:" and be published as the quarantined date.
    ws = workspace
    note = "SECRET_NOTE_W1 informant Ahmed phone 061"
    title_block_workbook(ws.raw / "prices" / "field.xlsx", note)
    summary = ws.run()
    for text in ("SECRET_NOTE_W1", "Ahmed"):
        assert published_places(ws, text) == [], text
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (1, 1, 0)
    assert ws.query("SELECT obs_id, row_number, price_point FROM stg_price_observations") == [
        ("W1", 6, 1500)
    ]


@pytest.mark.usefixtures("prefect_server")
def test_csv_files_with_a_title_or_an_excel_sep_line_above_the_header_are_staged(workspace):
    # Before, the title row (or the sep= line) was taken for the header and every row was
    # quarantined (flow_known, price_given..., or row_width).
    ws = workspace
    titled = "Report on smuggling prices,,,,\n,,,,\n" + PRICE_HEADER + price_row(1) + price_row(2)
    (ws.raw / "prices" / "titled.csv").write_text(titled, encoding="utf-8")
    excel = "sep=;\r\n" + (PRICE_HEADER + price_row(3)).replace(",", ";").replace("\n", "\r\n")
    (ws.raw / "prices" / "excel.csv").write_text(excel, encoding="utf-8")
    summary = ws.run()
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (3, 3, 0)
    assert ws.query("SELECT bool_and(reconciles) FROM ingest_files") == [(True,)]
    staged = ws.query(
        "SELECT file_path, row_number, obs_id, price_point FROM stg_price_observations"
        " ORDER BY file_path, row_number"
    )
    assert staged == [
        ("prices/excel.csv", 3, "M3", 2003),
        ("prices/titled.csv", 4, "M1", 2001),
        ("prices/titled.csv", 5, "M2", 2002),
    ]
    ((layout,),) = ws.query("SELECT layout FROM ingest_files WHERE file_path = 'prices/excel.csv'")
    assert "delimiter ';' (named by its sep= line)" in layout
    assert published_places(ws, "SECRET-M") == []


@pytest.mark.usefixtures("prefect_server")
def test_a_cell_too_long_for_a_spreadsheet_is_quarantined_and_cut_in_the_quarantine(workspace):
    # A 40,000-character source_title (a file pasted into a cell) was published as it was:
    # in the marts and in a CSV extract that Excel cannot open as written.
    ws = workspace
    long_title = "Izvještaj" + " Izvještaj" * 4_199
    assert len(long_title) == 41_999
    (ws.raw / "prices").mkdir(parents=True, exist_ok=True)
    (ws.raw / "prices" / "long.csv").write_text(
        smuggling_csv({"obs_id": "L1", "source_title": long_title}, {"obs_id": "L2"}),
        encoding="utf-8",
    )
    summary = ws.run()
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (2, 1, 1)
    ((obs_id, rules, reasons, title),) = ws.query(
        "SELECT obs_id, rules, reasons, raw_values->>'source_title' FROM quarantine_rows"
    )
    assert obs_id == "L1" and rules == ["text_fits_a_cell"]
    assert "(source_title = 41,999 characters)" in reasons  # its length, never its text
    assert title == long_title[:1000] + " [cut: 41999 characters]"
