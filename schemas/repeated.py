"""A contract column a chunk gives more than once: two headers naming it (``currency`` and
``Valuta``), or JSON records spelling one field two ways (``tok`` and ``flow``, ``origin`` and
``from``), which the union of a batch's keys turns into two columns.

:func:`schemas.columns.read_headers` names the first copy after the column and each further one
``<column>_dup`` (``_dup_dup``, ...); the raw layer keeps every copy as read (the later ones in
``extra``). Here the copies are read as one column, row by row: a row takes the value of
whichever copy it fills, so no value is lost to a spelling and which records are read does not
depend on the others in their batch. A row filling two copies with different values is not
resolved either way: :func:`merge_repeated` says so, and the row is quarantined
(``column_given_once``). Whole columns at a time, only where a column is repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import pandas as pd

from schemas.columns import SENSITIVE_COLUMNS, column_of
from schemas.distinct import per_distinct
from schemas.parsing import blank_to_na
from schemas.places import normalise_country
from schemas.prepare import COUNTRY_COLUMNS
from schemas.price_text import normalise_currency
from schemas.units import normalise_unit

#: Copies whose text is never published (it may name people): a row takes the text of the
#: first copy it fills, the others stay in the private raw layer, and two that differ are
#: not a conflict: no figure depends on them, and the rule would have to show their text.
PRIVATE_COLUMNS = SENSITIVE_COLUMNS + ("source_locator",)
#: Codes compared without case (``people`` and ``People`` agree); currencies, units and
#: countries are compared as the codes they name (:func:`_key`).
_CODES = ("flow", "commodity", "market_level", "confidence", "metric", "source_reliability")


class Merged(NamedTuple):
    """A chunk with each repeated contract column read as one (see :func:`merge_repeated`)."""

    raw: pd.DataFrame
    stored_decimals: pd.DataFrame | None
    #: The currency each price header names: a code for a whole column, or a Series, by row,
    #: where the copies of a column name different ones (that of the copy the row fills).
    currencies: dict[str, str | pd.Series]
    #: The unit each price header names, likewise.
    units: dict[str, str | pd.Series]
    #: Per row, the columns given twice with different values, and the values; null elsewhere.
    conflicts: pd.Series


def copies(names: list[str] | pd.Index, columns: tuple[str, ...]) -> dict[str, list[str]]:
    """``{column: [column, column_dup, ...]}`` for each contract column in ``columns`` that
    ``names`` hold more than once, in the order the file gives them. ``unnamed_<n>_dup``, a
    reader's own column and its ``_dup`` name no contract column and are left alone, and so is
    a ``<column>_dup`` header beside no ``<column>``."""
    found: dict[str, list[str]] = {}
    for name in names:
        column = column_of(str(name))
        if column != name and column in columns:
            found.setdefault(column, []).append(name)
    names = set(names)
    return {  # names grow by _dup in the file's order
        column: [column, *sorted(dups, key=len)]
        for column, dups in found.items()
        if column in names
    }


def merge_repeated(
    raw: pd.DataFrame,
    columns: tuple[str, ...],
    currencies: Mapping[str, str] | None = None,
    stored_decimals: pd.DataFrame | None = None,
    units: Mapping[str, str] | None = None,
) -> Merged:
    """``raw`` with each contract column given more than once read as one, row by row, and the
    rows whose copies disagree (``currency is given in two columns that disagree: KM and
    EUR``). ``raw`` itself is left as read. Copies agree when their stripped text is equal
    (codes without case, currencies as ISO codes: ``KM`` and ``BAM`` agree) and, for a price
    column, the headers name the same currency and unit or none. Unchanged when nothing is
    repeated."""
    headers = {"currency": dict(currencies or {}), "unit": dict(units or {})}
    repeated = copies(raw.columns, columns)
    conflicts = pd.Series(pd.NA, index=raw.index, dtype="string")
    if not repeated:
        return Merged(raw, stored_decimals, headers["currency"], headers["unit"], conflicts)
    raw = raw.copy(deep=False)  # copy on write: the chunk's own columns stay as read
    stored_out = None if stored_decimals is None else stored_decimals.copy(deep=False)
    for column, names in repeated.items():
        cells = [blank_to_na(raw[name]) for name in names]
        merged = cells[0]
        for more in cells[1:]:
            merged = merged.fillna(more)
        raw[column] = merged
        # Each later copy is read where no earlier one is filled: its stored number, its
        # header's currency.
        taken, before = [], pd.Series(False, index=raw.index)
        for cell in cells:
            taken.append(cell.notna() & ~before)
            before = before | cell.notna()
        if stored_out is not None and any(name in stored_out for name in names):
            flags = pd.Series(False, index=raw.index)
            for name, where in zip(names, taken, strict=True):
                if name in stored_out:
                    flags |= where & stored_out[name].reindex(raw.index, fill_value=False)
            stored_out[column] = flags
        # What each copy's header names (a currency, a unit) holds for the rows it gives.
        named = {}
        for what, codes in headers.items():
            named[what] = [codes.pop(name, None) for name in names]
            if len(set(named[what])) > 1:
                by_row = pd.Series(pd.NA, index=raw.index, dtype="string")
                for code, where in zip(named[what], taken, strict=True):
                    if code is not None:
                        by_row[where] = code
                codes[column] = by_row
            elif named[what][0] is not None:
                codes[column] = named[what][0]
        if column not in PRIVATE_COLUMNS:
            said = [
                _as_said(cell, currency, unit)
                for cell, currency, unit in zip(
                    cells, named["currency"], named["unit"], strict=True
                )
            ]
            keys = [_key(column, text) for text in said]
            first = keys[0]
            for key in keys[1:]:
                first = first.fillna(key)
            differ = pd.Series(False, index=raw.index)
            for key in keys:
                differ |= (key.notna() & (key != first)).fillna(False)
            if differ.any():
                text = _conflict(column, [s[differ] for s in said])
                conflicts[differ] = (conflicts[differ] + "; ").fillna("") + text
    return Merged(raw, stored_out, headers["currency"], headers["unit"], conflicts)


def _as_said(cells: pd.Series, currency: str | None, unit: str | None) -> pd.Series:
    """A copy's cells as the reason shows them: with the currency and the unit its header
    names (``1500 (under a header naming EUR per_person)``)."""
    named = " ".join(code for code in (currency, unit) if code is not None)
    return cells + f" (under a header naming {named})" if named else cells


def _key(column: str, said: pd.Series) -> pd.Series:
    """What two copies' cells are compared by: codes without case; currencies, units and
    countries as the codes they name (``KM`` and ``BAM``, ``g`` and ``per_gram``, ``Srbija``
    and ``RS`` agree)."""
    if column == "currency":
        return normalise_currency(said)
    if column == "unit":
        return normalise_unit(said)
    if column in COUNTRY_COLUMNS:
        return normalise_country(said)
    if column in _CODES:
        return per_distinct(said, lambda distinct: distinct.str.lower())
    return said


def _conflict(column: str, said: list[pd.Series]) -> pd.Series:
    """``<column> is given in two columns that disagree: KM and EUR``, for rows in conflict
    only: each distinct value once, in the file's order."""
    parts = pd.DataFrame(dict(enumerate(said)))
    joined = (
        parts.iloc[:, 0]
        .fillna("")
        .str.cat([parts[c].fillna("") for c in parts.columns[1:]], sep="\x1f")
    )

    def describe(rows: pd.Series) -> pd.Series:
        def one(text: str) -> str:
            values = list(dict.fromkeys(v for v in text.split("\x1f") if v))
            count = "two" if len(values) == 2 else str(len(values))
            return f"{column} is given in {count} columns that disagree: " + " and ".join(values)

        return rows.map(one).astype("string")

    return per_distinct(joined, describe)
