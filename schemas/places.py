"""Resolve place names as researchers write them against the route's gazetteer.

``data/reference/places.csv`` lists countries, cities, border crossings, hotspots, a canton and
a border river, each with its ISO country, its names in English, local Latin and Cyrillic
script and aliases, and coordinates only where a named source gives them (the source is on the
row; areas and rivers have none). A place string resolves, in this order, by

1. ``exact``: a name or alias as written (case aside);
2. ``folded``: after folding accents (``Bihac`` = ``Bihać``), or ``transliterated`` when the
   text is Cyrillic (``Суботица`` = ``Subotica``);
3. ``border``: a border description naming two countries (``Serbia-Hungary border``,
   ``granica Srbija - Mađarska``) resolves to the border between them (``border:HU-RS``);
4. ``fuzzy``: the closest name by rapidfuzz's ratio at or above :data:`FUZZY_THRESHOLD`, at
   most :data:`FUZZY_MOST_EDITS` edits away.

A place that resolves to nothing is kept as written, flagged ``unresolved`` with its closest
candidates, and listed in the ``unresolved_places`` mart so a curator can add an alias. Each
distinct string is resolved once per process.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pycountry
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from schemas.distinct import per_distinct, per_distinct_label
from schemas.text import fold
from schemas.vocabulary import COUNTRY_CODES

GAZETTEER = Path(__file__).resolve().parent.parent / "data" / "reference" / "places.csv"

#: Minimum rapidfuzz ratio (0-100) for a fuzzy match: one or two typos in a town's name.
FUZZY_THRESHOLD = 85
#: Most edits between a fuzzy match and the name: a typo or two. The ratio alone takes a long
#: text holding a name (``EU (via Bosnia and Herzegovina)`` scores 86 against the country).
FUZZY_MOST_EDITS = 2

_BORDER_WORDS = re.compile(r"\b(border|borders|granica|granici|granicu|kufi|kufiri|sinir|grenze)\b")


@dataclass(frozen=True)
class Place:
    place_id: str
    kind: str
    countries: tuple[str, ...]  # one country; two for a border or a border river


@dataclass(frozen=True)
class Resolution:
    place_id: str | None
    countries: tuple[str, ...]
    match: str  # exact | folded | transliterated | border | fuzzy | unresolved
    candidates: str | None = None  # closest names, for an unresolved place


@functools.cache
def gazetteer() -> tuple[dict[str, Place], dict[str, Place], dict[str, Place]]:
    """(names as written lower-cased, folded names, folded country names) -> place."""
    exact: dict[str, Place] = {}
    folded: dict[str, Place] = {}
    countries: dict[str, Place] = {}
    with GAZETTEER.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            place = Place(row["place_id"], row["kind"], tuple(row["country"].split("|")))
            names = [row["name_en"], row["name_local"], row["name_cyrillic"]]
            names += [a for a in row["aliases"].split("|") if a]
            for name in names:
                exact.setdefault(name.strip().lower(), place)
                if not _key(name):  # a script folding drops (Ειδομένη): as written only, else
                    continue  # every Greek or Arabic name, folded to nothing, was Idomeni
                folded.setdefault(_key(name), place)
                if place.kind == "country":
                    countries.setdefault(_key(name), place)
    return exact, folded, countries


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def _border(text: str, countries: dict[str, Place]) -> Resolution | None:
    key = _key(text)
    if not _BORDER_WORDS.search(key):
        return None
    words = _BORDER_WORDS.sub(" ", key).split()
    found: list[str] = []
    i = 0
    while i < len(words):  # longest country name first: "bosnia and herzegovina"
        for size in (4, 3, 2, 1):
            name = " ".join(words[i : i + size])
            if name in countries:
                code = countries[name].countries[0]
                if code not in found:
                    found.append(code)
                i += size
                break
        else:
            i += 1
    if len(found) != 2:
        return None
    pair = tuple(sorted(found))
    return Resolution(f"border:{pair[0]}-{pair[1]}", pair, "border")


@functools.lru_cache(maxsize=100_000)
def resolve(text: str) -> Resolution:
    """Resolve one place string (never raises)."""
    exact, folded, countries = gazetteer()
    written = text.strip().lower()
    if written in exact:
        place = exact[written]
        return Resolution(place.place_id, place.countries, "exact")
    key = _key(text)
    if key in folded:
        place = folded[key]
        cyrillic = bool(re.search("[\u0400-\u04ff]", text))
        method = "transliterated" if cyrillic else "folded"
        return Resolution(place.place_id, place.countries, method)
    if border := _border(text, countries):
        return border
    if "," in text:  # "Prizren, Kosovo": the place, then where it is
        head, _, tail = text.partition(",")
        first = resolve(head)
        country = countries.get(_key(tail))
        if first.place_id and country and country.countries[0] in first.countries:
            return first
    best = process.extract(key, list(folded), scorer=fuzz.ratio, limit=3)
    for name, score, _ in best:
        if score >= FUZZY_THRESHOLD and Levenshtein.distance(key, name) <= FUZZY_MOST_EDITS:
            place = folded[name]
            return Resolution(place.place_id, place.countries, "fuzzy")
    names = "; ".join(
        f"{name} -> {folded[name].place_id} ({score:.0f})" for name, score, _ in best if score
    )  # none for a name in a script folding drops: nothing is alike
    return Resolution(None, (), "unresolved", names or None)


#: Codes statistical offices write that ISO 3166-1 does not assign: Eurostat's and the EU's
#: ``EL`` (Greece) and ``UK`` (the United Kingdom), common in route counts from their tables.
EU_COUNTRY_CODES = {"EL": "GR", "UK": "GB"}


@functools.lru_cache(maxsize=10_000)
def country_code(label: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a country cell names, or None: the code itself in any case
    (``rs``), ``EL``/``UK`` (:data:`EU_COUNTRY_CODES`), a name of one of the gazetteer's
    countries as written in English, the local language or Cyrillic (``Srbija``, ``BiH``,
    ``Србија``, ``Kosovo``), or a country pycountry knows by name or alpha-3 code
    (``Afghanistan``, ``SYR``). Nothing fuzzy: ``Serbiaa`` names none."""
    text = label.strip()
    if text.upper() in COUNTRY_CODES:
        return text.upper()
    if text.upper() in EU_COUNTRY_CODES:
        return EU_COUNTRY_CODES[text.upper()]
    place = gazetteer()[2].get(_key(text))
    if place is not None:
        return place.countries[0]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def normalise_country(cells: pd.Series) -> pd.Series:
    """ISO codes for a column of country cells, once per distinct cell (3 ms per 100,000
    rows); a cell naming no country stays as written, upper-cased, so ``country_iso3166``
    names it."""
    return per_distinct_label(cells, lambda label: country_code(label) or label.upper())


#: Place columns of the price contract and the country column each must agree with.
PLACE_COUNTRY = {
    "origin_place": "origin_country",
    "destination_place": "destination_country",
    "location_place": "location_country",
}


def _resolved(places: pd.Series) -> pd.DataFrame:
    """Id, match and candidates of each place string, and the countries it lies in: ``lies_in``
    (``HU|RS``, empty when unresolved), its ``first`` and ``second`` code and ``in_words``."""
    found = [resolve(text) if isinstance(text, str) else None for text in places]
    lies_in = ["|".join(r.countries) if r else "" for r in found]
    return pd.DataFrame(
        {
            "id": [r and r.place_id for r in found],
            "match": [r and r.match for r in found],
            "candidates": [r and r.candidates for r in found],
            "lies_in": lies_in,
            "first": [codes[0:2] for codes in lies_in],
            "second": [codes[3:5] for codes in lies_in],
            "in_words": [codes.replace("|", " or ") for codes in lies_in],
        },
        dtype="string",
    )


def add_places(typed: pd.DataFrame) -> pd.DataFrame:
    """Resolve the place columns: ``<place>_id``, ``<place>_match`` and, for an unresolved
    place, ``<place>_candidates``; ``place_country_text`` names a place that lies in another
    country than the row's (a border or border river may lie in either of its two)."""
    conflicts = pd.Series(pd.NA, index=typed.index, dtype="string")
    for column, country_column in PLACE_COUNTRY.items():
        cells = typed[column]
        found = per_distinct(cells, _resolved)  # each distinct place string resolved once
        typed[f"{column}_id"] = found["id"]
        typed[f"{column}_match"] = found["match"]
        typed[f"{column}_candidates"] = found["candidates"]
        stated = typed[country_column]
        # A place lies in one country, a border in two ("HU|RS"): compare with both codes.
        inside = (stated == found["first"]) | (stated == found["second"])
        elsewhere = stated.notna() & (found["lies_in"] != "") & ~inside.fillna(False)
        rows = elsewhere.fillna(False)  # the message is written for these rows only
        message = cells[rows] + " lies in " + found["in_words"][rows] + ", not " + stated[rows]
        conflicts = conflicts.fillna(message)
    typed["place_country_text"] = conflicts
    return typed
