"""The contract for route observations: how many people are detected, registered or pushed
back along the route, per leg, country or route and period."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.columns import INPUT_ONLY_COLUMNS, ROUTE_COLUMNS
from schemas.common import (
    ObservationRules,
    Text,
    is_country,
    number_unambiguous_rule,
    text_fits_a_cell_rule,
    text_printable_rule,
)
from schemas.parsing import Conventions
from schemas.prepare import prepare
from schemas.repeated import merge_repeated

ROUTE_NUMBERS = ("value",)
ROUTE_TEXT = tuple(
    c
    for c in ROUTE_COLUMNS
    if c not in ROUTE_NUMBERS + ("period_start", "period_end") + INPUT_ONLY_COLUMNS
)


#: The model's columns that hold a cell's text as read: the cells ``text_printable`` looks at.
ROUTE_CELLS = ROUTE_TEXT + ("value_text", "period_start_text", "period_end_text")


def prepare_routes(
    raw: pd.DataFrame,
    conventions: Conventions | None = None,
    currencies: Mapping[str, str] | None = None,
    stored_decimals: pd.DataFrame | None = None,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Typed frame of a chunk of raw route rows, ready for :class:`RouteObservations`.
    Counts have no currency or unit: a header naming one (``Vrijednost (EUR)``) is an unknown
    column for routes, so ``currencies`` and ``units`` are always empty here. A column the
    chunk gives more than once is read as one, row by row
    (:func:`schemas.repeated.merge_repeated`)."""
    merged = merge_repeated(raw, ROUTE_COLUMNS, None, stored_decimals)
    typed = prepare(merged.raw, ROUTE_TEXT, ROUTE_NUMBERS, conventions, merged.stored_decimals)
    typed["repeated_column_text"] = merged.conflicts
    return typed


class RouteObservations(ObservationRules):
    """One count along the route, as a source states it."""

    metric: Text = pa.Field(nullable=True)
    route_or_leg: Text = pa.Field(nullable=True)
    origin_country: Text = pa.Field(nullable=True)
    destination_country: Text = pa.Field(nullable=True)
    reporting_country: Text = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    value_text: Text = pa.Field(nullable=True)
    value_ambiguous_text: Text = pa.Field(nullable=True)
    source_org: Text = pa.Field(nullable=True)

    text_printable = text_printable_rule(*ROUTE_CELLS)
    text_fits_a_cell = text_fits_a_cell_rule(*ROUTE_CELLS)
    number_unambiguous = number_unambiguous_rule("value_ambiguous_text")

    @pa.check("metric", ignore_na=False)
    def metric_is_name(cls, metric: Text) -> Series[bool]:
        """metric is required, in snake_case (e.g. detections_irregular_crossings)"""
        return metric.str.fullmatch(r"[a-z][a-z0-9_]*").fillna(False).astype(bool)

    @pa.check("route_or_leg", ignore_na=False)
    def route_or_leg_given(cls, route: Text) -> Series[bool]:
        """route_or_leg is required (a route name, an XX->YY leg or a country series)"""
        return route.notna()

    @pa.check("origin_country", "destination_country", "reporting_country")
    def country_iso3166(cls, codes: Text) -> Series[bool]:
        """country must be an ISO 3166-1 alpha-2 code (XK for Kosovo) or a country's name"""
        return is_country(codes)

    @pa.dataframe_check(ignore_na=False)
    def period_given(cls, df: pd.DataFrame) -> Series[bool]:
        """a count needs the period it covers (period_start)"""
        return df["period_start_text"].notna()

    @pa.dataframe_check(ignore_na=False)
    def value_is_number(cls, df: pd.DataFrame) -> Series[bool]:
        """value is required and must be a number"""
        return df["value"].notna()

    @pa.check("value")
    def value_not_negative(cls, value: Series[float]) -> Series[bool]:
        """value must not be negative"""
        return value >= 0

    @pa.dataframe_check(ignore_na=False)
    def source_named(cls, df: pd.DataFrame) -> Series[bool]:
        """every figure needs its source: source_org, source_title or source_url"""
        return df[["source_org", "source_title", "source_url"]].notna().any(axis=1)
