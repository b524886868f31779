"""Excel-safe cells on a real DuckDB table: every OWASP formula prefix is neutralised, numbers
stay numbers, dates are ISO, EUR amounts are rounded to cents."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from flows.excel_safe import safe_expression

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "=\u0301SUM(A1)",  # a combining mark after the = : the first character is still =
]


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (place VARCHAR, price_mid_eur DOUBLE, n_obs BIGINT, period_start DATE,"
        " value DOUBLE)"
    )
    rows = [(text, -2.5, -3, dt.date(2020, 6, 1), -1.23456) for text in HOSTILE]
    rows += [("-2.5", 1234.5678, 2, dt.date(2021, 1, 31), 7.0), ("Бихаћ / Bihać", None, 1, None, 0)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", rows)
    yield con
    con.close()


def select_safe(con) -> list[tuple]:
    columns = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 't'"
    )
    exprs = ", ".join(safe_expression(c, t) for c, t in columns.fetchall())
    return con.execute(f"SELECT {exprs} FROM t").fetchall()


def test_every_formula_prefix_gets_a_leading_quote(con):
    places = [row[0] for row in select_safe(con)]
    assert places[: len(HOSTILE)] == ["'" + text for text in HOSTILE]


def test_numbers_stay_numbers_and_text_numbers_are_left_alone(con):
    rows = select_safe(con)
    assert rows[0][1:3] == (-2.5, -3)  # numeric columns keep their type and sign
    assert isinstance(rows[0][1], float) and isinstance(rows[0][2], int)
    assert rows[len(HOSTILE)][0] == "-2.5"  # a plain number in text is not a formula


def test_dates_are_iso_and_eur_is_rounded_to_cents_but_other_decimals_are_not(con):
    rows = select_safe(con)
    assert rows[len(HOSTILE)][1] == 1234.57 and rows[len(HOSTILE)][3] == "2021-01-31"
    assert rows[0][4] == -1.23456  # not an EUR amount: full precision
    assert rows[-1][0] == "Бихаћ / Bihać"
