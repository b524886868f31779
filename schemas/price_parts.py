"""Parts of a price the contract does not know: ``{"price": {"value": 150000, "divisor": 100}}``.

A scraper's price object is flattened into a price column and its parts (``price_value``, an
alias of ``price``, and ``price_divisor``); a CSV may have a ``Price scale`` column beside its
``Price``. Such a part is no contract column, so it was kept as a private unknown column and
the row published without it: 150000 EUR for 1500. A part may change what the price means (in
cents, in thousands, per quantity), so a row giving one a value is quarantined
(``price_part_known``), never published with the part ignored. A divisor is applied instead:
its meaning is not in doubt. Blank parts do nothing.

Text parts (``price_note``, ``price_source``) are parts too: a note may say ``per group of 4``
or ``in thousands``, which no rule can read. Their text is not shown in the reason, since an
unknown column is never published (it may name people); a number is.
"""

from __future__ import annotations

import pandas as pd

from schemas.columns import CURRENCY_HEADER_COLUMNS, column_of
from schemas.header_aliases import HEADER_ALIASES
from schemas.parsing import ambiguous_numbers, blank_to_na

#: Aliases too common as words to start a price's part: ``max_persons``, ``high_season``
#: and ``low_cost`` say nothing about a price.
_WORD_ALIASES = frozenset({"min", "max", "low", "high"})
#: The names a price column goes by, itself or an alias (``cijena``, ``price_min``), by the
#: column, longest first: ``price_low_scale`` is a part of ``price_low``, not of ``price``.
PRICE_STEMS = dict(
    sorted(
        (
            (name, column)
            for name, column in ({c: c for c in CURRENCY_HEADER_COLUMNS} | HEADER_ALIASES).items()
            if column in CURRENCY_HEADER_COLUMNS and name not in _WORD_ALIASES
        ),
        key=lambda stem: -len(stem[0]),
    )
)
#: The one part applied, not quarantined: the price is the amount divided by it (cents: 100).
DIVISOR = "divisor"
#: Parts that say how firm a price is, never what it is (an ad's ``{"price": {"value": 1500,
#: "negotiable": true}}``): left alone, in the private raw layer like any unknown column.
FIRMNESS_PARTS = frozenset({"negotiable", "is_negotiable", "fixed", "is_fixed", "obo"})
#: A part's value the reason may show: a number (or true/false), which names no one.
_SHOWN = r"[0-9 .,'+\-/%]{1,24}|true|false"


def price_parts(names: pd.Index | list[str], known: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """``{name: (price column, part)}`` for the columns among ``names`` that are a price column
    or its alias plus a part and no column of ``known`` (nor a copy of one, ``price_dup``):
    ``price_divisor`` -> ``("price", "divisor")``, ``cijena_skala`` -> ``("price", "skala")``.
    A copy of a part (``price_divisor_dup``: two spellings of it) is a part of its own name."""
    parts = {}
    for name in map(str, names):
        if column_of(name) in known:
            continue
        for stem, column in PRICE_STEMS.items():
            if name.startswith(f"{stem}_"):
                part = name.removeprefix(f"{stem}_")
                if part not in FIRMNESS_PARTS:
                    parts[name] = (column, part)
                break
    return parts


def apply_price_parts(
    typed: pd.DataFrame, raw: pd.DataFrame, known: tuple[str, ...], amounts: tuple[str, ...]
) -> pd.DataFrame:
    """``typed`` with each positive divisor applied to the ``amounts`` of its price column
    (``price``'s to them all), and in ``price_part_text`` the other parts a row fills, with
    their values (``price_scale = 2; price_divisor = 0, not a positive number``), null where
    none. Only the columns named as parts are looked at; most files have none."""
    reasons = pd.Series(pd.NA, index=typed.index, dtype="string")
    for name, (column, part) in price_parts(raw.columns, known).items():
        cells = blank_to_na(raw[name])
        shown = cells.str.fullmatch(_SHOWN).fillna(True).astype(bool)
        said = name + " = " + cells.where(shown, "(text, not shown)")
        if part == DIVISOR:
            divisor = _positive_number(cells)
            applied = divisor.notna()
            for amount in amounts if column == "price" else (column,):
                typed.loc[applied, amount] = typed.loc[applied, amount] / divisor[applied]
            said = said.mask(applied) + ", not a positive number"
        filled = said.notna()
        reasons[filled] = (reasons[filled] + "; ").fillna("") + said[filled]
    typed["price_part_text"] = reasons
    return typed


def _positive_number(cells: pd.Series) -> pd.Series:
    """A divisor as a number where it is written plainly and is above zero (``100``, ``100.0``,
    as JSON writes numbers), null elsewhere: ``1.000`` could be 1 or 1000, ``-100`` and ``0``
    divide nothing."""
    plain = cells.str.fullmatch(r"[0-9]+(?:\.[0-9]+)?").fillna(False).astype(bool)
    number = cells.where(plain & ~ambiguous_numbers(cells)).astype("float64")
    return number.where(number > 0)
