"""Each rule of the route contract catches the row that breaks it, under the rule's name."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.validation import validate_chunk
from schemas import CONTRACTS
from schemas.columns import ROUTE_COLUMNS
from schemas.parsing import Conventions

ROUTES = CONTRACTS["routes"]

VALID = {
    "obs_id": "R1",
    "metric": "detections_irregular_crossings",
    "route_or_leg": "western_balkan_route",
    "period_start": "2020-01",
    "value": "1200",
    "source_org": "Synthetic test source",
    "confidence": "high",
}


def rules_broken(**changes) -> set[str]:
    row = {column: "" for column in ROUTE_COLUMNS} | VALID | changes
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    valid, failures = validate_chunk(ROUTES, ROUTES.prepare(raw))
    assert len(valid) + failures["row_number"].nunique() == 1
    return set(failures["rule"])


def test_a_valid_row_passes():
    assert rules_broken() == set()


def test_countries_written_as_names_or_eurostat_codes_are_staged_as_iso_codes():
    row = {column: "" for column in ROUTE_COLUMNS} | VALID
    row |= {"origin_country": "Afghanistan", "reporting_country": "EL"}
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    valid, failures = validate_chunk(ROUTES, ROUTES.prepare(raw))
    assert failures.empty
    assert valid.iloc[0][["origin_country", "reporting_country"]].tolist() == ["AF", "GR"]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"metric": ""}, "metric_is_name"),
        ({"metric": "Detections at border"}, "metric_is_name"),
        ({"route_or_leg": ""}, "route_or_leg_given"),
        ({"reporting_country": "Balkans"}, "country_iso3166"),
        ({"period_start": ""}, "period_given"),
        ({"period_start": "January"}, "period_start_is_date"),
        ({"value": ""}, "value_is_number"),
        ({"value": "many"}, "value_is_number"),
        ({"value": "-3"}, "value_not_negative"),
        ({"source_org": ""}, "source_named"),
        ({"confidence": "sure"}, "confidence_known"),
        ({"row_width_error": "row has 14 cells where the header has 13"}, "row_width"),
        ({"header_row_error": "repeats the header of row 1"}, "row_is_header"),
    ],
)
def test_each_rule_quarantines_the_row_under_its_name(changes, rule):
    assert rule in rules_broken(**changes)


@pytest.mark.parametrize(
    ("changes", "rule", "column", "shown"),
    [
        ({"value": "~500"}, "value_is_number", "value", "~500"),
        ({"value": "\u2212500"}, "value_is_number", "value", "\u2212500"),  # a Unicode minus
        ({"value": ""}, "value_is_number", "value", None),  # blank: nothing to show
        ({"period_start": "ljeto 2018"}, "period_start_is_date", "period_start", "ljeto 2018"),
    ],
)
def test_a_cell_that_is_no_number_or_date_is_shown_with_its_column(changes, rule, column, shown):
    # These rules compare a cell's text with its typed value on the whole frame: Pandera
    # reports them with no column, and the quarantine said only "must be a number".
    row = {column: "" for column in ROUTE_COLUMNS} | VALID | changes
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    _, failures = validate_chunk(ROUTES, ROUTES.prepare(raw))
    failure = failures.set_index("rule").loc[rule]
    assert failure["column_name"] == column
    assert (None if pd.isna(failure["failure_case"]) else failure["failure_case"]) == shown


@pytest.mark.parametrize("text", ["1.500", "12.345", "1.234.567"])
def test_a_count_that_reads_both_ways_is_not_guessed_where_the_file_shows_no_mark(text):
    # without the file's conventions nothing decided the mark: 1.500 is 1.5 or 1500
    assert "number_unambiguous" in rules_broken(value=text)


@pytest.mark.parametrize(("decimal", "value"), [(",", 12345.0), (".", 12.345)])
def test_a_count_that_reads_both_ways_follows_the_mark_the_file_shows(decimal, value):
    row = {column: "" for column in ROUTE_COLUMNS} | VALID | {"value": "12.345"}
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    conventions = Conventions(decimal={"value": decimal})
    valid, failures = validate_chunk(ROUTES, ROUTES.prepare(raw, conventions))
    assert failures.empty and valid["value"].tolist() == [value]


def test_a_row_with_only_an_unknown_column_lists_the_row_rules_it_breaks():
    empty = {column: "" for column in VALID}
    broken = rules_broken(**empty, remarks="a column the contract does not know")
    assert {"metric_is_name", "route_or_leg_given", "period_given", "source_named"} <= broken
    assert broken == rules_broken(**empty, notes="the same row with a note")


def test_a_row_wider_than_its_header_lists_that_rule_alone():
    empty = {column: "" for column in VALID}
    assert rules_broken(**empty, row_width_error="row has 14 cells where the header has 13") == {
        "row_width"
    }
