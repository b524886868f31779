"""Control characters in cells (a NUL from a damaged file, a bell or an escape pasted in):
the row is quarantined with its own rule, and no such character reaches a published table or
an extract."""

from __future__ import annotations

import re

import duckdb
import pytest
from openpyxl import load_workbook

from flows.cli import EXIT_OK, main
from flows.encodings import SAMPLE_BYTES
from tests.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("prefect_server")

HEADER = (
    "obs_id,flow,commodity,market_level,origin_country,origin_place,destination_country,"
    "destination_place,period_start,price_point,currency,unit,source_title,notes\n"
)
ROW = "{id},people,smuggling_service,service,RS,{place},HU,,2020-06,2500,EUR,per_person,{title},\n"
CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
REASON = "text_printable: text must not hold control characters such as NUL"


def _late_nul_file(path) -> int:
    """Clean rows past the first megabyte the encoding is sniffed from (a NUL there would
    make the whole file binary), then a row whose last cell ends in a NUL; its row count."""
    rows = [HEADER]
    size = len(HEADER)
    while size <= SAMPLE_BYTES:
        rows.append(ROW.format(id=f"L{len(rows):05d}", place="Subotica", title="Field notes"))
        size += len(rows[-1])
    rows.append(ROW.format(id="LNUL", place="Subotica", title="src\x00"))
    path.write_text("".join(rows), encoding="utf-8")
    return len(rows) - 1


def test_control_characters_in_cells_are_quarantined_and_never_published(workspace):
    ws = workspace
    late_rows = _late_nul_file(ws.raw / "prices" / "late_nul.csv")
    (ws.raw / "prices" / "ctrl.csv").write_text(
        HEADER
        + ROW.format(id="C1", place="Subotica", title="Field notes")
        + ROW.format(id="C2", place="Subo\x07tica", title="bell\x1bescape")
        + ROW.format(id="C3", place="Subotica", title='"line1\x0bline2"')
        + ROW.format(id="C4", place="Subotica", title="Field notes").replace(",\n", ",met \x07N\n")
        + ROW.format(id="C\x7f5", place="Subotica", title="Field notes"),
        encoding="utf-8",
    )
    (ws.raw / "routes" / "counts.csv").write_text(
        "obs_id,metric,route_or_leg,period_start,value,source_org\n"
        "R1,detections_irregular_crossings,western_balkan_route,2020-01,1200,Frontex\n"
        "R2,detections_irregular_crossings,western_balkan\x1b_route,2020-01,1100,Frontex\n",
        encoding="utf-8",
    )
    ws.run()

    quarantined = ws.query(
        "SELECT file_path, row_number, obs_id, rules, reasons FROM quarantine_rows ORDER BY 1, 2"
    )
    assert [(f, n, i, r) for f, n, i, r, _ in quarantined] == [
        ("prices/ctrl.csv", 3, "C2", ["text_printable"]),
        ("prices/ctrl.csv", 4, "C3", ["text_printable"]),
        ("prices/ctrl.csv", 5, "C4", ["text_printable"]),
        ("prices/ctrl.csv", 6, "C\ufffd5", ["text_printable"]),  # DEL shown as U+FFFD
        ("prices/late_nul.csv", late_rows + 1, "LNUL", ["text_printable"]),
        ("routes/counts.csv", 3, "R2", ["text_printable"]),
    ]
    reasons = {obs_id: reason for _, _, obs_id, _, reason in quarantined}
    # The column is named and the character shown as an escape; a note's text is never shown.
    assert f"{REASON}" in reasons["C2"] and "(origin_place = \\x07)" in reasons["C2"]
    assert "(source_title = \\x1b)" in reasons["C2"]
    assert "(source_title = \\x0b)" in reasons["C3"]
    assert "(notes = \\x07)" in reasons["C4"] and "met" not in reasons["C4"]
    assert "(source_title = \\x00)" in reasons["LNUL"]
    assert "(obs_id = \\x7f)" in reasons["C\ufffd5"]
    assert "(route_or_leg = \\x1b)" in reasons["R2"]

    # Every row is accounted for: read = staged + quarantined, file by file.
    assert ws.query(
        "SELECT file_path, rows_read, rows_staged, rows_quarantined FROM ingest_files ORDER BY 1"
    ) == [
        ("prices/ctrl.csv", 5, 1, 4),
        ("prices/late_nul.csv", late_rows, late_rows - 1, 1),
        ("routes/counts.csv", 2, 1, 1),
    ]

    # No control character in any text of any published table ...
    tables = ws.query(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'JSON', 'VARCHAR[]')"
    )
    assert tables
    dirty = [
        (table, column)
        for table, column in tables
        if ws.query(
            f'SELECT count(*) FROM "{table}" WHERE regexp_matches(CAST("{column}" AS VARCHAR), ?)',
            [CONTROL],
        )[0][0]
    ]
    assert dirty == []
    # ... nor in any extract, the quarantine's included.
    extracts = sorted((ws.marts / "extracts").glob("*.csv"))
    assert "quarantine_rows.csv" in {path.name for path in extracts}
    for path in extracts:
        assert not re.search(CONTROL, path.read_text(encoding="utf-8-sig")), path.name


def test_xlsx_export_of_a_build_published_with_control_characters_succeeds(workspace, tmp_path):
    ws = workspace
    ws.add(FIXTURES / "raw" / "prices" / "field_notes_2020.csv", "prices")
    ws.run()
    # A build published before text_printable existed staged such text: put some back in it.
    with duckdb.connect(str(ws.db)) as con:
        con.execute(
            "UPDATE mart_smuggling_prices SET origin_place = 'Subo' || chr(7) || 'tica'"
            " WHERE origin_place = 'Subotica'"
        )
    out = tmp_path / "prices.xlsx"
    code = main(
        ["export", "mart_smuggling_prices", "--format", "xlsx", "--out", str(out),
         "--marts-dir", str(ws.marts)]
    )  # fmt: skip
    assert code == EXIT_OK
    cells = {
        value for row in load_workbook(out).active.iter_rows(values_only=True) for value in row
    }
    assert "Subo\ufffdtica" in cells  # the bell, as the quarantine shows such a character
