"""Each rule of the price contract catches the row that breaks it, under the rule's name."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.validation import rule_descriptions, validate_chunk
from schemas import CONTRACTS
from schemas.columns import PRICE_COLUMNS

PRICES = CONTRACTS["prices"]

VALID = {
    "obs_id": "T1",
    "flow": "people",
    "commodity": "smuggling_service",
    "market_level": "service",
    "origin_country": "RS",
    "origin_place": "Subotica",
    "destination_country": "HU",
    "period_start": "2020",
    "period_end": "2021",
    "price_point": "2500",
    "currency": "EUR",
    "unit": "per_person",
    "source_title": "Synthetic test row",
    "source_url": "https://example.org/synthetic",
    "confidence": "high",
    "source_type": "synthetic",
}


def check(**changes) -> tuple[pd.DataFrame, pd.DataFrame]:
    row = {column: "" for column in PRICE_COLUMNS} | VALID | changes
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    return validate_chunk(PRICES, PRICES.prepare(raw))


def rules_broken(**changes) -> set[str]:
    return set(check(**changes)[1]["rule"])


def test_a_valid_row_passes():
    valid, failures = check()
    assert len(valid) == 1 and failures.empty


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"json_error": "not JSON: Expecting value at character 5"}, "record_readable"),
        ({"flow": "weapons"}, "flow_known"),
        ({"flow": ""}, "flow_known"),
        ({"market_level": "street"}, "market_level_known"),
        ({"unit": "per_donkey"}, "unit_known"),
        ({"confidence": "certain"}, "confidence_known"),
        ({"currency": "ducats"}, "currency_iso4217"),
        ({"origin_country": "YU"}, "country_iso3166"),
        ({"destination_country": "Hungaria-Austria"}, "country_iso3166"),
        ({"price_point": "-5"}, "price_positive"),
        ({"price_point": "0"}, "price_positive"),
        ({"price_point": "", "price_low": "abc", "price_high": "3000"}, "price_low_is_number"),
        ({"price_point": "lots"}, "price_point_is_number"),
        ({"price_point": ""}, "price_given"),
        ({"price_point": "", "price_low": "5000", "price_high": "500"}, "price_low_not_above_high"),
        ({"currency": ""}, "currency_given_for_amounts"),
        ({"period_start": "", "period_end": ""}, "period_given_for_prices"),
        (
            {"unit": "total_per_year", "currency": "RSD", "period_start": "", "period_end": ""},
            "period_given_for_conversion",
        ),
        ({"period_start": "2020-13"}, "period_start_is_date"),
        ({"period_end": "31/13/2021"}, "period_end_is_date"),
        ({"period_start": "2021", "period_end": "2020"}, "period_start_not_after_end"),
        ({"period_start": "2999", "period_end": "2999"}, "period_not_in_future"),
        (
            {"origin_country": "", "origin_place": "", "destination_country": ""},
            "people_price_has_leg",
        ),
        (
            {"flow": "drugs", "commodity": "heroin", "market_level": "retail", "unit": "per_gram"},
            "drugs_price_has_location",
        ),
        (
            {"destination_country": "RS", "destination_place": "subotica "},
            "origin_differs_from_destination",
        ),
        ({"source_title": "", "source_url": ""}, "source_named"),
        ({"currency": "kn", "period_start": "2023-03", "period_end": ""}, "kuna_only_before_2023"),
        ({"price_point": "", "price": "price on request"}, "price_text_readable"),
        ({"price_point": "3.000 $"}, "currency_matches_price_text"),
        ({"price_point": "", "price": "od 2.000 do 2.500 KM"}, "currency_matches_price_text"),
        ({"period_start": "Q5 2020", "period_end": ""}, "period_start_is_date"),
        ({"price_scale": "2"}, "price_part_known"),
        ({"price_point_divisor": "0"}, "price_part_known"),
    ],
)
def test_each_rule_quarantines_the_row_under_its_name(changes, rule):
    valid, failures = check(**changes)
    assert valid.empty
    assert rule in set(failures["rule"])
    assert set(failures["row_number"]) == {2}


def test_a_row_breaking_several_rules_lists_every_rule():
    broken = rules_broken(currency="XYZ", origin_country="ZZ", confidence="sure")
    assert {"currency_iso4217", "country_iso3166", "confidence_known"} <= broken


def test_a_row_with_only_an_unknown_column_lists_the_row_rules_it_breaks():
    empty = {column: "" for column in VALID}
    broken = rules_broken(**empty, remarks="a column the contract does not know")
    assert {"flow_known", "unit_known", "price_given", "source_named"} <= broken
    assert broken == rules_broken(**empty, notes="the same row with a note")


@pytest.mark.parametrize(
    ("reader_error", "rule"),
    [
        ({"json_error": "not JSON: Expecting value at character 5"}, "record_readable"),
        ({"row_width_error": "row has 14 cells where the header has 13"}, "row_width"),
        ({"header_row_error": "repeats the header of row 1"}, "row_is_header"),
    ],
)
def test_a_record_not_split_into_columns_lists_that_rule_alone(reader_error, rule):
    # The reader left its columns blank: flow_known, price_given... would only report blanks.
    empty = {column: "" for column in VALID}
    assert rules_broken(**empty, **reader_error) == {rule}


def test_column_failures_name_the_offending_value():
    _, failures = check(origin_country="ZZ")
    row = failures[failures["rule"] == "country_iso3166"].iloc[0]
    assert (row["column_name"], row["failure_case"]) == ("origin_country", "ZZ")


def test_one_bound_alone_and_internal_legs_with_places_are_valid():
    assert rules_broken(price_point="", price_high="8000") == set()
    assert rules_broken(destination_country="RS", destination_place="Horgoš") == set()


def test_non_price_units_need_no_leg_period_or_currency():
    ratio = {
        "flow": "drugs",
        "unit": "ratio_price_vs_origin",
        "origin_country": "",
        "destination_country": "",
        "period_start": "",
        "period_end": "",
        "currency": "",
        "price_point": "2",
    }
    assert rules_broken(**ratio) == set()


def test_prices_written_as_text_fill_the_price_columns_and_currency():
    valid, failures = check(price_point="", currency="", price="od 2.000 do 2.500 KM")
    assert failures.empty
    row = valid.iloc[0]
    assert (row["price_low"], row["price_high"], row["currency"]) == (2000, 2500, "BAM")
    valid, _ = check(price_point="~700 €", date="Q3 2020", period_start="", period_end="")
    row = valid.iloc[0]
    assert (row["price_point"], row["period_precision"]) == (700, "quarter")
    assert (str(row["period_start"].date()), str(row["period_end"].date())) == (
        "2020-07-01", "2020-09-30",
    )  # fmt: skip


def test_a_part_of_a_price_is_named_with_its_value_and_a_blank_one_does_nothing():
    valid, _ = check(price_scale=" ", cijena_skala="")
    assert valid.iloc[0]["price_point"] == 2500
    _, failures = check(price_scale="2", cijena_skala="3", max_osoba="4", price_max_k="5")
    # max alone is too common a word to start a part (max_osoba: at most four people), but
    # price_max, the high bound's alias, is a price: price_max_k is a part of it.
    assert failures[["rule", "failure_case"]].values.tolist() == [
        ["price_part_known", "price_scale = 2; cijena_skala = 3; price_max_k = 5"]
    ]


def test_a_positive_divisor_divides_the_prices_of_its_column():
    valid, failures = check(price_point="", price="od 100.000 do 200.000 EUR", price_divisor="100")
    assert failures.empty
    assert valid.iloc[0][["price_low", "price_high"]].tolist() == [1000, 2000]
    valid, _ = check(price_point="", price_low="150000", price_low_divisor="100", price_high="1600")
    assert valid.iloc[0][["price_low", "price_high"]].tolist() == [1500, 1600]  # its own only
    for divisor in ("0", "-100", "1.000", "cents"):  # 1.000 could be 1 or 1000
        _, failures = check(price_divisor=divisor)
        assert failures["rule"].tolist() == ["price_part_known"]


def test_kuna_before_the_euro_is_a_currency_like_any_other():
    valid, failures = check(currency="kn", period_start="2022-11", period_end="")
    assert failures.empty and valid.iloc[0]["currency"] == "HRK"


def test_codes_are_matched_case_insensitively():
    valid, _ = check(flow="People", origin_country="rs", currency="eur", unit="PER_PERSON")
    assert valid.iloc[0][["flow", "origin_country", "currency", "unit"]].tolist() == [
        "people", "RS", "EUR", "per_person",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("price", "rules"),
    [
        # the currency is written in the cell: unreadable, but not also without a currency
        ("1500 € za dvoje", {"price_text_readable"}),
        ("\u2212500 €", {"price_text_readable"}),
        ("1500 EUR/grupa", {"price_text_readable"}),
        ("1500 per group", {"price_text_readable", "currency_given_for_amounts"}),
    ],
)
def test_an_unreadable_price_naming_its_currency_is_quarantined_for_the_text_alone(price, rules):
    assert rules_broken(price=price, price_point="", currency="") == rules


@pytest.mark.parametrize(
    ("changes", "unit"),
    [
        ({"unit": "po osobi"}, "per_person"),
        ({"unit": "g", "flow": "drugs", "location_country": "RS"}, "per_gram"),
        ({"price_point": "", "price": "1500 € po osobi", "unit": ""}, "per_person"),
        (
            {"price_point": "35.000 €/kg", "unit": "", "flow": "drugs", "location_country": "RS"},
            "per_kg",
        ),
        ({"price_point": "1500 €/osobi", "unit": "per person"}, "per_person"),
    ],
)
def test_a_unit_as_written_in_its_column_or_after_the_price_is_staged_as_the_contract_unit(
    changes, unit
):
    valid, failures = check(**changes)
    assert failures.empty
    assert valid.iloc[0]["unit"] == unit


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # a price per gram read under per_kg would be published a thousand times too low
        (
            {"price_point": "50 €/g", "unit": "kg", "flow": "drugs", "location_country": "RS"},
            "per_gram in the price text, per_kg in unit",
        ),
        (
            {"price_point": "", "price_low": "50 €/g", "price_high": "60 €/kg", "unit": ""},
            "per_gram and per_kg in the price texts",
        ),
    ],
)
def test_a_unit_after_the_price_that_differs_from_the_unit_column_is_quarantined(changes, reason):
    valid, failures = check(**changes)
    assert valid.empty
    assert failures[["rule", "failure_case"]].values.tolist() == [
        ["unit_matches_price_text", reason]
    ]
    assert failures["column_name"].isna().all()  # a sentence, not a cell of a column


@pytest.mark.parametrize("column", ["price_low", "price_high", "price_point"])
def test_a_price_that_reads_both_ways_is_quarantined_naming_its_column(column):
    # 1.500 with nothing in the file showing the decimal mark: 1.5 or 1500 EUR?
    changes = {"price_point": "", "price_low": "1", "price_high": "3000"} | {column: "1.500"}
    _, failures = check(**changes)
    assert failures[["column_name", "rule", "failure_case"]].values.tolist() == [
        [column, "number_unambiguous", "1.500"]
    ]
    description = rule_descriptions(PRICES)["number_unambiguous"]
    assert "1.5 or 1500" in description and "write 1500 or 1.5" in description


def test_every_rule_has_a_sentence_for_people():
    descriptions = rule_descriptions(PRICES)
    assert descriptions["price_low_not_above_high"] == "price_low must not exceed price_high"
    assert all(text and text != rule for rule, text in descriptions.items())
