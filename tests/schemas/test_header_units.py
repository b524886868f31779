"""A price column whose header names its unit (``Price per person (EUR)``, ``Cijena po gramu``,
``Price (€/kg)``) is read as that price column, each filled cell per that unit, as if the unit
were written after it (``1500 € po osobi``). Before, such a header was an unknown part of the
price and every row was quarantined as ``price_part_known``."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.validation import validate_chunk
from schemas import CONTRACTS
from schemas.columns import PRICE_COLUMNS, ROUTE_COLUMNS, read_headers

PRICES = CONTRACTS["prices"]


@pytest.mark.parametrize(
    ("header", "column", "currency", "unit"),
    [
        ("Price per person (EUR)", "price", "EUR", "per_person"),
        ("Price (EUR per person)", "price", "EUR", "per_person"),
        ("Cijena po osobi (KM)", "price", "BAM", "per_person"),
        ("Cijena u KM po gramu", "price", "BAM", "per_gram"),
        ("Cijena po gramu", "price", None, "per_gram"),
        ("Price (€/g)", "price", "EUR", "per_gram"),
        ("Price/kg", "price", None, "per_kg"),
        ("Price per 1 kg in EUR", "price", "EUR", "per_kg"),
        ("Цена за кг (ден.)", "price", "MKD", "per_kg"),
        ("Çmimi për person (€)", "price", "EUR", "per_person"),
        ("Price low per gram (EUR)", "price_low", "EUR", "per_gram"),
        ("Cijena od po gramu (KM)", "price_low", "BAM", "per_gram"),
        ("price_per_kg", "price", None, "per_kg"),  # JSON {"price": {"per_kg": 35000}}
        ("Price per m2 (EUR)", "price", "EUR", "per_m2"),
    ],
)
def test_a_price_header_naming_a_unit_is_that_price_column_per_that_unit(
    header, column, currency, unit
):
    currencies = {column: currency} if currency else {}
    assert read_headers([header], PRICE_COLUMNS) == ([column], currencies, {column: unit})


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Price per 10 g (EUR)", "price_per_10_g_eur"),  # ten grams: not one, not guessed
        ("Price per ounce", "price_per_ounce"),  # no unit of the contract
        ("Price per gram per kg", "price_per_gram_per_kg"),  # two units name none
        ("Notes per person", "notes_per_person"),  # no price column: unknown, private
        ("Price per grams10", "price_per_grams10"),  # not a whole word
        ("price_per", "unit"),  # an alias of unit: {"price": {"per": "kg"}}
        ("unit_price", "unit_price"),
        ("max_persons", "max_persons"),  # no per: a number of people, not a price per person
        ("Price kg", "price_kg"),
    ],
)
def test_other_headers_name_no_unit(header, name):
    assert read_headers([header], PRICE_COLUMNS) == ([name], {}, {})


def test_route_counts_have_no_unit_so_such_headers_stay_unknown():
    names, currencies, units = read_headers(["Value per person"], ROUTE_COLUMNS)
    assert (currencies, units) == ({}, {}) and names[0] not in ROUTE_COLUMNS


def test_a_header_repeating_a_label_thousands_of_times_names_nothing():
    # Every pair of label runs is tried: a hostile header would cost its length squared.
    header = "Price " + " per gram" * 5000
    assert read_headers([header], PRICE_COLUMNS).units == {}


#: A drug-price row's cells before its price and unit (an observation in Sarajevo, 2021).
DRUG = {
    "flow": "drugs", "commodity": "cocaine", "market_level": "retail",
    "location_country": "BA", "period_start": "2021-03-01", "period_end": "2021-03-31",
    "source_title": "Synthetic field notes", "source_type": "synthetic",
}  # fmt: skip


def judged(headers: list[str], rows: list[dict[str, str]]):
    """Rows under ``headers`` (their contract columns' cells by column name), typed as ingest
    types a chunk (with the currencies and units the headers name) and validated."""
    read = read_headers(list(DRUG) + headers, PRICE_COLUMNS)
    names = read.names[len(DRUG) :]
    cells = [list(DRUG.values()) + [row.get(name, "") for name in names] for row in rows]
    raw = pd.DataFrame(cells, columns=read.names, dtype="string")
    raw.index = pd.RangeIndex(2, 2 + len(raw), name="row_number")
    typed = PRICES.prepare(raw, None, read.currencies, None, read.units)
    valid, failures = validate_chunk(PRICES, typed)
    reasons = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    return valid, reasons


def test_each_cell_under_a_unit_header_is_a_price_per_that_unit():
    valid, reasons = judged(
        ["Cijena po gramu (KM)", "Jedinica"],
        [
            {"price": "80"},  # the unit from the header
            {"price": "80", "unit": "g"},  # the unit column agreeing
            {"price": "od 70 do 90"},  # a range: both ends per gram
            {"price": "80", "unit": "kg"},  # the unit column saying otherwise
            {"price": "35.000 KM/kg"},  # the cell saying otherwise
            {"price": "80 KM/g"},  # the cell agreeing
        ],
    )
    assert valid[["price_low", "price_high", "price_point", "currency", "unit"]].fillna(
        0
    ).values.tolist() == [
        [0, 0, 80, "BAM", "per_gram"], [0, 0, 80, "BAM", "per_gram"],
        [70, 90, 0, "BAM", "per_gram"], [0, 0, 80, "BAM", "per_gram"],
    ]  # fmt: skip
    # A price per gram published per kg would be a thousand times off: neither is chosen.
    assert reasons == {
        5: ("unit_matches_price_text", "per_gram in the header of price, per_kg in unit"),
        6: ("unit_matches_price_text", "per_kg in the price text, per_gram in the header of price"),
    }


def test_bounds_whose_headers_name_two_units_quarantine_rows_giving_both():
    valid, reasons = judged(
        ["Price low per gram (EUR)", "Price high per kg (EUR)"],
        [{"price_low": "50", "price_high": "60"}, {"price_low": "50"}, {"price_high": "40000"}],
    )
    assert valid[["price_low", "price_high", "unit"]].fillna(0).values.tolist() == [
        [50, 0, "per_gram"], [0, 40_000, "per_kg"],
    ]  # fmt: skip
    assert reasons == {
        2: (
            "unit_matches_price_text",
            "per_gram in the header of price_low, per_kg in the header of price_high",
        )
    }


def test_a_price_per_gram_and_a_price_per_kg_column_each_give_their_rows_unit():
    # A wide table: a row gives one of the two; a row giving both gives two observations
    # in one row, which the contract cannot hold: quarantined, naming both.
    valid, reasons = judged(
        ["Price per gram (EUR)", "Price per kg (EUR)"],
        [{"price": "50"}, {"price_dup": "40000"}, {"price": "50", "price_dup": "40000"}],
    )
    assert valid[["price_point", "unit"]].values.tolist() == [[50, "per_gram"], [40_000, "per_kg"]]
    assert reasons == {
        4: (
            "column_given_once",
            "price is given in two columns that disagree: 50 (under a header naming EUR"
            " per_gram) and 40000 (under a header naming EUR per_kg)",
        )
    }
