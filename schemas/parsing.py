"""Vectorised parsing of text cells into typed values; a cell that does not parse becomes null,
and the Pandera models turn "text present but value null" into a named quarantine reason."""

from __future__ import annotations

import pandas as pd

PERIOD_PATTERN = r"^\s*(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?\s*$"


def blank_to_na(series: pd.Series) -> pd.Series:
    """Strip cells and turn empty strings into nulls, as pandas string dtype."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def parse_number(series: pd.Series) -> pd.Series:
    """Plain decimal numbers (``1500``, ``1500.5``, ``5e7``) to float; anything else to NaN."""
    return pd.to_numeric(blank_to_na(series), errors="coerce").astype("float64")


def parse_period(series: pd.Series) -> pd.DataFrame:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into the first and last day it covers.

    Returns columns ``start``, ``end`` (datetime64, NaT when blank or invalid) and
    ``precision`` (``year``, ``month``, ``day`` or null). A year means 1 Jan to 31 Dec.
    """
    parts = blank_to_na(series).str.extract(PERIOD_PATTERN)
    year = parts["year"]
    month = parts["month"].fillna("1")
    day = parts["day"].fillna("1")
    start = pd.to_datetime(
        year + "-" + month.str.zfill(2) + "-" + day.str.zfill(2),
        format="%Y-%m-%d",
        errors="coerce",
    )
    precision = pd.Series(pd.NA, index=series.index, dtype="string")
    precision = precision.mask(year.notna(), "year")
    precision = precision.mask(parts["month"].notna(), "month")
    precision = precision.mask(parts["day"].notna(), "day")
    end = start.copy()
    is_year = precision == "year"
    is_month = precision == "month"
    end[is_year] = start[is_year] + pd.offsets.YearEnd(0)
    end[is_month] = start[is_month] + pd.offsets.MonthEnd(0)
    precision = precision.mask(start.isna())
    return pd.DataFrame({"start": start, "end": end, "precision": precision})
