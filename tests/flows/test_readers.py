"""Files are read as researchers send them: any header spelling, extra columns kept, every
sheet of a workbook, JSON Lines; row numbers are the ones a person sees."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from flows.readers import UnreadableFile, read_chunks
from schemas.columns import ROUTE_COLUMNS


def read_all(path, chunk_rows=1000):
    return list(read_chunks(path, ROUTE_COLUMNS, chunk_rows))


def test_csv_headers_match_canonical_columns_and_extras_are_kept(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(
        "\ufeffObs ID,Metric,Route-Or-Leg,PERIOD_START,Value,Field Team\n"
        "R1,pushbacks,HR->BA,2020-01,12,Team A\n",
        encoding="utf-8",
    )
    (chunk,) = read_all(path)
    assert {"obs_id", "metric", "route_or_leg", "period_start", "value"} <= set(chunk.frame)
    assert chunk.frame.loc[2, "field_team"] == "Team A"
    assert chunk.frame.index.tolist() == [2]  # the header is row 1


def test_csv_chunks_keep_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "r.csv"
    lines = ["obs_id,value"] + [f"R{i},{i}" for i in range(5)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    chunks = read_all(path, chunk_rows=2)
    assert [c.frame.index.tolist() for c in chunks] == [[2, 3], [4, 5], [6]]


def test_every_sheet_of_a_workbook_is_read_with_its_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"Obs_ID": ["A1"], "Value": [5]}).to_excel(
            writer, sheet_name="Bihac", index=False
        )
        pd.DataFrame({"obs id": ["B1", "B2"], "value": [6, 7]}).to_excel(
            writer, sheet_name="Subotica", index=False
        )
    chunks = read_all(path)
    assert [(c.sheet, c.frame["obs_id"].tolist()) for c in chunks] == [
        ("Bihac", ["A1"]),
        ("Subotica", ["B1", "B2"]),
    ]


def test_json_lines_rows_are_numbered_by_line(tmp_path):
    path = tmp_path / "ads.jsonl"
    rows = [{"obs_id": "J1", "value": 3}, {"obs_id": "J2", "value": 4, "seller": "x"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    (chunk,) = read_all(path)
    assert chunk.frame.index.tolist() == [1, 2]
    assert chunk.frame.loc[2, "value"] == "4"


def test_a_windows_1250_file_is_read_with_its_letters(tmp_path):
    path = tmp_path / "cp1250.csv"
    path.write_bytes('obs_id,route_or_leg\nR1,"Bihać–Šid, Velika Kladuša"\n'.encode("cp1250"))
    (chunk,) = read_all(path)
    assert chunk.frame.loc[2, "route_or_leg"] == "Bihać–Šid, Velika Kladuša"


def test_a_file_that_is_not_text_is_reported_with_a_reason(tmp_path):
    path = tmp_path / "noise.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(UnreadableFile, match="binary"):
        read_all(path)
