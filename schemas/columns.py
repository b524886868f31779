"""Canonical columns of the raw data contract and how incoming headers are matched to them."""

from __future__ import annotations

import re

from schemas.header_aliases import HEADER_ALIASES
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
#: Columns only the file reader sets, never a file. A header that normalises to one of them is
#: an unknown column like any other, kept under a suffixed key, so that no file can pose as the
#: reader's verdict (and have its text published as a reason).
READER_COLUMNS = JSON_VERDICT_COLUMNS + RAGGED_ROW_COLUMNS


def match_headers(headers: list[object], canonical: tuple[str, ...]) -> list[str]:
    """The name of each incoming header, in order: its canonical name, or its normalised key if
    unknown. Names are distinct, so a frame can take them as its columns.

    A header is canonical when its key is a contract column or an alias of one in
    :data:`schemas.header_aliases.HEADER_ALIASES` (an alias of a column this contract lacks,
    such as ``cijena`` for routes, is kept under its own key).

    Unknown columns are not an error: they are kept in the raw layer (as ``extra``) so nothing
    a researcher sent is lost. The first of two headers that normalise alike wins, even when
    both are written the same; the second is kept as an extra column under a suffixed key
    (``notes_dup``), and so is a header that normalises to one of :data:`READER_COLUMNS`.
    """
    names: list[str] = []
    taken = set(READER_COLUMNS)
    for header in headers:
        key = header_key(header) or "unnamed"
        if key not in canonical and HEADER_ALIASES.get(key) in canonical:
            key = HEADER_ALIASES[key]
        while key in taken:
            key = f"{key}_dup"
        taken.add(key)
        names.append(key)
    return names
