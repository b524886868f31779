"""Fold text to a plain ASCII key so spellings a person would call the same compare equal.

``Bihać``, ``Bihac`` and ``BIHAĆ`` fold alike (accents dropped); Serbian and Macedonian
Cyrillic is transliterated to the Latin letters its own Latin alphabet uses, then folded
(``Суботица`` -> ``subotica``, ``Ђевђелија`` -> ``djevdjelija``). Used for headers, currency
labels, month names and place names.
"""

from __future__ import annotations

import unicodedata

_CYRILLIC = dict(
    zip(
        "абвгдежзијклмнопрстћуфхцчшѓќѕйъыэё",
        "abvgdežzijklmnoprstćufhcčšgkzjayee",
        strict=True,
    )
)
_MULTI = {
    "ђ": "dj", "љ": "lj", "њ": "nj", "џ": "dz", "щ": "sht", "ю": "ju", "я": "ja",
    "đ": "dj", "ð": "d", "ł": "l", "ß": "ss", "ı": "i", "ə": "e", "ø": "o", "æ": "ae",
}  # fmt: skip
_TABLE = str.maketrans({**_CYRILLIC, **_MULTI, "ь": ""})


def fold(text: str) -> str:
    """Lower-case ASCII key of ``text``: transliterated, accents dropped, spacing kept."""
    lowered = str(text).lower().translate(_TABLE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return (
        "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
