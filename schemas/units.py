"""Units as researchers write them: ``g``, ``gram``, ``po gramu``, ``kg``, ``kilo``, ``/osobi``.

A field table's unit column says ``g`` or ``kilo``, a journalist's price says ``50 €/g`` or
``1500 € po osobi``. Each such label names one unit of the contract
(:data:`schemas.vocabulary.UNITS`); a label naming none stays as written, lower-cased, so the
rule ``unit_known`` names it. Only labels for one whole item: ``per 10 g`` or ``per ounce``
would change the amount, and are not guessed (the row is quarantined as ``unit_known``).
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from schemas.distinct import per_distinct_label
from schemas.text import fold
from schemas.vocabulary import UNITS

#: Folded labels (lower case, accents dropped, Cyrillic transliterated) -> contract unit, in
#: the region's languages and English: the noun after ``per``/``po``/``za``/``/``, or alone.
UNIT_LABELS: dict[str, str] = {
    **dict.fromkeys(
        ["g", "gr", "grs", "gram", "grams", "gramme", "grammes", "gramm", "grama", "gramu",
         "grami", "gramit", "gramo"],
        "per_gram",
    ),
    **dict.fromkeys(
        ["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms", "kilogramme", "kilogrammes",
         "kilograma", "kilogramu", "kilogrami", "kilogramit", "kila", "kilu", "kile", "kili"],
        "per_kg",
    ),
    **dict.fromkeys(
        ["person", "persons", "head", "migrant", "passenger", "osoba", "osobi", "osobu",
         "osobe", "covjek", "covjeku", "covjeka", "covek", "coveku", "coveka", "lice", "licu",
         "putnik", "putniku", "fryme", "personi", "kisi", "kisi basi", "pp"],
        "per_person",
    ),
    **dict.fromkeys(["m2", "sqm", "sq m", "square metre", "square meter"], "per_m2"),
}  # fmt: skip

#: Words that join an amount to what it is per: ``per`` (English, Albanian ``për``), ``po``
#: (Bosnian, Croatian, Serbian, Macedonian ``по``), ``za`` (``за``), ``pro``; and ``/``. A
#: ``1`` after one is the one item (``per 1 kg``).
PER_WORDS = ("per", "po", "za", "pro")
_PER = "(?:/|" + "|".join(rf"\b{word}\b" for word in PER_WORDS) + ")"
_UNIT_WORDS = "|".join(re.escape(w) for w in sorted(UNIT_LABELS, key=len, reverse=True))
#: A unit at the end of a (folded) price text: ``... /g``, ``... per kilo``, ``... po osobi``.
_TRAILING_UNIT = re.compile(rf"\s*{_PER}\s*(?:1\s*)?(?P<unit>{_UNIT_WORDS})\.?\s*$")


def _key(label: str) -> str:
    """A unit label as the table spells it: folded, ``²`` as ``2``, separators as spaces."""
    key = fold(label.replace("²", "2"))
    return re.sub(r"[\s_\-]+", " ", key).strip(" .")


def unit_code(label: object) -> str | None:
    """The contract unit a label names (``g``, ``per gram``, ``po gramu``, ``1 kg``,
    ``/osobi``, ``Per_Gram``), or None when it names none. A label naming a currency
    (``€/g``) names none here: its currency would go unchecked against the row's."""
    if not isinstance(label, str) or not label.strip():
        return None
    if any(unicodedata.category(ch) == "Sc" for ch in label):
        return None
    key = _key(label)
    if key.replace(" ", "_") in UNITS:
        return key.replace(" ", "_")
    key = re.sub(rf"^{_PER}\s*", "", key)
    key = re.sub(r"^1\s*", "", key)
    return UNIT_LABELS.get(key)


def normalise_unit(cells: pd.Series) -> pd.Series:
    """Contract units for a column of unit labels, once per distinct label; a label naming
    none stays as written, lower-cased, so ``unit_known`` names it."""
    return per_distinct_label(cells, lambda label: unit_code(label) or label.lower())


def split_unit(folded: str) -> tuple[str, str | None]:
    """A folded price text without the unit written at its end, and that unit:
    ``50 eur /g`` -> (``50 eur``, ``per_gram``); the text as it is and None without one."""
    match = _TRAILING_UNIT.search(folded)
    if match is None:
        return folded, None
    return folded[: match.start()], UNIT_LABELS[match["unit"]]
