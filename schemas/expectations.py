"""Quality gates for the published tables: what must hold before a build is published.

One :class:`Suite` per table, kept beside the raw data contract because both say what the data
may look like: the contract row by row on the way in, these suites table by table on the way
out. ``flows/quality.py`` turns each :class:`Check` into a Great Expectations expectation and
runs the suites on every build before it is published.

A *blocking* check states something that is wrong whenever it fails (a null key, a duplicated
grain row, counts that do not reconcile, a score off its scale): a build that fails one is not
published. A *warning* states something that is merely implausible (a price far outside what
sources report, a table that shrank or grew a lot since the last build): a real extreme can
happen, so the build is published and the warning is reported for a person to look at.

``mart_lineage`` has no suite: it is a view (a million observations make some ten million
lineage rows), computed from tables these suites check; reading it whole every night would
cost more than building the marts. Its grain and keys are asserted by the test suite instead
(tests/sql/test_mart_lineage.py).

The checks are plain data, so importing this module does not import Great Expectations (which
takes several seconds); ``expectation`` names a class of ``great_expectations.expectations``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas import CONTRACTS

#: A table's row count may move this share away from the last published build's count, or
#: ROW_COUNT_MIN_SLACK rows if that is more (small tables move by a few rows), before the
#: build warns. Never blocking: adding a year of files can rightly double a table.
ROW_COUNT_TOLERANCE = 0.25
ROW_COUNT_MIN_SLACK = 10

# Plausible EUR prices per unit. Outside them a price is more likely a typo, a wrong unit or a
# wrong currency than a real price, but a real extreme is possible, so they only warn.
#
# Smuggling, per person: the lowest price in the reference observations is EUR 50-70 for a
# local leg inside Albania (SP010, SP006, SP007), the highest "up to EUR 20,000" for a whole
# package to the EU (SP020; GI-TOC "Spot Prices", 2021, as quoted by the press; see
# /work/shared/reference/spot_prices). The bounds leave a factor of 50 below and 2.5 above.
SMUGGLING_EUR_PER_PERSON = (1.0, 50_000.0)
# Drugs, per gram at retail: retail cocaine cost the equivalent of EUR 50-80 per gram in 14
# European countries in 2008 (EMCDDA, Annual report 2011, box "Wholesale and retail drug
# prices: cocaine"), and USD 33-255 per gram across Western Europe in 1990-2003 (UNODC World
# Drug Report price tables); herbal cannabis, the cheapest drug on the route, sells for a few
# euros per gram. 0.1 to 1,000 covers all of these with a wide margin.
DRUG_EUR_PER_GRAM = (0.1, 1_000.0)
# Drugs, per kilogram at wholesale: herbal cannabis sold for EUR 100-200 per kg at the farm in
# Albania (BBC News, 1 Dec 2016, "Europe's outdoor cannabis capital"); wholesale cocaine cost
# EUR 31,000-58,000 per kg in Europe in 2008 (EMCDDA, Annual report 2011, same box).
DRUG_EUR_PER_KG = (50.0, 500_000.0)

#: Scores of the Global Organized Crime Index are on a scale of 1 to 10.
OC_INDEX_SCORES = (
    "criminality", "resilience", "criminal_markets", "criminal_actors", "human_trafficking",
    "human_smuggling", "arms_trafficking", "heroin_trade", "cocaine_trade", "cannabis_trade",
    "synthetic_drug_trade", "financial_crimes",
)  # fmt: skip

#: What can become of a file in the manifest (flows/discover.py and flows/load.py).
FILE_STATUSES = ("new", "changed", "unchanged", "failed", "deleted")

#: Where an input row sits in its file: the grain of staging, quarantine and estimates.
INPUT_ROW = ("file_path", "sheet", "row_number")


@dataclass(frozen=True)
class Check:
    """One expectation on one table.

    expectation: a class name in ``great_expectations.expectations``; kwargs: its arguments.
    blocking: a failure stops the publish; otherwise it warns.
    why: one line for people, shown in the run's report and beside the check in the Data Docs.
    when: ``(column, value)`` to check only the rows where ``column`` equals ``value``.
    """

    expectation: str
    kwargs: Mapping[str, Any]
    why: str
    blocking: bool = True
    when: tuple[str, Any] | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the check reads, so only those are loaded from the build."""
        names = [self.kwargs.get(key) for key in ("column", "column_A", "column_B")]
        names += list(self.kwargs.get("column_list", ()))
        if self.when:
            names.append(self.when[0])
        return tuple(name for name in names if name)

    @property
    def target(self) -> str:
        """The columns the check is about, for messages."""
        if "column_list" in self.kwargs:
            return ", ".join(self.kwargs["column_list"])
        if "column_A" in self.kwargs:
            return f"{self.kwargs['column_B']} <= {self.kwargs['column_A']}"
        return self.kwargs.get("column", "table")


@dataclass(frozen=True)
class Suite:
    """The checks of one published table; ``grain`` is what one row is (unique together)."""

    table: str
    grain: tuple[str, ...]
    checks: tuple[Check, ...] = field(default=())

    @property
    def columns(self) -> tuple[str, ...]:
        seen = dict.fromkeys(self.grain)
        for check in self.checks:
            seen.update(dict.fromkeys(check.columns))
        return tuple(seen)


def not_null(*columns: str) -> tuple[Check, ...]:
    return tuple(
        Check("ExpectColumnValuesToNotBeNull", {"column": c}, f"{c} is never empty")
        for c in columns
    )


def grain_unique(*columns: str) -> Check:
    """No two rows share the grain; an empty value counts as a value, as in SQL GROUP BY."""
    why = "one row per " + ", ".join(columns)
    if len(columns) == 1:
        return Check("ExpectColumnValuesToBeUnique", {"column": columns[0]}, why)
    return Check(
        "ExpectCompoundColumnsToBeUnique",
        {"column_list": list(columns), "ignore_row_if": "never"},
        why,
    )


def between(
    column: str,
    low: float | None,
    high: float | None,
    why: str,
    *,
    blocking: bool = True,
    when: tuple[str, Any] | None = None,
) -> Check:
    """Values within [low, high] (either may be open); empty values are not checked."""
    return Check(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
        why,
        blocking=blocking,
        when=when,
    )


def at_most(smaller: str, larger: str, why: str | None = None) -> Check:
    """``smaller`` <= ``larger`` on every row where both are present."""
    return Check(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": larger,
            "column_B": smaller,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        why or f"{smaller} <= {larger}",
    )


def one_of(column: str, values: tuple, why: str | None = None) -> Check:
    return Check(
        "ExpectColumnValuesToBeInSet",
        {"column": column, "value_set": list(values)},
        why or f"{column} is one of {', '.join(map(str, values))}",
    )


def eur_bounds(
    columns: tuple[str, ...], bounds: tuple[float, float], unit_column: str, unit: str
) -> tuple[Check, ...]:
    low, high = bounds
    return tuple(
        between(
            column,
            low,
            high,
            f"a price {unit} is plausibly EUR {low:,g} to {high:,g}",
            blocking=False,
            when=(unit_column, unit),
        )
        for column in columns
    )


def _suites(*suites: Suite) -> dict[str, Suite]:
    return {suite.table: suite for suite in suites}


SMUGGLING_GRAIN = (
    "leg", "origin_country", "origin_place", "destination_country", "destination_place",
    "commodity", "unit", "period_start", "period_end",
)  # fmt: skip
DRUG_GRAIN = (
    "drug", "market_level", "country", "place", "period_start", "period_end", "price_unit",
)  # fmt: skip
ROUTE_GRAIN = (
    "route_or_leg", "metric", "origin_country", "destination_country", "reporting_country",
    "period_grain", "period_start", "period_end", "figure_status", "source_org",
)  # fmt: skip

SUITES: dict[str, Suite] = _suites(
    Suite(
        "mart_smuggling_prices",
        SMUGGLING_GRAIN,
        (
            grain_unique(*SMUGGLING_GRAIN),
            *not_null("unit", "period_start", "period_end", "n_obs", "n_sources"),
            between("n_obs", 1, None, "every row summarises at least one observation"),
            at_most("n_sources", "n_obs", "no more sources than observations"),
            at_most("n_point_estimates", "n_obs", "no more point estimates than observations"),
            at_most("min_low_eur", "median_eur", "the lowest price is not above the median"),
            at_most("median_eur", "max_high_eur", "the median is not above the highest price"),
            at_most("period_start", "period_end", "the period starts before it ends"),
            *eur_bounds(
                ("median_eur", "min_low_eur", "max_high_eur"),
                SMUGGLING_EUR_PER_PERSON,
                "unit",
                "per_person",
            ),  # fmt: skip
        ),
    ),
    Suite(
        "mart_drug_prices",
        DRUG_GRAIN,
        (
            grain_unique(*DRUG_GRAIN),
            *not_null("price_unit", "period_start", "period_end", "n_obs", "n_sources"),
            one_of("price_unit", ("per_gram", "per_kg")),
            between("n_obs", 1, None, "every row summarises at least one observation"),
            at_most("n_sources", "n_obs", "no more sources than observations"),
            at_most("min_eur", "median_eur", "the lowest price is not above the median"),
            at_most("median_eur", "max_eur", "the median is not above the highest price"),
            at_most("period_start", "period_end", "the period starts before it ends"),
            *eur_bounds(
                ("median_eur", "min_eur", "max_eur"), DRUG_EUR_PER_GRAM, "price_unit", "per_gram"
            ),
            *eur_bounds(
                ("median_eur", "min_eur", "max_eur"), DRUG_EUR_PER_KG, "price_unit", "per_kg"
            ),
        ),
    ),
    Suite(
        "mart_route_volumes",
        ROUTE_GRAIN,
        (
            grain_unique(*ROUTE_GRAIN),
            *not_null(
                "route_or_leg",
                "metric",
                "period_grain",
                "period_start",
                "period_end",
                "figure_status",
                "n_obs",
                "value",
            ),  # fmt: skip
            one_of("period_grain", ("month", "year", "other")),
            one_of("figure_status", ("revised", "preliminary")),
            between("n_obs", 1, None, "every row summarises at least one observation"),
            between("value_min", 0, None, "counts of people are never negative"),
            at_most("value_min", "value", "the smallest figure is not above the median"),
            at_most("value", "value_max", "the median is not above the largest figure"),
            at_most("period_start", "period_end", "the period starts before it ends"),
        ),
    ),
    Suite(
        "mart_estimates",
        INPUT_ROW,
        (
            grain_unique(*INPUT_ROW),
            *not_null(*INPUT_ROW, "flow", "unit", "unit_kind"),
            one_of("unit_kind", ("estimate", "markup", "ratio")),
            at_most("value_low", "value_high", "a range's low is not above its high"),
            between("value_low_eur", 0, None, "amounts in EUR are not negative"),
            between("value_high_eur", 0, None, "amounts in EUR are not negative"),
            between("value_point_eur", 0, None, "amounts in EUR are not negative"),
        ),
    ),
    Suite(
        "dim_country_context",
        ("country", "edition"),
        (
            grain_unique("country", "edition"),
            *not_null("country", "edition"),
            *(between(s, 1, 10, "index scores are on a scale of 1 to 10") for s in OC_INDEX_SCORES),
        ),
    ),
    Suite(
        "stg_price_observations",
        INPUT_ROW,
        (
            grain_unique(*INPUT_ROW),
            *not_null(*INPUT_ROW, "flow", "unit", "unit_kind", "price_form"),
            one_of("flow", ("people", "drugs", "money")),
            Check(
                "ExpectColumnValuesToBeBetween",
                {"column": "fx_rate_per_eur", "min_value": 0, "strict_min": True},
                "exchange rates are above zero",
            ),
            at_most("price_low_eur", "price_high_eur", "a range's low is not above its high"),
            between("price_low_eur", 0, None, "amounts in EUR are not negative"),
            between("price_high_eur", 0, None, "amounts in EUR are not negative"),
            between("price_point_eur", 0, None, "amounts in EUR are not negative"),
            at_most("period_start", "period_end", "the period starts before it ends"),
        ),
    ),
    Suite(
        "stg_route_observations",
        INPUT_ROW,
        (
            grain_unique(*INPUT_ROW),
            *not_null(
                *INPUT_ROW,
                "metric",
                "route_or_leg",
                "period_start",
                "period_end",
                "value",
                "figure_status",
            ),  # fmt: skip
            between("value", 0, None, "counts of people are never negative"),
            at_most("period_start", "period_end", "the period starts before it ends"),
        ),
    ),
    Suite(
        "ingest_files",
        ("file_path",),
        (
            grain_unique("file_path"),
            *not_null("file_path", "dataset", "status", "reconciles"),
            Check(
                "ExpectColumnValuesToBeInSet",
                {"column": "reconciles", "value_set": [True]},
                "every file's rows read = rows staged + rows quarantined",
            ),
            one_of("dataset", tuple(CONTRACTS)),
            one_of("status", FILE_STATUSES),
            between("rows_read", 0, None, "counts are never negative"),
            between("rows_staged", 0, None, "counts are never negative"),
            between("rows_quarantined", 0, None, "counts are never negative"),
        ),
    ),
    Suite(
        "quarantine_rows",
        INPUT_ROW,
        (
            grain_unique(*INPUT_ROW),
            *not_null(*INPUT_ROW, "dataset", "reasons"),
            one_of("dataset", tuple(CONTRACTS)),
            between("row_number", 1, None, "rows are numbered from 1"),
        ),
    ),
    *(
        # The analytic marts: each row has a key that mart_lineage leads from.
        Suite(table, ("mart_row_key",), (grain_unique("mart_row_key"), *not_null("mart_row_key")))
        for table in (
            "mart_journey_costs",
            "mart_drug_price_gradients",
            "mart_market_size",
            "mart_money_flows",
        )
    ),  # fmt: skip
    Suite(
        "mart_smuggling_price_trends",
        ("mart_row_key",),
        (
            grain_unique("mart_row_key"),
            *not_null("mart_row_key", "period_grain", "period_start", "n_obs"),
            one_of("period_grain", ("month", "quarter", "year")),
            between("n_obs", 1, None, "a cell rests on at least one observation"),
            at_most("n_sources", "n_obs"),
            at_most("p25_eur", "median_eur"),
            at_most("median_eur", "p75_eur"),
            *eur_bounds(("median_eur",), SMUGGLING_EUR_PER_PERSON, "unit", "per_person"),
        ),
    ),
    Suite(
        "mart_drug_price_trends",
        ("mart_row_key",),
        (
            grain_unique("mart_row_key"),
            *not_null("mart_row_key", "drug", "price_unit", "n_obs"),
            between("n_obs", 1, None, "a cell rests on at least one observation"),
            at_most("n_sources", "n_obs"),
            at_most("min_eur", "median_eur"),
            at_most("median_eur", "max_eur"),
        ),
    ),
    Suite(
        "unresolved_places",
        ("place_as_written",),
        (
            grain_unique("place_as_written"),
            *not_null("place_as_written", "n_rows"),
            between("n_rows", 1, None, "a place is listed because rows name it"),
        ),
    ),
)
