"""Turn a chunk of raw text cells into the typed frame the Pandera models validate.

Typing never fails here: a cell that does not parse becomes null and its text is kept beside
it (``<column>_text``) so the model can name the rule ("price_low is not a number") instead of
the row vanishing in a coercion error. Helper columns ending in ``_text`` are dropped before
valid rows are stored.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from schemas.columns import BESIDE_PRICE_COLUMN, HEADER_ROW_COLUMN, NOTE_ROW_COLUMN
from schemas.distinct import per_distinct
from schemas.parsing import Conventions, ambiguous_numbers, blank_to_na, parse_number
from schemas.periods import parse_period
from schemas.places import normalise_country
from schemas.price_text import currency_named, normalise_currency, parse_price_text
from schemas.summary_rows import summary_labels
from schemas.units import normalise_unit

COUNTRY_COLUMNS = (
    "origin_country", "destination_country", "location_country", "reporting_country",
)  # fmt: skip
LOWER_CASE_CODES = ("flow", "commodity", "market_level", "confidence", "metric")
PRICE_NUMBERS = ("price_low", "price_high", "price_point")


def _cells(raw: pd.DataFrame, column: str) -> pd.Series:
    """Stripped text of a column, null where blank or where the file has no such column."""
    if column not in raw:
        return pd.Series(pd.NA, index=raw.index, dtype="string")
    return blank_to_na(raw[column])


def _stored(stored_decimals: pd.DataFrame | None, column: str, index: pd.Index) -> pd.Series:
    """True where the file stored the column's cell as a number with a fraction (a workbook's
    number cell, a JSON number: :attr:`flows.readers.RawChunk.stored_decimals`)."""
    if stored_decimals is None or column not in stored_decimals:
        return pd.Series(False, index=index)
    return stored_decimals[column]


def prepare(
    raw: pd.DataFrame,
    text_columns: tuple[str, ...],
    number_columns: tuple[str, ...],
    conventions: Conventions | None = None,
    stored_decimals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Typed copy of ``raw`` (index preserved): codes case-folded, numbers and periods parsed
    with the file's conventions (decimal mark per column, day-month order). A number the file
    stored as a number (``stored_decimals``) is read with the decimal point it is written
    with here, whatever the file's text cells use, and is never ambiguous: 1.234 in a
    workbook's number cell is 1.234."""
    conventions = conventions or Conventions()
    typed = pd.DataFrame(index=raw.index)
    for column in text_columns:
        cells = _cells(raw, column)
        if column in COUNTRY_COLUMNS:
            cells = normalise_country(cells)
        elif column in LOWER_CASE_CODES:
            cells = cells.str.lower()
        elif column == "currency":
            cells = normalise_currency(cells)
        elif column == "unit":
            cells = normalise_unit(cells)
        typed[column] = cells
    for column in number_columns:
        text = _cells(raw, column)
        decimal, guessed = conventions.decimal_mark(column)
        stored = _stored(stored_decimals, column, raw.index)
        number = parse_number(text, decimal)
        if stored.any():
            number[stored] = parse_number(text[stored], ".")
        typed[column] = number
        typed[f"{column}_text"] = text
        # Where nothing decided the column's mark, 1.500 read as 1.5 would be a guess: its
        # text goes here and the row is quarantined (number_unambiguous).
        ambiguous = (
            ambiguous_numbers(text) & ~stored if guessed else pd.Series(False, index=raw.index)
        )
        typed[f"{column}_ambiguous_text"] = text.where(ambiguous)
    # A single date or period column stands for period_start (and its end) when those are blank.
    whole = _cells(raw, "date").fillna(_cells(raw, "period"))
    start_text = _cells(raw, "period_start").fillna(whole)
    end_text = _cells(raw, "period_end")
    start = parse_period(start_text, conventions.day_first)
    # A blank end means the period is the start's own year, quarter, month or day.
    end = parse_period(end_text.fillna(start_text), conventions.day_first)
    typed["period_start"] = start["start"]
    typed["period_end"] = end["end"]
    typed["period_precision"] = start["precision"]
    typed["period_start_text"] = start_text
    typed["period_end_text"] = end_text
    # Why the reader could not read the record (a JSON line that does not parse): the row
    # is kept, with its text in the raw layer, and quarantined as record_readable. Only the
    # reader sets json_error: a file's column of that name is renamed (READER_COLUMNS).
    typed["record_error_text"] = _cells(raw, "json_error")
    # A CSV row with more cells than the header (a delimiter inside an unquoted cell): its
    # cells are in no column (the reader kept them raw), and it is quarantined as row_width.
    typed["row_width_text"] = _cells(raw, "row_width_error")
    # A row repeating the file's header (a second table, a pasted export), kept as read and
    # quarantined as row_is_header alone.
    typed["header_row_text"] = _cells(raw, HEADER_ROW_COLUMN)
    # A table's Total, Average or Prosjek row, or a note written in it (the reader's reason):
    # quarantined as row_is_observation.
    typed["summary_row_text"] = _cells(raw, NOTE_ROW_COLUMN).fillna(summary_labels(typed))
    return typed


def add_price_texts(
    typed: pd.DataFrame,
    raw: pd.DataFrame,
    currencies: Mapping[str, str | pd.Series] | None = None,
    stored_decimals: pd.DataFrame | None = None,
    header_units: Mapping[str, str | pd.Series] | None = None,
) -> pd.DataFrame:
    """Read prices written as text, in a ``price`` column or in the price columns.

    A price column cell the number parser could not read is tried as one amount with its
    currency (``USD 3,000``, ``~700``, ``2k``); a ``price`` cell may also be a range or a
    bound and fills the price columns when they are all blank. The currency a text names
    fills a blank currency; when it differs from the currency column, or two cells name
    different currencies, ``price_currency_text`` says so and the row is quarantined. Text
    that cannot be read as a price is kept in ``price_text`` and quarantined.

    ``currencies`` are the currencies the file's price headers name (``{"price": "BAM"}`` for
    ``Cijena (KM)``): each is read as if written in every filled cell of its column, so it
    fills a blank currency and meets the same rule; a cell naming another one (``1500 EUR``
    under ``Cijena (KM)``) names two, and its row is quarantined. Two headers naming different
    currencies (``Price low (EUR)``, ``Price high (KM)``) quarantine the rows that fill both.

    ``header_units`` are the units the file's price headers name (``{"price": "per_person"}``
    for ``Price per person (EUR)``), read the same way as a unit written after each filled cell
    (``1500 € po osobi``): it fills a blank unit, and a unit column, a cell's own unit or another
    header saying otherwise quarantines the row (``price_unit_text``).
    """
    named = pd.DataFrame(index=typed.index)  # the currency each price cell names
    units = pd.DataFrame(index=typed.index)  # the unit each price cell names (50 €/g)
    for column in PRICE_NUMBERS:
        unread = typed[f"{column}_text"].notna() & typed[column].isna()
        parsed = _parse(typed.loc[unread, f"{column}_text"])
        typed.loc[parsed.index, column] = parsed["point"]
        named_here = parsed["point"].notna() | (parsed["readable"] == 0)
        named[column] = parsed["currency"].where(named_here)
        units[column] = parsed["unit"].where(parsed["point"].notna())
    # An amount under no header beside a price column (a price header merged over two columns
    # with no od | do row below it): the reader's reason, the row quarantined, never read.
    typed["beside_price_text"] = _cells(raw, BESIDE_PRICE_COLUMN)
    price = _cells(raw, "price")
    parsed = _parse(price.dropna(), _stored(stored_decimals, "price", raw.index))
    typed["price_text"] = price.where(parsed["readable"].reindex(typed.index) != 1)
    named["price"] = parsed["currency"]
    units["price"] = parsed["unit"]
    # Before the price text fills the price columns: their text is still each cell's own.
    written = {column: typed[f"{column}_text"] for column in PRICE_NUMBERS} | {"price": price}
    headed, against_header = _header_labels(named, written, currencies or {})
    headed_units, units_against_header = _header_labels(units, written, header_units or {})
    columns_blank = typed[[f"{c}_text" for c in PRICE_NUMBERS]].isna().all(axis=1)
    typed["price_amount_text"] = _amounts_against_columns(typed, parsed, price, columns_blank)
    fill = parsed.index[(parsed["readable"] == 1) & columns_blank.reindex(parsed.index)]
    for column in PRICE_NUMBERS:
        typed.loc[fill, column] = parsed.loc[fill, column.removeprefix("price_")]
        has_value = parsed.loc[fill, column.removeprefix("price_")].notna()
        typed.loc[has_value.index[has_value], f"{column}_text"] = price
    conflict, typed["currency"] = _against_column(named, headed, typed["currency"], "currency")
    typed["price_currency_text"] = against_header.fillna(conflict)
    conflict, typed["unit"] = _against_column(units, headed_units, typed["unit"], "unit")
    typed["price_unit_text"] = units_against_header.fillna(conflict)
    return typed


def _against_column(
    named: pd.DataFrame, headed: pd.DataFrame, stated: pd.Series, column: str
) -> tuple[pd.Series, pd.Series]:
    """Where the currencies (or units) price cells name (``named``, by price column, from the
    cell or its header: ``headed`` true where from the header) disagree with each other or
    with the ``column`` giving them (``stated``), which (``BAM and EUR in the price texts``;
    ``EUR in the price text, BAM in currency``; ``per_gram in the header of price, per_kg in
    unit``); and ``stated`` with blanks filled by the first a cell names. Null where they
    agree: a price per gram read as per kg would be a thousand times off, a price in KM read
    in euros half its worth. Column by column, on whole columns."""
    conflict = pd.Series(pd.NA, index=stated.index, dtype="string")
    named = named.dropna(axis=1, how="all")  # most files name no unit after a price
    if named.empty:
        return conflict, stated
    in_text = pd.Series(pd.NA, index=stated.index, dtype="string")
    for said in named:
        in_text = in_text.fillna(named[said])
    several = pd.Series(False, index=stated.index)
    for said in named:
        several |= (named[said].notna() & (named[said] != in_text)).fillna(False)
    if several.any():
        parts = _where_said(named[several], headed).fillna("")
        joined = parts.iloc[:, 0].str.cat([parts[c] for c in parts.columns[1:]], sep="|")
        conflict[several] = per_distinct(joined, _several)
    disagree = (stated.notna() & in_text.notna() & (stated != in_text)).fillna(False) & ~several
    if disagree.any():
        said = _where_said(named[disagree], headed)
        first = said.iloc[:, 0]
        for other in said.columns[1:]:
            first = first.fillna(said[other])
        conflict[disagree] = first + ", " + stated[disagree] + f" in {column}"
    return conflict, stated.fillna(in_text)


def _amounts_against_columns(
    typed: pd.DataFrame, parsed: pd.DataFrame, price: pd.Series, columns_blank: pd.Series
) -> pd.Series:
    """Where a price text and the filled price columns disagree, which: ``2000 € in price,
    1500 in price_point``. They disagree where both give the same bound or the point with
    different amounts, or where one gives a point outside the other's range (``3000 €``
    beside 1500 to 2500). Null elsewhere; the text fills the columns only where they are
    blank, so such a row would publish one amount and drop the other without a word."""
    conflict = pd.Series(pd.NA, index=typed.index, dtype="string")
    both = parsed.index[(parsed["readable"] == 1) & ~columns_blank.reindex(parsed.index)]
    said = parsed.loc[both, ["low", "high", "point"]].set_axis(list(PRICE_NUMBERS), axis=1)
    given = typed.loc[both, list(PRICE_NUMBERS)].astype("float64")
    # (rows that disagree, the column whose cell they disagree with)
    found = [
        ((said[c] - given[c]).abs() > 1e-9 * given[c].abs(), c) for c in PRICE_NUMBERS
    ]  # fmt: skip
    point_alone = {"said": given["price_point"].isna(), "given": said["price_point"].isna()}
    found += [
        ((said["price_point"] < given["price_low"]) & point_alone["said"], "price_low"),
        ((said["price_point"] > given["price_high"]) & point_alone["said"], "price_high"),
        ((given["price_point"] < said["price_low"]) & point_alone["given"], "price_point"),
        ((given["price_point"] > said["price_high"]) & point_alone["given"], "price_point"),
    ]
    for differs, column in found:
        rows = differs.index[differs.fillna(False)]
        if len(rows):
            text = price[rows] + " in price, " + typed.loc[rows, f"{column}_text"]
            conflict[rows] = conflict[rows].fillna(text + f" in {column}")
    return conflict


def _header_labels(
    named: pd.DataFrame,
    written: Mapping[str, pd.Series],
    codes: Mapping[str, str | pd.Series],
) -> tuple[pd.DataFrame, pd.Series]:
    """Apply the currencies (or the units) price headers name to ``named`` (in place) as if
    written in each filled cell of their column (``written``: each price column's cells as
    read, null where blank): where the cell names none, the header's fills it. A code is one
    for the whole column, or one by row where the column's copies name different ones (null
    where none does: :func:`schemas.repeated.merge_repeated`). Returns where each header's
    code was taken (True) and, per row, the first cell naming a code other than its header's
    (``EUR in the price text, BAM in the header of price``). Once per column, on whole
    columns."""
    headed = pd.DataFrame(False, index=named.index, columns=list(codes))
    against = pd.Series(pd.NA, index=named.index, dtype="string")
    for column, code in codes.items():
        if isinstance(code, str):
            code = pd.Series(code, index=named.index, dtype="string")
        own = named[column]
        filled = written[column].notna() & code.notna()
        clash = (own.notna() & code.notna() & (own != code)).fillna(False)
        said = own[clash] + " in the price text, " + code[clash] + f" in the header of {column}"
        against[clash] = against[clash].fillna(said)
        headed[column] = (filled & own.isna()).fillna(False)
        named[column] = own.mask(headed[column], code)
    return headed, against


def _where_said(named: pd.DataFrame, headed: pd.DataFrame) -> pd.DataFrame:
    """Each currency (or unit) a price cell names, and where: ``EUR in the price text``, or
    ``BAM in the header of price`` where it came from the column's header. Only for rows in
    conflict."""
    said = pd.DataFrame(index=named.index)
    for column in named:
        where = pd.Series(" in the price text", index=named.index, dtype="string")
        if column in headed:
            where = where.mask(headed.loc[named.index, column], f" in the header of {column}")
        said[column] = named[column] + where
    return said


def _several(joined: pd.Series) -> pd.Series:
    """The conflict of price cells naming different currencies (or units), once per distinct
    set: ``BAM and EUR in the price texts``, or each with where it was said when a header said
    one (``EUR in the header of price_low, BAM in the header of price_high``)."""

    def describe(text: str) -> str:
        said = list(dict.fromkeys(part for part in text.split("|") if part))
        if all(part.endswith(" in the price text") for part in said):
            codes = sorted({part.split(" ")[0] for part in said})
            return " and ".join(codes) + " in the price texts"
        return ", ".join(said)

    return joined.map(describe).astype("string")


def _parse(cells: pd.Series, stored: pd.Series | None = None) -> pd.DataFrame:
    """Parse price texts into low/high/point/currency columns: one Python call per distinct
    text (prices repeat: ``2000 EUR`` is written many times). A number the file stored as a
    number (``stored``, true by row) is its point, never thousands grouped: 1.234, not 1234."""
    distinct = {cell: parse_price_text(cell) for cell in cells.unique()}
    # Text that does not read as a price still names its currency (1500 €/osobi): the row
    # is quarantined as unreadable, not also as having no currency.
    rows = {
        cell: (None, None, None, currency_named(cell), None) if result is None else result
        for cell, result in distinct.items()
    }
    results = [distinct[cell] for cell in cells]
    frame = pd.DataFrame(
        [rows[cell] for cell in cells],
        index=cells.index,
        columns=["low", "high", "point", "currency", "unit"],
    )
    frame[["low", "high", "point"]] = frame[["low", "high", "point"]].astype("float64")
    # here, not on the whole chunk
    frame[["currency", "unit"]] = frame[["currency", "unit"]].astype("string")
    frame["readable"] = [int(r is not None) for r in results]
    if stored is not None and stored.any():
        numbers = stored.reindex(frame.index, fill_value=False)
        frame.loc[numbers, ["low", "high"]] = float("nan")
        frame.loc[numbers, "point"] = cells[numbers].astype("float64")
        frame.loc[numbers, ["currency", "unit"]] = pd.NA
        frame.loc[numbers, "readable"] = 1
    return frame
