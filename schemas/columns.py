"""Canonical columns of the raw data contract and how incoming headers are matched to them."""

from __future__ import annotations

import re
from typing import NamedTuple

from schemas.header_aliases import HEADER_ALIASES
from schemas.price_text import CURRENCY_LABELS, spell_currency_symbols
from schemas.text import fold

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
#: Columns only the file reader sets, never a file. A header that normalises to one of them is
#: an unknown column like any other, kept under a suffixed key, so that no file can pose as the
#: reader's verdict (and have its text published as a reason).
READER_COLUMNS = (
    JSON_VERDICT_COLUMNS + RAGGED_ROW_COLUMNS + (HEADER_ROW_COLUMN, BESIDE_PRICE_COLUMN)
)


#: The price columns whose header may name the currency of its cells: ``Cijena (KM)``,
#: ``Price low (€)``, ``Iznos KM``.
CURRENCY_HEADER_COLUMNS = ("price", "price_low", "price_high", "price_point")
#: Words that join a column's name to its currency: ``Cijena u KM`` (Bosnian, Croatian,
#: Serbian), ``Çmimi në lekë`` (Albanian), ``Цена во денари`` (Macedonian), ``Price in EUR``.
CURRENCY_HEADER_JOINERS = frozenset({"u", "ne", "vo", "in"})
#: The currency labels as header keys spell them, as runs of key words: ``("km",)``,
#: ``("konvertibilnih", "maraka")``. A label holding a symbol (``us$``) is not one here.
_HEADER_CURRENCIES = {
    tuple(header_key(label).split("_")): code
    for label, code in CURRENCY_LABELS.items()
    if re.fullmatch(r"[a-z][a-z. ]*", label)
}
_LONGEST_LABEL = max(map(len, _HEADER_CURRENCIES))


class Headers(NamedTuple):
    """What a header row says: the name of each column (see :func:`read_headers`), and the
    currency the header of a price column names, by column name (``{"price": "BAM"}`` for
    ``Cijena (KM)``)."""

    names: list[str]
    currencies: dict[str, str]


def _canonical(key: str, canonical: tuple[str, ...]) -> str | None:
    """The contract column a header key names, itself or through an alias, or None."""
    if key in canonical:
        return key
    alias = HEADER_ALIASES.get(key)
    return alias if alias in canonical else None


def header_currency(header: object, canonical: tuple[str, ...]) -> tuple[str, str] | None:
    """``(column, currency)`` when ``header`` names a price column and its currency:
    ``Cijena (KM)`` -> ``("price", "BAM")``, ``Price low (€)`` -> ``("price_low", "EUR")``,
    ``Cijena u eurima`` -> ``("price", "EUR")``; None for any other header.

    The currency is one label of :data:`schemas.price_text.CURRENCY_LABELS` (or a symbol),
    written as whole words of the header (``kmh``, ``denarius`` name none), after a joining
    word or not (``u``, ``in``: :data:`CURRENCY_HEADER_JOINERS`); the words left must name one
    of :data:`CURRENCY_HEADER_COLUMNS`, as a contract column or an alias (``Iznos KM`` is a
    price; ``Notes EUR`` stays an unknown column, and routes have no such column). A header
    naming two currencies names none. Once per header, never per cell.
    """
    words = header_key(spell_currency_symbols(str(header))).split("_")
    if _canonical("_".join(words), canonical):
        return None  # a column's own name or alias (``Price Low``), whatever its words
    found = set()
    for size in range(min(_LONGEST_LABEL, len(words) - 1), 0, -1):
        for start in range(len(words) - size + 1):
            code = _HEADER_CURRENCIES.get(tuple(words[start : start + size]))
            if code is None:
                continue
            before = words[:start]
            if before and before[-1] in CURRENCY_HEADER_JOINERS:
                before = before[:-1]
            column = _canonical("_".join(before + words[start + size :]), canonical)
            if column in CURRENCY_HEADER_COLUMNS:
                found.add((column, code))
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
    """The name of each incoming header, in order, and the currencies price headers name.

    A header is canonical when its key is a contract column or an alias of one in
    :data:`schemas.header_aliases.HEADER_ALIASES` (an alias of a column this contract lacks,
    such as ``cijena`` for routes, is kept under its own key), or when it names a price column
    and its currency (:func:`header_currency`): that column's cells are read in that currency.

    Unknown columns are not an error: they are kept in the raw layer (as ``extra``) so nothing
    a researcher sent is lost. Of two headers that normalise alike, the first is named after
    the column and the second under a suffixed key (``notes_dup``, then ``notes_dup_dup``),
    with the currency its header names if any (``price_dup``): both are read as that one
    column, row by row, by :func:`schemas.repeated.merge_repeated`, and the raw layer keeps
    the second as an extra column. A header that normalises to one of :data:`READER_COLUMNS`
    is kept under a suffixed key too, as an unknown column. Names are distinct, so a frame can
    take them as its columns.
    """
    names: list[str] = []
    currencies: dict[str, str] = {}
    taken = set(READER_COLUMNS)
    for header in headers:
        key = header_key(header) or "unnamed"
        headed = header_currency(header, canonical)
        if headed is not None:
            key = headed[0]
        elif key not in canonical and HEADER_ALIASES.get(key) in canonical:
            key = HEADER_ALIASES[key]
        while key in taken:
            key += DUP_SUFFIX
        if headed is not None:
            currencies[key] = headed[1]
        taken.add(key)
        names.append(key)
    return Headers(names, currencies)
