"""Vectorised parsing of text cells into typed values; a cell that does not parse becomes null,
and the Pandera models turn "text present but value null" into a named quarantine reason.

Locale conventions (decimal mark, day-month order) are decided once per file from a sample by
:func:`decide_conventions` and applied to every chunk, so ``1.500`` means fifteen hundred in a
decimal-comma file and one and a half in a decimal-point file, never one or the other by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from schemas.distinct import per_distinct

#: Characters people put between thousands: space, no-break spaces, apostrophes.
GROUP_SPACES = "[ \u00a0\u202f'\u2019]"

_SCIENTIFIC = r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+"


def _number_pattern(decimal: str) -> str:
    group = r"\." if decimal == "," else ","
    mark = re_escape(decimal)
    grouped = rf"\d{{1,3}}(?:(?:{group}|{GROUP_SPACES})\d{{3}})+"
    plain = r"\d+"
    return rf"^\s*(?:[+-]?(?:{grouped}|{plain})(?:{mark}\d+)?|[+-]?{mark}\d+|{_SCIENTIFIC})\s*$"


def re_escape(char: str) -> str:
    return "\\" + char if char in ".^$*+?{}[]\\|()" else char


#: Cells that say a value is missing, as statistics tools and spreadsheets write it: pandas'
#: own defaults for ``read_csv`` (R's ``write.csv`` writes ``NA``, Excel ``#N/A``, Python
#: ``None``, databases ``NULL``). Read as blank: ``NA`` in a country column was staged as
#: Namibia, and every R export's row was quarantined for a number or date it did not give.
MISSING_CELLS = (
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
    "na",  # not pandas': lower-cased NA, as in a country column (na -> IR was Namibia)
)  # fmt: skip


def blank_to_na(series: pd.Series) -> pd.Series:
    """Strip cells and turn empty strings and :data:`MISSING_CELLS` into nulls, as pandas
    string dtype. The raw layer keeps the cells as written."""
    text = _stripped(series)
    return text.mask(text.isin(MISSING_CELLS))


def _stripped(series: pd.Series) -> pd.Series:
    """Cells stripped, empty ones null: what the number parsers need, as a missing-value
    cell (``NA``, ``NaN``) is no number either way. The lookup of :data:`MISSING_CELLS` costs
    1.4 ms a column per 100,000 rows, and the number parsers get cells already looked up."""
    text = series.astype("string").str.strip()
    return text.mask(text == "")


def parse_number(series: pd.Series, decimal: str = ".") -> pd.Series:
    """Numbers written with ``decimal`` as the decimal mark to float; anything else to NaN.

    Thousands may be grouped with the other mark, a space or an apostrophe (``1.500,00``,
    ``1 500``, ``1,500.00``, ``1'500``). Infinite or overflowing values (``inf``, ``1e400``)
    are not numbers a source states: they become NaN too.

    Most cells are plain (``2500``, ``-12.5``: ASCII digits, no grouping); Arrow recognises and
    converts those in C++. The others are parsed once per distinct text, since those regexes
    run in Python, cell by cell. The same values to the bit as parsing every cell the slow way
    (200,000 numbers in many formats, both marks); three columns of 100,000 synthetic prices:
    86 -> 35 ms.
    """
    text = _stripped(series)
    plain = text.str.fullmatch(_plain_pattern(decimal)).fillna(False).astype(bool)
    values = pd.Series(np.nan, index=series.index, dtype="float64")
    written = text[plain] if decimal == "." else text[plain].str.replace(decimal, ".")
    # Arrow's own cast (pandas' astype converts cell by cell in Python: 11 ms, not 1).
    values[plain] = pc.cast(pa.array(written), pa.float64()).to_numpy(zero_copy_only=False)
    rest = text.notna() & ~plain
    if rest.any():
        values[rest] = per_distinct(text[rest], lambda texts: _parse_numbers(texts, decimal))
    return values.where(np.isfinite(values))


def _plain_pattern(decimal: str) -> str:
    """A plain number with ``decimal`` as its mark, in ASCII digits (``[0-9]``, not ``\\d``,
    which pandas runs in Python and which also matches other scripts' digits)."""
    return rf"-?[0-9]+(?:{re_escape(decimal)}[0-9]+)?"


def _parse_numbers(series: pd.Series, decimal: str) -> pd.Series:
    text = _stripped(series)
    well_formed = text.str.fullmatch(_number_pattern(decimal)).fillna(False).astype(bool)
    scientific = text.str.fullmatch(_SCIENTIFIC).fillna(False).astype(bool)
    group = "." if decimal == "," else ","
    grouped = text.where(well_formed & ~scientific).str.replace(GROUP_SPACES, "", regex=True)
    grouped = grouped.str.replace(group, "", regex=False).str.replace(decimal, ".", regex=False)
    cleaned = grouped.where(~scientific, text.str.strip())
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return values.where(np.isfinite(values))


def fullmatch(text: pd.Series, pattern: str) -> pd.Series:
    """``text.str.fullmatch(pattern)`` run once per distinct cell: a pattern with ``\\d`` runs
    in Python, cell by cell (Arrow's ``\\d`` is ASCII only, Python's is not)."""
    return per_distinct(text, lambda cells: cells.str.fullmatch(pattern))


def decimal_votes(series: pd.Series) -> tuple[int, int]:
    """Cells that can only be read with a decimal point, and those only with a decimal comma.

    ``1,500.00`` / ``12.5`` / ``1,500,000`` vote point; ``1.500,00`` / ``12,5`` / ``1.500.000``
    vote comma; ``1.500`` and ``1,500`` (three digits after one mark) are ambiguous.
    """
    text = _stripped(series).dropna().str.replace(GROUP_SPACES, "", regex=True)
    point = fullmatch(
        text,
        r"[+-]?(?:\d{1,3}(?:,\d{3})+\.\d+|\d+\.(?:\d{1,2}|\d{4,})|\d{4,}\.\d{3}"
        r"|\d{1,3}(?:,\d{3}){2,})",
    )
    comma = fullmatch(
        text,
        r"[+-]?(?:\d{1,3}(?:\.\d{3})+,\d+|\d+,(?:\d{1,2}|\d{4,})|\d{4,},\d{3}"
        r"|\d{1,3}(?:\.\d{3}){2,})",
    )
    return int(point.sum()), int(comma.sum())


DAY_MONTH_PATTERN = r"^\s*(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<year>\d{4})\.?\s*$"


def day_first_votes(series: pd.Series) -> tuple[int, int]:
    """Cells written ``dd/mm/yyyy`` or ``dd-mm-yyyy`` that show the day first (first number >
    12), and those that show the month first (second number > 12). Dotted dates (15.07.2020)
    do not vote: they are always read day first, so they say nothing of the others' order."""
    cells = _stripped(series).dropna()
    cells = cells[~cells.str.match(r"\d{1,2}\.").fillna(False).astype(bool)]
    parts = per_distinct(cells, lambda dates: dates.str.extract(DAY_MONTH_PATTERN)).dropna()
    first, second = parts["a"].astype(int), parts["b"].astype(int)
    return int((first > 12).sum()), int((second > 12).sum())


@dataclass(frozen=True)
class Conventions:
    """Locale conventions of one file, decided from a sample and applied to all its chunks.

    decimal: decimal mark per number column (``.`` or ``,``).
    day_first: True for 15.07.2020 / 15/07/2020, False for 07/15/2020, None when the sample
    cannot decide (dates such as 03/04/2020 are then quarantined, never guessed).
    """

    decimal: dict[str, str] = field(default_factory=dict)
    day_first: bool | None = True
    day_order_evidence: str = "no ambiguous dates"
    #: Number columns whose mark nothing in the file decided (read with a point): a cell that
    #: reads differently both ways (``1.500``) is quarantined there (:func:`ambiguous_numbers`).
    decimal_guessed: frozenset[str] = frozenset()

    def decimal_mark(self, column: str) -> tuple[str, bool]:
        """The decimal mark of ``column`` and whether it is a guess (a column the file's
        conventions do not name is read with a point, a guess)."""
        if column not in self.decimal:
            return ".", True
        return self.decimal[column], column in self.decimal_guessed

    def describe(self) -> str:
        marks = sorted(set(self.decimal.values()))
        if len(marks) > 1:
            decimal = ", ".join(f"{c} {m!r}" for c, m in sorted(self.decimal.items()))
        else:
            decimal = repr(marks[0]) if marks else "'.'"
        if self.decimal and set(self.decimal) <= self.decimal_guessed:
            decimal += " (no evidence: numbers like 1.500 are quarantined)"
        order = {True: "day first", False: "month first", None: "undecided"}[self.day_first]
        return f"decimal mark {decimal}; day-month order {order} ({self.day_order_evidence})"


#: A number that reads differently with either mark, by a factor of 1000 or more: ``1.500``,
#: ``12.345``, ``1.234.567`` (a dot followed by exactly three digits, no comma), in a stripped
#: cell. ASCII digits so Arrow runs it in C++.
AMBIGUOUS_NUMBER = r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"


def ambiguous_numbers(text: pd.Series) -> pd.Series:
    """True where a cell is a number such as ``1.500`` that is 1.5 with a decimal point and
    1500 with a decimal comma: read in a column whose mark nothing decided, it would be a guess.
    """
    return text.str.fullmatch(AMBIGUOUS_NUMBER).fillna(False).astype(bool)


def decide_conventions(
    sample: pd.DataFrame,
    number_columns: tuple[str, ...],
    date_columns: tuple[str, ...],
    delimiter: str | None = None,
) -> Conventions:
    """Decide the decimal mark per column and the day-month order for the whole file.

    A column with evidence of its own keeps it; a column with none (all plain integers or
    ambiguous ``1.500``) follows the file's other number columns; with no evidence in any
    column, a ``;``-delimited text file (``delimiter``) reads a decimal comma (spreadsheet
    programs write ``;`` as the list separator exactly in decimal-comma locales), and any other
    file reads a decimal point as a guess (:attr:`Conventions.decimal_guessed`: ``1.500`` is
    then quarantined, not read as 1.5). Day-month order: day first when some date shows a day
    above 12 and none a month above 12; month first the other way round; with no such date,
    slash or dash dates stay undecided; with evidence both ways the file is undecided. Dates
    written with dots (15.07.2020, the Balkan and German way) are always day first and do not
    vote.
    """
    votes = {c: decimal_votes(sample[c]) for c in number_columns if c in sample}
    file_point = sum(p for p, _ in votes.values())
    file_comma = sum(c for _, c in votes.values())
    if file_comma != file_point:
        file_mark, file_decided = ("," if file_comma > file_point else "."), True
    else:
        file_decided = delimiter == ";"
        file_mark = "," if file_decided else "."
    decimal = {}
    guessed = set()
    for column, (point, comma) in votes.items():
        decimal[column] = "," if comma > point else "." if point > comma else file_mark
        if point == comma and not file_decided:
            guessed.add(column)
    day, month = 0, 0
    slashed = 0
    for column in date_columns:
        if column in sample:
            d, m = day_first_votes(sample[column])
            day, month = day + d, month + m
            cells = blank_to_na(sample[column]).dropna()
            slashed += int(fullmatch(cells, r"\d{1,2}[/-]\d{1,2}[/-]\d{4}").sum())
    if day and month:
        day_first, evidence = None, f"{day} dates show the day first and {month} the month first"
    elif day:
        day_first, evidence = True, f"{day} dates have a day above 12"
    elif month:
        day_first, evidence = False, f"{month} dates have a month-first day above 12"
    elif slashed:
        day_first, evidence = None, f"{slashed} dates like 03/04/2020 and none above 12"
    else:
        day_first, evidence = True, "no ambiguous dates"
    return Conventions(decimal, day_first, evidence, frozenset(guessed))
