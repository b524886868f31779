"""Canonical columns of the raw data contract and how incoming headers are matched to them."""

from __future__ import annotations

import re
from typing import NamedTuple

from schemas.header_aliases import HEADER_ALIASES
from schemas.price_text import CURRENCY_LABELS, spell_currency_symbols
from schemas.text import fold
from schemas.units import PER_WORDS, UNIT_LABELS

PRICE_COLUMNS = (
    "obs_id", "flow", "commodity", "market_level",
    "origin_country", "origin_place", "destination_country", "destination_place",
    "location_country", "location_place",
    "period_start", "period_end",
    "price_low", "price_high", "price_point", "currency", "unit",
    "source_title", "source_url", "source_locator", "quote",
    "confidence", "source_type", "source_reliability", "information_credibility", "notes",
    "price", "date", "period",
)  # fmt: skip

ROUTE_COLUMNS = (
    "obs_id", "metric", "route_or_leg",
    "origin_country", "destination_country", "reporting_country",
    "period_start", "period_end", "value",
    "source_org", "source_title", "source_url", "quote", "confidence", "notes",
    "date", "period",
)  # fmt: skip

#: Input-only columns: a price written as text (``price``) and a whole period in one cell
#: (``date``, ``period``). They are kept as text in the raw layer and parsed into the typed
#: price and period columns; see :mod:`schemas.header_aliases`.
INPUT_ONLY_COLUMNS = ("price", "date", "period")

#: Free-text columns that may name people (informants, sources): kept in the private raw
#: layer for the researcher, never copied to marts, quarantine extracts or CSV.
SENSITIVE_COLUMNS = ("notes",)


def header_key(name: object) -> str:
    """Match headers case-, accent- and separator-insensitively: ``"Price Low"``,
    ``"price-low"``, ``"PRICE_LOW"`` and ``" price.low "`` all become ``"price_low"``;
    ``"Çmimi"`` becomes ``"cmimi"`` and ``"Цена"`` becomes ``"cena"``."""
    return re.sub(r"[^0-9a-z]+", "_", fold(str(name).strip())).strip("_")


#: The text of a JSON record the reader could not read, and why (rule ``record_readable``).
JSON_VERDICT_COLUMNS = ("unreadable_json", "json_error")
#: The cells of a CSV row wider or narrower than its header, as read, and why (rule ``row_width``).
RAGGED_ROW_COLUMNS = ("row_cells", "row_width_error")
#: Why a row is the file's header written again (a second table, a pasted export): rule
#: ``row_is_header``.
HEADER_ROW_COLUMN = "header_row_error"
#: Why a row's number under no header beside a price column is not read (a range whose header
#: names one column?): rule ``price_beside_unnamed``.
BESIDE_PRICE_COLUMN = "beside_price_error"
#: Why a row is a note written in the table (a footnote, a source line): rule
#: ``row_is_observation``; its text is kept private, in ``row_cells``.
NOTE_ROW_COLUMN = "note_row_error"
#: Columns only the file reader sets, never a file. A header that normalises to one of them is
#: an unknown column like any other, kept under a suffixed key, so that no file can pose as the
#: reader's verdict (and have its text published as a reason).
READER_COLUMNS = (
    JSON_VERDICT_COLUMNS
    + RAGGED_ROW_COLUMNS
    + (HEADER_ROW_COLUMN, BESIDE_PRICE_COLUMN, NOTE_ROW_COLUMN)
)


#: The price columns whose header may name the currency and the unit of its cells:
#: ``Cijena (KM)``, ``Price low (€)``, ``Iznos KM``, ``Price per person (EUR)``.
CURRENCY_HEADER_COLUMNS = ("price", "price_low", "price_high", "price_point")
#: Words that join a column's name to its currency: ``Cijena u KM`` (Bosnian, Croatian,
#: Serbian), ``Çmimi në lekë`` (Albanian), ``Цена во денари`` (Macedonian), ``Price in EUR``.
CURRENCY_HEADER_JOINERS = frozenset({"u", "ne", "vo", "in"})
#: Words that join a column's name to its unit, as in a price text: ``Price per person``,
#: ``Cijena po gramu``, ``Цена за кг``, and ``/`` (``Price (€/g)``, ``Price/kg``); a ``1`` may
#: follow (``per 1 kg``). A unit needs one: ``max_persons`` is no maximum price per person.
UNIT_HEADER_JOINERS = frozenset(PER_WORDS)


def _as_words(labels: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Labels as header keys spell them, as runs of key words: ``("km",)``,
    ``("konvertibilnih", "maraka")``. A label holding a symbol (``us$``) is not one here."""
    return {
        tuple(header_key(label).split("_")): code
        for label, code in labels.items()
        if re.fullmatch(r"[a-z0-9][a-z0-9. ]*", label)
    }


_HEADER_CURRENCIES = _as_words(CURRENCY_LABELS)
_HEADER_UNITS = _as_words(UNIT_LABELS)
#: More runs of labels than this in one header, and it names no price column's currency or
#: unit: every pair of runs is tried, and a hostile header may repeat a label thousands of times.
_MOST_RUNS = 4


class Headers(NamedTuple):
    """What a header row says: the name of each column (see :func:`read_headers`), and the
    currency and the unit the header of a price column names, by column name
    (``{"price": "BAM"}`` and ``{"price": "per_gram"}`` for ``Cijena po gramu (KM)``)."""

    names: list[str]
    currencies: dict[str, str]
    units: dict[str, str]


class HeaderPrice(NamedTuple):
    """A price column whose header names its currency, its unit or both."""

    column: str
    currency: str | None
    unit: str | None


def _canonical(key: str, canonical: tuple[str, ...]) -> str | None:
    """The contract column a header key names, itself or through an alias, or None."""
    if key in canonical:
        return key
    alias = HEADER_ALIASES.get(key)
    return alias if alias in canonical else None


def _runs(
    words: list[str], labels: dict[tuple[str, ...], str], joiners: frozenset[str], per: bool
) -> list[tuple[int, int, str]]:
    """``(start, end, code)`` of each run of ``words`` that is a label, with the joining word
    before it taken into the run. A unit (``per``) must follow one, with a ``1`` between or
    not (``per 1 kg``); a currency may."""
    longest = max(map(len, labels))
    runs = []
    for size in range(min(longest, len(words) - 1), 0, -1):
        for start in range(len(words) - size + 1):
            code = labels.get(tuple(words[start : start + size]))
            if code is None:
                continue
            first = start
            if per and first and words[first - 1] == "1":
                first -= 1
            if first and words[first - 1] in joiners:
                first -= 1
            elif per:
                continue
            runs.append((first, start + size, code))
    return runs


def header_price(header: object, canonical: tuple[str, ...]) -> HeaderPrice | None:
    """The price column ``header`` names with its currency, its unit or both:
    ``Cijena (KM)`` -> ``("price", "BAM", None)``, ``Price low (€)`` -> ``("price_low", "EUR",
    None)``, ``Price per person (EUR)`` -> ``("price", "EUR", "per_person")``, ``Cijena po
    gramu`` -> ``("price", None, "per_gram")``, ``Price (€/kg)`` -> ``("price", "EUR",
    "per_kg")``; None for any other header.

    The currency is one label of :data:`schemas.price_text.CURRENCY_LABELS` (or a symbol), the
    unit one of :data:`schemas.units.UNIT_LABELS`, each written as whole words of the header
    (``kmh``, ``denarius``, ``10g`` name none), the currency after a joining word or not (``u``,
    ``in``: :data:`CURRENCY_HEADER_JOINERS`), the unit after one (``per``, ``po``, ``/``:
    :data:`UNIT_HEADER_JOINERS`); the words left must name one of
    :data:`CURRENCY_HEADER_COLUMNS`, as a contract column or an alias (``Iznos KM`` is a price;
    ``Notes EUR`` stays an unknown column, ``Price per 10 g`` is not read as per gram,
    ``max_persons`` is no price, and routes have no such column). A header read two ways
    (``price_eur_km`` names two currencies) names none. Once per header, never per cell.
    """
    spelled = spell_currency_symbols(str(header))
    if _canonical(header_key(spelled), canonical):
        return None  # a column's own name or alias (``Price Low``), whatever its words
    words = header_key(spelled.replace("/", " per ")).split("_")
    currencies = _runs(words, _HEADER_CURRENCIES, CURRENCY_HEADER_JOINERS, per=False)
    units = _runs(words, _HEADER_UNITS, UNIT_HEADER_JOINERS, per=True)
    if len(currencies) > _MOST_RUNS or len(units) > _MOST_RUNS:
        return None
    found = set()
    for currency in [None, *currencies]:
        for unit in [None, *units]:
            runs = [run for run in (currency, unit) if run is not None]
            if not runs or (len(runs) == 2 and runs[0][0] < runs[1][1] and runs[1][0] < runs[0][1]):
                continue  # neither, or two overlapping runs
            left = [w for i, w in enumerate(words) if not any(a <= i < b for a, b, _ in runs)]
            column = _canonical("_".join(left), canonical)
            if column in CURRENCY_HEADER_COLUMNS:
                found.add(HeaderPrice(column, currency and currency[2], unit and unit[2]))
    return found.pop() if len(found) == 1 else None


#: What :func:`read_headers` appends to a header naming a column already taken (``notes_dup``).
DUP_SUFFIX = "_dup"


def column_of(name: str) -> str:
    """The column a name stands for, without the suffixes of a column given again:
    ``price_dup`` and ``price_dup_dup`` are ``price``."""
    while name.endswith(DUP_SUFFIX) and name != DUP_SUFFIX:
        name = name.removesuffix(DUP_SUFFIX)
    return name


def read_headers(headers: list[object], canonical: tuple[str, ...]) -> Headers:
    """The name of each incoming header, in order, and the currencies and units price headers
    name.

    A header is canonical when its key is a contract column or an alias of one in
    :data:`schemas.header_aliases.HEADER_ALIASES` (an alias of a column this contract lacks,
    such as ``cijena`` for routes, is kept under its own key), or when it names a price column
    and its currency or unit (:func:`header_price`): that column's cells are read in that
    currency, per that unit.

    Unknown columns are not an error: they are kept in the raw layer (as ``extra``) so nothing
    a researcher sent is lost. Of two headers that normalise alike, the first is named after
    the column and the second under a suffixed key (``notes_dup``, then ``notes_dup_dup``),
    with the currency and unit its header names if any (``price_dup``): both are read as that
    one column, row by row, by :func:`schemas.repeated.merge_repeated`, and the raw layer keeps
    the second as an extra column. A header that normalises to one of :data:`READER_COLUMNS`
    is kept under a suffixed key too, as an unknown column. Names are distinct, so a frame can
    take them as its columns.
    """
    names: list[str] = []
    currencies: dict[str, str] = {}
    units: dict[str, str] = {}
    taken = set(READER_COLUMNS)
    for header in headers:
        key = header_key(header) or "unnamed"
        headed = header_price(header, canonical)
        if headed is not None:
            key = headed.column
        elif key not in canonical and HEADER_ALIASES.get(key) in canonical:
            key = HEADER_ALIASES[key]
        while key in taken:
            key += DUP_SUFFIX
        if headed is not None and headed.currency is not None:
            currencies[key] = headed.currency
        if headed is not None and headed.unit is not None:
            units[key] = headed.unit
        taken.add(key)
        names.append(key)
    return Headers(names, currencies, units)
