"""The contract for price observations: what it costs to be smuggled, what drugs cost, what it
costs to move and launder money."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.columns import INPUT_ONLY_COLUMNS, PRICE_COLUMNS
from schemas.common import (
    ObservationRules,
    Text,
    is_country,
    number_unambiguous_rule,
    text_fits_a_cell_rule,
    text_printable_rule,
)
from schemas.distinct import per_distinct
from schemas.parsing import Conventions
from schemas.places import PLACE_COUNTRY, add_places
from schemas.prepare import add_price_texts, prepare
from schemas.price_parts import apply_price_parts
from schemas.repeated import merge_repeated
from schemas.vocabulary import (
    CURRENCY_CODES,
    FLOWS,
    INFORMATION_CREDIBILITY_GRADES,
    MARKET_LEVELS,
    MONEY_UNIT_KINDS,
    SOURCE_RELIABILITY_GRADES,
    UNITS,
)

PRICE_NUMBERS = ("price_low", "price_high", "price_point")
PRICE_TEXT = tuple(
    c
    for c in PRICE_COLUMNS
    if c not in PRICE_NUMBERS + ("period_start", "period_end") + INPUT_ONLY_COLUMNS
) + tuple(f"{place}_{part}" for place in PLACE_COUNTRY for part in ("id", "match", "candidates"))

#: The model's columns that hold a cell's text as read (numbers and periods too, beside their
#: parsed values): the cells ``text_printable`` looks at.
PRICE_CELLS = (
    tuple(c for c in PRICE_TEXT if c in PRICE_COLUMNS)
    + tuple(f"{c}_text" for c in PRICE_NUMBERS)
    + ("price_text", "period_start_text", "period_end_text")
)

#: The units of each kind a rule asks about. A rule tests a row's unit against these (an
#: unknown or blank unit is in none): 1.2 ms per 100,000 rows, against 4-5 ms mapping every unit
#: to its kind, five rules per pass.
MONEY_UNITS = tuple(name for name, unit in UNITS.items() if unit.kind in MONEY_UNIT_KINDS)
PRICE_UNITS = tuple(name for name, unit in UNITS.items() if unit.kind == "price")


def prepare_prices(
    raw: pd.DataFrame,
    conventions: Conventions | None = None,
    currencies: Mapping[str, str] | None = None,
    stored_decimals: pd.DataFrame | None = None,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Typed frame of a chunk of raw price rows, ready for :class:`PriceObservations`;
    ``currencies`` and ``units`` are those the file's price headers name (``{"price": "BAM"}``
    and ``{"price": "per_gram"}`` for ``Cijena po gramu (KM)``:
    :func:`schemas.columns.read_headers`), ``stored_decimals`` the cells it stored as numbers
    (:func:`schemas.prepare.prepare`)."""
    merged = merge_repeated(raw, PRICE_COLUMNS, currencies, stored_decimals, units)
    typed = prepare(merged.raw, PRICE_TEXT, PRICE_NUMBERS, conventions, merged.stored_decimals)
    typed["repeated_column_text"] = merged.conflicts
    typed = add_price_texts(
        typed, merged.raw, merged.currencies, merged.stored_decimals, merged.units
    )
    typed = apply_price_parts(typed, merged.raw, PRICE_COLUMNS, PRICE_NUMBERS)
    return add_places(typed)


def _same_place(
    country: pd.Series, place: pd.Series, other_country: pd.Series, other_place: pd.Series
) -> pd.Series:
    """True where both countries and both places are equal, blanks equal to blanks and places
    compared without case or outer spaces. Compared part by part, each place written once per
    distinct name: 15 ms per 100,000 rows, against 37 ms joining each side into one text."""
    return (country.fillna("") == other_country.fillna("")) & (
        _place_name(place) == _place_name(other_place)
    )


def _place_name(place: pd.Series) -> pd.Series:
    """A place as the rule compares it: blank as empty, lower case, no outer spaces."""
    return per_distinct(place, lambda names: names.fillna("").str.lower().str.strip())


class PriceObservations(ObservationRules):
    """One price, estimate or ratio as a source states it."""

    flow: Text = pa.Field(nullable=True)
    commodity: Text = pa.Field(nullable=True)
    market_level: Text = pa.Field(nullable=True)
    origin_country: Text = pa.Field(nullable=True)
    origin_place: Text = pa.Field(nullable=True)
    destination_country: Text = pa.Field(nullable=True)
    destination_place: Text = pa.Field(nullable=True)
    location_country: Text = pa.Field(nullable=True)
    location_place: Text = pa.Field(nullable=True)
    price_low: Series[float] = pa.Field(nullable=True)
    price_high: Series[float] = pa.Field(nullable=True)
    price_point: Series[float] = pa.Field(nullable=True)
    price_low_text: Text = pa.Field(nullable=True)
    price_high_text: Text = pa.Field(nullable=True)
    price_point_text: Text = pa.Field(nullable=True)
    price_low_ambiguous_text: Text = pa.Field(nullable=True)
    price_high_ambiguous_text: Text = pa.Field(nullable=True)
    price_point_ambiguous_text: Text = pa.Field(nullable=True)
    price_text: Text = pa.Field(nullable=True)
    price_currency_text: Text = pa.Field(nullable=True)
    price_amount_text: Text = pa.Field(nullable=True)
    price_unit_text: Text = pa.Field(nullable=True)
    place_country_text: Text = pa.Field(nullable=True)
    beside_price_text: Text = pa.Field(nullable=True)
    price_part_text: Text = pa.Field(nullable=True)
    currency: Text = pa.Field(nullable=True)
    unit: Text = pa.Field(nullable=True)
    source_locator: Text = pa.Field(nullable=True)
    source_type: Text = pa.Field(nullable=True)
    source_reliability: Text = pa.Field(nullable=True)
    information_credibility: Text = pa.Field(nullable=True)

    text_printable = text_printable_rule(*PRICE_CELLS)
    text_fits_a_cell = text_fits_a_cell_rule(*PRICE_CELLS)
    number_unambiguous = number_unambiguous_rule(*(f"{c}_ambiguous_text" for c in PRICE_NUMBERS))

    @pa.check("flow", ignore_na=False)
    def flow_known(cls, flow: Text) -> Series[bool]:
        """flow is required and must be people, drugs or money"""
        return flow.isin(FLOWS).fillna(False)

    @pa.check("market_level")
    def market_level_known(cls, level: Text) -> Series[bool]:
        """market_level must be service, retail, wholesale or estimate"""
        return level.isin(MARKET_LEVELS)

    @pa.check("unit", ignore_na=False)
    def unit_known(cls, unit: Text) -> Series[bool]:
        """unit is required and must be one of the units in the data contract"""
        return unit.isin(UNITS).fillna(False)

    @pa.check("source_reliability")
    def source_reliability_grade(cls, grade: Text) -> Series[bool]:
        """source_reliability must be an Admiralty grade A-F (F = cannot be judged)"""
        return grade.str.strip().str.upper().isin(SOURCE_RELIABILITY_GRADES)

    @pa.check("information_credibility")
    def information_credibility_grade(cls, grade: Text) -> Series[bool]:
        """information_credibility must be an Admiralty grade 1-6 (6 = cannot be judged)"""
        return (
            grade.str.strip()
            .str.replace(r"\.0+$", "", regex=True)
            .isin(INFORMATION_CREDIBILITY_GRADES)
        )

    @pa.check("currency")
    def currency_iso4217(cls, currency: Text) -> Series[bool]:
        """currency must be an ISO 4217 code such as EUR, USD, RSD or BAM"""
        return currency.isin(CURRENCY_CODES)

    @pa.check("origin_country", "destination_country", "location_country")
    def country_iso3166(cls, codes: Text) -> Series[bool]:
        """country must be an ISO 3166-1 alpha-2 code (XK for Kosovo) or a country's name"""
        return is_country(codes)

    @pa.check("price_low", "price_high", "price_point")
    def price_positive(cls, price: Series[float]) -> Series[bool]:
        """prices and amounts must be greater than zero"""
        return price > 0

    @pa.dataframe_check(ignore_na=False)
    def price_low_is_number(cls, df: pd.DataFrame) -> Series[bool]:
        """price_low must be a number"""
        return df["price_low_text"].isna() | df["price_low"].notna()

    @pa.dataframe_check(ignore_na=False)
    def price_high_is_number(cls, df: pd.DataFrame) -> Series[bool]:
        """price_high must be a number"""
        return df["price_high_text"].isna() | df["price_high"].notna()

    @pa.dataframe_check(ignore_na=False)
    def price_point_is_number(cls, df: pd.DataFrame) -> Series[bool]:
        """price_point must be a number"""
        return df["price_point_text"].isna() | df["price_point"].notna()

    @pa.check("price_text", ignore_na=False)
    def price_text_readable(cls, text: Text) -> Series[bool]:
        """price must read as a price: 1500, 1.500 EUR, 1500-2000 EUR, od 2.000 do 2.500 KM, ~700"""
        return text.isna()

    @pa.check("price_currency_text", ignore_na=False)
    def currency_matches_price_text(cls, conflict: Text) -> Series[bool]:
        """the currency written with a price or in its header must match the currency column"""
        return conflict.isna()

    @pa.check("price_amount_text", ignore_na=False)
    def amount_matches_price_text(cls, conflict: Text) -> Series[bool]:
        """a price text beside filled price columns must give the same amounts as they do"""
        return conflict.isna()

    @pa.check("price_unit_text", ignore_na=False)
    def unit_matches_price_text(cls, conflict: Text) -> Series[bool]:
        """the unit written with a price (50 €/g, 1500 € po osobi) must match the unit column"""
        return conflict.isna()

    @pa.check("place_country_text", ignore_na=False)
    def place_in_row_country(cls, conflict: Text) -> Series[bool]:
        """a place must lie in that end's country (a border: in either of its two countries)"""
        return conflict.isna()

    @pa.check("beside_price_text", ignore_na=False)
    def price_beside_unnamed(cls, reason: Text) -> Series[bool]:
        """a number must not sit under no header beside a price (a range whose header names one column? write od | do below it)"""  # noqa: E501
        # Read as one price, the row would publish the low end alone and lose the other number.
        return reason.isna()

    @pa.check("price_part_text", ignore_na=False)
    def price_part_known(cls, parts: Text) -> Series[bool]:
        """a price is given with a part the contract does not know (a divisor is applied only when it is a positive number): write the price itself"""  # noqa: E501
        # A part may change what the price means (cents, thousands, per quantity): read
        # without it, the row would publish another price (schemas.price_parts).
        return parts.isna()

    @pa.dataframe_check(ignore_na=False)
    def kuna_only_before_2023(cls, df: pd.DataFrame) -> Series[bool]:
        """kuna (HRK) ended when Croatia adopted the euro on 1 January 2023: check a later price"""
        late = df["period_start"] >= pd.Timestamp("2023-01-01")
        return ~((df["currency"] == "HRK") & late).fillna(False)

    @pa.dataframe_check(ignore_na=False)
    def price_given(cls, df: pd.DataFrame) -> Series[bool]:
        """at least one of price, price_low, price_high or price_point is required"""
        texts = df[["price_low_text", "price_high_text", "price_point_text", "price_text"]]
        return texts.notna().any(axis=1)

    @pa.dataframe_check(ignore_na=False)
    def price_low_not_above_high(cls, df: pd.DataFrame) -> Series[bool]:
        """price_low must not exceed price_high"""
        return ~(df["price_low"] > df["price_high"]).fillna(False)

    @pa.dataframe_check(ignore_na=False)
    def currency_given_for_amounts(cls, df: pd.DataFrame) -> Series[bool]:
        """a price, markup or money estimate needs its currency"""
        return ~df["unit"].isin(MONEY_UNITS) | df["currency"].notna()

    @pa.dataframe_check(ignore_na=False)
    def period_given_for_prices(cls, df: pd.DataFrame) -> Series[bool]:
        """a price needs the period it was observed in (period_start)"""
        return ~df["unit"].isin(PRICE_UNITS) | df["period_start_text"].notna()

    @pa.dataframe_check(ignore_na=False)
    def period_given_for_conversion(cls, df: pd.DataFrame) -> Series[bool]:
        """an amount in a currency other than EUR needs its period, to be converted at its rate"""
        is_money = df["unit"].isin(MONEY_UNITS)
        foreign = df["currency"].notna() & (df["currency"] != "EUR")
        return ~(is_money & foreign).fillna(False) | df["period_start_text"].notna()

    @pa.dataframe_check(ignore_na=False)
    def people_price_has_leg(cls, df: pd.DataFrame) -> Series[bool]:
        """a people-smuggling price needs a leg: an origin or a destination"""
        is_people_price = (df["flow"] == "people") & df["unit"].isin(PRICE_UNITS)
        leg = df[["origin_country", "origin_place", "destination_country", "destination_place"]]
        return ~is_people_price.fillna(False) | leg.notna().any(axis=1)

    @pa.dataframe_check(ignore_na=False)
    def drugs_price_has_location(cls, df: pd.DataFrame) -> Series[bool]:
        """a drug price needs a location (location_country or location_place)"""
        is_drug_price = (df["flow"] == "drugs") & df["unit"].isin(PRICE_UNITS)
        where = df[["location_country", "location_place"]]
        return ~is_drug_price.fillna(False) | where.notna().any(axis=1)

    @pa.dataframe_check(ignore_na=False)
    def origin_differs_from_destination(cls, df: pd.DataFrame) -> Series[bool]:
        """origin and destination must differ (country and place together)"""
        has_both = df[["origin_country", "origin_place"]].notna().any(axis=1) & df[
            ["destination_country", "destination_place"]
        ].notna().any(axis=1)
        same = _same_place(
            df["origin_country"], df["origin_place"],
            df["destination_country"], df["destination_place"],
        )  # fmt: skip
        return ~(has_both & same)

    @pa.dataframe_check(ignore_na=False)
    def source_named(cls, df: pd.DataFrame) -> Series[bool]:
        """every figure needs its source: source_title or source_url"""
        return df[["source_title", "source_url"]].notna().any(axis=1)
