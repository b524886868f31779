"""A table's Total, Average or Prosjek row is no observation: quarantined, naming its cell."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.validation import validate_chunk
from schemas import CONTRACTS
from schemas.summary_rows import summary_labels


@pytest.mark.parametrize(
    "label",
    ["Total", "TOTAL", "Grand total", "Subtotal", "Ukupno / Total", "Prosjek", "Prosječno",
     "Prosječna cijena", "Average 2020", "Avg.", "Mean", "Median", "Вкупно", "Укупно",
     "Просечна цена", "Gjithsej", "Toplam", "Sum", "Suma", "Zbroj", "Zbir", "Σύνολο",
     "Összesen", "Átlag", "Summe", "Srednja vrijednost", "Total:"],
)  # fmt: skip
def test_a_label_opening_with_a_summary_word_marks_its_row(label):
    cells = pd.DataFrame({"origin_place": [label]}, dtype="string")
    assert summary_labels(cells).tolist() == [f"origin_place = {label}"]


@pytest.mark.parametrize(
    "label",
    [
        "Sumartin",
        "Totalno",
        "Bihać",
        "Sarajevo (average of 3 sources)",
        "Medina",
        None,
        # places of the route that are also words for an average or a median in Serbian
        "Medijana",
        "Medijana, Niš",
        "Медијана",
        "Prosek",
        # ids made of such a word
        "SUM-11",
        "TOTAL_2",
        "AVG-7",
    ],
)
def test_places_ids_and_words_only_starting_alike_are_observations(label):
    cells = pd.DataFrame({"origin_place": [label], "obs_id": ["T1"]}, dtype="string")
    assert summary_labels(cells).isna().all()


def test_summary_rows_of_a_table_are_quarantined_and_its_observations_kept():
    # The rows of a field table, then its Prosjek and Ukupno rows (read as a file is).
    base = {"flow": "people", "commodity": "smuggling_service", "market_level": "service",
            "origin_country": "BA", "destination_country": "HR", "period": "2020",
            "currency": "EUR", "unit": "per_person", "source_title": "Synthetic"}  # fmt: skip
    rows = [
        {"obs_id": "T1", "origin_place": "Bihać", "price_point": "1500"},
        {"obs_id": "T2", "origin_place": "Cazin", "price_point": "1800"},
        {"obs_id": "", "origin_place": "Prosjek", "price_point": "1650"},
        {"obs_id": "Ukupno", "origin_place": "", "price_point": "3300"},
    ]
    raw = pd.DataFrame([{**base, **row} for row in rows], dtype="string")
    raw.index = pd.RangeIndex(2, 6, name="row_number")
    prices = CONTRACTS["prices"]
    valid, failures = validate_chunk(prices, prices.prepare(raw))
    assert valid["obs_id"].tolist() == ["T1", "T2"]
    reasons = {row: (rule, case) for row, _, rule, case in failures.itertuples(index=False)}
    assert reasons == {
        4: ("row_is_observation", "origin_place = Prosjek"),
        5: ("row_is_observation", "obs_id = Ukupno"),
    }
