"""Turn a chunk of raw text cells into the typed frame the Pandera models validate.

Typing never fails here: a cell that does not parse becomes null and its text is kept beside
it (``<column>_text``) so the model can name the rule ("price_low is not a number") instead of
the row vanishing in a coercion error.
"""

from __future__ import annotations

import pandas as pd

from schemas.parsing import blank_to_na, parse_number, parse_period

UPPER_CASE_CODES = (
    "origin_country", "destination_country", "location_country", "reporting_country", "currency",
)  # fmt: skip
LOWER_CASE_CODES = ("flow", "commodity", "market_level", "unit", "confidence", "metric")


def _cells(raw: pd.DataFrame, column: str) -> pd.Series:
    """Stripped text of a column, null where blank or where the file has no such column."""
    if column not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    return blank_to_na(raw[column])


def prepare(
    raw: pd.DataFrame, text_columns: tuple[str, ...], number_columns: tuple[str, ...]
) -> pd.DataFrame:
    """Typed copy of ``raw`` (index preserved): codes case-folded, numbers and periods parsed."""
    typed = pd.DataFrame(index=raw.index)
    for column in text_columns:
        cells = _cells(raw, column)
        if column in UPPER_CASE_CODES:
            cells = cells.str.upper()
        elif column in LOWER_CASE_CODES:
            cells = cells.str.lower()
        typed[column] = cells
    for column in number_columns:
        text = _cells(raw, column)
        typed[column] = parse_number(text)
        typed[f"{column}_text"] = text
    start_text = _cells(raw, "period_start")
    end_text = _cells(raw, "period_end")
    start = parse_period(start_text)
    # A blank end means the period is the start's own year, month or day.
    end = parse_period(end_text.fillna(start_text))
    typed["period_start"] = start["start"]
    typed["period_end"] = end["end"]
    typed["period_precision"] = start["precision"]
    typed["period_start_text"] = start_text
    typed["period_end_text"] = end_text
    return typed
