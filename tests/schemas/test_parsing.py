"""Periods and numbers as the contract allows them."""

from __future__ import annotations

import pandas as pd

from schemas.columns import header_key
from schemas.parsing import parse_number
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
