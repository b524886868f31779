"""The optional Admiralty grades of a price's source: A-F and 1-6, anything else quarantined."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.validation import validate_chunk
from schemas import CONTRACTS
from schemas.columns import PRICE_COLUMNS

PRICES = CONTRACTS["prices"]

VALID = {
    "obs_id": "G1", "flow": "people", "commodity": "smuggling_service",
    "market_level": "service", "origin_country": "RS", "destination_country": "HU",
    "period_start": "2020", "price_point": "2500", "currency": "EUR", "unit": "per_person",
    "source_title": "Synthetic test row", "source_url": "https://example.org/synthetic",
    "confidence": "high", "source_type": "synthetic",
}  # fmt: skip


def rules_broken(**changes) -> set[str]:
    row = {column: "" for column in PRICE_COLUMNS} | VALID | changes
    raw = pd.DataFrame([row], index=pd.Index([2], name="row_number")).astype("string")
    return set(validate_chunk(PRICES, PRICES.prepare(raw))[1]["rule"])


@pytest.mark.parametrize(
    "grades",
    [
        {},  # ungraded: the grades are optional
        {"source_reliability": "B", "information_credibility": "2"},
        {"source_reliability": "f", "information_credibility": "6.0"},  # as a spreadsheet gives it
    ],
)
def test_graded_and_ungraded_sources_pass(grades):
    assert rules_broken(**grades) == set()


@pytest.mark.parametrize(
    ("grades", "rule"),
    [
        ({"source_reliability": "G"}, "source_reliability_grade"),
        ({"source_reliability": "reliable"}, "source_reliability_grade"),
        ({"information_credibility": "7"}, "information_credibility_grade"),
        ({"information_credibility": "0"}, "information_credibility_grade"),
    ],
)
def test_a_grade_off_the_scale_is_quarantined_by_name(grades, rule):
    assert rules_broken(**grades) == {rule}
