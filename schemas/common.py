"""Rules shared by every observation model: codes, periods and sources.

Each check's name is the quarantine reason a researcher sees, and its docstring the sentence
that explains it; both are read from the model, so they cannot drift apart.

Rules on the whole row (``dataframe_check``) judge every row: by default Pandera lets a row
whose typed columns are all empty pass them (a row with only a column the contract does not
know), so such a row listed fewer broken rules than the same row with a note in it, and
finding those rows cost a scan of every column per rule (a pass over 100,000 price rows took
0.17 s with it, 0.12 s without).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
from pandera.typing import Series

from schemas.buffers import arrow_chunks, text_bytes
from schemas.vocabulary import CONFIDENCE_LEVELS, COUNTRY_CODES

Text = Series[pd.StringDtype]

#: Rules for a record the reader could not split into the file's columns (a JSON line that
#: does not parse, a CSV row with more or fewer cells than its header): its columns are blank,
#: so the other rules would only report blanks; such a row is quarantined with this rule alone.
#: So is a row that repeats the header: its cells are column names, which every rule rejects.
#: And so is a row that is no observation (a total, a note written in the table).
UNREAD_RECORD_RULES = ("record_readable", "row_width", "row_is_header", "row_is_observation")

#: C0 control characters other than tab, line feed and carriage return, and DEL: no source
#: writes them, a damaged or binary file does, and a worksheet cannot hold most of them.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


def today() -> pd.Timestamp:
    return pd.Timestamp(dt.date.today())


class ObservationRules(pa.DataFrameModel):
    """Period, confidence and source rules common to price and route observations."""

    obs_id: Text = pa.Field(nullable=True)
    period_start: Series[pa.DateTime] = pa.Field(nullable=True)
    period_end: Series[pa.DateTime] = pa.Field(nullable=True)
    period_precision: Text = pa.Field(nullable=True)
    period_start_text: Text = pa.Field(nullable=True)
    period_end_text: Text = pa.Field(nullable=True)
    source_title: Text = pa.Field(nullable=True)
    source_url: Text = pa.Field(nullable=True)
    quote: Text = pa.Field(nullable=True)
    confidence: Text = pa.Field(nullable=True)
    notes: Text = pa.Field(nullable=True)
    record_error_text: Text = pa.Field(nullable=True)
    row_width_text: Text = pa.Field(nullable=True)
    repeated_column_text: Text = pa.Field(nullable=True)
    header_row_text: Text = pa.Field(nullable=True)
    summary_row_text: Text = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False

    @pa.check("record_error_text", ignore_na=False)
    def record_readable(cls, error: Text) -> Series[bool]:
        """the record must be readable: a JSON line must be an object (its text is kept raw)"""
        return error.isna()

    @pa.check("row_width_text", ignore_na=False)
    def row_width(cls, error: Text) -> Series[bool]:
        """a row must have as many cells as the header (an unquoted delimiter? a cell left out?)"""
        # Its later cells moved one column along, so the reader kept them in no column: none is
        # published, the row is kept whole in the private raw layer (extra->>'row_cells').
        return error.isna()

    @pa.check("repeated_column_text", ignore_na=False)
    def column_given_once(cls, conflict: Text) -> Series[bool]:
        """a column given twice (two headers, or two spellings of a JSON key) must not hold two different values in one row"""  # noqa: E501
        # Which of them the source meant is not guessed: the row is quarantined, naming the
        # column and its values (schemas.repeated; notes, never published, are not compared).
        return conflict.isna()

    @pa.check("header_row_text", ignore_na=False)
    def row_is_header(cls, repeat: Text) -> Series[bool]:
        """this row repeats the header (a second table or a pasted export?): it holds no data"""
        return repeat.isna()

    @pa.check("summary_row_text", ignore_na=False)
    def row_is_observation(cls, label: Text) -> Series[bool]:
        """this row must be an observation, not a total, an average or a median of the rows above it, nor a note written in the table"""  # noqa: E501
        # Published, an average counted once more in the medians, a total stood as a price
        # (schemas.summary_rows). The reason names the cell: ``origin_place = Ukupno / Total``;
        # a note's text is never shown (flows.readers._set_aside_notes).
        return label.isna()

    @pa.check("confidence")
    def confidence_known(cls, confidence: Text) -> Series[bool]:
        """confidence must be high, medium or low"""
        return confidence.isin(CONFIDENCE_LEVELS)

    @pa.dataframe_check(ignore_na=False)
    def period_start_is_date(cls, df: pd.DataFrame) -> Series[bool]:
        """period_start must be a real date or period (2020-07-15, 15.07.2020, jul 2020, Q3 2020)"""
        return df["period_start_text"].isna() | df["period_start"].notna()

    @pa.dataframe_check(ignore_na=False)
    def period_end_is_date(cls, df: pd.DataFrame) -> Series[bool]:
        """period_end must be a real date or period (2020-07-15, 15.07.2020, jul 2020, Q3 2020)"""
        return df["period_end_text"].isna() | df["period_end"].notna()

    @pa.dataframe_check(ignore_na=False)
    def period_start_not_after_end(cls, df: pd.DataFrame) -> Series[bool]:
        """period_start must not be after period_end"""
        return ~(df["period_start"] > df["period_end"]).fillna(False)

    @pa.dataframe_check(ignore_na=False)
    def period_not_in_future(cls, df: pd.DataFrame) -> Series[bool]:
        """the period must have started by the day of the run (not in the future)"""
        return ~(df["period_start"] > today()).fillna(False)


def text_printable_rule(*columns: str):
    """The ``text_printable`` check on ``columns``, the text cells as read, for a model to
    declare (``text_printable = text_printable_rule(...)``): a row with a control character
    in any of them is quarantined, naming the column, instead of carrying a NUL or a bell
    into the marts and the extracts. A column's cells are searched only when its bytes hold
    such a character (:func:`_may_hold_control_characters`); null cells are left in place
    (``ignore_na=False``), so Pandera does not copy the column to drop them."""

    def text_printable(cls, text: Text) -> Series[bool]:
        """text must not hold control characters such as NUL (the file may be damaged or binary)"""
        if not _may_hold_control_characters(text):
            return pd.Series(True, index=text.index)
        return ~text.str.contains(CONTROL_CHARACTERS, regex=True).fillna(False).astype(bool)

    return pa.check(*columns, ignore_na=False)(text_printable)


#: The most characters a spreadsheet cell holds (Excel's limit). A longer cell is no field of
#: an observation (a whole file pasted into one cell?), and a report writer's extract holding
#: it would not open as written.
CELL_LIMIT = 32_767


def text_fits_a_cell_rule(*columns: str):
    """The ``text_fits_a_cell`` check on ``columns``, the text cells as read: a row with a
    cell longer than :data:`CELL_LIMIT` characters is quarantined, naming the column and the
    length, never the text (the column may be one whose text is never published). A column's
    cells are measured only when its longest cell has more bytes than that (one Arrow pass)."""

    def text_fits_a_cell(cls, text: Text) -> Series[bool]:
        """text must fit a spreadsheet cell: at most 32,767 characters (a whole file pasted into one cell?)"""  # noqa: E501
        if _longest_in_bytes(text) <= CELL_LIMIT:
            return pd.Series(True, index=text.index)
        return (text.str.len() <= CELL_LIMIT).fillna(True).astype(bool)

    return pa.check(*columns, ignore_na=False)(text_fits_a_cell)


def _longest_in_bytes(text: pd.Series) -> int:
    """The byte length of the column's longest cell (a character is one byte or more), from
    the Arrow offsets of its cells: 0.1 ms a column, against 0.5 ms measuring every cell."""
    longest = 0
    for chunk in arrow_chunks(text):
        if len(chunk) == 0 or chunk.null_count == len(chunk):
            continue
        width = np.int64 if pyarrow.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(chunk.buffers()[1], dtype=width)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        longest = max(longest, int(np.diff(offsets).max()))
    return longest


def number_unambiguous_rule(*columns: str):
    """The ``number_unambiguous`` check on ``columns``, the ``<number>_ambiguous_text``
    helpers :func:`schemas.prepare.prepare` fills where a number column's decimal mark is a
    guess and a cell reads differently with either mark (``1.500``: 1.5 or 1500)."""

    def number_unambiguous(cls, text: Text) -> Series[bool]:
        """a number like 1.500 could be 1.5 or 1500 (the file shows no decimal mark): write 1500 or 1.5"""  # noqa: E501
        return text.isna()

    return pa.check(*columns, ignore_na=False)(number_unambiguous)


def _may_hold_control_characters(text: pd.Series) -> bool:
    """False when no byte of the column is a control character (:mod:`schemas.buffers`): 5 ms
    for the 27 columns of a 100,000-row chunk, a regular expression per cell 100 ms."""
    for data in text_bytes(text):
        control = (data < 0x20) & (data != 0x09) & (data != 0x0A) & (data != 0x0D)
        if control.any() or (data == 0x7F).any():
            return True
    return False


def is_country(codes: Text) -> Series[bool]:
    """True where the code is ISO 3166-1 alpha-2 or XK (Kosovo)."""
    return codes.isin(COUNTRY_CODES)
