"""Place names resolve against the route's gazetteer the way a person would read them."""

from __future__ import annotations

import csv

import pytest

from schemas.places import GAZETTEER, resolve
from schemas.vocabulary import COUNTRY_CODES
from tests.schemas.test_price_rules import check


@pytest.mark.parametrize(
    ("text", "place_id", "match"),
    [
        ("Subotica", "subotica", "exact"),
        ("HORGOŠ", "horgos", "exact"),
        ("Bihac", "bihac", "exact"),  # a listed alias
        ("Velika Kladusa", "velika_kladusa", "exact"),
        ("Sid", "sid", "exact"),
        ("Kukes", "kukes", "exact"),
        ("Kapikule", "kapikule", "exact"),
        ("BIHAĆ ", "bihac", "exact"),
        ("Velika  Kladuša", "velika_kladusa", "folded"),
        ("Shkodër", "shkoder", "exact"),
        ("Lojané", "lojane", "folded"),
        ("Суботица", "subotica", "exact"),
        ("Бихач", "bihac", "transliterated"),  # Russian-style spelling of Бихаћ
        ("Шид", "sid", "exact"),
        ("ХОРГОШ", "horgos", "exact"),
        ("Кукес", "kukes", "exact"),
        ("Прешево", "presevo", "exact"),
        ("Subotca", "subotica", "fuzzy"),
        ("Gevgelia", "gevgelija", "fuzzy"),
        ("Prizren, Kosovo", "prizren", "exact"),
        ("Zagreb", None, "unresolved"),
        ("EU (via Bosnia and Herzegovina)", None, "unresolved"),  # names a country, is none
        ("Ειδομένη", "idomeni", "exact"),  # the gazetteer's Greek name, as written
        # Greek and Arabic script folds to nothing: every such name matched Idomeni's
        ("Θεσσαλονίκη", None, "unresolved"),
        ("Αθήνα", None, "unresolved"),
        ("كابل", None, "unresolved"),
    ],
)
def test_place_strings_resolve_or_stay_unresolved(text, place_id, match):
    resolution = resolve(text)
    assert (resolution.place_id, resolution.match) == (place_id, match)


def test_cyrillic_spellings_not_listed_are_transliterated():
    assert (resolve("Кельебија").place_id, resolve("Кельебија").match) == (
        "kelebija", "transliterated",
    )  # fmt: skip
    assert (resolve("ЗВОРНИК").place_id, resolve("ЗВОРНИК").match) == ("zvornik", "exact")
    assert (resolve("Прізрен").place_id, resolve("Прізрен").match) == ("prizren", "fuzzy")


@pytest.mark.parametrize(
    ("text", "place_id"),
    [
        ("Serbia-Hungary border", "border:HU-RS"),
        ("Serbian-Hungarian border (tunnels)", "border:HU-RS"),
        ("granica Srbija - Mađarska", "border:HU-RS"),
        ("Bosnia and Herzegovina - Croatia border", "border:BA-HR"),
        ("kufiri Shqipëri-Kosovë", None),  # "Kosovë" is not listed: not guessed
        ("Turkey/Bulgaria border", "border:BG-TR"),
    ],
)
def test_border_descriptions_resolve_to_a_border_between_two_countries(text, place_id):
    assert resolve(text).place_id == place_id


def test_unresolved_places_come_with_their_closest_candidates():
    resolution = resolve("Subtica Novi")
    assert resolution.match == "unresolved"
    assert "subotica" in resolution.candidates


def test_a_place_in_another_country_than_the_row_is_quarantined():
    _, failures = check(origin_country="BA", origin_place="Subotica")
    row = failures[failures["rule"] == "place_in_row_country"].iloc[0]
    assert row["failure_case"] == "Subotica lies in RS, not BA"
    # A border lies in either of its countries; a border river too.
    assert check(origin_place="Serbia-Hungary border")[1].empty
    assert check(origin_country="BA", origin_place="Drina")[1].empty


@pytest.mark.parametrize(
    ("country", "place", "place_id"),
    [
        # The Hungarian side of a crossing is its own place, not an alias of the Serbian one:
        # Kelebia with Hungary was quarantined ("lies in RS"), and alone renamed Kelebija.
        ("HU", "Kelebia", "kelebia"),
        (None, "Kelebia", "kelebia"),
        ("RS", "Kelebija", "kelebija"),
        ("HU", "Röszke", "roszke"),
        # A crossing named by both sides lies in either country.
        ("HU", "Horgoš-Röszke", "horgos_roszke"),
        ("RS", "Horgos-Roszke", "horgos_roszke"),
    ],
)
def test_each_side_of_a_border_crossing_is_the_place_in_its_own_country(country, place, place_id):
    valid, failures = check(destination_country=country, destination_place=place)
    assert failures.empty
    assert valid["destination_place_id"].tolist() == [place_id]


def test_an_unresolved_place_does_not_reject_the_row():
    valid, failures = check(destination_place="Wien Hauptbahnhof")
    assert failures.empty
    row = valid.iloc[0]
    assert (row["destination_place"], row["destination_place_match"]) == (
        "Wien Hauptbahnhof", "unresolved",
    )  # fmt: skip
    assert row["destination_place_candidates"]


def gazetteer_rows():
    with GAZETTEER.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_gazetteer_names_the_places_of_the_route_with_sourced_coordinates():
    rows = gazetteer_rows()
    names = {row["name_en"] for row in rows}
    assert {
        "Subotica", "Horgoš", "Kelebija", "Šid", "Preševo", "Lojane", "Tabanovce", "Gevgelija",
        "Idomeni", "Bihać", "Velika Kladuša", "Una-Sana canton", "Zvornik", "Drina river",
        "Kukës", "Prizren", "Shkodër", "Pogradec", "Kapıkule", "Edirne",
    } <= names  # fmt: skip
    for row in rows:
        assert all(code in COUNTRY_CODES for code in row["country"].split("|")), row
        assert row["name_cyrillic"], row
        if row["latitude"]:
            # Every coordinate names the page it was read from; all lie in the Balkans.
            assert row["coordinates_source_url"].startswith("http"), row
            assert 39 < float(row["latitude"]) < 47.5 and 13 < float(row["longitude"]) < 29
        else:
            assert row["coordinates_note"], row  # why there is no point


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("rs", "RS"),
        ("Srbija", "RS"),
        ("Србија", "RS"),
        ("Mađarska", "HU"),
        ("BiH", "BA"),
        ("Kosovo", "XK"),
        ("Turkey", "TR"),
        ("Afghanistan", "AF"),  # outside the gazetteer: pycountry's names
        ("SYR", "SY"),  # and alpha-3 codes
        ("EL", "GR"),  # Eurostat's codes
        ("UK", "GB"),
    ],
)
def test_a_country_written_as_a_name_is_staged_as_its_iso_code(written, code):
    valid, failures = check(origin_country=written, origin_place="", destination_country="AT")
    assert failures.empty
    assert valid.iloc[0]["origin_country"] == code


@pytest.mark.parametrize("written", ["Serbiaa", "Western Balkans", "EU"])
def test_a_country_cell_naming_no_country_is_quarantined_as_written(written):
    _, failures = check(origin_country=written, origin_place="")
    assert failures[["rule", "failure_case"]].values.tolist() == [
        ["country_iso3166", written.upper()]
    ]
