"""Read observation files (CSV/TSV text, XLSX, JSON Lines, JSON arrays) as chunks of text cells.

What a file is, how its text is encoded and which delimiter it uses are decided once from its
first bytes (:func:`describe_file`), by content rather than by name: a workbook saved as
``.csv`` is read as a workbook, a PDF is reported as a PDF. Every chunk carries the row
numbers a person sees when opening the file (spreadsheet rows, counting blank and title rows:
the header of a plain CSV is row 1; JSON Lines: the line number; JSON arrays: the position of
the object in the array), canonical column names where a header matches the contract or an
alias (:mod:`schemas.header_aliases`), and every other column kept under its own name.
Rows with no value at all (blank lines) are skipped but keep their place in the numbering.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import itertools
import json
import math
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from flows.encodings import NotText, detect_encoding, read_sample, sniff_kind
from flows.json_depth import MOST_JSON_DEPTH, too_deep_at
from schemas.buffers import arrow_chunks, matches, text_bytes
from schemas.columns import (
    BESIDE_PRICE_COLUMN,
    CURRENCY_HEADER_COLUMNS,
    DUP_SUFFIX,
    HEADER_ROW_COLUMN,
    JSON_VERDICT_COLUMNS,
    NOTE_ROW_COLUMN,
    RAGGED_ROW_COLUMNS,
    READER_COLUMNS,
    Headers,
    column_of,
    header_key,
    read_headers,
)
from schemas.header_aliases import HEADER_ALIASES

DELIMITERS = ",;\t|"

#: Rows scanned for the header of a worksheet (title rows may sit above it): rows of two
#: filled cells or more. Rows of one cell (a title, a note, a methodology block of any length)
#: do not count, up to :data:`SHEET_SCAN_ROWS` rows in all.
HEADER_SCAN_ROWS = 30
SHEET_SCAN_ROWS = 1000

#: Encodings Arrow's CSV reader parses natively; other text goes through the csv module.
ARROW_ENCODINGS = ("utf-8",)
#: Bytes Arrow parses at a time (one record batch each).
ARROW_BLOCK_BYTES = 8 << 20

csv.field_size_limit(1 << 24)


class UnreadableFile(Exception):
    """A file that cannot be read at all; it is recorded as failed in the manifest."""


@dataclass
class RawChunk:
    """Text cells of consecutive rows from one file (and one sheet, for workbooks)."""

    frame: pd.DataFrame  # index: row_number; columns: canonical or normalised header keys
    sheet: str  # "" for files without sheets
    #: The currency a price column's header names (``Cijena (KM)``: ``{"price": "BAM"}``),
    #: which its cells are read in (:func:`schemas.columns.read_headers`).
    currencies: dict[str, str] = field(default_factory=dict)
    #: The unit a price column's header names (``Price per person``: ``{"price":
    #: "per_person"}``), which its cells are read per.
    units: dict[str, str] = field(default_factory=dict)
    #: True where the file stored a cell as a number with a fraction (a workbook's number
    #: cell, a JSON number), written here with a decimal point whatever the file's text
    #: cells use; only columns holding such a cell, None when none does.
    stored_decimals: pd.DataFrame | None = None

    def text_cells(self) -> pd.DataFrame:
        """The cells as a person typed them: stored numbers blanked. They say nothing of how
        the file's text writes numbers, so they do not vote on its conventions."""
        if self.stored_decimals is None:
            return self.frame
        stored = self.stored_decimals.reindex(columns=self.frame.columns, fill_value=False)
        return self.frame.mask(stored)


@dataclass(frozen=True)
class FileLayout:
    """How a file is read, decided from its first bytes and recorded in the manifest."""

    kind: str  # csv | xlsx | json
    encoding: str | None = None  # None for workbooks
    delimiter: str | None = None  # csv only
    sep_line: bool = False  # csv only: the first line is Excel's ``sep=;``, naming the delimiter
    #: xlsx only: the sheets the workbook hides (an old draft, a list for a drop-down), which
    #: are not read; filled by the reader as it passes over them, for the manifest's layout.
    hidden_sheets: list[str] = field(default_factory=list, compare=False)

    def hidden_note(self) -> str:
        """``hidden sheets not read: 'Lists', 'old draft'``, or "" when none was passed over."""
        if not self.hidden_sheets:
            return ""
        return "hidden sheets not read: " + ", ".join(map(repr, self.hidden_sheets))

    def describe(self) -> str:
        if self.kind == "csv":
            named = " (named by its sep= line)" if self.sep_line else ""
            return f"csv, delimiter {self.delimiter!r}{named}"
        return self.kind


def describe_file(path: Path) -> FileLayout:
    """Decide kind, encoding and delimiter from the file's first bytes.

    Raises :class:`UnreadableFile` for empty files, binary files and known non-observation
    formats (PDF, images, archives, old .xls).
    """
    sample = read_sample(path)  # an OSError (locked, vanished) propagates: it is retried
    try:
        kind = sniff_kind(sample)
        if kind == "xlsx":
            return FileLayout("xlsx")
        encoding = detect_encoding(sample)
    except NotText as err:
        raise UnreadableFile(str(err)) from err
    if kind == "json":
        return FileLayout("json", encoding)
    text = sample.decode(encoding, errors="ignore")
    if named := excel_sep_line(text):
        return FileLayout("csv", encoding, named, sep_line=True)
    return FileLayout("csv", encoding, sniff_delimiter(text))


#: Excel's first line naming the delimiter (``sep=;``), which Excel honours and does not show.
_SEP_LINE = re.compile(r"sep=([^\w\s\"'])\1*[ \t]*(?:\r\n?|\n|$)", re.IGNORECASE)


def excel_sep_line(text: str) -> str | None:
    """The delimiter named by an Excel ``sep=X`` first line, or None. A tab is named by the tab
    character itself (``sep=\\t`` with a real tab)."""
    text = text.lstrip("\ufeff")
    if text.lower().startswith("sep=\t"):
        return "\t" if re.match(r"sep=\t+[ ]*(?:\r\n?|\n|$)", text, re.IGNORECASE) else None
    found = _SEP_LINE.match(text)
    return found.group(1) if found else None


def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that splits the sample into the most consistent, widest rows.

    Leading lines holding no candidate at all (a title typed above the header, not padded
    with delimiters) are left out: judged by them, every candidate would split the first row
    into one cell."""
    lines = text.lstrip("\ufeff").splitlines()[:200]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    lines = list(itertools.dropwhile(lambda line: not any(d in line for d in DELIMITERS), lines))
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


#: Characters; a JSON Lines record is far shorter, a one-line array or wrapper far longer.
LONGEST_JSON_LINE = 1_000_000
#: JSON records are turned into frames this many at a time: as Python dicts they cost ~7 KB
#: each on the way (500,000 scraped ads: 1.07 GiB peak in chunks of 100,000, 0.40 GiB in
#: chunks of 25,000, at the same speed).
JSON_CHUNK_ROWS = 25_000


def read_chunks(
    path: Path, canonical: tuple[str, ...], chunk_rows: int, layout: FileLayout | None = None
) -> Iterator[RawChunk]:
    """Yield the file's rows in chunks of at most ``chunk_rows``.

    Raises :class:`UnreadableFile` with a one-line reason when the file cannot be parsed, is
    empty or has a header but no rows.
    """
    layout = layout or describe_file(path)
    readers = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}
    rows = 0
    try:
        for chunk in readers[layout.kind](path, canonical, chunk_rows, layout):
            rows += len(chunk.frame)
            yield chunk
    except UnicodeDecodeError as err:
        raise UnreadableFile(
            f"not {layout.encoding} text throughout: byte "
            f"{err.object[err.start : err.start + 1]!r} does not decode"
        ) from err
    except UnreadableFile:
        raise
    except OSError:
        # A file locked by another program or vanishing while read is not a verdict on its
        # content: the ingest task retries it, then records it as failed.
        raise
    except (zipfile.BadZipFile, csv.Error, json.JSONDecodeError, KeyError, ValueError) as err:
        raise UnreadableFile(f"{_what(layout)}: {type(err).__name__}: {_first_line(err)}") from err
    except Exception as err:  # any other library failure on a damaged file: record, go on
        raise UnreadableFile(f"{_what(layout)}: {type(err).__name__}: {_first_line(err)}") from err
    if rows == 0:
        hidden = f"; {layout.hidden_note()}" if layout.hidden_sheets else ""
        raise UnreadableFile(
            f"{_what(layout)} has no rows (a header alone, or nothing at all){hidden}"
        )


def _what(layout: FileLayout) -> str:
    return {"xlsx": "damaged or empty workbook", "json": "JSON file"}.get(layout.kind, "CSV file")


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else "(no message)"


def _cell_text(value: object) -> str:
    """A cell as the text a person sees: whole numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:  # NaN: a key this JSON record lacks
            return ""
        if value.is_integer():
            return str(int(value))
        return np.format_float_positional(value, trim="-")  # 0.00001, never 1e-05
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _chunks(
    numbered_rows: Iterable[tuple[int, list[str]]],
    header: list[str],
    chunk_rows: int,
    sheet: str = "",
    lacking: str | None = "",
    typed: bool = False,
) -> Iterator[RawChunk]:
    """Build frames of ``chunk_rows`` rows; blank rows are skipped, cells beyond the header
    kept as ``unnamed_<n>`` columns, cells a row lacks filled with ``lacking``. ``typed``:
    the rows hold a workbook's values (numbers, dates), turned into text by the frame."""
    numbers: list[int] = []
    rows: list[list] = []
    width = len(header)
    for number, cells in numbered_rows:
        if not any((_cell_text(c) if typed else c).strip() for c in cells):
            continue
        numbers.append(number)
        rows.append(cells)
        width = max(width, len(cells))
        if len(rows) == chunk_rows:
            yield _frame(numbers, rows, header, width, sheet, lacking, typed)
            numbers, rows, width = [], [], len(header)
    if rows:
        yield _frame(numbers, rows, header, width, sheet, lacking, typed)


def _frame(numbers, rows, header, width, sheet, lacking, typed) -> RawChunk:
    """A chunk of rows as text cells; cells beyond the header are named ``unnamed_<n>``, or
    ``unnamed_<n>_dup`` where the header already has that name (one name, one column)."""
    names = list(header)
    for position in range(len(header) + 1, width + 1):
        name = f"unnamed_{position}"
        while name in names:
            name += DUP_SUFFIX
        names.append(name)
    padded = [r + [lacking] * (width - len(r)) for r in rows]
    index = pd.Index(numbers, name="row_number")
    if not typed:
        frame = pd.DataFrame(padded, columns=names, index=index, dtype="string")
        return RawChunk(_unify_line_breaks(frame), sheet)
    values = pd.DataFrame(padded, columns=names, index=index, dtype=object)
    frame = _unify_line_breaks(values.map(_cell_text).astype("string"))
    return RawChunk(frame, sheet, stored_decimals=_stored_decimals(values))


def _stored_decimals(values: pd.DataFrame) -> pd.DataFrame | None:
    """:attr:`RawChunk.stored_decimals` of a frame of cell values as the file typed them (a
    workbook's, or JSON's): True where a cell is a float with a fraction; None when none is."""
    stored = {}
    for column in values:
        cells = values[column]
        if cells.dtype == "float64":
            marks = (cells % 1).fillna(0) != 0
        elif cells.dtype == object:
            marks = cells.map(_is_stored_decimal).astype(bool)
        else:
            continue
        if marks.any():
            stored[column] = marks
    return pd.DataFrame(stored, index=values.index) if stored else None


def _is_stored_decimal(value: object) -> bool:
    """A number with a fraction, stored as a number (1.234), not whole (1500) nor text."""
    return isinstance(value, float) and math.isfinite(value) and not value.is_integer()


def _unify_line_breaks(frame: pd.DataFrame) -> pd.DataFrame:
    """Line breaks inside cells as ``\\n``, whatever the file's line endings: a cell reads the
    same from a Windows or a Unix file, and from either CSV reader (Arrow keeps the ``\\r``
    but not the ``\\n`` of a quoted Windows line break that ends one of its blocks)."""
    for column in _columns_holding(frame, "\r"):
        frame[column] = frame[column].str.replace("\r\n?", "\n", regex=True)
    return frame


def _columns_holding(frame: pd.DataFrame, character: str) -> list[str]:
    """The columns where some cell may hold ``character`` (a line break, most often none),
    found by searching each column's bytes whole (:func:`schemas.buffers.text_bytes`)."""
    wanted = ord(character)
    return [
        column
        for column in frame.columns
        if any((data == wanted).any() for data in text_bytes(frame[column]))
    ]


def _canonical_header(cells: list[str], canonical: tuple[str, ...]) -> Headers:
    """Distinct column names for a header row, by position (two cells written alike get two
    names, the second suffixed; a blank cell is ``unnamed_<n>``), and the currencies and units
    its price headers name."""
    raw = [c if c.strip() else f"unnamed_{i + 1}" for i, c in enumerate(cells)]
    return read_headers(raw, canonical)


#: Words of a sub-header row naming the low and the high end of a price range under a price
#: header merged over two columns (``Cijena (KM)`` over ``od`` | ``do``), as header keys spell
#: them: case, accents and script folded (``Од``, ``МАКС.`` are ``od``, ``maks``). Bosnian,
#: Croatian, Serbian and Montenegrin (Latin and Cyrillic), Macedonian, Albanian, English, German.
RANGE_LOW_WORDS = frozenset(
    {"od", "min", "minimum", "minimalno", "minimalna", "najmanje", "najnize", "najniza",
     "nga", "prej", "minimale", "from", "low", "lowest", "von", "ab"}
)  # fmt: skip
RANGE_HIGH_WORDS = frozenset(
    {"do", "max", "maks", "maximum", "maksimum", "maksimalno", "maksimalna", "najvise",
     "najvisa", "deri", "maksimale", "to", "up_to", "high", "highest", "bis"}
)  # fmt: skip
#: A column with no header: a blank header cell (``unnamed_7``), a cell beyond the header, or a
#: spreadsheet export's ``Unnamed: 7``.
_UNNAMED = re.compile(r"unnamed_\d+")
#: A cell that reads as an amount: digits (grouped, with decimals), a sign, a currency or
#: ``,-`` around them (``2000``, ``2.000 KM``, ``€2000``, ``1.500,-``).
_AMOUNT = r"^\s*[^\w\s]{0,2}\s*\d[\d\s.,'’]*(?:[^\d]{0,8})$"


def _price_column(name: str) -> bool:
    """Whether a column name (``price``, ``price_low_dup``) is a price column."""
    return column_of(name) in CURRENCY_HEADER_COLUMNS


def _header_with_range(
    cells: list[str], below: list[str] | None, canonical: tuple[str, ...]
) -> tuple[Headers, bool]:
    """The header of a table, and whether the row ``below`` it is part of it.

    A price header merged over two columns (``Cijena (KM)`` | blank, as a merged cell reads and
    exports) with a sub-header row naming the ends of a range under them (``od`` | ``do``,
    ``min`` | ``max``: :data:`RANGE_LOW_WORDS`, :data:`RANGE_HIGH_WORDS`) and nothing else
    (or only other such words) is a header of two rows: the two columns are ``price_low`` and
    ``price_high``, in the currency and per the unit the price header names. Read as one row,
    the second number went to an unnamed column and the first was published as a point price.

    Any other header of two rows (group labels over the columns they head, as report tables
    write them: ``Origin`` over ``Country`` | ``Place``) is read by :func:`_grouped_header`.
    Once per table."""
    read = _canonical_header(cells, canonical)
    if below is None:
        return read, False
    keys = [header_key(cell) for cell in below]
    ends = RANGE_LOW_WORDS | RANGE_HIGH_WORDS
    ranges = "price_low" in canonical and "price_high" in canonical
    if not ranges or not any(keys) or any(key and key not in ends for key in keys):
        grouped = _grouped_header(cells, below, canonical)
        return (read, False) if grouped is None else (grouped, True)
    pairs = [
        i
        for i in range(min(len(read.names), len(keys) - 1))
        if _price_column(read.names[i])
        and not (cells[i + 1].strip() if i + 1 < len(cells) else "")
        and keys[i] in RANGE_LOW_WORDS
        and keys[i + 1] in RANGE_HIGH_WORDS
    ]
    if not pairs:
        return read, False
    renamed = list(cells) + [""] * max(0, pairs[-1] + 2 - len(cells))
    for i in pairs:
        renamed[i : i + 2] = ["price_low", "price_high"]
    names = _canonical_header(renamed, canonical).names

    def by_position(codes: dict[str, str]) -> dict[str, str]:
        """Codes by the new names: renaming may change which copy is ``_dup``."""
        moved = {}
        for name, code in codes.items():
            i = read.names.index(name)
            moved.update(dict.fromkeys(names[i : i + 2] if i in pairs else [names[i]], code))
        return moved

    return Headers(names, by_position(read.currencies), by_position(read.units)), True


#: A place column: where it is (``origin``, ``destination``, ``location``) and what (``country``,
#: ``place``). A group naming where over a label naming what names both: ``To`` over ``City``.
_PLACE_COLUMN = re.compile(r"(origin|destination|location)_(country|place)")


def _grouped_header(
    cells: list[str], below: list[str], canonical: tuple[str, ...]
) -> Headers | None:
    """A header of two rows, group labels over the columns they head (``Origin`` merged over
    ``Country`` | ``Place``, ``Price per person (EUR)`` over ``min`` | ``max``), read as one:
    each column is named by its group and its own label together where that names a contract
    column (``Origin Country``: ``origin_country``; ``Price per person (EUR) min``:
    ``price_low`` in EUR per person), by where its group says and what its label says for a
    place (``Odredište`` over ``Grad``, ``To`` over ``City``: ``destination_place``), else by
    its own label (``Leg`` over ``flow``: ``flow``). A group label heads the blank cells to its
    right, as a merged cell reads and exports.

    Only when the row below is a header too (most of its filled cells name columns, a column
    named twice counting: ``Country`` | ``Place`` | ``Country`` | ``Place``) and together they
    name more columns than either alone; else None. Read as one row, the row below was taken
    for a second table's header and the file failed ("put it in its own file or sheet")."""
    labels_below = _cells_as_read(below)
    sub = _canonical_header(labels_below, canonical)
    filled = [name for cell, name in zip(labels_below, sub.names, strict=True) if cell.strip()]
    if 2 * sum(column_of(name) in canonical for name in filled) <= max(len(filled), 3):
        return None
    width = max(len(cells), len(below))
    labels, group = [], ""
    for i in range(width):
        own = below[i].strip() if i < len(below) else ""
        group = (cells[i].strip() if i < len(cells) else "") or group
        labels.append(_grouped_label(group, own, canonical))
    grouped = _canonical_header(labels, canonical)

    def named(headers: Headers) -> int:
        return len({name for name in headers.names if name in canonical})

    most = max(named(_canonical_header(cells, canonical)), named(sub))
    return grouped if named(grouped) > most else None


def _grouped_label(group: str, own: str, canonical: tuple[str, ...]) -> str:
    """The label a column of a header of two rows is read by (:func:`_grouped_header`)."""
    if not own or not group or header_key(group) == header_key(own):
        return own or group
    joined = f"{group} {own}"
    if column_of(read_headers([joined], canonical).names[0]) in canonical:
        return joined
    where = _PLACE_COLUMN.fullmatch(read_headers([group], canonical).names[0])
    what = _PLACE_COLUMN.fullmatch(read_headers([own], canonical).names[0])
    if where and what and f"{where[1]}_{what[2]}" in canonical:
        return f"{where[1]}_{what[2]}"
    if what or header_key(own) in RANGE_LOW_WORDS | RANGE_HIGH_WORDS:
        # A label saying what only under its group (min, max, Country, City) under a group
        # naming no column of that kind (Persons per boat over min | max): not a price bound
        # nor a location, an unknown (private) column as its words say.
        return joined
    return own


def _mark_beside_price(chunk: RawChunk) -> RawChunk:
    """The chunk with the rows holding an amount in a column with no header right beside a
    price column marked (``beside_price_error``, rule ``price_beside_unnamed``): a price
    header merged over two columns with no ``od`` | ``do`` row below it, whose second number
    would otherwise be left unread and the first published as the price. Only the columns so
    placed are searched, one vectorised pattern each; most files have none."""
    frame = chunk.frame
    columns = list(frame.columns)
    reasons = None
    for price, unnamed in zip(columns, columns[1:], strict=False):
        if not (_price_column(price) and _UNNAMED.fullmatch(column_of(unnamed))):
            continue
        amounts = frame[unnamed].str.contains(_AMOUNT, regex=True).fillna(False).astype(bool)
        if not amounts.any():
            continue
        reason = f"a number in column {unnamed.split('_')[1]}, which has no header, beside {price}"
        marked = pd.Series(pd.NA, index=frame.index, dtype="string").mask(amounts, reason)
        reasons = marked if reasons is None else reasons.fillna(marked)
    if reasons is not None:
        frame[BESIDE_PRICE_COLUMN] = reasons
    return chunk


def _read_csv(path, canonical, chunk_rows, layout: FileLayout) -> Iterator[RawChunk]:
    """Rows of a delimited text file. A UTF-8 file whose lines up to the header are one record
    each (the header on the first line, or below a title) is parsed by Arrow's CSV reader (in
    C++, ten times faster), the lines above the header skipped; at the first record Arrow does not
    take (more or fewer cells than the header) Python's csv module takes over from that record,
    so ragged rows keep their cells and every record keeps its number either way.

    Each chunk is checked for a quote left open over whole records (the file is refused, see
    :func:`_refuse_runaway_quotes`), then rows with more or fewer cells than the header are set
    aside whole (:func:`_set_aside_ragged_rows`)."""
    header = CsvHeader()
    for chunk in _csv_chunks(path, canonical, chunk_rows, layout, header):
        _refuse_runaway_quotes(chunk.frame, path, layout, len(header.names))
        repeats = _header_rows(chunk.frame, header.table, canonical)
        chunk = _mark_beside_price(_set_aside_notes(_set_aside_ragged_rows(chunk, header)))
        chunk.currencies, chunk.units = header.currencies, header.units
        yield _mark_header_rows(chunk, repeats, header.table)


@dataclass
class CsvHeader:
    """A CSV file's header, as found before its first chunk."""

    names: list[str] = field(default_factory=list)  # canonical, one per header cell
    cells: int = 0  # header cells up to the last one holding a name: what every row must fill
    #: The currency a price column's header names (``Cijena (KM)``: ``{"price": "BAM"}``).
    currencies: dict[str, str] = field(default_factory=dict)
    #: The unit a price column's header names (``Price per kg``: ``{"price": "per_kg"}``).
    units: dict[str, str] = field(default_factory=dict)
    table: TableHeader | None = None  # to tell the header written again below


def _csv_chunks(path, canonical, chunk_rows, layout, header: CsvHeader) -> Iterator[RawChunk]:
    """The chunks of :func:`_read_csv` as parsed; ``header`` is filled before the first chunk.
    Cells a row lacks (fewer than the header's) are NA, a blank cell written is ``""``.

    The header is found as in a workbook (:func:`_best_header`): the row among the first
    :data:`HEADER_SCAN_ROWS` of two filled cells or more (one-cell lines, a title or notes, do
    not count, up to :data:`SHEET_SCAN_ROWS` lines) naming the most contract columns, at least
    two, else the first non-blank row. Rows above it (a title, a padded blank row) are not rows of
    the table; Excel's ``sep=;`` line is skipped. They keep their place in the numbering."""
    with path.open(encoding=layout.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter)
        records = enumerate(reader, start=1)
        if layout.sep_line:
            next(records, None)
        head: list[tuple[int, list[str], int]] = []  # number, cells, lines read so far
        wide = 0  # rows of two filled cells or more: a header could be one of them
        for number, cells in records:
            head.append((number, cells, reader.line_num))
            wide += sum(bool(c.strip()) for c in cells) >= 2
            if wide == HEADER_SCAN_ROWS or len(head) == SHEET_SCAN_ROWS:
                break
        candidates = [row for row in head if any(c.strip() for c in row[1])]
        if not candidates:
            return
        found = _best_header([cells for _, cells, _ in candidates], canonical)
        header_row, cells, lines = candidates[found or 0]
        if head[-1][0] == header_row and (pulled := next(records, None)) is not None:
            head.append((*pulled, reader.line_num))  # the row below the header, if any
        below = next((row for row in head if row[0] == header_row + 1), None)
        found_header, two_rows = _header_with_range(cells, below and below[1], canonical)
        header.names[:] = found_header.names
        header.cells = len(_cells_as_read(cells))
        header.currencies.update(found_header.currencies)
        header.units.update(found_header.units)
        header.table = TableHeader.of(header_row, cells, canonical, below=two_rows and below[1])
        if two_rows:  # a sub-header row (od | do): part of the header, not a row read
            header_row, lines = below[0], below[2]
            header.cells = max(header.cells, len(_cells_as_read(below[1])))
        numbered = itertools.chain(((n, c) for n, c, _ in head if n > header_row), records)
        # Arrow skips whole lines above the header: only where each record up to it is one.
        if layout.encoding in ARROW_ENCODINGS and lines == header_row:
            last = yield from _arrow_chunks(
                path, layout.delimiter, header.names, chunk_rows, header_row
            )
            if last is None:
                return
            numbered = itertools.dropwhile(lambda row: row[0] <= last, numbered)
        yield from _chunks(numbered, header.names, chunk_rows, lacking=None)


#: Fewest delimiters on a line inside a quoted cell for that line to look like a record of its
#: own, whatever the header's width (see :func:`_record_delimiters`).
FEWEST_RECORD_DELIMITERS = 3


def _record_delimiters(header_width: int) -> int:
    """Delimiters on a line inside a quoted cell from which the line looks like a record.

    A record of the file holds ``header_width - 1`` delimiters (more if its own quoted cells
    hold some); a line of prose or of a quotation rarely holds more than two. Half a record's
    delimiters, and never fewer than three, tells the two apart even when the swallowed
    record's last cells are blank or the cell ends halfway along a record (where the next quote
    closed it), while a quotation over several lines with a comma or two on each is read as
    before. Files of three columns or fewer, whose records hold at most two delimiters, are
    not judged: there a record and a line of prose look alike."""
    return max(FEWEST_RECORD_DELIMITERS, header_width // 2)


def _refuse_runaway_quotes(
    frame: pd.DataFrame, path: Path, layout: FileLayout, header_width: int
) -> None:
    """Refuse the file when a quoted cell holds lines that look like records of its own.

    A quote opened and never closed makes the parser read every following line, delimiters
    and all, into one cell up to the next quote character: those records vanish inside the
    cell, and their text (notes, names) would be published as that column's value. Reading
    the rest of the file instead would guess where the quote should have closed, so the whole
    file is refused (:class:`UnreadableFile`, recorded as failed with the line to fix) and
    nothing of it is published. Only columns with a line break in some cell are looked at
    (:func:`_columns_holding`), and there only the cells holding one, by one Arrow pattern
    match; the rare flagged cell is then described in Python."""
    if header_width <= FEWEST_RECORD_DELIMITERS:
        return
    delimiter = re.escape(layout.delimiter)
    other = f"[^\\n{delimiter}]*"
    looks_like_record = f"\\n{other}(?:{delimiter}{other}){{{_record_delimiters(header_width)}}}"
    found = []
    for column in _columns_holding(frame, "\n"):
        cells = frame[column]
        cells = cells[cells.str.contains("\n", regex=False).fillna(False)]
        runaway = cells.str.contains(looks_like_record, regex=True).fillna(False)
        if runaway.any():
            found.append((runaway.idxmax(), frame.columns.get_loc(column)))
    if not found:
        return
    row_number, position = min(found)
    row = frame.loc[row_number]
    cell = row.iloc[position]
    lines = sum(
        line.count(layout.delimiter) >= _record_delimiters(header_width)
        for line in cell.split("\n")[1:]
    )
    before = sum(str(c).count("\n") for c in row.iloc[:position] if not pd.isna(c))
    line = _first_line_of_row(path, layout, row_number) + before
    rows = "lines that look like rows of their own" if lines > 1 else "line that looks like a row"
    raise UnreadableFile(
        f"line {line}: a quoted cell opened here (column {frame.columns[position]}) runs over "
        f"{lines} {rows} (an opening quote without its closing quote?); fix the quote and the"
        " file is read next run"
    )


def _first_line_of_row(path: Path, layout: FileLayout, row_number: int) -> int:
    """The line of the file on which row ``row_number`` starts (rows count records, a quoted
    cell over several lines being one row; lines count line breaks). Read again with the csv
    module, only for a file that is being refused."""
    with path.open(encoding=layout.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=layout.delimiter)
        for _ in itertools.islice(reader, row_number - 1):
            pass
        return reader.line_num + 1


def _set_aside_ragged_rows(chunk: RawChunk, header: CsvHeader) -> RawChunk:
    """Rows with more or fewer cells than the header, kept whole but in no column.

    A delimiter inside an unquoted cell (``12,5``, a note with a comma) splits it in two and
    moves every later cell one column to the left; a cell left out moves every later cell one
    column to the right of where it is read. Either way the row's values cannot be trusted to be
    in their columns, and a note may land in a published one (``source_title``). A row lacking
    cells cannot be told from one whose trailing blank cells were trimmed, so both are set
    aside: the row keeps its cells as read, as a JSON list in ``row_cells`` (private: the raw
    layer's ``extra``), every column blank, and the reason in ``row_width_error`` (rule
    ``row_width``). Blank cells beyond the header (a trailing delimiter) are not a value, nor
    is a header's own trailing delimiter a cell a row must fill. Only the csv module reads such
    rows (Arrow refuses ragged records), so a clean file read by Arrow has none."""
    frame = chunk.frame
    width = len(header.names)
    beyond = list(frame.columns[width:])
    if not beyond and not frame.iloc[:, width - 1].isna().any():
        return chunk  # no row is wider, none lacks the header's last cell
    wide = pd.Series(False, index=frame.index)
    for column in beyond:
        wide |= frame[column].str.strip().ne("").fillna(False)
    ragged = wide | frame.iloc[:, header.cells - 1].isna()
    frame = frame.drop(columns=beyond).fillna("")
    if ragged.any():
        rows = chunk.frame.loc[ragged]
        cells = [_cells_as_read(list(row)) for row in rows.itertuples(index=False)]
        counts = rows.notna().sum(axis=1)
        frame.loc[ragged, :] = pd.NA
        cells_column, reason_column = RAGGED_ROW_COLUMNS
        frame[cells_column] = pd.Series(
            [json.dumps(c, ensure_ascii=False) for c in cells], index=rows.index, dtype="string"
        )
        reasons = [
            f"row has {len(c)} cells where the header has {width}:"
            " a delimiter inside an unquoted cell?"
            if is_wide
            else f"row has {count} cells where the header has {header.cells}:"
            " a cell left out? (write every cell, blank ones too)"
            for c, count, is_wide in zip(cells, counts, wide.loc[ragged], strict=True)
        ]
        frame[reason_column] = pd.Series(reasons, index=rows.index, dtype="string")
    return RawChunk(frame, chunk.sheet)


#: A cell reading as prose: four words or more, or 60 characters (``Izvor: terenski intervjui,
#: jul-okt 2020``), not an id, a code or a place.
_PROSE = r"\S+\s+\S+\s+\S+\s+\S|.{60}"


def _set_aside_notes(chunk: RawChunk) -> RawChunk:
    """The chunk with the rows that are a note written in the table set aside: one cell
    filled, the first, reading as prose (a footnote or a source line typed below the table,
    ``Napomena: ...``). Read as a row, its text was the row's ``obs_id``, published in the
    quarantine and its CSV extract; a note may name people. Its cells are kept, as read, in
    ``row_cells`` (private), every column blank, and the reason in ``note_row_error`` (rule
    ``row_is_observation``), never the text. One Arrow regex over the first column; the other
    columns are looked at only in the rows it matches."""
    frame = chunk.frame
    own = [c for c in frame.columns if c not in READER_COLUMNS]
    if frame.empty or not own:
        return chunk
    first = frame[own[0]].astype("string")
    prose = pd.Series(matches(first, _PROSE), index=frame.index)
    if not prose.any():
        return chunk
    rest = frame.loc[prose, own[1:]].astype("string")
    alone = rest.apply(lambda column: column.fillna("").str.strip().eq("")).all(axis=1)
    notes = alone.index[alone]
    if not len(notes):
        return chunk
    frame = frame.copy()
    cells_column = RAGGED_ROW_COLUMNS[0]
    if cells_column not in frame:
        frame[cells_column] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame.loc[notes, cells_column] = [
        json.dumps([text], ensure_ascii=False) for text in first[notes]
    ]
    frame[NOTE_ROW_COLUMN] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame.loc[notes, NOTE_ROW_COLUMN] = [
        f"a note of {len(text.strip()):,} characters in {own[0]}, not shown"
        for text in first[notes]
    ]
    frame.loc[notes, own] = pd.NA
    chunk.frame = frame
    return chunk


def _cells_as_read(cells: list) -> list[str]:
    """A row's cells up to its last one holding a value (the padding of shorter rows and
    a trailing delimiter's blank cells left out)."""
    text = ["" if pd.isna(c) else str(c) for c in cells]
    while text and not text[-1].strip():
        text.pop()
    return text


def _arrow_chunks(
    path: Path, delimiter: str, header: list[str], chunk_rows: int, header_row: int = 1
) -> Generator[RawChunk, None, int | None]:
    """Chunks of a CSV file whose header is on line ``header_row`` (every line above it one
    record), read with Arrow as text cells.

    Returns None when the whole file was read, or the number of the last row yielded (the
    header's if none) before a record Arrow could not take: the caller goes on after it."""
    import pyarrow as pa
    import pyarrow.csv as arrow_csv

    names = [f"c{i}" for i in range(len(header))]
    options = {
        "read_options": arrow_csv.ReadOptions(
            skip_rows=header_row, column_names=names, block_size=ARROW_BLOCK_BYTES
        ),
        # Blank lines are kept as rows of empty cells, as the csv module keeps them, so
        # that records are numbered alike; they are skipped below.
        "parse_options": arrow_csv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
        ),
        "convert_options": arrow_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    }
    done = 0  # records after the header read by Arrow
    yielded = header_row  # the number of the last row yielded
    pending = []  # tables of the rows read but not yet yielded
    try:
        for batch in arrow_csv.open_csv(path, **options):
            pending.append(_rows_with_numbers(batch, first=header_row + 1 + done))
            done += batch.num_rows
            while sum(table.num_rows for table in pending) >= chunk_rows:
                table = pa.concat_tables(pending)
                chunk = _arrow_frame(table.slice(0, chunk_rows), header)
                yield chunk
                yielded = chunk.frame.index[-1]
                pending = [table.slice(chunk_rows)]
    except pa.ArrowInvalid:  # a ragged record, or text that is not UTF-8 after all
        return yielded
    if pending and (rest := pa.concat_tables(pending)).num_rows:
        yield _arrow_frame(rest, header)
    return None


def _rows_with_numbers(batch, first: int):
    """The batch's rows that hold a value, with their row number (column ``row_number``):
    blank lines keep their place in the numbering but yield no row, as in :func:`_chunks`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.Table.from_batches([batch])
    numbers = pa.array(np.arange(first, first + batch.num_rows, dtype="int64"))
    table = table.append_column("row_number", numbers)
    blank = None
    for column in batch.columns:
        empty = pc.equal(pc.utf8_trim_whitespace(column), "")
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return table
    return table.filter(pc.invert(blank))


def _arrow_frame(table, header: list[str]) -> RawChunk:
    """A chunk from Arrow text columns and their ``row_number``."""
    import pyarrow as pa

    frame = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
    frame = frame.set_index("row_number")
    frame.columns = header
    return RawChunk(_unify_line_breaks(frame), "")


def _find_header(rows: list[list[str]], canonical: tuple[str, ...]) -> int | None:
    """Index of the header among a sheet's first rows: the row naming the most distinct
    contract columns (two at least; the first of equals), else the first row with two or more
    filled cells.

    The most, not the first with two: a title block of labels and values (``Izvor:`` |
    ``UNHCR`` | ``Datum:`` | ``07.2020``) names two columns above the real header, and taken
    as the header it would put the table's cells under its labels (a note under ``date``,
    published with the quarantined row)."""
    found = _best_header(rows, canonical)
    if found is not None:
        return found
    for index, cells in enumerate(rows):
        if sum(bool(c.strip()) for c in cells) >= 2:
            return index
    return None


def _best_header(rows: list[list[str]], canonical: tuple[str, ...]) -> int | None:
    """Index of the row naming the most distinct contract columns, two at least (the first of
    equals), or None. Names are distinct (a column written twice counts once).

    Unless a row above it is a header too (:func:`_table_header`: most of its cells name
    columns, unlike a title block of labels and values): then the first such row is, and the
    rows between are its table's. Two exports pasted one under the other, the second naming
    one column more, would otherwise lose the first export's rows as title rows; the header
    below is then found as a second table's (:func:`_header_rows`)."""
    best, best_count = None, 1
    for index, cells in enumerate(rows):
        count = sum(name in canonical for name in _canonical_header(cells, canonical).names)
        if count > best_count:
            best, best_count = index, count
    if best is None:
        return None
    above = (i for i in range(best) if _table_header(_cells_as_read(rows[i]), canonical))
    return next(above, best)


def _table_header(cells: list[str], canonical: tuple[str, ...]) -> Headers | None:
    """The row's cells read as a header (:func:`_canonical_header`) when it is one: they name
    two contract columns or more, and more than half of its filled cells do; else None. A data
    row holding a word or two that are also column names (``od``, ``high``) is none, nor is a
    title block of labels and values (``Izvor:`` | ``UNHCR`` | ``Datum:`` | ``07.2020``)."""
    read = _canonical_header(cells, canonical)
    filled = [name for cell, name in zip(cells, read.names, strict=True) if cell.strip()]
    named = sum(name in canonical for name in filled)
    return read if named >= 2 and 2 * named > len(filled) else None


@functools.cache
def _header_spellings(canonical: tuple[str, ...]) -> frozenset[str]:
    """The ways a header cell may write a contract column or an alias of one, exactly:
    ``origin_country``, ``Origin country``, ``ORIGIN-COUNTRY``, ``Tok``. Spellings with
    accents (``Država polaska``) are not here; a table's own header cells, whatever their
    spelling, are added per table (:meth:`TableHeader.of`)."""
    keys = set(canonical) | {key for key, name in HEADER_ALIASES.items() if name in canonical}
    spellings = set()
    for key in keys:
        words = key.split("_")
        for separator in ("_", " ", "-", "."):
            written = separator.join(words)
            spellings.update({written, written.upper(), written.capitalize(), written.title()})
    return frozenset(spellings)


@dataclass(frozen=True)
class TableHeader:
    """A table's header (of a CSV file, of one sheet), to tell a row below it that is a header
    too: the same one written again, or another table's (:func:`_header_rows`)."""

    row: int  # its row number
    read: Headers  # its cells as read (up to the last one filled), through read_headers
    sheet: str
    #: The cells a header row may hold, looked up exactly in every cell of a chunk: the
    #: spellings of the contract's columns and aliases, and this header's own cells.
    spellings: object  # a pyarrow string array
    #: The header keys of its sub-header row (``od`` | ``do`` under a merged price header:
    #: :func:`_header_with_range`), up to the last one filled; None without one.
    below: tuple[str, ...] | None = None

    @classmethod
    def of(
        cls,
        row: int,
        cells: list[str],
        canonical: tuple[str, ...],
        sheet: str = "",
        below: list[str] | None = None,
    ):
        import pyarrow as pa

        cells = _cells_as_read(cells)
        below = _cells_as_read(below) if below else None
        own = {cell for cell in cells + (below or []) if cell.strip()}
        own |= {cell.strip() for cell in cells + (below or []) if cell.strip()}
        spellings = pa.array(sorted(_header_spellings(canonical) | own), pa.string())
        keys = tuple(header_key(cell) for cell in below) if below else None
        return cls(row, _canonical_header(cells, canonical), sheet, spellings, keys)


def _header_rows(
    frame: pd.DataFrame, header: TableHeader | None, canonical: tuple[str, ...]
) -> list[int]:
    """The rows of a chunk that write its table's header again (two exports pasted one under
    the other, a second table below the first with the same columns), to be quarantined as
    ``row_is_header``. Raises :class:`UnreadableFile` at a row that is the header of another
    table (other columns, or the same in another order): read under this one, its rows would
    put each value in another's column (a leg published reversed).

    A row is a header as :func:`_table_header` tells. Only rows with two or more cells written
    exactly as a header cell may be (:attr:`TableHeader.spellings`: one Arrow lookup over
    the chunk's columns together) are read so: the other rows cost no Python. One lookup, not
    one per column: each builds its hash table of the spellings, which hold the header's own
    cells, so a file of 10,000 columns cost 10,000 tables of 10,000 (3.3 s a chunk)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if header is None or frame.empty:
        return []
    pieces = []  # every column's Arrow chunks, column after column
    for column in frame:
        pieces += arrow_chunks(frame[column], pa.large_string())
    found = pc.is_in(pa.chunked_array(pieces, pa.large_string()), value_set=header.spellings)
    by_column = found.to_numpy(zero_copy_only=False).reshape(len(frame.columns), len(frame))
    hits = by_column.sum(axis=0, dtype=np.int32)
    repeats = []
    for number in frame.index[hits >= 2]:
        cells = _cells_as_read(list(frame.loc[number]))
        if header.below and tuple(header_key(cell) for cell in cells) == header.below:
            repeats.append(int(number))  # its sub-header (od | do) written again
            continue
        read = _table_header(cells, canonical)
        if read is None:
            continue  # a data row holding a word or two that are also column names
        if read != header.read:
            where = f"sheet {header.sheet!r} row {number}" if header.sheet else f"row {number}"
            raise UnreadableFile(
                f"{where} starts a second table with other columns ({_unlike(read, header)}):"
                " put it in its own file or sheet"
            )
        repeats.append(int(number))
    return repeats


def _unlike(read: Headers, header: TableHeader) -> str:
    """How a second table's header differs from the first's, at its first difference."""
    for position, (first, second) in enumerate(
        itertools.zip_longest(header.read.names, read.names), start=1
    ):
        if first != second:
            first = "nothing" if first is None else first
            return f"column {position} is {second or 'blank'} where row {header.row} has {first}"
    if read.currencies != header.read.currencies:  # else the units differ
        what, codes, before, joiner = "currency", read.currencies, header.read.currencies, " in "
    else:
        what, codes, before, joiner = "unit", read.units, header.read.units, " "  # price per_kg
    said = ", ".join(column + joiner + code for column, code in sorted(codes.items()))
    before = ", ".join(column + joiner + code for column, code in sorted(before.items()))
    return f"{what} named: {said or 'none'} where row {header.row} names {before or 'none'}"


def _mark_header_rows(chunk: RawChunk, repeats: list[int], header: TableHeader) -> RawChunk:
    """The chunk with the rows that write its header again marked (``header_row_error``,
    rule ``row_is_header``); their cells stay as read."""
    if repeats:
        reason = pd.Series(pd.NA, index=chunk.frame.index, dtype="string")
        reason[repeats] = f"repeats the header of row {header.row}"
        chunk.frame[HEADER_ROW_COLUMN] = reason
    return chunk


def _read_xlsx(path, canonical, chunk_rows, layout: FileLayout) -> Iterator[RawChunk]:
    """Every sheet of a workbook. openpyxl is handed the open file, not its name: by name it
    refuses a workbook saved as ``.csv``, which is read by its content like any other file."""
    import openpyxl

    with path.open("rb") as handle:
        _check_workbook(handle)
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        try:
            for sheet in book.worksheets:
                if sheet.sheet_state != "visible":  # hidden or very hidden: not the data
                    layout.hidden_sheets.append(sheet.title)
                    continue
                # The size a sheet declares (``<dimension ref="A1:XFD1048576"/>``, as some
                # exporters write it) is not trusted: openpyxl would pad every row to 16,384
                # cells and every gap down to the last row declared (a 6 KB workbook read
                # for 42 minutes). Without it, a row holds the cells the file writes.
                sheet.reset_dimensions()
                rows = ([_sheet_value(cell) for cell in row] for row in sheet.iter_rows(min_row=1))
                head: list[list] = []  # the rows' values, as the sheet types them
                texts: list[list[str]] = []
                wide = 0  # rows of two filled cells or more: a header could be one of them
                for cells in rows:
                    head.append(cells)
                    texts.append([_cell_text(v) for v in cells])
                    wide += sum(bool(text.strip()) for text in texts[-1]) >= 2
                    if wide == HEADER_SCAN_ROWS or len(head) == SHEET_SCAN_ROWS:
                        break
                found = _find_header(texts, canonical)
                if found is None:
                    continue  # an empty sheet, or one without a table
                if found + 1 == len(head) and (cells := next(rows, None)) is not None:
                    head.append(cells)  # the row below the header
                    texts.append([_cell_text(v) for v in cells])
                below = texts[found + 1] if found + 1 < len(texts) else None
                (header, currencies, units), two_rows = _header_with_range(
                    texts[found], below, canonical
                )
                table = TableHeader.of(
                    found + 1, texts[found], canonical, sheet.title, two_rows and below
                )
                start = found + 1 + two_rows  # the first row below the header (and od | do)
                first = [(start + 1 + n, cells) for n, cells in enumerate(head[start:])]
                later = ((len(head) + 1 + n, cells) for n, cells in enumerate(rows))
                numbered = _filled_down(_concat(first, later), _merged_down(sheet, start))
                unit = header.index("unit") if "unit" in header else None
                numbered = _percents_as_units_say(numbered, unit)
                for chunk in _chunks(numbered, header, chunk_rows, sheet.title, typed=True):
                    chunk.currencies, chunk.units = currencies, units
                    repeats = _header_rows(chunk.frame, table, canonical)
                    chunk = _mark_beside_price(_set_aside_notes(chunk))
                    yield _mark_header_rows(chunk, repeats, table)
        finally:
            book.close()


#: A merged cell's range in a sheet's XML: ``<mergeCell ref="E2:E4"/>``, any namespace prefix.
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}\d+:[A-Z]{1,3}\d+)"')


def _merged_down(sheet, header_end: int) -> list[tuple[int, int, int]]:
    """The merged cells running down the table's rows (below row ``header_end``), as ``(top
    row, bottom row, column index)``, top first: the top row's cell holds the value. Only a
    range's first column: a cell merged across columns holds one value, in its first.
    openpyxl's read-only mode reads no merges, so the sheet's XML is scanned for them
    (decompressed once more, a byte search)."""
    from openpyxl.utils.cell import range_boundaries

    merged = []
    for ref in _merge_refs(sheet):
        column, top, _, bottom = range_boundaries(ref)
        if top > header_end and bottom > top:
            merged.append((top, bottom, column - 1))
    return sorted(merged)


def _merge_refs(sheet) -> Iterator[str]:
    """The ranges of a read-only sheet's merged cells (``E2:E4``), from its XML, read a
    block at a time; a tag a block cuts is read with the next."""
    tail = b""
    with sheet._get_source() as source:
        while block := source.read(1 << 20):
            text = tail + block
            cut = max(text.rfind(b"<"), 0)
            tail = text[cut:]
            if b"mergeCell" in text:  # most blocks hold none: a byte search, no regex
                for ref in _MERGE_CELL.findall(text, 0, cut):
                    yield ref.decode()
    for ref in _MERGE_CELL.findall(tail):
        yield ref.decode()


def _filled_down(
    numbered: Iterable[tuple[int, list]], merged: list[tuple[int, int, int]]
) -> Iterator[tuple[int, list]]:
    """The numbered rows with each cell a merged cell covers holding the merged cell's value,
    as the sheet shows it in every row the merge spans: read as written, the rows below the
    first were blank there (a leg ``? -> AT`` where the sheet shows ``RS -> AT``). Rows of two
    filled cells or more only. One pass, keeping only the merges the current row is in."""
    if not merged:
        yield from numbered
        return
    waiting = iter(merged)
    upcoming = next(waiting, None)
    spanning: list[tuple[int, int, object]] = []  # (bottom row, column, value)
    for number, cells in numbered:
        spanning = [merge for merge in spanning if merge[0] >= number]
        # Not into a blank row nor a row of one cell (a note below the table, which a merged
        # source column runs past): filled, a spacer became a row and a note a published one.
        if spanning and sum(_cell_text(cell).strip() != "" for cell in cells) >= 2:
            width = max(column for _, column, _ in spanning) + 1
            cells = list(cells) + [None] * (width - len(cells))
            for _, column, value in spanning:
                cells[column] = value
        while upcoming is not None and upcoming[0] <= number:
            top, bottom, column = upcoming
            value = cells[column] if top == number and column < len(cells) else None
            spanning.append((bottom, column, value))
            upcoming = next(waiting, None)
        yield number, cells


class _ShownAsPercent(float):
    """A workbook number the sheet shows as a percentage, as stored (0.015 shown ``1.5%``):
    which of the two it means depends on its row's unit (:func:`_percents_as_units_say`)."""


def _percents_as_units_say(
    numbered: Iterable[tuple[int, list]], unit: int | None
) -> Iterator[tuple[int, list]]:
    """The numbered rows with each number shown as a percentage read as the percentage shown
    (1.5) where the row's unit is a percentage (``percent_of_gdp``) or there is no unit
    column, and as stored (2.5 shown ``250%``) where it is anything else (a ratio): Excel
    stores ``1.5%`` typed into a cell as 0.015, published a hundred times too small as a
    share of GDP; a ratio of 2.5 formatted as a percentage was published as 250."""
    for number, cells in numbered:
        if any(isinstance(cell, _ShownAsPercent) for cell in cells):
            said = (
                str(cells[unit]).strip().lower() if unit is not None and unit < len(cells) else ""
            )
            shown = unit is None or said.startswith("percent")
            cells = [
                (
                    float(Decimal(repr(cell)) * 100) if shown else float(cell)
                )  # 1.5, not 1.5000000000000002
                if isinstance(cell, _ShownAsPercent)
                else cell
                for cell in cells
            ]
        yield number, cells


def _sheet_value(cell) -> object:
    """A workbook cell's value as the sheet shows it: a date shown as a month or a year only
    is that month or year (``2020-05``, ``2020``); a number shown as a percentage is marked
    so (:class:`_ShownAsPercent`), for its row's unit to say which it means.

    Excel turns ``May 2020`` or ``05/2020`` typed into a cell into 1 May 2020 shown
    ``mmm-yy``: the period a person sees is the month, not its first day."""
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "%" in _shown(cell.number_format):
            return _ShownAsPercent(value)
        return value
    if not isinstance(value, dt.date):
        return value
    shown = _date_parts(cell.number_format)
    if "d" in shown or "h" in shown or "s" in shown or "y" not in shown:
        return value  # a day, a time, or not a date format we can read: as stored
    return f"{value:%Y-%m}" if "m" in shown else f"{value:%Y}"


@functools.lru_cache(maxsize=256)  # a workbook has a few formats; a number cell each
def _shown(number_format: str | None) -> str:
    """What an Excel number format's first section shows of the value: quoted text, escaped
    characters and ``[...]`` codes left out (``0.0"%"`` shows a percent sign, not a percentage)."""
    return re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", number_format or "").split(";")[0]


def _date_parts(number_format: str) -> set[str]:
    """The date and time letters (``d``, ``m``, ``y``, ``h``, ``s``) an Excel number format's
    first section shows."""
    return set(re.findall(r"[dmyhs]", _shown(number_format).lower()))


def _check_workbook(handle) -> None:
    """Raise :class:`UnreadableFile` when a ZIP archive holds no Excel workbook (a zipped CSV,
    a Word document): openpyxl would only name a part it misses. A workbook is what openpyxl
    takes as one, a package declaring a workbook part of one of its content types."""
    from openpyxl.xml.constants import XLSM, XLSX, XLTM, XLTX

    with zipfile.ZipFile(handle) as archive:  # a damaged ZIP: BadZipFile, a damaged workbook
        names = archive.namelist()
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    if not any(kind.encode() in types for kind in (XLSX, XLSM, XLTX, XLTM)):
        raise UnreadableFile("this is a ZIP archive that is not an Excel workbook")


def _concat(*parts):
    for part in parts:
        yield from part


def _read_json(path, canonical, chunk_rows, layout: FileLayout) -> Iterator[RawChunk]:
    """JSON Lines (one object per line) or one JSON array of objects (or an object holding
    one such array, as many scrapers write: ``{"results": [...]}``)."""
    with path.open(encoding=layout.encoding) as handle:
        first_line = ""
        while not first_line.strip():
            first_line = handle.readline(LONGEST_JSON_LINE)
            if not first_line:
                break
        # A first line this long is a whole array or wrapper on one line, not one record:
        # it is streamed below, never parsed whole here.
        one_long_line = len(first_line) >= LONGEST_JSON_LINE and not first_line.endswith("\n")
        more_lines = not one_long_line and any(line.strip() for line in handle)
    first_line = first_line.strip("\ufeff \t\r\n")
    try:
        first = None if one_long_line else json.loads(first_line)
    except json.JSONDecodeError:
        first = None  # an array, or one object spread over several lines
    except RecursionError:
        first = {}  # a record nested too deeply to read: JSON Lines, that line quarantined
    # One object on the only line, holding a list of records, is a wrapper written compactly.
    wrapper = (
        not more_lines
        and isinstance(first, dict)
        and any(
            isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            for value in first.values()
        )
    )
    is_lines = isinstance(first, dict) and not wrapper
    if not is_lines and (line := too_deep_at(path, layout.encoding)) is not None:
        # Before ijson, whose memory grows with the square of the depth (JSON Lines are
        # parsed a line at a time, and a line nested too deeply is quarantined alone).
        raise UnreadableFile(
            f"JSON nested more than {MOST_JSON_DEPTH} levels deep on line {line}: no record"
            " nests so deep, so the file is not parsed"
        )
    records = _line_records(path, layout) if is_lines else _array_records(path, layout)
    for batch in _batches(records, min(chunk_rows, JSON_CHUNK_ROWS)):
        numbers = [number for number, _ in batch]
        unreadable = {number: record for number, record in batch if not isinstance(record, dict)}
        values = pd.json_normalize([r if isinstance(r, dict) else {} for _, r in batch], sep="_")
        flat = values.map(_cell_text) if len(values.columns) else values
        headers = read_headers(list(flat.columns), canonical)
        frame = flat.set_axis(headers.names, axis=1).astype("string")
        frame.index = pd.Index(numbers, name="row_number")
        stored = _stored_decimals(values.set_axis(frame.columns, axis=1).set_axis(frame.index))
        frame = _with_verdicts(frame, unreadable) if unreadable else frame
        yield RawChunk(frame, "", headers.currencies, headers.units, stored_decimals=stored)


def _with_verdicts(frame: pd.DataFrame, unreadable: dict[int, _Unreadable]) -> pd.DataFrame:
    """The text and reason of the records the reader could not take, in the
    :data:`~schemas.columns.JSON_VERDICT_COLUMNS` (blank in the other rows). Added after the
    keys were matched, so a record's own key of that name (renamed by ``read_headers``) can
    never pose as the reader's verdict."""
    verdicts = pd.DataFrame(
        [(record.text, record.reason) for record in unreadable.values()],
        index=list(unreadable),
        columns=list(JSON_VERDICT_COLUMNS),
        dtype="string",
    )
    return frame.join(verdicts).fillna(dict.fromkeys(JSON_VERDICT_COLUMNS, ""))


def _array_records(path, layout) -> Iterator[tuple[int, dict | _Unreadable]]:
    """The records of a JSON array, or of the one list a top-level object holds, streamed
    with ijson: a scraper's array of millions of ads is never held whole in memory."""
    prefix = _records_prefix(path, layout)
    number = objects = 0
    for number, record in _array_items(path, layout, prefix):
        objects += isinstance(record, dict)
        yield number, _as_record(record)
    if number and not objects:
        raise UnreadableFile("JSON array holds no objects, so no rows")


def _array_items(path, layout, prefix: str) -> Iterator[tuple[int, object]]:
    """The items at ``prefix``, numbered from 1, their numbers parsed as floats (the fast way).

    A number too large for a float (``1e400``) stops ijson's float parser, not the file: the
    items from the one holding it on are read again with exact numbers, those a float holds
    as floats and the others as text (``1E+400``, which the rules quarantine as not a number).
    """
    import ijson

    done = 0
    try:
        with path.open(encoding=layout.encoding) as handle:
            items = ijson.items(_Utf8Bytes(handle), prefix, map_type=_KeysOnce, use_float=True)
            for done, item in enumerate(items, start=1):
                yield done, item
        return
    except ijson.IncompleteJSONError as err:
        if "overflow" not in str(err):
            raise
    with path.open(encoding=layout.encoding) as handle:
        # numbers as Decimal: no overflow
        items = ijson.items(_Utf8Bytes(handle), prefix, map_type=_KeysOnce)
        for number, item in enumerate(items, start=1):
            if number > done:
                yield number, _as_floats(item)


def _as_floats(value: object) -> object:
    """Exact numbers as the float parser gives them, or as text when a float cannot hold them."""
    import math
    from decimal import Decimal

    if isinstance(value, Decimal):
        number = float(value)
        return number if math.isfinite(number) else str(value)
    if isinstance(value, dict):
        return {key: _as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_floats(item) for item in value]
    return value


def _records_prefix(path, layout) -> str:
    """Where the records are, as ijson names it: ``item`` of a top-level array, or
    ``<key>.item`` of the one list a top-level object holds (found in one pass over the
    parser's events, keeping nothing)."""
    import ijson

    with path.open(encoding=layout.encoding) as handle:
        events = ijson.parse(_Utf8Bytes(handle))
        _, kind, _ = next(events)
        if kind == "start_array":
            return "item"
        if kind != "start_map":
            raise UnreadableFile("JSON file is neither an array of objects nor JSON Lines")
        key, lists = None, []
        for prefix, event, value in events:
            if prefix == "" and event == "map_key":
                key = value
            elif event == "start_array" and prefix == key:
                lists.append(key)
    if len(lists) != 1:
        raise UnreadableFile("JSON object without a single list of records in it")
    return f"{lists[0]}.item"


class _Utf8Bytes:
    """A text file read back as UTF-8 bytes: ijson parses bytes, and the file may be UTF-16
    or Windows-1250 (the encoding the reader detected decodes it first)."""

    def __init__(self, text):
        self._text = text

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson's probe for bytes or text: it must not consume anything
            return b""
        return self._text.read(size if size < 0 else max(size // 4, 1)).encode("utf-8")


@dataclass(frozen=True)
class _Unreadable:
    """A JSON record that is not an object of named fields: kept as a row and quarantined as
    not readable (rule record_readable), with its text as written and why."""

    text: str
    reason: str


class _KeysOnce(dict):
    """A JSON object whose keys are each kept: a key written again (``{"price_point": 2500,
    "price_point": 9999999}``) is kept as ``<key>_dup``, as a header written twice is, so the
    two are read as one column and a row where they differ is quarantined
    (``column_given_once``). JSON parsers keep the last and drop the first without a word."""

    def __setitem__(self, key, value, _set=dict.__setitem__):
        while key in self:
            key += DUP_SUFFIX
        _set(self, key, value)  # dict's own, not through super(): once per key of a file


def _keys_once(pairs: list[tuple[str, object]]) -> dict:
    """``json.loads``'s ``object_pairs_hook``: a plain dict unless a key is written twice."""
    record = dict(pairs)
    if len(record) < len(pairs):
        record = _KeysOnce()
        for key, value in pairs:
            record[key] = value
    return record


def _line_records(path, layout) -> Iterator[tuple[int, dict | _Unreadable]]:
    with path.open(encoding=layout.encoding) as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip().lstrip("\ufeff")
            if not line:
                continue
            try:
                yield number, _as_record(json.loads(line, object_pairs_hook=_keys_once))
            except json.JSONDecodeError as err:
                yield number, _Unreadable(line, f"not JSON: {err.msg} at character {err.colno}")
            except RecursionError:  # one record nested thousands deep: that record alone
                yield number, _Unreadable(line, "nested too deeply to read")


def _as_record(value: object) -> dict | _Unreadable:
    if isinstance(value, dict):
        return value
    reason = f"a JSON {type(value).__name__}, not an object of named fields"
    return _Unreadable(json.dumps(value, ensure_ascii=False), reason)


def _batches(records, size):
    batch: list = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
