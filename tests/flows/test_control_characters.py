"""Control characters in cells (a NUL from a damaged file, a bell or an escape pasted in)."""

from __future__ import annotations

import duckdb
import pytest
from openpyxl import load_workbook

from flows.cli import EXIT_OK, main
from tests.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("prefect_server")


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
