"""Unit labels as researchers write them name the contract's units; nothing else is guessed."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.units import normalise_unit, unit_code


@pytest.mark.parametrize(
    ("labels", "unit"),
    [
        (
            ["g", "G", "gr", "gram", "grama", "po gramu", "per gram", "1 g", "/g", "грам"],
            "per_gram",
        ),
        (["kg", "KG", "kilo", "kilogram", "po kilogramu", "per kilo", "1kg", "кг"], "per_kg"),
        (["per person", "po osobi", "/osobi", "po čovjeku", "по лице", "për frymë"], "per_person"),
        (["m2", "m²", "po m2"], "per_m2"),
        (["per_gram", "Per_Gram", "per-gram", "PER GRAM"], "per_gram"),
        (["total_per_year", "total per year"], "total_per_year"),
        (["per_kg_increase_per_border"], "per_kg_increase_per_border"),
    ],
)
def test_unit_labels_name_the_contract_units(labels, unit):
    assert {label: unit_code(label) for label in labels} == dict.fromkeys(labels, unit)


@pytest.mark.parametrize(
    "label",
    [
        "10 g",  # ten grams: the price per gram would be a tenth, not guessed
        "per ounce",
        "oz",
        "per 2 persons",
        "€/g",  # names a currency, which would go unchecked against the row's
        "gramophone",
        "",
    ],
)
def test_labels_for_more_than_one_item_or_none_name_no_unit(label):
    assert unit_code(label) is None


def test_a_label_naming_no_unit_stays_as_written_for_the_rule_to_name():
    cells = pd.Series(["g", "Per Ounce", None, "KG"], dtype="string")
    assert normalise_unit(cells).tolist() == ["per_gram", "per ounce", pd.NA, "per_kg"]
