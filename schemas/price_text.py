"""Prices written as text, and currency labels, as researchers and journalists write them.

``€1,500–2,000``, ``1500-2000 EUR``, ``od 2.000 do 2.500 KM`` (a range); ``up to 4000 €``,
``do 4000 €`` (a high bound only); ``from 1500``, ``1500+`` (a low bound only); ``~700``,
``approx. 700``, ``oko 700``, ``2k``, ``USD 3,000``, ``3.000 $`` (one price). The currency may
be written as a symbol, a code or a word in the region's languages (:data:`CURRENCY_LABELS`),
and what the price is per after it: ``50 €/g``, ``35.000 € po kilogramu``, ``1500 € po osobi``
(:func:`schemas.units.split_unit`).

Within a price text a single ``.`` or ``,`` followed by exactly three digits groups thousands
(``2.000 KM`` is two thousand marks, whatever the file's decimal mark): no smuggling or drug
price is stated to a thousandth. Any other single mark is the decimal mark.

The parser works cell by cell (the only per-cell Python in the pipeline) and only on cells the
vectorised number parser could not read; it never raises: text it cannot read gives ``None``
and the row is quarantined with the text as written.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import NamedTuple

import pandas as pd

from schemas.distinct import per_distinct_label
from schemas.text import fold
from schemas.units import split_unit
from schemas.vocabulary import CURRENCY_CODES

#: Currency labels (folded: lower case, accents dropped, Cyrillic transliterated) -> ISO 4217.
#: Croatian kuna (HRK) is valid for periods before 2023, when Croatia adopted the euro. The
#: same words name a price column's currency in its header (``Cijena u eurima``, ``Cena (din.)``:
#: :func:`schemas.columns.read_headers`).
CURRENCY_LABELS: dict[str, str] = {
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "eura": "EUR", "evra": "EUR", "evro": "EUR",
    "eure": "EUR", "eurosu": "EUR", "avro": "EUR", "eurima": "EUR", "evrima": "EUR",
    "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD", "dolar": "USD",
    "dolara": "USD", "dolari": "USD", "dollare": "USD", "dolla": "USD", "dolarima": "USD",
    "km": "BAM", "bam": "BAM", "km.": "BAM", "konvertibilnih maraka": "BAM", "maraka": "BAM",
    "markama": "BAM", "konvertibilnim markama": "BAM",
    "din": "RSD", "din.": "RSD", "dinar": "RSD", "dinara": "RSD", "dinari": "RSD", "rsd": "RSD",
    "dinarima": "RSD",
    "den": "MKD", "den.": "MKD", "denar": "MKD", "denari": "MKD", "denara": "MKD", "mkd": "MKD",
    "denarima": "MKD",
    "lek": "ALL", "leke": "ALL", "leku": "ALL", "leka": "ALL",
    "tl": "TRY", "try": "TRY", "lira": "TRY", "turska lira": "TRY",
    "ft": "HUF", "huf": "HUF", "forint": "HUF", "forinti": "HUF", "forinta": "HUF",
    "kn": "HRK", "hrk": "HRK", "kuna": "HRK", "kune": "HRK", "kunama": "HRK",
    "lv": "BGN", "lv.": "BGN", "leva": "BGN", "lev": "BGN", "bgn": "BGN",
    "lei": "RON", "leu": "RON", "ron": "RON",
    "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "funti": "GBP", "chf": "CHF",
}  # fmt: skip

#: Symbols, matched before folding (folding drops them).
CURRENCY_SYMBOLS = {"€": "EUR", "US$": "USD", "$": "USD", "₺": "TRY", "£": "GBP", "лв": "BGN"}


def currency_code(label: object) -> str | None:
    """ISO 4217 code of one currency label, or None when it is not one."""
    if not isinstance(label, str) or not label.strip():
        return None
    text = label.strip()
    if text.upper() in CURRENCY_CODES:
        return text.upper()
    if text in CURRENCY_SYMBOLS:
        return CURRENCY_SYMBOLS[text]
    return CURRENCY_LABELS.get(re.sub(r"\s+", " ", fold(text)))


def normalise_currency(cells: pd.Series) -> pd.Series:
    """ISO codes for a column of currency labels; a label not known stays as written,
    upper-cased, so the ISO 4217 rule names it."""
    return per_distinct_label(cells, lambda label: currency_code(label) or label.upper())


class PriceText(NamedTuple):
    """What a price text says: a range, a bound or one price, its currency and its unit (a
    contract unit: ``per_gram``) if named."""

    low: float | None
    high: float | None
    point: float | None
    currency: str | None
    unit: str | None = None


_LABEL_WORDS = sorted(CURRENCY_LABELS, key=len, reverse=True)
_CURRENCY_RE = re.compile(
    r"(?<![a-z])(?:" + "|".join(re.escape(w) for w in _LABEL_WORDS) + r")(?![a-z])"
)
_NUMBER = r"\d+(?:[.,' ]\d{3}(?!\d))*(?:[.,]\d+)?(?:\s?(?:k|mil|mln|m|hiljad[ae]|tisuc[ae])\b)?"
_APPROX = r"(?:~|≈|approx\.?|approximately|about|around|circa|ca\.?|cca\.?|oko|otprilike|rreth|priblizno|okolu|yaklasik)"  # noqa: E501
_UPTO = r"(?:up to|upto|max\.?|maximum|do|najvise|deri ne|deri|bis|until|under|below|less than|ispod|manje od|<=?)"  # noqa: E501
_FROM = r"(?:from|od|min\.?|minimum|at least|najmanje|nga|ab|over|above|more than|preko|vise od|mbi|>=?)"  # noqa: E501
_SEP = r"(?:-|to|do|i|and|deri ne|deri|bis|/)"
_RANGE = re.compile(
    rf"^(?:between |izmedju |{_FROM} |{_APPROX} ?)?(?P<a>{_NUMBER}) ?{_SEP} ?(?P<b>{_NUMBER})$"
)
#: A number with its thousands grouped (``15.000``, ``15 000``, ``15,000.50``).
_GROUPED = re.compile(r"[1-9]\d{0,2}(?:[.,' ]\d{3})+(?:[.,]\d+)?")
_HIGH = re.compile(rf"^{_UPTO} ?(?P<a>{_NUMBER})$")
_LOW = re.compile(
    rf"^(?:{_FROM} ?(?P<a>{_NUMBER})|(?P<b>{_NUMBER}) ?(?:\+|or more|i vise|and more|plus))$"
)  # noqa: E501
_POINT = re.compile(rf"^(?:{_APPROX} ?)?(?P<a>{_NUMBER})$")
_MULTIPLIERS = {"k": 1e3, "hiljada": 1e3, "hiljade": 1e3, "tisuca": 1e3, "tisuce": 1e3,
                "m": 1e6, "mil": 1e6, "mln": 1e6}  # fmt: skip


def _multiplier(text: str) -> float:
    """The ``k``/``mil``/``hiljada`` multiplier a number in a price text carries (1 if none)."""
    suffix = re.search(r"[a-z]*$", text.strip())[0]
    return _MULTIPLIERS.get(suffix, 1.0)


def amount(text: str) -> float | None:
    """One number as written in a price text, with its ``k``/``mil`` multiplier."""
    match = re.fullmatch(r"([\d.,' ]+?)\s?([a-z]*)", text.strip())
    if match is None:
        return None
    if re.search(r"\d[ ']\d", match.group(1)) and not _GROUPED.fullmatch(match.group(1)):
        return None  # a space groups thousands only as thousands are written: not 1500 200
    digits, suffix = match.group(1).replace(" ", "").replace("'", ""), match.group(2)
    marks = re.findall(r"[.,]", digits)
    if len(set(marks)) == 2:  # both marks: the last one is the decimal mark
        decimal = marks[-1]
        digits = digits.replace("," if decimal == "." else ".", "").replace(decimal, ".")
    elif re.fullmatch(r"[1-9]\d{0,2}([.,])\d{3}(?:\1\d{3})*", digits):
        digits = digits.replace(",", "").replace(".", "")  # grouped thousands: 1.500, 1,500,000
    elif len(marks) > 1:
        return None  # 1.2.3 or 12.34.567 groups nothing: no number as written
    else:  # one mark, not grouping thousands (0.125, 1234.567, 12,5): a decimal mark
        digits = digits.replace(",", ".")
    try:
        value = float(digits) * _MULTIPLIERS.get(suffix, 1.0)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def spell_currency_symbols(text: str) -> str:
    """``text`` with each currency symbol written as its code (``€`` as `` eur ``), and the
    code ``ALL`` (in capitals: not the English word) as `` lek ``: folding would drop them."""
    for symbol, code in CURRENCY_SYMBOLS.items():
        text = text.replace(symbol, f" {code.lower()} ")
    return re.sub(r"\bALL\b", " lek ", text)


#: What a PDF, a word processor or a spreadsheet writes for ``-`` (hyphens, dashes, the minus
#: sign: ``1500‐2000`` copied from a report is a range), for ``<=`` and ``>=``, and for ``~``.
_SPELLED = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d", "-")
    | {"≤": "<=", "≥": ">=", "≈": "~", "\u2019": "'", "\u2026": " "}  # 1’500; 2000 €…
    # quotes around a price, and the invisible characters word processors put in text
    | dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb\u2018\u200b\u200c\u200d\u2060\ufeff")
)


def _spelled(text: str) -> str:
    """A price text with currency symbols as codes and dashes, bounds and ``≈`` as above; a
    ``²`` after ``m`` (``€/m²``) as ``2``."""
    return re.sub(r"(?<=m)²", "2", spell_currency_symbols(text)).translate(_SPELLED)


def _hides_a_character(spelled: str) -> bool:
    """Whether folding would drop a character that may change the amount: any character
    outside ASCII but a space, an accent or a letter folding keeps (``±``, ``×``, a footnote's
    ``¹``, a soft hyphen, ``₽``, digits of another script, a Greek or Arabic word). Dropped,
    ``1500±200`` read as 1,500,200, ``1500¹`` as 15,001 and ``3 χιλιάδες ευρώ`` (three
    thousand) as 3: such a text is no price this parser reads, the row is quarantined."""
    return any(not ch.isascii() and not _kept(ch) for ch in spelled)


@functools.lru_cache(maxsize=4096)
def _kept(ch: str) -> bool:
    """Whether folding keeps what a character says: a space, an accent, or a letter it
    spells in ASCII (``č``, ``ш``, ``ё``), not one it drops (``χ``, ``ه``)."""
    kind = unicodedata.category(ch)[0]
    return kind in "MZ" or (kind == "L" and bool(fold(ch)))


def _folded(text: str) -> tuple[str, set[str]]:
    """A price text folded for the patterns (symbols as codes, dashes as ``-``), and the
    currencies it names."""
    folded = fold(_spelled(text)).replace("~", " ~ ")
    return folded, {CURRENCY_LABELS[m] for m in _CURRENCY_RE.findall(folded)}


def currency_named(text: object) -> str | None:
    """The one currency a price text names, even one the parser cannot read as a price
    (``1500 €/osobi``); None when it names none or several."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    currencies = _folded(text)[1]
    return currencies.pop() if len(currencies) == 1 else None


def parse_price_text(text: object) -> PriceText | None:
    """Read one price text; None when it is not a price this parser understands."""
    if not isinstance(text, str) or len(text) > 200 or _hides_a_character(_spelled(text)):
        return None
    folded, currencies = _folded(text)
    if len(currencies) > 1:
        return None
    folded, unit = split_unit(folded)
    rest = _CURRENCY_RE.sub(" ", folded)
    rest = re.sub(r"\s+", " ", rest).strip(" .,:;")
    rest = re.sub(r"\s*-\s*", "-", rest)
    rest = re.sub(r"(?<=\d)[.,]-+(?!\d)", "", rest)  # 1.500,- KM: ",-" says "no cents"
    currency = currencies.pop() if currencies else None
    if match := _RANGE.fullmatch(rest):
        low, high = amount(match["a"]), amount(match["b"])
        # ``1-2k`` is 1000 to 2000, as a person reads it: a multiplier written only on the
        # high side applies to a bare low side when that still makes a range (``500-2k``
        # stays 500 to 2000). So do thousands grouped only on the high side: ``10-15.000 €``
        # is 10,000 to 15,000 (``900-1.200`` stays 900 to 1200).
        factor = _multiplier(match["b"]) if _multiplier(match["a"]) == 1.0 else 1.0
        if (
            factor == 1.0
            and re.fullmatch(r"\d{1,3}", match["a"])
            and _GROUPED.fullmatch(match["b"])
        ):
            factor = 1e3
        if low is not None and high is not None and low * factor <= high:
            low *= factor
        return (
            PriceText(low, high, None, currency, unit)
            if low is not None and high is not None
            else None
        )
    if match := _HIGH.fullmatch(rest):
        high = amount(match["a"])
        return PriceText(None, high, None, currency, unit) if high is not None else None
    if match := _LOW.fullmatch(rest):
        low = amount(match["a"] or match["b"])
        return PriceText(low, None, None, currency, unit) if low is not None else None
    if match := _POINT.fullmatch(rest):
        point = amount(match["a"])
        return PriceText(None, None, point, currency, unit) if point is not None else None
    return None
