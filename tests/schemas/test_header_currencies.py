"""A price column whose header names its currency (``Cijena (KM)``, ``Price low (€)``) is read
as that price column, its cells in that currency; any other header is matched as before."""

from __future__ import annotations

import pytest

from schemas.columns import PRICE_COLUMNS, ROUTE_COLUMNS, read_headers


@pytest.mark.parametrize(
    ("header", "column", "currency"),
    [
        ("Cijena (KM)", "price", "BAM"),
        ("Cijena u KM", "price", "BAM"),
        ("Price EUR", "price", "EUR"),
        ("Price (EUR)", "price", "EUR"),
        ("price_eur", "price", "EUR"),
        ("Cena (din.)", "price", "RSD"),
        ("Cmimi (lek)", "price", "ALL"),
        ("Çmimi në lekë", "price", "ALL"),
        ("Cmimi (ALL)", "price", "ALL"),
        ("Цена (ден.)", "price", "MKD"),
        ("Цена во денари", "price", "MKD"),
        ("Cijena u eurima", "price", "EUR"),
        ("Cijena (konvertibilnih maraka)", "price", "BAM"),
        ("Price (€)", "price", "EUR"),
        ("Price (US$)", "price", "USD"),
        ("EUR price", "price", "EUR"),
        ("Fiyat (₺)", "price", "TRY"),
        ("Price low (€)", "price_low", "EUR"),
        ("Price high (€)", "price_high", "EUR"),
        ("Price point in EUR", "price_point", "EUR"),
        ("min_eur", "price_low", "EUR"),
        ("Cijena od (KM)", "price_low", "BAM"),
        ("Iznos KM", "price", "BAM"),
    ],
)
def test_a_price_header_naming_a_currency_is_that_price_column_in_that_currency(
    header, column, currency
):
    assert read_headers([header], PRICE_COLUMNS) == ([column], {column: currency}, {})


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Price (kmh)", "price_kmh"),  # not a whole word: kmh is no KM
        ("Cijena denarius", "cijena_denarius"),
        ("Notes EUR", "notes_eur"),  # not a price column: stays an unknown (private) column
        ("Valuta (EUR)", "valuta_eur"),
        ("Vrijednost (EUR)", "vrijednost_eur"),
        ("price_eur_km", "price_eur_km"),  # two currencies name none
        ("Price per 10 g (EUR)", "price_per_10_g_eur"),  # per 10 g is no unit: not read
        ("KM", "km"),
        ("€", "unnamed"),
        ("Price Low", "price_low"),  # a column's own name, no currency in it
        ("price_currency", "currency"),
    ],
)
def test_other_headers_name_no_currency_and_match_as_before(header, name):
    assert read_headers([header], PRICE_COLUMNS) == ([name], {}, {})


@pytest.mark.parametrize("header", ["Cijena (KM)", "Vrijednost (EUR)", "Value (EUR)", "Iznos KM"])
def test_route_counts_have_no_currency_so_such_headers_stay_unknown(header):
    names, currencies, _ = read_headers([header], ROUTE_COLUMNS)
    assert currencies == {} and names[0] not in ROUTE_COLUMNS


def test_the_second_header_of_a_column_keeps_the_currency_it_names():
    # Both are read as price, row by row (schemas.repeated): a cell under Price (EUR) is EUR.
    headers = ["Cijena (KM)", "Price (EUR)", "Price low (€)", "Price high (KM)"]
    assert read_headers(headers, PRICE_COLUMNS) == (
        ["price", "price_dup", "price_low", "price_high"],
        {"price": "BAM", "price_dup": "EUR", "price_low": "EUR", "price_high": "BAM"},
        {},
    )
