"""The controlled vocabulary of the raw data contract: allowed values and code lists.

Kept in Python (not a CSV) because both the Pandera models and the SQL build read it: the
build loads :data:`UNITS` into DuckDB as ``ref_units`` so units are defined once.
"""

from __future__ import annotations

from typing import NamedTuple

import pycountry

FLOWS = ("people", "drugs", "money")
MARKET_LEVELS = ("service", "retail", "wholesale", "estimate")
CONFIDENCE_LEVELS = ("high", "medium", "low")

#: The Admiralty (NATO) grading a source may carry beside its confidence: how reliable the
#: source is (A completely reliable ... E unreliable, F cannot be judged) and how credible the
#: information is (1 confirmed ... 5 improbable, 6 cannot be judged). Both optional.
SOURCE_RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
INFORMATION_CREDIBILITY_GRADES = ("1", "2", "3", "4", "5", "6")


class Unit(NamedTuple):
    """What a unit measures.

    kind: ``price`` (an amount paid per item), ``markup`` (an amount added per item along the
    route), ``estimate`` (an aggregate money amount) or ``ratio`` (a dimensionless figure).
    Only prices are summarised as prices; markups, estimates and ratios are kept apart.
    grams: grams per unit for drug quantities, so per-gram and per-kg prices compare.
    """

    kind: str
    per: str
    grams: float | None = None


UNITS: dict[str, Unit] = {
    "per_person": Unit("price", "person"),
    "per_gram": Unit("price", "gram", 1.0),
    "per_kg": Unit("price", "kilogram", 1000.0),
    "per_m2": Unit("price", "square metre"),
    "per_kg_increase_per_border": Unit("markup", "kilogram per border crossed", 1000.0),
    "total_per_year": Unit("estimate", "year"),
    "percent_of_gdp": Unit("ratio", "percent of GDP"),
    "percent_growth_yoy": Unit("ratio", "percent year on year"),
    "percent_premium": Unit("ratio", "percent above comparison"),
    "ratio_price_vs_origin": Unit("ratio", "times the price at origin"),
}

#: Units whose figures are amounts of money and so need a currency.
MONEY_UNIT_KINDS = ("price", "markup", "estimate")

#: ISO 3166-1 alpha-2, plus Kosovo's user-assigned XK (used by the EU, Frontex and GI-TOC).
COUNTRY_CODES = frozenset(c.alpha_2 for c in pycountry.countries) | {"XK"}

#: Codes withdrawn from ISO 4217 that still appear in observations from before their euro
#: changeover; pycountry lists only current codes (26.2.16 dropped BGN: Bulgaria adopted the
#: euro on 1 January 2026). Kept: every withdrawn code data/reference/fx_rates.csv or the ECB
#: history holds rates for (HRK, BGN; CYP, EEK, LTL, LVL, MTL, SKK before their euro changeover;
#: ROL and TRL before Romania's and Turkey's redenominations), so such a price is converted with
#: the rate of its date. The lev (BGN) has a reference rate for every date: 1.95583 per euro,
#: the currency board peg until 2025 and the irrevocable conversion rate from 2026 (an
#: open-ended reference row), so a lev price dated 2026 or later is converted at that rate, not
#: quarantined as no_fx_rate; kuna (HRK) after its changeover is quarantined instead by
#: kuna_only_before_2023. The other codes' ECB rates end at their changeover: a later price in
#: one of them finds no rate and is quarantined as no_fx_rate.
HISTORIC_CURRENCY_CODES = frozenset(
    {"HRK", "BGN", "SIT", "DEM", "YUM", "CSD",
     "CYP", "EEK", "LTL", "LVL", "MTL", "SKK", "ROL", "TRL"}
)  # fmt: skip

CURRENCY_CODES = frozenset(c.alpha_3 for c in pycountry.currencies) | HISTORIC_CURRENCY_CODES
