"""Periods and numbers as the contract allows them."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.columns import header_key
from schemas.parsing import decide_conventions, parse_number
from schemas.periods import parse_period


def test_periods_expand_to_their_first_and_last_day():
    parsed = parse_period(pd.Series(["2020", "2020-02", "2021-07-15", "2020-2-3"]))
    assert parsed["start"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-01-01", "2020-02-01", "2021-07-15", "2020-02-03",
    ]  # fmt: skip
    assert parsed["end"].dt.strftime("%Y-%m-%d").tolist() == [
        "2020-12-31", "2020-02-29", "2021-07-15", "2020-02-03",
    ]  # fmt: skip
    assert parsed["precision"].tolist() == ["year", "month", "day", "day"]


def test_impossible_or_foreign_periods_do_not_parse():
    parsed = parse_period(pd.Series(["2021-02-30", "2020-13", "32.07.2020", "Q5 2020", "", None]))
    assert parsed["start"].isna().all()
    assert parsed["precision"].isna().all()


def test_numbers_parse_plain_decimals_only():
    parsed = parse_number(pd.Series(["1500", " 2.5 ", "5e7", "", "abc", None]))
    assert parsed.iloc[:3].tolist() == [1500.0, 2.5, 50_000_000.0]
    assert parsed.iloc[3:].isna().all()


def test_headers_match_case_and_separator_insensitively():
    assert {header_key(h) for h in ("Price Low", "price-low", "PRICE_LOW", " price.low ")} == {
        "price_low"
    }


def test_local_headers_match_through_the_alias_table_accent_and_script_blind():
    from schemas.columns import PRICE_COLUMNS, read_headers

    headers = ["Cijena", "ÇMIMI", "Цена", "Valuta", "monedha", "Datum", "data", "Od", "nga", "DO"]
    assert read_headers(headers, PRICE_COLUMNS).names == [
        "price", "price_dup", "price_dup_dup", "currency", "currency_dup", "date", "date_dup",
        "origin_place", "origin_place_dup", "destination_place",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "columns", "column"),
    [  # Serbian ekavian and Cyrillic beside the ijekavian spelling; English
        ("Држава порекла", "prices", "origin_country"),
        ("Zemlja porijekla", "prices", "origin_country"),
        ("Country of origin", "prices", "origin_country"),
        ("Country of destination", "prices", "destination_country"),
        ("Route", "routes", "route_or_leg"),
        ("Relacija", "routes", "route_or_leg"),
    ],
)
def test_more_spellings_of_a_column_match_through_the_alias_table(header, columns, column):
    # Држава порекла was an unknown column: the origin of every row it gave was lost.
    from schemas.columns import PRICE_COLUMNS, ROUTE_COLUMNS, read_headers

    contract = PRICE_COLUMNS if columns == "prices" else ROUTE_COLUMNS
    assert read_headers([header], contract).names == [column]


@pytest.mark.parametrize("text", ["inf", "Infinity", "-inf", "1e400", "nan", "NaN"])
def test_non_finite_numbers_are_not_numbers(text):
    assert parse_number(pd.Series([text])).isna().all()


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("1.500,00", ",", 1500.0), ("1.500", ",", 1500.0), ("1 500", ",", 1500.0),
        ("1,500.00", ".", 1500.0), ("1'500", ".", 1500.0), ("1.500", ".", 1.5),
        ("12,5", ",", 12.5), ("1.234.567,8", ",", 1234567.8), ("5e7", ",", 5e7),
    ],
)  # fmt: skip
def test_numbers_read_with_the_files_decimal_mark(text, decimal, value):
    assert parse_number(pd.Series([text]), decimal).iloc[0] == value


@pytest.mark.parametrize("text", ["1,5,3", "1.50.0", "12,50.00", "1 5"])
def test_malformed_groupings_are_not_guessed(text):
    assert parse_number(pd.Series([text]), ".").isna().all()


def test_the_decimal_mark_is_decided_per_column_and_file():
    sample = pd.DataFrame(
        {"price_low": ["1.500", "2.000,50"], "price_high": ["3.000", "4.000"], "value": ["7", "8"]}
    )
    decided = decide_conventions(sample, ("price_low", "price_high", "value"), ())
    # price_high has no evidence of its own: it follows the file (decimal comma).
    assert decided.decimal == {"price_low": ",", "price_high": ",", "value": ","}
    point = decide_conventions(pd.DataFrame({"v": ["1,500.25", "1.500"]}), ("v",), ())
    assert point.decimal == {"v": "."}


def test_a_semicolon_delimited_file_reads_a_decimal_comma_where_no_column_shows_a_mark():
    counts = pd.DataFrame({"value": ["1.234", "12.345", "987"]})
    assert decide_conventions(counts, ("value",), (), ";").decimal == {"value": ","}
    # a comma-delimited file with no evidence reads a point, but says it is a guess
    guessed = decide_conventions(counts, ("value",), (), ",")
    assert guessed.decimal == {"value": "."} and guessed.decimal_guessed == {"value"}
    assert "no evidence" in guessed.describe()
    # a column's own evidence beats the delimiter, and is no guess
    own = decide_conventions(pd.DataFrame({"value": ["12.5", "1.500"]}), ("value",), (), ";")
    assert own.decimal == {"value": "."} and not own.decimal_guessed
    # the file's other columns are evidence too
    other = pd.DataFrame({"price_low": ["12.50"], "price_high": ["1.500"]})
    assert not decide_conventions(other, ("price_low", "price_high"), ()).decimal_guessed


LOCALES = [(",", "."), (".", ","), (" ", ","), ("\u00a0", ","), ("'", "."), ("", "."), ("", ",")]


@settings(max_examples=500, deadline=None)
@given(
    value=st.decimals(min_value=0, max_value=10**12, places=2).map(float),
    locale=st.sampled_from(LOCALES),
)
def test_numbers_formatted_in_each_locale_parse_back(value, locale):
    thousands, decimal = locale
    whole, cents = f"{value:,.2f}".split(".")
    text = f"{whole.replace(',', thousands)}{decimal}{cents}"
    assert parse_number(pd.Series([text]), decimal).iloc[0] == value


@settings(max_examples=500, deadline=None)
@given(
    value=st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    digits=st.integers(min_value=0, max_value=20),
    decimal=st.sampled_from([".", ","]),
)
def test_plain_numbers_parse_to_the_nearest_double_beside_grouped_ones(value, digits, decimal):
    """Plain numbers take a fast path (Arrow), grouped ones the general parser: each cell
    gets the double nearest to what it says, in its own place."""
    text = f"{value:.{digits}f}".replace(".", decimal)
    parsed = parse_number(pd.Series(["1 500", text, None, f"0{text}"]), decimal)
    assert parsed.iloc[0] == 1500.0 and pd.isna(parsed.iloc[2])
    assert parsed.iloc[1] == float(text.replace(decimal, "."))
    if not text.startswith("-"):
        assert parsed.iloc[3] == parsed.iloc[1]  # a leading zero changes nothing
