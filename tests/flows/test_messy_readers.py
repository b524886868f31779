"""Files as researchers send them: every encoding, delimiter and format the route's field teams
and scrapers produce is read with its letters intact and its rows numbered as a person sees them;
a file that cannot be read says why."""

from __future__ import annotations

import json
import re
import zipfile

import pandas as pd
import pytest

from flows import readers
from flows.readers import UnreadableFile, describe_file, read_chunks
from schemas.columns import PRICE_COLUMNS, ROUTE_COLUMNS
from tests.conftest import FIXTURES
from tests.flows.conftest import PRICE_HEADER, price_row, title_block_workbook

MESSY = FIXTURES / "messy"


def read_all(path, columns=PRICE_COLUMNS, chunk_rows=1000):
    return list(read_chunks(path, columns, chunk_rows))


@pytest.mark.parametrize(
    ("name", "kind", "encoding", "delimiter"),
    [
        ("prices_cp1250_semicolon.csv", "csv", "cp1250", ";"),
        ("prices_cp1251_tab.tsv", "csv", "cp1251", "\t"),
        ("prices_cp1252_pipe.csv", "csv", "cp1252", "|"),
        ("prices_utf16.txt", "csv", "utf-16", "\t"),
        ("prices_utf8_bom.csv", "csv", "utf-8-sig", ","),
        ("prices_scraper.jsonl", "json", "utf-8", None),
        ("prices_scraper_array.json", "json", "utf-8", None),
        ("prices_workbook.xlsx", "xlsx", None, None),
    ],
)
def test_kind_encoding_and_delimiter_are_detected_per_file(name, kind, encoding, delimiter):
    layout = describe_file(MESSY / name)
    assert (layout.kind, layout.encoding, layout.delimiter) == (kind, encoding, delimiter)


@pytest.mark.parametrize(
    ("name", "column", "row", "text"),
    [
        ("prices_cp1250_semicolon.csv", "origin_place", 3, "Velika Kladuša"),
        ("prices_cp1251_tab.tsv", "location_place", 2, "Суботица"),
        ("prices_cp1252_pipe.csv", "source_title", 2, "(Señor Müller, São Paulo desk)"),
        ("prices_utf16.txt", "location_place", 2, "Гевгелија"),
        ("prices_utf8_bom.csv", "origin_place", 5, "Shkodër"),
    ],
)
def test_letters_survive_every_encoding(name, column, row, text):
    frame = read_all(MESSY / name)[0].frame
    assert text in frame.loc[row, column]


def test_local_language_headers_map_to_the_contract():
    frame = read_all(MESSY / "prices_cp1250_semicolon.csv")[0].frame
    # Cijena -> price, Valuta -> currency, Datum -> date, Od -> origin_place, Napomena -> notes
    assert {"price", "currency", "date", "origin_place", "destination_place", "notes"} <= set(
        frame.columns
    )
    assert frame.loc[2, "price"] == "od 2.000 do 2.500 KM"


def test_quoted_fields_keep_delimiters_quotes_and_newlines():
    frame = read_all(MESSY / "prices_utf8_bom.csv")[0].frame
    assert frame.loc[2, "destination_place"] == "Prizren, Kosovo"
    assert frame.loc[2, "source_title"].endswith("\nsecond line")
    notes = read_all(MESSY / "prices_cp1250_semicolon.csv")[0].frame.loc[5, "notes"]
    assert notes == 'rekao je, "Žarko"'


def test_blank_lines_are_skipped_but_row_numbers_match_the_file():
    # utf8_bom: header row 1, record 2 spans two lines (one spreadsheet row), rows 3-4 blank.
    assert read_all(MESSY / "prices_utf8_bom.csv")[0].frame.index.tolist() == [2, 5, 6]
    assert read_all(MESSY / "prices_cp1250_semicolon.csv")[0].frame.index.tolist() == [2, 3, 5, 6]
    assert read_all(MESSY / "prices_scraper.jsonl")[0].frame.index.tolist() == [1, 3]


def test_csv_row_numbers_run_on_across_chunks_with_blank_lines(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("obs_id,value\nA,1\n\nB,2\nC,3\n\n\nD,4\n", encoding="utf-8")
    chunks = read_all(path, ROUTE_COLUMNS, chunk_rows=2)
    assert [c.frame.index.tolist() for c in chunks] == [[2, 4], [5, 8]]


def test_a_row_wider_than_the_header_is_kept_whole_in_no_column(tmp_path):
    # 12,5 with an unquoted comma: every later cell would sit one column to the left.
    path = tmp_path / "r.csv"
    path.write_text("obs_id,value,source_org\nA,12,5,Org\nB,7,Org,,\n", encoding="utf-8")
    (chunk,) = read_all(path, ROUTE_COLUMNS)
    frame = chunk.frame
    assert frame.loc[2, ["obs_id", "value", "source_org"]].isna().all()
    assert json.loads(frame.loc[2, "row_cells"]) == ["A", "12", "5", "Org"]
    assert frame.loc[2, "row_width_error"].startswith("row has 4 cells where the header has 3")
    # Blank cells from trailing delimiters are not a value: that row is read as usual.
    assert frame.loc[3, "source_org"] == "Org" and pd.isna(frame.loc[3, "row_width_error"])


def test_a_row_with_fewer_cells_than_the_header_is_kept_whole_in_no_column(tmp_path):
    # B lacks its value: read in place, its source_org would be the value, its note the org.
    path = tmp_path / "r.csv"
    path.write_text(
        "obs_id,value,source_org,notes,\nA,7,Org,,\nB,Org,informant Ana\nC,7,Org,\n",
        encoding="utf-8",
    )
    (chunk,) = read_all(path, ROUTE_COLUMNS)
    frame = chunk.frame
    assert frame.loc[3, ["obs_id", "value", "source_org", "notes"]].isna().all()
    assert json.loads(frame.loc[3, "row_cells"]) == ["B", "Org", "informant Ana"]
    assert frame.loc[3, "row_width_error"].startswith("row has 3 cells where the header has 4")
    # Every cell written, blank or not (the header's own trailing delimiter is no cell to fill).
    assert frame.loc[2, "value"] == "7" and pd.isna(frame.loc[2, "row_width_error"])
    assert frame.loc[4, ["value", "notes"]].tolist() == ["7", ""]
    assert pd.isna(frame.loc[4, "row_width_error"])


def test_a_row_wider_than_a_header_naming_its_own_unnamed_column_is_set_aside(tmp_path):
    # The header's third cell is called unnamed_4, the name of the fourth cell beyond it.
    path = tmp_path / "r.csv"
    path.write_text("obs_id,value,unnamed_4\nA,12,x,beyond\nB,7,y\n", encoding="utf-8")
    (chunk,) = read_all(path, ROUTE_COLUMNS)
    frame = chunk.frame
    assert json.loads(frame.loc[2, "row_cells"]) == ["A", "12", "x", "beyond"]
    assert frame.loc[3, ["obs_id", "value", "unnamed_4"]].tolist() == ["B", "7", "y"]


def test_a_header_written_twice_keeps_the_first_column_and_the_second_as_extra(tmp_path):
    # Through Arrow (UTF-8, header on line 1) and through the csv module (Windows-1250).
    header = "obs_id,price_point,notes,notes,Price Point\n"
    for name, encoding in (("utf8.csv", "utf-8"), ("cp1250.csv", "cp1250")):
        path = tmp_path / name
        path.write_text(header + "D1,2500,Žarko said,second note,999\n", encoding=encoding)
        (chunk,) = read_all(path)
        row = chunk.frame.loc[2]
        assert (row["price_point"], row["notes"]) == ("2500", "Žarko said"), name
        assert (row["notes_dup"], row["price_point_dup"]) == ("second note", "999"), name


def test_a_sheet_with_a_header_written_twice_is_read_with_the_other_sheets(tmp_path):
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    dup = book.active
    dup.title = "dup"
    dup.append(["Report on prices"])  # a title row above the header
    dup.append(["obs_id", "flow", "notes", "notes", "price_point"])
    dup.append(["D1", "people", "first", "second", 5])
    good = book.create_sheet("good")
    good.append(["obs_id", "price_point"])
    good.append(["G1", 2500])
    book.save(path)
    first, second = read_all(path)
    assert (first.sheet, first.frame.index.tolist()) == ("dup", [3])
    assert first.frame.loc[3, ["notes", "notes_dup", "price_point"]].tolist() == [
        "first", "second", "5",
    ]  # fmt: skip
    assert (second.sheet, second.frame.loc[2, "price_point"]) == ("good", "2500")


def test_a_title_block_of_labels_and_values_is_not_taken_for_the_header(tmp_path):
    # Row 2 names two contract columns (Izvor: -> source_title, Datum: -> date); the real
    # header on row 5 names twelve: the note stays in notes, never under Datum:.
    path = tmp_path / "field.xlsx"
    title_block_workbook(path, "informant Ahmed phone 061")
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [6]
    row = chunk.frame.loc[6]
    assert (row["notes"], row["period_start"], row["price_point"]) == (
        "informant Ahmed phone 061", "07.2020", "1500",
    )  # fmt: skip
    assert "date" not in chunk.frame


def test_of_two_rows_naming_contract_columns_the_one_naming_more_is_the_header(tmp_path):
    import openpyxl

    path = tmp_path / "report.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Izvještaj o cijenama krijumčarenja"])
    sheet.append(["Datum:", "15.07.2020", "Izvor:", "MUP"])  # names date and source_title
    sheet.append(["Napomena:", "povjerljivo"])
    sheet.append([])
    sheet.append(["obs_id", "flow", "period_start", "price_point", "source_title", "notes"])
    sheet.append(["Q1", "people", "2020-07-15", 1500, "T", "note Q1"])
    sheet.append(["Q2", "people", "2020-08-01", 2500, "T", "note Q2"])
    # Two rows naming the same contract columns: the first is the header.
    sheet.append(["obs_id", "flow", "period_start", "price_point", "source_title", "notes"])
    book.save(path)
    (chunk,) = read_all(path)
    frame = chunk.frame
    assert frame.index.tolist() == [6, 7, 8]
    assert frame.loc[6:7, "notes"].tolist() == ["note Q1", "note Q2"]
    assert frame.loc[7, "period_start"] == "2020-08-01"
    assert "povjerljivo" not in frame.to_string()  # above the header: not a row


#: An export of a sheet with a title: its title row and a blank row, padded with delimiters.
TITLE_ROWS = "Izvještaj o cijenama krijumčarenja;;;;\n;;;;\n"
#: A title typed above the header: no delimiter on its line, then a blank line.
TYPED_TITLE_ROWS = "Izvještaj o cijenama krijumčarenja\n\n"
TITLED_TABLE = (
    "obs_id;flow;period_start;price_point;notes\n"
    "X1;people;15.07.2020;1500;informant X1\n"
    "X2;people;16.07.2020;2500;informant X2\n"
)


@pytest.mark.parametrize("title", [TITLE_ROWS, TYPED_TITLE_ROWS])
@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_title_above_a_csv_header_is_skipped_and_rows_keep_their_numbers(
    tmp_path, encoding, title
):
    path = tmp_path / "export.csv"
    path.write_bytes((title + TITLED_TABLE).encode(encoding))
    assert describe_file(path).delimiter == ";"
    (chunk,) = read_all(path)
    frame = chunk.frame
    assert frame.index.tolist() == [4, 5]  # title row 1, blank row 2, header row 3
    assert list(frame.columns) == ["obs_id", "flow", "period_start", "price_point", "notes"]
    assert frame.loc[4].tolist() == ["X1", "people", "15.07.2020", "1500", "informant X1"]
    assert frame.loc[5, "notes"] == "informant X2"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_csv_header_below_a_long_block_of_notes_is_found(tmp_path, encoding):
    notes = "".join(f"Napomena {line + 1}: metodologija.\n" for line in range(40))
    path = tmp_path / "export.csv"
    path.write_bytes((notes + TITLED_TABLE).encode(encoding))
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [42, 43]
    assert chunk.frame.loc[42, ["obs_id", "price_point"]].tolist() == ["X1", "1500"]


def test_a_title_over_two_lines_above_a_csv_header_keeps_spreadsheet_rows(tmp_path):
    # The quoted title is one row over two lines: rows count records, not lines.
    path = tmp_path / "export.csv"
    path.write_text('"Izvještaj\no cijenama";;;;\n' + TITLED_TABLE, encoding="utf-8")
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [3, 4]
    assert chunk.frame.loc[3, "notes"] == "informant X1"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_excels_sep_line_names_the_delimiter_and_is_not_a_row(tmp_path, encoding):
    # A comma in every note would win the sniffing: the sep= line decides.
    path = tmp_path / "excel.csv"
    table = TITLED_TABLE.replace("informant", "informant, phone")
    path.write_bytes(("sep=;\r\n" + table.replace("\n", "\r\n")).encode(encoding))
    layout = describe_file(path)
    assert (layout.delimiter, layout.describe()) == (
        ";",
        "csv, delimiter ';' (named by its sep= line)",
    )
    (chunk,) = read_all(path)
    frame = chunk.frame
    assert frame.index.tolist() == [3, 4]  # the sep= line is row 1, the header row 2
    assert frame.loc[3].tolist() == ["X1", "people", "15.07.2020", "1500", "informant, phone X1"]
    assert "row_width_error" not in frame


def test_a_ragged_record_after_title_rows_keeps_every_number_and_cell(tmp_path, monkeypatch):
    # Arrow starts below the title rows; the csv module takes over at the ragged record.
    monkeypatch.setattr(readers, "ARROW_BLOCK_BYTES", 256)
    lines = ["Report,,", ",,", "obs_id,value"]
    lines += [f"R{n},{n}" if n != 150 else "R150,150,surplus" for n in range(4, 200)]
    path = tmp_path / "scraped.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = read_all(path, ROUTE_COLUMNS, chunk_rows=40)
    frames = {n: chunk.frame for chunk in chunks for n in chunk.frame.index}
    assert list(frames) == list(range(4, 200))
    assert json.loads(frames[150].loc[150, "row_cells"]) == ["R150", "150", "surplus"]
    assert all(frames[n].loc[n, "value"] == str(n) for n in frames if n != 150)


def test_a_quote_left_open_below_a_title_names_its_line(tmp_path):
    path = tmp_path / "stray.csv"
    rows = [price_row(1), price_row(2, '"src2'), price_row(3), price_row(4), price_row(5)]
    path.write_text("Report on prices\n\n" + PRICE_HEADER + "".join(rows), encoding="utf-8")
    with pytest.raises(
        UnreadableFile, match=r"^line 5: a quoted cell opened here \(column source_title\)"
    ):
        read_all(path)


def test_a_ragged_record_deep_in_a_large_file_keeps_every_number_and_cell(tmp_path, monkeypatch):
    # Small Arrow blocks put the ragged record many blocks and chunks into the file.
    monkeypatch.setattr(readers, "ARROW_BLOCK_BYTES", 4096)
    lines, expected = ["obs_id,value"], []
    for record in range(2, 3002):  # record numbers as a person sees them, header = 1
        if record % 500 == 0:
            lines.append("")  # a blank line keeps its number but yields no row
            continue
        if record == 2222:
            lines.append('B2222,"two\nlines",surplus')  # one record over two lines, one extra cell
        else:
            lines.append(f"R{record},{record}")
        expected.append(record)
    path = tmp_path / "scraped.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = read_all(path, ROUTE_COLUMNS, chunk_rows=700)
    rows = [n for chunk in chunks for n in chunk.frame.index]
    assert rows == expected
    frames = {n: chunk.frame for chunk in chunks for n in chunk.frame.index}
    assert json.loads(frames[2222].loc[2222, "row_cells"]) == ["B2222", "two\nlines", "surplus"]
    assert frames[2999].loc[2999, "value"] == "2999"


@pytest.mark.parametrize("block_bytes", [64, 128, 4096])
def test_windows_line_breaks_inside_cells_read_as_newlines(tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(readers, "ARROW_BLOCK_BYTES", block_bytes)
    rows = "".join(f'R{i},"first\r\nsecond"\r\n' for i in range(40))
    path = tmp_path / "windows.csv"
    path.write_bytes(("obs_id,notes\r\n" + rows).encode("utf-8"))
    cells = [v for chunk in read_all(path, ROUTE_COLUMNS) for v in chunk.frame["notes"]]
    assert cells == ["first\nsecond"] * 40


def test_every_sheet_is_read_below_its_title_rows_with_real_dates():
    chunks = read_all(MESSY / "prices_workbook.xlsx")
    assert [(c.sheet, c.frame.index.tolist()) for c in chunks] == [
        ("Bihać 2020", [4, 6]),  # title in row 1, header in row 3, a blank row 5
        ("Subotica", [2]),
    ]
    first, second = chunks
    assert first.frame.loc[4, "period_start"] == "2020-05-01"  # a date cell, not 00:00:00
    assert first.frame.loc[4, "price_point"] == "2000"  # a whole number, not 2000.0
    assert first.frame.loc[6, "period_start"] == "43983"  # a serial number, parsed later
    assert second.frame.loc[2, "period_start"] == "2020-06-15"


def test_nested_json_is_flattened_through_the_alias_table():
    for name in ("prices_scraper.jsonl", "prices_scraper_array.json"):
        frame = read_all(MESSY / name)[0].frame
        first = frame.iloc[0]
        assert (first["obs_id"], first["price_low"], first["price_high"]) == ("J1", "1800", "2200")
        assert (first["currency"], first["origin_country"], first["date"]) == ("EUR", "RS", "2020")
        assert first["source_url"] == "https://example.org/synthetic/ad-1"
        assert frame.iloc[1]["price"] == "up to 4000 €"
        assert frame.iloc[1]["date"] == ""  # a key one ad lacks is blank, never "nan"


def test_a_broken_json_line_is_kept_as_a_row(tmp_path):
    path = tmp_path / "ads.jsonl"
    path.write_text('{"obs_id": "J1"}\n{"obs_id": "J2", oops\n', encoding="utf-8")
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [1, 2]
    assert chunk.frame.loc[2, "unreadable_json"] == '{"obs_id": "J2", oops'
    assert chunk.frame.loc[2, "json_error"].startswith("not JSON: Expecting ")


def test_a_json_line_that_is_not_an_object_is_kept_with_its_reason(tmp_path):
    path = tmp_path / "ads.jsonl"
    path.write_text('{"obs_id": "J1"}\n[1, 2]\n', encoding="utf-8")
    (chunk,) = read_all(path)
    assert chunk.frame.loc[2, "unreadable_json"] == "[1, 2]"
    assert chunk.frame.loc[2, "json_error"] == "a JSON list, not an object of named fields"


def test_a_file_column_named_like_the_readers_verdict_is_an_ordinary_extra(tmp_path):
    csv_path = tmp_path / "collide.csv"
    csv_path.write_text(
        "obs_id,JSON Error,unreadable_json,Row Width Error,row_cells\nC1,forged,text,wide,cells\n",
        encoding="utf-8",
    )
    json_path = tmp_path / "collide.jsonl"
    json_path.write_text(
        '{"obs_id": "J1", "json_error": "forged", "unreadable_json": "text"}\n{"obs_id": oops\n',
        encoding="utf-8",
    )
    (from_csv,) = read_all(csv_path)
    assert "json_error" not in from_csv.frame and "unreadable_json" not in from_csv.frame
    assert "row_width_error" not in from_csv.frame and "row_cells" not in from_csv.frame
    assert from_csv.frame.loc[
        2, ["json_error_dup", "unreadable_json_dup", "row_width_error_dup", "row_cells_dup"]
    ].tolist() == ["forged", "text", "wide", "cells"]
    (from_json,) = read_all(json_path)
    frame = from_json.frame
    assert frame.loc[1, ["json_error", "json_error_dup", "unreadable_json_dup"]].tolist() == [
        "", "forged", "text",
    ]  # fmt: skip
    assert frame.loc[2, "json_error"].startswith("not JSON: ")  # the reader's own verdict
    assert frame.loc[2, "unreadable_json"] == '{"obs_id": oops'


def _truncated_workbook(tmp_path):
    whole = (MESSY / "prices_workbook.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(whole[: len(whole) // 2])
    return path


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n\n  \n", "empty"),
        ("header_only.csv", b"obs_id,value\n", "no rows"),
        ("header_only.jsonl", b"[]", "no rows"),
        ("scan.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        ("photo.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old binary Office"),
        ("noise.csv", bytes(range(256)) * 8, "binary"),
        ("list.json", json.dumps([1, 2]).encode(), "no objects"),
    ],
)
def test_unreadable_files_say_why(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        read_all(path)


def test_a_truncated_workbook_is_unreadable_not_a_crash(tmp_path):
    path = _truncated_workbook(tmp_path)
    with pytest.raises(UnreadableFile, match="damaged or empty workbook"):
        read_all(path)


def test_a_workbook_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes((MESSY / "prices_workbook.xlsx").read_bytes())
    chunks = read_all(path)
    assert [(c.sheet, c.frame.index.tolist()) for c in chunks] == [
        ("Bihać 2020", [4, 6]),
        ("Subotica", [2]),
    ]


@pytest.mark.parametrize(
    ("name", "member", "content"),
    [
        ("prices.csv", "prices.csv", "obs_id,flow\nZ1,people\n"),  # a zipped CSV
        ("notes.xlsx", "word/document.xml", "<w:document/>"),
    ],
)
def test_a_zip_that_is_not_a_workbook_says_so(tmp_path, name, member, content):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, content)
    with pytest.raises(UnreadableFile, match="^this is a ZIP archive that is not an Excel"):
        read_all(path)


def test_text_that_stops_decoding_midway_is_unreadable(tmp_path):
    path = tmp_path / "mixed.csv"
    clean = "obs_id,value\n" + "".join(f"R{i},{i}\n" for i in range(200_000))  # beyond the sample
    path.write_bytes(clean.encode("utf-8") + "R,Bihać\n".encode("cp1250"))
    with pytest.raises(UnreadableFile, match="not utf-8 text throughout"):
        read_all(path, ROUTE_COLUMNS)


def test_a_file_gone_before_it_is_read_raises_an_os_error_to_retry(tmp_path):
    # Not a verdict on the content: the ingest task retries it, then records the file as
    # failed (tests/flows/test_operations.py).
    with pytest.raises(FileNotFoundError):
        read_all(tmp_path / "vanished.csv")


def test_a_compact_results_wrapper_on_one_line_is_read_as_records(tmp_path):
    path = tmp_path / "scraped.json"
    path.write_text(
        '{"results": [{"obs_id": "W1", "value": 3}, {"obs_id": "W2", "value": 4}]}',
        encoding="utf-8",
    )
    (chunk,) = read_all(path)
    assert chunk.frame["obs_id"].tolist() == ["W1", "W2"]


def test_a_json_array_is_read_as_a_stream_not_loaded_whole(tmp_path):
    # A one-line array longer than any JSON Lines record, cut off before its end: the rows
    # before the cut come out, in order, before the reader reports the damage.
    records = [f'{{"obs_id": "S{n}", "notes": "{"x" * 100}"}}' for n in range(12_000)]
    path = tmp_path / "scraped.json"
    whole = "[" + ", ".join(records) + "]"
    path.write_text(whole[: len(whole) - 50], encoding="utf-8")
    chunks = read_chunks(path, PRICE_COLUMNS, 5_000)
    first = next(chunks)
    assert first.frame["obs_id"].tolist()[:2] == ["S0", "S1"] and len(first.frame) == 5_000
    assert len(next(chunks).frame) == 5_000
    with pytest.raises(UnreadableFile, match="JSON file"):
        next(chunks)


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_number_too_large_for_a_float_fails_only_its_record(tmp_path, wrapped):
    text = (
        '[{"obs_id": "A1", "price_point": 2500.0, "period_start": 2020.0},'
        ' {"obs_id": "A2", "price_point": 1e400},'
        ' {"obs_id": "A3", "price_point": 12.5, "price": {"min": 1e2}}]'
    )
    path = tmp_path / "scraped.json"
    path.write_text('{"results": ' + text + "}" if wrapped else text, encoding="utf-8")
    (chunk,) = read_all(path)
    frame = chunk.frame
    assert frame.index.tolist() == [1, 2, 3]
    assert frame["price_point"].tolist() == ["2500", "1E+400", "12.5"]
    assert (frame.loc[1, "period_start"], frame.loc[3, "price_low"]) == ("2020", "100")


def test_the_one_list_in_a_wrapper_object_is_found_after_other_keys(tmp_path):
    path = tmp_path / "scraped.json"
    path.write_text(
        '{"query": {"site": "synthetic", "pages": [1, 2]},\n'
        ' "results": [{"obs_id": "W1"}, {"obs_id": "W2"}],\n "count": 2}',
        encoding="utf-8",
    )
    (chunk,) = read_all(path)  # "pages" is a list too, but inside "query"
    assert chunk.frame["obs_id"].tolist() == ["W1", "W2"]
    assert chunk.frame.index.tolist() == [1, 2]


def test_a_quote_left_open_over_whole_rows_fails_the_file_naming_its_line(tmp_path):
    # M2's title opens a quote that never closes: M3-M5 (and their notes) would vanish into it.
    path = tmp_path / "stray.csv"
    rows = [price_row(1), price_row(2, '"src2'), price_row(3), price_row(4), price_row(5)]
    path.write_text(PRICE_HEADER + "".join(rows), encoding="utf-8")
    with pytest.raises(UnreadableFile) as caught:
        read_all(path)
    assert str(caught.value).startswith(
        "line 3: a quoted cell opened here (column source_title) runs over 3 lines that look"
        " like rows of their own (an opening quote without its closing quote?); fix the quote"
    )


def test_the_line_of_an_open_quote_counts_line_breaks_of_earlier_quoted_cells(tmp_path):
    # Row 2 spans lines 2-3 (a quotation over two lines); the stray quote opens on line 5,
    # in the first chunk the csv module reads (a narrow row 3 hands over from Arrow).
    path = tmp_path / "stray_later.csv"
    rows = [price_row(1, '"a title\nover two lines"'), "M9,people\n"]
    rows += [price_row(2, '"src2'), price_row(3), price_row(4)]
    path.write_text(PRICE_HEADER + "".join(rows), encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"^line 5: .* runs over 2 lines "):
        read_all(path)


def test_a_quotation_over_lines_with_a_few_commas_is_read_as_one_cell(tmp_path):
    quotation = '"He said: we paid, all of us, in cash,\nat the station, to a driver,\nand waited."'
    path = tmp_path / "quotes.csv"
    path.write_text(
        PRICE_HEADER.replace(",notes", ",quote,notes")
        + price_row(1).replace(",informant", f",{quotation},informant")
        + price_row(2).replace(",informant", ",,informant"),
        encoding="utf-8",
    )
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [2, 3]  # a quoted cell over lines is one row
    assert chunk.frame.loc[2, "quote"] == quotation.strip('"')


def judged(path, dataset="prices"):
    """A file read, typed and validated chunk by chunk as ingest does: (valid, failures) of
    its first chunk, and the currencies its headers name."""
    from flows.ingest import file_conventions, typed_chunk
    from flows.validation import validate_chunk
    from schemas import CONTRACTS

    contract = CONTRACTS[dataset]
    layout = describe_file(path)
    chunk = next(read_chunks(path, contract.columns, 1000, layout))
    typed = typed_chunk(contract, file_conventions(contract, chunk, layout.delimiter), chunk)
    return (*validate_chunk(contract, typed), chunk.currencies)


#: A people-smuggling price row's cells before its price cells (the header below).
LEG = "people,smuggling_service,service,BA,HR,2020-05,per_person,Synthetic"
LEG_HEADER = "obs_id,flow,commodity,market_level,origin_country,destination_country,date,unit,"
LEG_HEADER += "source_title"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_price_header_naming_its_currency_reads_every_cell_in_it(tmp_path, encoding):
    path = tmp_path / "km.csv"
    path.write_text(
        f"{LEG_HEADER},Cijena (KM),valuta,Napomena EUR\n"
        f"K1,{LEG},1500,,bilješka\n"  # 1500 under Cijena (KM): 1500 BAM
        f"K2,{LEG},1.500 KM,,\n"  # the currency written in the cell too
        f'K3,{LEG},"1000-2000",BAM,\n'  # a range; the currency column agreeing
        f"K4,{LEG},1500 EUR,,\n"  # another currency in the cell: two named
        f"K5,{LEG},1500,EUR,\n"  # another currency in the currency column
        f"K6,{LEG},jeftino,,\n",  # text that is no price: not also without a currency
        encoding=encoding,
    )
    valid, failures, currencies = judged(path)
    assert currencies == {"price": "BAM"}
    assert valid[["obs_id", "price_low", "price_high", "price_point", "currency"]].fillna(
        0
    ).values.tolist() == [
        ["K1", 0, 0, 1500, "BAM"], ["K2", 0, 0, 1500, "BAM"], ["K3", 1000, 2000, 0, "BAM"],
    ]  # fmt: skip
    by_row = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    assert by_row == {
        5: ("currency_matches_price_text", "EUR in the price text, BAM in the header of price"),
        6: ("currency_matches_price_text", "BAM in the header of price, EUR in currency"),
        7: ("price_text_readable", "jeftino"),
    }
    # Napomena EUR is no price column: an unknown column, kept private, its cells untouched.
    (chunk,) = read_all(path)
    assert chunk.frame.loc[2, "napomena_eur"] == "bilješka" and "notes" not in chunk.frame


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_field_table_of_drug_prices_reads_its_units_as_written(tmp_path, encoding):
    path = tmp_path / "droga.csv"
    path.write_text(
        "tok,Droga,nivo,Grad,Država,Datum,Cijena,Jedinica,Izvor\n"
        "drugs,cocaine,retail,Sarajevo,BA,03.2021,80 KM/g,,Synthetic\n"  # the unit after it
        'drugs,cocaine,wholesale,Sarajevo,BA,03.2021,"35.000 €",kg,Synthetic\n'
        "drugs,heroin,retail,Tuzla,BA,03.2021,40 KM,gram,Synthetic\n"
        "drugs,heroin,retail,Tuzla,BA,03.2021,50 KM/g,po gramu,Synthetic\n"  # both, agreeing
        "drugs,cannabis_herb,retail,Tuzla,BA,03.2021,10 KM/g,kg,Synthetic\n"  # disagreeing
        "drugs,heroin,retail,Tuzla,BA,03.2021,40 KM,10 g,Synthetic\n",  # ten grams: not guessed
        encoding=encoding,
    )
    valid, failures, _ = judged(path)
    staged = valid[["commodity", "price_point", "currency", "unit"]].values.tolist()
    assert staged == [
        ["cocaine", 80, "BAM", "per_gram"], ["cocaine", 35_000, "EUR", "per_kg"],
        ["heroin", 40, "BAM", "per_gram"], ["heroin", 50, "BAM", "per_gram"],
    ]  # fmt: skip
    by_row = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    assert by_row == {
        6: ("unit_matches_price_text", "per_gram in the price text, per_kg in unit"),
        7: ("unit_known", "10 g"),
    }


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_price_header_naming_its_unit_reads_every_cell_per_it(tmp_path, encoding):
    # Cijena po gramu (KM) was an unknown part of the price: every row was quarantined.
    path = tmp_path / "droga.csv"
    path.write_text(
        "tok,Droga,nivo,Grad,Država,Datum,Cijena po gramu (KM),Jedinica,Izvor\n"
        "drugs,cocaine,retail,Sarajevo,BA,03.2021,80,,Synthetic\n"  # per gram, from the header
        "drugs,heroin,retail,Tuzla,BA,03.2021,40,g,Synthetic\n"  # the unit column agreeing
        "drugs,heroin,retail,Tuzla,BA,03.2021,od 35 do 45,,Synthetic\n"  # a range
        "drugs,cocaine,wholesale,Tuzla,BA,03.2021,70,kg,Synthetic\n"  # the column disagreeing
        'drugs,cocaine,wholesale,Tuzla,BA,03.2021,"70.000 KM/kg",,Synthetic\n',  # the cell
        encoding=encoding,
    )
    (chunk,) = read_all(path)
    assert (chunk.currencies, chunk.units) == ({"price": "BAM"}, {"price": "per_gram"})
    valid, failures, _ = judged(path)
    staged = valid[["commodity", "price_low", "price_high", "price_point", "currency", "unit"]]
    assert staged.fillna(0).values.tolist() == [
        ["cocaine", 0, 0, 80, "BAM", "per_gram"], ["heroin", 0, 0, 40, "BAM", "per_gram"],
        ["heroin", 35, 45, 0, "BAM", "per_gram"],
    ]  # fmt: skip
    by_row = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    assert by_row == {
        5: ("unit_matches_price_text", "per_gram in the header of price, per_kg in unit"),
        6: ("unit_matches_price_text", "per_kg in the price text, per_gram in the header of price"),
    }


def test_a_json_price_object_keyed_by_its_unit_is_read_per_that_unit(tmp_path):
    # {"price": {"per_kg": 35000}} flattens to price_per_kg: a price per kg, not a part.
    path = tmp_path / "listings.jsonl"
    drug = {"flow": "drugs", "commodity": "cocaine", "market_level": "wholesale",
            "location_country": "RS", "date": "2021-06", "source_title": "Synthetic"}  # fmt: skip
    path.write_text(
        json.dumps({**drug, "price": {"per_kg": 35000, "currency": "EUR"}})
        + "\n"
        + json.dumps({**drug, "price": {"per_kg": 36000, "currency": "EUR"}, "unit": "gram"})
        + "\n",
        encoding="utf-8",
    )
    valid, failures, _ = judged(path)
    assert valid[["price_point", "currency", "unit"]].values.tolist() == [
        [35_000, "EUR", "per_kg"],
    ]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [2, "unit_matches_price_text", "per_kg in the header of price, per_gram in unit"],
    ]


def test_price_bounds_whose_headers_name_two_currencies_quarantine_rows_giving_both(tmp_path):
    path = tmp_path / "bounds.csv"
    path.write_text(
        f"{LEG_HEADER},Price low (EUR),Price high (KM)\n"
        f"B1,{LEG},500,900\n"  # 500 EUR to 900 BAM: one row has one currency
        f"B2,{LEG},500,\n"  # only the euro bound
        f"B3,{LEG},,900\n",  # only the mark bound
        encoding="utf-8",
    )
    valid, failures, currencies = judged(path)
    assert currencies == {"price_low": "EUR", "price_high": "BAM"}
    assert valid[["obs_id", "currency"]].values.tolist() == [["B2", "EUR"], ["B3", "BAM"]]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [2, "currency_matches_price_text",
         "EUR in the header of price_low, BAM in the header of price_high"],
    ]  # fmt: skip


def test_a_euro_sign_in_a_price_header_is_the_currency_of_its_cells(tmp_path):
    # The header key drops the sign (Price (€) is price): the rows were quarantined as having
    # no currency, and a workbook's sheets each have their own header.
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    euros = book.active
    euros.title = "eur"
    header = LEG_HEADER.split(",")
    euros.append([*header, "Price low (€)", "Price high (€)"])
    euros.append(["E1", *LEG.split(","), 1500, 2000])
    marks = book.create_sheet("km")
    marks.append([*header, "Cijena u KM"])
    marks.append(["M1", *LEG.split(","), 2500])
    book.save(path)
    chunks = read_all(path)
    assert [(c.sheet, c.currencies) for c in chunks] == [
        ("eur", {"price_low": "EUR", "price_high": "EUR"}), ("km", {"price": "BAM"}),
    ]  # fmt: skip
    valid, failures, _ = judged(path)
    assert failures.empty
    assert valid[["obs_id", "price_low", "price_high", "currency"]].values.tolist() == [
        ["E1", 1500, 2000, "EUR"]
    ]


def test_a_json_key_naming_a_currency_is_read_as_a_price_in_it(tmp_path):
    path = tmp_path / "ads.jsonl"
    record = dict(zip(LEG_HEADER.split(","), ["J1", *LEG.split(",")], strict=True))
    path.write_text(
        json.dumps({**record, "price_eur": 1800})
        + "\n"
        + json.dumps({**record, "obs_id": "J2", "price": {"eur": "2.000"}})
        + "\n",
        encoding="utf-8",
    )
    valid, failures, currencies = judged(path)
    assert currencies == {"price": "EUR"}
    assert failures.empty
    assert valid[["obs_id", "price_point", "currency"]].values.tolist() == [
        ["J1", 1800, "EUR"], ["J2", 2000, "EUR"],
    ]  # fmt: skip


def test_route_counts_take_no_currency_from_a_header(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text(
        "metric,route_or_leg,period,Vrijednost (EUR),value,source_org\n"
        "registered_arrivals,BA (country registrations),2020,5,120,Synthetic\n",
        encoding="utf-8",
    )
    (chunk,) = read_all(path, ROUTE_COLUMNS)
    assert chunk.currencies == {}
    assert chunk.frame.loc[2, ["vrijednost_eur", "value"]].tolist() == ["5", "120"]


def test_a_workbooks_number_cells_are_read_as_stored_beside_text_written_with_commas(tmp_path):
    # A field team's sheet: most prices typed as text the local way (12,5), some entered as
    # numbers. 1.234 stored as a number is 1.234; read by the text's comma it was 1234, and
    # in a sheet with no text evidence it was quarantined as ambiguous.
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*LEG_HEADER.split(","), "price_point", "currency"])
    for obs_id, price in [("X1", "12,5"), ("X2", 1.234), ("X3", 12.5), ("X4", "1.500,75")]:
        sheet.append([obs_id, *LEG.split(","), price, "EUR"])
    only_numbers = book.create_sheet("numbers")
    only_numbers.append([*LEG_HEADER.split(","), "price_low", "price_high", "currency"])
    only_numbers.append(["N1", *LEG.split(","), 1.125, 2.25, "EUR"])
    book.save(path)
    (chunk, numbers_chunk) = read_all(path)
    assert chunk.stored_decimals["price_point"].tolist() == [False, True, True, False]
    valid, failures, _ = judged(path)
    assert failures.empty
    assert valid[["obs_id", "price_point"]].values.tolist() == [
        ["X1", 12.5], ["X2", 1.234], ["X3", 12.5], ["X4", 1500.75],
    ]  # fmt: skip
    assert numbers_chunk.frame.loc[2, "price_low"] == "1.125"  # the raw layer's text


def test_json_numbers_are_read_as_numbers_never_as_thousands(tmp_path):
    path = tmp_path / "ads.jsonl"
    record = dict(zip(LEG_HEADER.split(","), ["J1", *LEG.split(",")], strict=True))
    lines = [
        {**record, "price": 2.125, "currency": "EUR"},  # was 2125 EUR, read as a price text
        {**record, "obs_id": "J2", "price_point": 1.234, "currency": "EUR"},  # was quarantined
        {**record, "obs_id": "J3", "price": "2.125 EUR"},  # text: thousands, as before
        {**record, "obs_id": "J4", "price_point": 0.00001, "currency": "EUR"},  # not 1e-05
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    valid, failures, _ = judged(path)
    assert failures.empty
    assert valid[["obs_id", "price_point"]].values.tolist() == [
        ["J1", 2.125], ["J2", 1.234], ["J3", 2125], ["J4", 0.00001],
    ]  # fmt: skip


def test_a_date_a_sheet_shows_as_a_month_or_a_year_is_that_month_or_year(tmp_path):
    # Excel turns "May 2020" typed into a cell into 1 May 2020 shown as "May-20": the period
    # a person sees is the month. Read as stored, it was a single day.
    import datetime as dt

    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    header = LEG_HEADER.split(",")
    sheet.append([*header, "price_point", "currency"])
    cells = LEG.split(",")
    for obs_id, shown in [("D1", "mmm-yy"), ("D2", '"godina" yyyy'), ("D3", "dd.mm.yyyy")]:
        sheet.append([obs_id, *cells, 1500, "EUR"])
        date = sheet.cell(row=sheet.max_row, column=header.index("date") + 1)
        date.value, date.number_format = dt.datetime(2020, 5, 1), shown
    book.save(path)
    valid, failures, _ = judged(path)
    assert failures.empty
    periods = valid[["obs_id", "period_start", "period_end", "period_precision"]]
    assert periods.astype("string").values.tolist() == [
        ["D1", "2020-05-01", "2020-05-31", "month"],
        ["D2", "2020-01-01", "2020-12-31", "year"],
        ["D3", "2020-05-01", "2020-05-01", "day"],
    ]


def test_a_sheets_header_below_a_long_block_of_notes_is_found(tmp_path):
    # An NGO workbook: a methodology note of 40 one-cell lines above the table. The sheet was
    # skipped (the header was sought among the first 30 rows): its rows counted nowhere.
    import openpyxl

    path = tmp_path / "book.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Podaci"
    for line in range(40):
        sheet.append([f"Metodologija, napomena {line + 1}."])
    sheet.append([*LEG_HEADER.split(","), "price_point", "currency"])
    sheet.append(["N1", *LEG.split(","), 1500, "EUR"])
    book.save(path)
    (chunk,) = read_all(path)
    assert (chunk.sheet, chunk.frame.index.tolist()) == ("Podaci", [42])
    assert chunk.frame.loc[42, "obs_id"] == "N1"


def test_a_price_text_stating_other_amounts_than_the_price_columns_is_quarantined(tmp_path):
    # The price text fills the price columns only where they are blank: 2000 € beside a
    # price_point of 1500 was published as 1500, the 2000 dropped without a word.
    path = tmp_path / "both.csv"
    path.write_text(
        f"{LEG_HEADER},price,price_low,price_high,price_point\n"
        f"A1,{LEG},2000 €,,,1500\n"  # two amounts for one price
        f"A2,{LEG},1500-2000 €,1000,2000,\n"  # two low ends
        f"A3,{LEG},1.500 €,,,1500\n"  # the same price twice
        f"A4,{LEG},1500-2000 €,1500,2000,\n"  # the same range twice
        f"A5,{LEG},2000 €,1500,2500,\n"  # a point within the range
        f"A6,{LEG},3000 €,1500,2500,\n"  # a point above the range
        f"A7,{LEG},1500-2500 €,,,1000\n",  # the range's point below it
        encoding="utf-8",
    )
    valid, failures, _ = judged(path)
    assert valid["obs_id"].tolist() == ["A3", "A4", "A5"]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [2, "amount_matches_price_text", "2000 € in price, 1500 in price_point"],
        [3, "amount_matches_price_text", "1500-2000 € in price, 1000 in price_low"],
        [7, "amount_matches_price_text", "3000 € in price, 2500 in price_high"],
        [8, "amount_matches_price_text", "1500-2500 € in price, 1000 in price_point"],
    ]


#: A people-smuggling price record of a scraper, before its spelling of the fields it varies.
SCRAPED = {
    "commodity": "smuggling_service", "origin_country": "RS", "destination_country": "HU",
    "date": "2020-05-01", "unit": "per_person", "source": "s",
}  # fmt: skip


def test_json_records_spelling_one_field_two_ways_are_read_alike_whatever_their_batch(tmp_path):
    # The batch's keys are the union of its records' keys: tok and flow, origin and from, id
    # and ad_id became flow and flow_dup (...), and each record giving the second spelling
    # lost its value: "flow is required", or an origin silently blank.
    records = [
        {"id": "J1", "tok": "people", "origin": "Subotica", "price": 1500, "currency": "EUR"},
        {"ad_id": "J2", "flow": "people", "from": "Šid", "price": {"amount": 1600},
         "price_currency": "EUR"},
        {"id": "J3", "flow": "People", "tok": "people", "price": 1700, "currency": "EUR"},
        {"id": "J4", "flow": "people", "price": 1800, "currency": "KM",
         "price_currency": "EUR"},  # two currencies in one record: which did the ad mean?
    ]  # fmt: skip
    path = tmp_path / "scraped.jsonl"
    path.write_text(
        "".join(json.dumps({**SCRAPED, **r}, ensure_ascii=False) + "\n" for r in records),
        encoding="utf-8",
    )
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "flow", "origin_place", "price_point", "currency"]].fillna(
        ""
    ).values.tolist() == [
        ["J1", "people", "Subotica", 1500, "EUR"], ["J2", "people", "Šid", 1600, "EUR"],
        ["J3", "people", "", 1700, "EUR"],
    ]  # fmt: skip
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [4, "column_given_once", "currency is given in two columns that disagree: KM and EUR"],
    ]
    # The raw layer keeps every cell as read: the second spelling under its _dup name.
    (chunk,) = read_all(path)
    assert chunk.frame.loc[2, ["flow", "flow_dup", "origin_place_dup"]].tolist() == [
        "", "people", "Šid",
    ]  # fmt: skip


def test_a_hidden_currency_column_and_a_visible_one_must_agree(tmp_path):
    # A hidden currency (KM) beat the visible Valuta (EUR): the row was published as BAM.
    import openpyxl

    path = tmp_path / "hidden.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*LEG_HEADER.split(",")[:1], "currency", *LEG_HEADER.split(",")[1:],
                  "price_point", "Valuta"])  # fmt: skip
    sheet.append(["H1", "KM", *LEG.split(","), 1500, "EUR"])  # they disagree
    sheet.append(["H2", "KM", *LEG.split(","), 1500, "bam"])  # the same currency
    sheet.append(["H3", None, *LEG.split(","), 1500, "EUR"])  # only the visible one
    sheet.append(["H4", "KM", *LEG.split(","), 1500, None])  # only the hidden one
    sheet.column_dimensions["B"].hidden = True
    book.save(path)
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "currency"]].values.tolist() == [
        ["H2", "BAM"], ["H3", "EUR"], ["H4", "BAM"],
    ]  # fmt: skip
    assert failures[["row_number", "column_name", "rule", "failure_case"]].values.tolist() == [
        [2, pd.NA, "column_given_once",
         "currency is given in two columns that disagree: KM and EUR"],
    ]  # fmt: skip


def test_copies_of_a_unit_or_country_column_agree_when_they_name_the_same_one(tmp_path):
    # unit and Jedinica, origin_country and Država porijekla: the code in one, a label in the
    # other. Compared as written, g and per_gram disagreed and the row was quarantined.
    path = tmp_path / "copies.csv"
    path.write_text(
        "obs_id,flow,commodity,origin_country,Država porijekla,destination_country,date,"
        "unit,Jedinica,price_point,currency,source_title\n"
        "U1,people,smuggling_service,RS,Srbija,HU,2020-05,per_person,po osobi,1500,EUR,S\n"
        "U2,people,smuggling_service,RS,Hrvatska,HU,2020-05,per_person,kg,1500,EUR,S\n",
        encoding="utf-8",
    )
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "origin_country", "unit"]].values.tolist() == [
        ["U1", "RS", "per_person"]
    ]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [3, "column_given_once",
         "origin_country is given in two columns that disagree: RS and Hrvatska; "
         "unit is given in two columns that disagree: per_person and kg"],
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_csv_header_written_twice_is_one_column_read_row_by_row(tmp_path, encoding):
    path = tmp_path / "twice.csv"
    path.write_text(
        f"{LEG_HEADER},Cijena (KM),Price (EUR),currency,notes,Napomena\n"
        f"T1,{LEG},1500,,,Žarko said,other words\n"  # notes differ: never compared
        f"T2,{LEG},,1600,,,\n"  # only Price (EUR): in euros, not in KM
        f"T3,{LEG},1700,1700,,,\n"  # the same figure under two currencies
        f"T4,{LEG},,1800,BAM,,\n",  # Price (EUR) against the currency column
        encoding=encoding,
    )
    valid, failures, currencies = judged(path)
    assert currencies == {"price": "BAM", "price_dup": "EUR"}
    assert valid[["obs_id", "price_point", "currency", "notes"]].fillna("").values.tolist() == [
        ["T1", 1500, "BAM", "Žarko said"], ["T2", 1600, "EUR", ""],
    ]  # fmt: skip
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [4, "column_given_once", "price is given in two columns that disagree:"
         " 1700 (under a header naming BAM) and 1700 (under a header naming EUR)"],
        [5, "currency_matches_price_text", "EUR in the header of price, BAM in currency"],
    ]  # fmt: skip


def test_route_counts_given_twice_take_the_filled_one_and_quarantine_two_that_differ(tmp_path):
    path = tmp_path / "routes.csv"
    path.write_text(
        "metric,route_or_leg,period_start,source_org,value,Vrijednost,Period\n"
        "pushbacks,RS->HU,2020,UNHCR,120,,\n"
        "pushbacks,RS->HU,2020,UNHCR,,130,\n"
        "pushbacks,RS->HU,2020,UNHCR,140,140,2020\n"
        "pushbacks,RS->HU,2020,UNHCR,150,15,\n",
        encoding="utf-8",
    )
    valid, failures, _ = judged(path, "routes")
    assert valid["value"].tolist() == [120, 130, 140]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [5, "column_given_once", "value is given in two columns that disagree: 150 and 15"],
    ]


def test_only_contract_columns_given_more_than_once_are_read_as_one():
    from schemas.repeated import copies

    names = [
        "unnamed_5", "unnamed_5_dup", "json_error_dup", "row_cells_dup", "currency_dup_dup",
        "currency", "currency_dup", "price_dup", "flow", "notes", "notes_dup",
    ]  # fmt: skip
    assert copies(names, PRICE_COLUMNS) == {
        "currency": ["currency", "currency_dup", "currency_dup_dup"],
        "notes": ["notes", "notes_dup"],
    }


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_header_written_again_is_quarantined_as_such_and_rows_below_read(tmp_path, encoding):
    path = tmp_path / "pasted.csv"
    path.write_text(
        f"{LEG_HEADER},Price (EUR)\n"
        f"P1,{LEG},1500\n"
        "OBS_ID,Flow,Commodity,Market level,Origin country,Destination country,Date,Unit,"
        "Source title,Price (EUR)\n"  # the same header, spelt as another export spells it
        f"P2,{LEG},2000\n"
        # a data row holding two words that are column names (link, source) is data
        "Link,people,smuggling_service,service,BA,HR,2020-05,per_person,Source,1500\n",
        encoding=encoding,
    )
    valid, failures, _ = judged(path)
    legs = valid[["obs_id", "origin_country", "destination_country", "price_point"]]
    assert legs.values.tolist() == [
        ["P1", "BA", "HR", 1500], ["P2", "BA", "HR", 2000], ["Link", "BA", "HR", 1500],
    ]  # fmt: skip
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [3, "row_is_header", "repeats the header of row 1"]
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_second_table_with_its_columns_in_another_order_fails_the_file(tmp_path, encoding):
    path = tmp_path / "concat.csv"
    path.write_text(
        f"{LEG_HEADER},price\n"
        f"P1,{LEG},1500\n"
        "\n"
        "obs_id,flow,commodity,market_level,destination_country,origin_country,date,unit,"
        "source_title,price\n"  # BA,HR below are destination BA, origin HR
        f"P2,{LEG},2000\n",
        encoding=encoding,
    )
    with pytest.raises(UnreadableFile) as raised:
        read_all(path, chunk_rows=1)  # the second header alone in its chunk
    assert str(raised.value) == (
        "row 4 starts a second table with other columns (column 5 is destination_country"
        " where row 1 has origin_country): put it in its own file or sheet"
    )


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_a_second_table_with_more_columns_fails_the_file_not_each_row(tmp_path, encoding):
    path = tmp_path / "wider.csv"
    path.write_text(
        f"{LEG_HEADER},price\nP1,{LEG},1500\n{LEG_HEADER},price,notes\nP2,{LEG},2000,x\n",
        encoding=encoding,
    )
    with pytest.raises(UnreadableFile, match="row 3 starts a second table with other columns"
                       r" \(column 11 is notes where row 1 has nothing\)"):  # fmt: skip
        read_all(path)


def test_a_second_header_naming_another_currency_fails_the_file(tmp_path):
    path = tmp_path / "currencies.csv"
    path.write_text(f"{LEG_HEADER},Cijena (KM)\nP1,{LEG},1500\n{LEG_HEADER},Cijena (EUR)\n")
    with pytest.raises(UnreadableFile, match=r"currency named: price in EUR where row 1 names"
                       " price in BAM"):  # fmt: skip
        read_all(path)


def _two_tables(path, second_header):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tabela"
    header = LEG_HEADER.split(",") + ["Price (EUR)"]
    sheet.append(header)
    sheet.append(["T1", *LEG.split(","), 1500])
    sheet.append([])
    sheet.append(["Tabela 2"])
    sheet.append(second_header)
    sheet.append(["T2", *LEG.split(","), 2000])
    other = book.create_sheet("Druga")
    other.append(header)
    other.append(["T3", *LEG.split(","), 2500])
    book.save(path)
    return header


def test_a_second_table_on_a_sheet_under_the_same_header_is_read_below_it(tmp_path):
    path = tmp_path / "two.xlsx"
    _two_tables(path, [h.upper() for h in LEG_HEADER.split(",")] + ["PRICE (EUR)"])
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "origin_country", "price_point", "currency"]].values.tolist() == [
        ["T1", "BA", 1500, "EUR"], ["T2", "BA", 2000, "EUR"],
    ]  # fmt: skip
    rules = failures.groupby("row_number")["rule"].apply(list).to_dict()
    assert rules[5] == ["row_is_header"]  # the header again; row 4 (a title) is not one
    assert "row_is_header" not in rules[4]


def test_a_second_table_on_a_sheet_with_other_columns_fails_the_workbook(tmp_path):
    path = tmp_path / "two.xlsx"
    header = LEG_HEADER.split(",") + ["Price (EUR)"]
    header[4:6] = ["destination_country", "origin_country"]
    _two_tables(path, header)
    with pytest.raises(UnreadableFile) as raised:
        read_all(path)
    assert str(raised.value) == (
        "sheet 'Tabela' row 5 starts a second table with other columns (column 5 is"
        " destination_country where row 1 has origin_country): put it in its own file or sheet"
    )


#: A field table's price range: ``Cijena (KM)`` merged over two columns, ``od`` | ``do`` below.
RANGE_HEADER = LEG_HEADER.split(",")[:-1] + ["Cijena (KM)", "", "Izvor"]
RANGE_ROW = LEG.split(",")[:-1]
RANGE_LEG = ",".join(RANGE_ROW)


def _range_book(path, subheader, price_header="Cijena (KM)"):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Cijene"
    sheet.append(["Pregled cijena krijumčarenja"])
    sheet.append(["Izvor:", "terenski rad", "Datum:", "07.2020"])
    sheet.append([])
    header = [price_header if cell == "Cijena (KM)" else cell for cell in RANGE_HEADER]
    sheet.append([cell or None for cell in header])
    column = RANGE_HEADER.index("Cijena (KM)") + 1
    sheet.merge_cells(start_row=4, start_column=column, end_row=4, end_column=column + 1)
    if subheader:
        sheet.append([None] * (column - 1) + list(subheader) + [None])
    sheet.append(["R1", *RANGE_ROW, 1000, 2000, "Synthetic"])
    sheet.append(["R2", *RANGE_ROW, 3000, None, "Synthetic"])  # the low end alone
    book.save(path)


def test_a_merged_price_header_over_od_and_do_reads_a_range_in_its_currency(tmp_path):
    # Read as one header row, the od | do row was a second table's header (the file failed);
    # before that check, row 6 was published as the point price 1000 BAM, 2000 lost unnamed.
    path = tmp_path / "merged.xlsx"
    _range_book(path, ["od", "do"])
    valid, failures, currencies = judged(path)
    assert currencies == {"price_low": "BAM", "price_high": "BAM"}
    assert failures.empty
    prices = valid[["obs_id", "price_low", "price_high", "price_point", "currency"]]
    assert prices.fillna(0).values.tolist() == [
        ["R1", 1000, 2000, 0, "BAM"], ["R2", 3000, 0, 0, "BAM"],
    ]  # fmt: skip
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [6, 7]  # the sub-header, row 5, is no row read
    assert not any(name.startswith("unnamed") for name in chunk.frame.columns)


def test_a_merged_price_header_naming_its_unit_reads_both_ends_per_it(tmp_path):
    path = tmp_path / "merged.xlsx"
    _range_book(path, ["od", "do"], price_header="Cijena po osobi (KM)")
    (chunk,) = read_all(path)
    assert chunk.units == {"price_low": "per_person", "price_high": "per_person"}
    valid, failures, currencies = judged(path)
    assert currencies == {"price_low": "BAM", "price_high": "BAM"}
    assert failures.empty
    prices = valid[["obs_id", "price_low", "price_high", "currency", "unit"]]
    assert prices.fillna(0).values.tolist() == [
        ["R1", 1000, 2000, "BAM", "per_person"], ["R2", 3000, 0, "BAM", "per_person"],
    ]  # fmt: skip


def _range_csv(path, subheader, encoding, rows):
    lines = ["Cijene krijumčarenja, terenski rad", ",".join(RANGE_HEADER)]
    if subheader:
        below = [""] * len(RANGE_HEADER)
        column = RANGE_HEADER.index("Cijena (KM)")
        below[column : column + 2] = subheader
        lines.append(",".join(below))
    path.write_text("\n".join(lines + rows) + "\n", encoding=encoding)


@pytest.mark.parametrize(
    ("encoding", "words"),
    [  # Arrow (utf-8) and the csv module (Windows-1250, which holds no Cyrillic; UTF-16)
        *[
            (e, w)
            for e in ("utf-8", "cp1250")
            for w in [("od", "do"), ("Min.", "MAX"), ("von", "bis")]
        ],
        ("utf-8", ("од", "до")),
        ("utf-16", ("од", "до")),
    ],
)
def test_a_merged_price_header_exported_to_csv_reads_a_range(tmp_path, encoding, words):
    path = tmp_path / "merged.csv"
    rows = [f"R1,{RANGE_LEG},1000,2000,Synthetic", f"R2,{RANGE_LEG},,2500,S"]
    _range_csv(path, words, encoding, rows)
    valid, failures, currencies = judged(path)
    assert currencies == {"price_low": "BAM", "price_high": "BAM"}
    assert failures.empty
    prices = valid[["obs_id", "price_low", "price_high", "price_point", "currency"]]
    assert prices.fillna(0).values.tolist() == [
        ["R1", 1000, 2000, 0, "BAM"], ["R2", 0, 2500, 0, "BAM"],
    ]  # fmt: skip
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [4, 5]  # title row 1, header 2, sub-header 3


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])
def test_a_row_below_a_merged_price_header_holding_data_is_no_sub_header(tmp_path, encoding):
    # od | do under the price, but a row of data around them: a data row, read as one.
    path = tmp_path / "data.csv"
    rows = [f"R1,{RANGE_LEG},od,do,Synthetic", f"R2,{RANGE_LEG},1500,,S"]
    _range_csv(path, None, encoding, rows)
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [3, 4]
    assert chunk.frame.columns[len(RANGE_HEADER) - 3 : len(RANGE_HEADER)].tolist() == [
        "price", "unnamed_10", "source_title",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", ["csv", "cp1250", "xlsx"])
def test_a_number_beside_a_price_under_no_header_is_quarantined_not_lost(tmp_path, kind):
    # No od | do row: 1000 | 2000 was published as the point price 1000 BAM, 2000 unnamed.
    if kind == "xlsx":
        path = tmp_path / "merged.xlsx"
        _range_book(path, None)
        first = 5
    else:
        path = tmp_path / "merged.csv"
        rows = [f"R1,{RANGE_LEG},1000,2000,Synthetic", f"R2,{RANGE_LEG},3000,,S"]
        _range_csv(path, None, "utf-8" if kind == "csv" else kind, rows)
        first = 3
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "price_point", "currency"]].values.tolist() == [["R2", 3000, "BAM"]]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [first, "price_beside_unnamed", "a number in column 10, which has no header, beside price"]
    ]


def test_a_merged_price_header_written_again_below_is_quarantined_with_its_sub_header(tmp_path):
    path = tmp_path / "pasted.csv"
    header = ",".join(RANGE_HEADER)
    below = ",".join([""] * 8 + ["od", "do", ""])
    rows = [f"R1,{RANGE_LEG},1000,2000,S", header, below, f"R2,{RANGE_LEG},5,6,S"]
    _range_csv(path, ("od", "do"), "utf-8", rows)
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "price_low", "price_high"]].values.tolist() == [
        ["R1", 1000, 2000], ["R2", 5, 6],
    ]  # fmt: skip
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [5, "row_is_header", "repeats the header of row 2"],
        [6, "row_is_header", "repeats the header of row 2"],
    ]


#: A scraper's people-smuggling ad, before its price object.
AD = {**SCRAPED, "flow": "people", "currency": "EUR"}


@pytest.mark.parametrize("shape", ["lines", "array"])
def test_a_price_objects_divisor_is_applied_to_every_price_it_accompanies(tmp_path, shape):
    # {"price": {"value": 150000, "divisor": 100}}: price_value is an alias of price, and
    # price_divisor was an unknown, private column: the ad was published as 150000 EUR.
    records = [
        {**AD, "id": "D1", "price": {"value": 150000, "divisor": 100}},
        {**AD, "id": "D2", "price": {"min": 100000, "max": 200000, "divisor": 100}},
        {**AD, "id": "D3", "price": {"amount": 1500}},  # no divisor: as written
    ]
    path = tmp_path / "ads.json"
    texts = [json.dumps(record) for record in records]
    path.write_text("\n".join(texts) if shape == "lines" else f"[{', '.join(texts)}]")
    valid, failures, _ = judged(path)
    assert failures.empty
    assert valid[["obs_id", "price_low", "price_high", "price_point", "currency"]].fillna(
        0
    ).values.tolist() == [
        ["D1", 0, 0, 1500, "EUR"], ["D2", 1000, 2000, 0, "EUR"], ["D3", 0, 0, 1500, "EUR"],
    ]  # fmt: skip


def test_a_price_with_a_part_the_contract_does_not_know_is_quarantined_naming_it(tmp_path):
    # Read without its part, each of these ads would publish another price than it states.
    records = [
        {**AD, "id": "P1", "price": {"value": 1500, "scale": 2}},
        {**AD, "id": "P2", "price": {"value": 150000, "divisor": 0}},
        {**AD, "id": "P3", "price": {"value": 150000, "cents": True}},
        {**AD, "id": "P4", "price": {"min": 1000, "max": 2000, "note": "za grupu"}},
        {**AD, "id": "P5", "price": {"value": 1500, "scale": None, "note": ""}},  # blank: none
        {**AD, "id": "P6", "price": {"amount": 1500, "currency": "EUR"}},
        {**AD, "id": "P7", "price": {"min": 1000, "max": 2000, "currency": "EUR"}},
        {**AD, "id": "P8", "price": {"text": "do 2000 €"}},
    ]
    path = tmp_path / "ads.json"
    path.write_text(json.dumps({"results": records}), encoding="utf-8")
    valid, failures, _ = judged(path)
    assert valid["obs_id"].tolist() == ["P5", "P6", "P7", "P8"]  # known parts and aliases as before
    assert failures[["row_number", "column_name", "rule", "failure_case"]].fillna(
        ""
    ).values.tolist() == [
        [1, "", "price_part_known", "price_scale = 2"],
        [2, "", "price_part_known", "price_divisor = 0, not a positive number"],
        [3, "", "price_part_known", "price_cents = true"],
        [4, "", "price_part_known", "price_note = (text, not shown)"],  # a private column's text
    ]  # fmt: skip


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250"])  # Arrow, and the csv module
def test_a_csv_column_naming_a_part_of_a_price_is_applied_or_quarantined(tmp_path, encoding):
    path = tmp_path / "parts.csv"
    path.write_text(
        f"{LEG_HEADER},Cijena,Cijena divisor,Price low,Price low multiplier,valuta\n"
        f"C1,{LEG},150000,100,,,EUR\n"  # in cents: 1500 EUR
        f"C2,{LEG},,,1500,1000,EUR\n"  # 1500 thousand? 1500 times 1000?
        f"C3,{LEG},1500,,,,EUR\n"  # blank parts: as written
        f"C4,{LEG},150.000 KM,-100,,,\n",  # a negative divisor divides nothing
        encoding=encoding,
    )
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "price_point", "currency"]].values.tolist() == [
        ["C1", 1500, "EUR"], ["C3", 1500, "EUR"],
    ]  # fmt: skip
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [3, "price_part_known", "price_low_multiplier = 1000"],
        [5, "price_part_known", "cijena_divisor = -100, not a positive number"],
    ]


def test_parts_that_say_nothing_about_the_amount_leave_a_price_alone(tmp_path):
    # An ad's negotiable flag, a column that only starts like an alias (max, high), and the
    # price object's unit, read as the row's unit: none of them changes the price.
    bare = {key: value for key, value in AD.items() if key != "unit"}
    records = [
        {**AD, "id": "N1", "price": {"value": 1500, "negotiable": True}},
        {**AD, "id": "N2", "price": {"value": 1500}, "max_persons": 4, "high_season": "yes"},
        {**bare, "id": "N3", "price": {"value": 1500, "unit": "po osobi"}},
        {**bare, "id": "N4", "price": {"value": 1500, "per": "person"}},
    ]
    path = tmp_path / "ads.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in records), encoding="utf-8")
    valid, failures, _ = judged(path)
    assert failures.empty
    assert valid[["obs_id", "price_point", "unit"]].values.tolist() == [
        ["N1", 1500, "per_person"], ["N2", 1500, "per_person"],
        ["N3", 1500, "per_person"], ["N4", 1500, "per_person"],
    ]  # fmt: skip


def _declare_whole_sheet(path, far_cell: bool = False) -> None:
    """Rewrite a workbook's first sheet to declare the whole sheet as its size (as some
    exporters write it), with a cell in the sheet's last row if ``far_cell``."""
    with zipfile.ZipFile(path) as book:
        members = {name: book.read(name) for name in book.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    sheet = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    if far_cell:
        far = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>end</t></is></c></row>'
        sheet = sheet.replace(b"</sheetData>", far + b"</sheetData>")
    members["xl/worksheets/sheet1.xml"] = sheet
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)


@pytest.mark.parametrize("far_cell", [False, True])
def test_a_workbook_declaring_the_whole_sheet_is_read_as_the_cells_it_writes(tmp_path, far_cell):
    # <dimension ref="A1:XFD1048576"/>: every row was padded to 16,384 cells, and a cell in
    # the last row made openpyxl build every row down to it (a 6 KB file read for 42 minutes).
    path = tmp_path / "whole_sheet.xlsx"
    title_block_workbook(path, "bilješka")
    _declare_whole_sheet(path, far_cell)
    chunks = list(read_all(path))
    frame = pd.concat([chunk.frame for chunk in chunks])
    assert len(frame.columns) < 30  # the header's 12 columns and the reader's own
    assert frame.loc[6, "obs_id"] == "W1"
    assert frame.index.tolist() == ([6, 1048576] if far_cell else [6])


@pytest.mark.parametrize("shape", ["lines", "array"])
def test_a_json_key_written_twice_in_a_record_is_a_column_given_twice(tmp_path, shape):
    # {"price_point": 2500, ..., "price_point": 9999999}: the parser kept the last and the
    # row was published at 9,999,999 EUR without a word.
    ad = json.dumps({**AD, "id": "K1", "price_point": 2500})
    twice = ad[:-1] + ', "price_point": 9999999}'
    same = json.dumps({**AD, "id": "K2", "price_point": 2500})[:-1] + ', "price_point": 2500}'
    lines = [twice, same, json.dumps({**AD, "id": "K3", "price_point": 1800})]
    path = tmp_path / "ads.json"
    path.write_text("\n".join(lines) if shape == "lines" else f"[{', '.join(lines)}]")
    valid, failures, _ = judged(path)
    assert valid[["obs_id", "price_point"]].values.tolist() == [["K2", 2500], ["K3", 1800]]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [1, "column_given_once",
         "price_point is given in two columns that disagree: 2500 and 9999999"],
    ]  # fmt: skip


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_json_array_nested_too_deeply_is_refused_before_it_is_parsed(tmp_path, wrapped):
    # ijson keeps a path per level that grows with the depth: a 200 KB array holding one
    # record 100,000 levels deep took 23 GB and the run was killed. 5,000 levels here (a
    # RecursionError in pandas without the scan), so that a regression cannot exhaust CI.
    deep = '{"a": ' * 5_000 + "1" + "}" * 5_000
    records = [json.dumps({**AD, "id": "R1"}), deep, json.dumps({**AD, "id": "R3"})]
    body = "[\n" + ",\n".join(records) + "\n]"
    path = tmp_path / "deep.json"
    path.write_text('{"results":\n' + body + "}" if wrapped else body, encoding="utf-8")
    line = 4 if wrapped else 3  # the line the deep record starts nesting on
    with pytest.raises(UnreadableFile, match=f"nested more than 64 levels deep on line {line}"):
        read_all(path)


def test_a_json_line_nested_too_deeply_is_quarantined_and_the_other_lines_read(tmp_path):
    # A record 100,000 levels deep raised RecursionError and failed the whole file.
    deep = '{"a": ' * 100_000 + "1" + "}" * 100_000
    lines = [json.dumps({**AD, "id": "R1", "price_point": 2500}), deep]
    lines.append(json.dumps({**AD, "id": "R3", "price_point": 1800}))
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    valid, failures, _ = judged(path)
    assert valid["obs_id"].tolist() == ["R1", "R3"]
    assert failures[["row_number", "rule", "failure_case"]].values.tolist() == [
        [2, "record_readable", "nested too deeply to read"],
    ]


def test_an_r_export_reads_its_na_cells_as_blank_never_as_namibia(tmp_path):
    # R's write.csv writes a missing value as NA (a row-names column first): every row was
    # quarantined for a number or date it did not give, and NA in a country column was staged
    # as Namibia. pandas' read_csv defaults (N/A, #N/A, NULL, None, ...) are blank too.
    path = tmp_path / "prices_from_R.csv"
    path.write_text(
        '"","obs_id","flow","commodity","market_level","origin_country","destination_country",'
        '"location_country","period_start","period_end","price_low","price_high","price_point",'
        '"currency","unit","source_title","quote","confidence"\n'
        '"1","R1","people","smuggling_service","service","RS","HU",NA,"2020-01-01",NA,NA,NA,'
        '2500,"EUR","per_person","Synthetic",NA,"high"\n'
        '"2","R2","drugs","cocaine","retail",NA,NA,"ME","2020-05-01",NA,50,70,NA,"EUR",'
        '"per_gram","Synthetic",#N/A,NULL\n'
        '"3","R3","people","smuggling_service","service","BA",N/A,NA,"2020-06-01",NA,NA,NA,'
        'n/a,"EUR","per_person","Synthetic",None,NA\n',
        encoding="utf-8",
    )
    valid, failures, _ = judged(path)
    countries = ["obs_id", "origin_country", "destination_country", "location_country"]
    assert valid[countries].fillna("").values.tolist() == [
        ["R1", "RS", "HU", ""], ["R2", "", "", "ME"],
    ]  # fmt: skip
    assert valid[["price_low", "price_point"]].fillna(0).values.tolist() == [[0, 2500], [50, 0]]
    # n/a as the only price: a row without a price, not a text that does not read
    assert failures[["row_number", "rule"]].values.tolist() == [[4, "price_given"]]
    (chunk,) = read_all(path)
    assert chunk.frame.loc[2, "location_country"] == "NA"  # the raw layer keeps it as written


def test_a_workbooks_hidden_sheets_are_not_read_and_the_layout_says_so(tmp_path):
    # An old draft hidden beside this year's sheet was published too (a second RS->HU price
    # at ten times the others), and a hidden list for a drop-down was quarantined row by row.
    import openpyxl

    path = tmp_path / "rs_2021.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2021"
    sheet.append(LEG_HEADER.split(",") + ["price_point", "currency"])
    sheet.append(["P1", *LEG.split(","), 3000, "EUR"])
    draft = book.create_sheet("2021 (old draft)")
    draft.append(LEG_HEADER.split(",") + ["price_point", "currency"])
    draft.append(["P1", *LEG.split(","), 30000, "EUR"])
    draft.sheet_state = "hidden"
    lists = book.create_sheet("Lists")
    lists.append(["flow", "unit"])
    lists.append(["people", "per_person"])
    lists.sheet_state = "veryHidden"
    book.save(path)
    layout = describe_file(path)
    chunks = list(read_chunks(path, PRICE_COLUMNS, 1000, layout))
    assert [(c.sheet, c.frame["price_point"].tolist()) for c in chunks] == [("2021", ["3000"])]
    assert layout.hidden_note() == "hidden sheets not read: '2021 (old draft)', 'Lists'"
    # A workbook whose every table is hidden has no rows to read, and says why.
    notes = book.create_sheet("Notes")
    notes.append(["Prepared by the field team, 2021"])
    book.active = notes
    sheet.sheet_state = "hidden"
    book.save(path)
    with pytest.raises(UnreadableFile, match="hidden sheets not read: '2021', '2021 \\(old"):
        read_all(path)


def test_a_workbooks_percentages_are_read_as_the_percent_shown(tmp_path):
    # Excel stores 1.5% typed into a cell as 0.015: an estimate in percent_of_gdp was
    # published a hundred times too small. A % written as text in a format ("0.0"%"") is no
    # percentage: the number is as shown, as stored.
    import openpyxl

    path = tmp_path / "estimates.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    header = ["obs_id", "flow", "commodity", "market_level", "location_country", "date"]
    sheet.append([*header, "price_point", "unit", "source_title"])
    share = ["money", "laundering_share", "estimate", "AL", "2020"]
    for obs_id, value, shown in [("E1", 0.015, "0.0%"), ("E2", 0.1, "0%"), ("E3", 5.5, '0.0"%"')]:
        sheet.append([obs_id, *share, value, "percent_of_gdp", "Synthetic"])
        sheet.cell(sheet.max_row, 7).number_format = shown
    book.save(path)
    valid, failures, _ = judged(path)
    assert failures.empty
    shares = valid[["obs_id", "price_point"]].values.tolist()
    assert shares == [["E1", 1.5], ["E2", 10], ["E3", 5.5]]


def test_a_ratio_a_workbook_shows_as_a_percentage_is_read_as_stored(tmp_path):
    # 2.5 times the origin's price, formatted 250%: read as the percentage shown, it was
    # published as a ratio of 250. The unit of its row says which the number means.
    import openpyxl

    path = tmp_path / "ratios.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["obs_id", "flow", "commodity", "market_level", "location_country", "date",
                  "price_point", "unit", "source_title"])  # fmt: skip
    sheet.append(["R1", "drugs", "cocaine", "retail", "AT", "2020", 2.5, "ratio_price_vs_origin",
                  "Synthetic"])  # fmt: skip
    sheet.append(["R2", "money", "laundering_share", "estimate", "AL", "2020", 0.3,
                  "percent_premium", "Synthetic"])  # fmt: skip
    for row in (2, 3):
        sheet.cell(row, 7).number_format = "0%"
    book.save(path)
    (chunk,) = read_all(path)
    assert chunk.frame["price_point"].tolist() == ["2.5", "30"]


def test_a_cell_merged_down_a_workbooks_rows_gives_its_value_to_each_of_them(tmp_path):
    # A field sheet merges the origin over the legs leaving it: read as written, the rows
    # below the first were blank there and published as legs from nowhere (? -> AT).
    import openpyxl

    path = tmp_path / "legs.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Pregled cijena 2021"])  # a title merged across, above the header
    sheet.merge_cells("A1:E1")
    sheet.append(["obs_id", "origin_country", "destination_country", "price_point", "source"])
    sheet.append(["P1", "RS", "HU", 3000, "Field notes"])
    sheet.append(["P2", None, "AT", 5000, "Interview"])
    sheet.append(["P3", None, "DE", 7000, None])
    sheet.append(["P4", "BA", "HR", 2000, None])
    sheet.merge_cells("B3:B5")  # RS over P1, P2, P3
    sheet.merge_cells("E4:E6")  # one source over P2, P3, P4
    sheet.merge_cells("C6:D6")  # merged across: its value stays in its first column
    book.save(path)
    (chunk,) = read_all(path)
    cells = chunk.frame[["obs_id", "origin_country", "destination_country", "source_title"]]
    assert cells.fillna("").values.tolist() == [
        ["P1", "RS", "HU", "Field notes"], ["P2", "RS", "AT", "Interview"],
        ["P3", "RS", "DE", "Interview"], ["P4", "BA", "HR", "Interview"],
    ]  # fmt: skip
    # C6:D6 holds HR in C6 alone (the merge blanked D6): D6 is not given it
    assert chunk.frame["price_point"].fillna("").tolist() == ["3000", "5000", "7000", ""]


#: A report table's header of two rows: group labels over the columns they head.
GROUPED_HEADER = [
    ["Leg", "", "Origin", "", "Destination", "", "Price per person (EUR)", "", "Period", "Izvor"],
    ["flow", "unit", "Country", "Place", "Country", "Place", "min", "max", "", "Izvor"],
]
GROUPED_ROWS = [
    ["people", "per_person", "BA", "Bihać", "HR", "", "1500", "2000", "2020", "GI-TOC 2021"],
    ["people", "per_person", "GR", "", "MK", "Gevgelija", "500", "700", "2020", "GI-TOC 2021"],
]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_header_of_group_labels_over_column_labels_is_read_as_one(tmp_path, kind):
    # Read as one row, the row of column labels was a second table's header: the file failed
    # ("put it in its own file or sheet") and none of its rows was read.
    if kind == "xlsx":
        import openpyxl

        path = tmp_path / "table2.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Table 2: smuggling fees per leg, 2020"])
        for row in GROUPED_HEADER + GROUPED_ROWS:
            sheet.append([cell or None for cell in row])
        for start in ("A2:B2", "C2:D2", "E2:F2", "G2:H2"):
            sheet.merge_cells(start)
        book.save(path)
    else:
        path = tmp_path / "table2.csv"
        lines = ["Table 2: smuggling fees per leg, 2020"] + [
            ",".join(row) for row in GROUPED_HEADER + GROUPED_ROWS
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (chunk,) = read_all(path)
    assert (chunk.currencies, chunk.units) == (
        {"price_low": "EUR", "price_high": "EUR"},
        {"price_low": "per_person", "price_high": "per_person"},
    )
    assert chunk.frame.index.tolist() == [4, 5]  # title, group labels, column labels
    valid, failures, _ = judged(path)
    assert failures.empty
    columns = ["flow", "origin_country", "origin_place", "destination_country",
               "destination_place", "price_low", "price_high", "currency", "unit"]  # fmt: skip
    assert valid[columns].fillna("").values.tolist() == [
        ["people", "BA", "Bihać", "HR", "", 1500, 2000, "EUR", "per_person"],
        ["people", "GR", "", "MK", "Gevgelija", 500, 700, "EUR", "per_person"],
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_note_written_below_a_table_is_set_aside_and_its_text_kept_private(tmp_path, kind):
    # Read as a row, a footnote was the row's obs_id, published in the quarantine and its CSV
    # extract; a note may name people. A row of one short cell (an id alone) is a row.
    note = "Napomena: cijene od informanta Marka B., Velika Kladuša, jul 2020."
    rows = [
        ["P1", *LEG.split(","), "1500", "EUR"],
        ["P2", *[""] * len(LEG.split(",")), "", ""],
        [note, *[""] * (len(LEG.split(",")) + 2)],
    ]
    header = LEG_HEADER.split(",") + ["price_point", "currency"]
    if kind == "csv":
        path = tmp_path / "notes.csv"
        path.write_text(
            "\n".join(",".join(f'"{c}"' for c in row) for row in [header, *rows]) + "\n",
            encoding="utf-8",
        )
    else:
        import openpyxl

        path = tmp_path / "notes.xlsx"
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append([cell or None for cell in row])
        book.active.merge_cells(f"A4:{openpyxl.utils.get_column_letter(len(header))}4")
        book.save(path)
    (chunk,) = read_all(path)
    assert chunk.frame.loc[4, "row_cells"] == json.dumps([note], ensure_ascii=False)
    assert chunk.frame.loc[4, header].isna().all()  # in no column: obs_id is blank
    valid, failures, _ = judged(path)
    assert valid["obs_id"].tolist() == ["P1"]
    by_row = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    assert by_row[4] == ("row_is_observation", "a note of 66 characters in obs_id, not shown")
    assert by_row[3][0] != "row_is_observation"  # P2 alone: a row lacking its cells
    assert "Marka" not in failures.to_csv()


def test_a_group_saying_where_over_labels_saying_what_names_the_place_columns(tmp_path):
    # From | Odredište over Country | City | Država | Grad: each label alone is the row's
    # location, and the legs were published from and to nowhere. Persons per boat over
    # min | max is no price range: read as one, min and max were taken for its bounds.
    path = tmp_path / "boats.csv"
    path.write_text(
        "ID,From,,Odredište,,Persons per boat,,Price per person (EUR),Period,Flow,Commodity,Izvor\n"
        ",Country,City,Država,Grad,min,max,,,,,\n"
        "K1,TR,Ayvalık,GR,Lesvos,20,45,2500,2023,people,smuggling_service,Interview\n",
        encoding="utf-8",
    )
    (chunk,) = read_all(path)
    assert chunk.frame.columns[:7].tolist() == [
        "obs_id", "origin_country", "origin_place", "destination_country", "destination_place",
        "persons_per_boat_min", "persons_per_boat_max",
    ]  # fmt: skip
    valid, failures, _ = judged(path)
    assert failures.empty
    columns = ["origin_country", "origin_place", "destination_country", "destination_place"]
    assert valid[columns + ["price_point", "unit"]].values.tolist() == [
        ["TR", "Ayvalık", "GR", "Lesvos", 2500, "per_person"],
    ]


def test_a_merged_column_running_past_a_blank_row_and_a_note_fills_neither(tmp_path):
    # The source merged down to the last line: filled, the blank spacer became a row and the
    # note below the table a row of two cells, published in the quarantine with a phone number.
    import openpyxl

    note = "Napomena: cijene od informanta Marka B. (telefon 065 123 456)."
    path = tmp_path / "merge_note.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["obs_id", "origin_country", "destination_country", "price_point", "source"])
    sheet.append(["P1", "RS", "HU", 3000, "Field notes"])
    sheet.append([])
    sheet.append(["P2", "RS", "AT", 5000])
    sheet.append([note])
    sheet.merge_cells("E2:E5")
    book.save(path)
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [2, 4, 5]  # the blank row 3 is no row
    assert chunk.frame.loc[4, "source_title"] == "Field notes"
    assert chunk.frame.loc[5, "row_cells"] == json.dumps([note], ensure_ascii=False)
    assert chunk.frame.loc[5, ["obs_id", "source_title"]].isna().all()
