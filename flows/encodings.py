"""Tell what kind of file a researcher sent and how its text is encoded, from its first bytes.

The decision is made once per file from a sample (so a 10-million-row file costs no more than
a small one) and recorded in the manifest (``ingest_files.encoding``), so a wrong guess can be
seen and the file re-saved. Encodings are detected with charset-normalizer, limited to the
encodings the route's researchers actually use: UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text"), Windows-1250 (Bosnian/Croatian/Serbian Latin), Windows-1251 (Cyrillic) and
Windows-1252 (Western European). Limiting the candidates keeps the detector from answering with
DOS code pages that decode the same bytes into look-alike letters.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import charset_normalizer

#: Bytes read to decide the kind and encoding of a file.
SAMPLE_BYTES = 1 << 20

#: Encodings considered, in the detector's spelling.
CANDIDATE_ENCODINGS = ["utf_8", "utf_16", "utf_16_le", "utf_16_be", "cp1250", "cp1251", "cp1252"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

#: Magic numbers of files that are not observation files, with what a person would call them.
_FOREIGN_KINDS = (
    (b"%PDF", "a PDF document"),
    (b"\xd0\xcf\x11\xe0", "an old binary Office file (.xls/.doc): save it as .xlsx or CSV"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


class NotText(Exception):
    """The bytes are not text in any supported encoding; the message says what they look like."""


def read_sample(path: Path, size: int = SAMPLE_BYTES) -> bytes:
    with path.open("rb") as handle:
        return handle.read(size)


def sniff_kind(sample: bytes) -> str:
    """``xlsx`` for a zip container, ``json`` for text opening with ``[`` or ``{``, else ``text``.

    Raises :class:`NotText` for known binary formats and for empty files.
    """
    if not sample.strip():
        raise NotText("the file is empty")
    if sample.startswith(b"PK\x03\x04"):
        return "xlsx"
    for magic, kind in _FOREIGN_KINDS:
        if sample.startswith(magic):
            raise NotText(f"this is {kind}, not an observation file")
    encoding = detect_encoding(sample)
    head = sample.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    return "json" if head[:1] in ("[", "{") else "text"


def detect_encoding(sample: bytes) -> str:
    """The Python codec name of the sample's encoding.

    A byte-order mark decides; clean UTF-8 is taken as UTF-8 (a multi-byte character cut at
    the end of the sample is allowed); otherwise charset-normalizer chooses among
    :data:`CANDIDATE_ENCODINGS`. Raises :class:`NotText` when nothing decodes the sample as text.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        pass
    else:
        if b"\x00" not in sample:
            return "utf-8"
    matches = charset_normalizer.from_bytes(sample, cp_isolation=CANDIDATE_ENCODINGS)
    best = _break_latin_tie(matches)
    if best is None:
        raise NotText("the file is binary, not text in any supported encoding")
    name = codecs.lookup(best.encoding).name
    if "\x00" in str(best):
        raise NotText("the file is binary, not text in any supported encoding")
    return name


#: Letters of Bosnian/Croatian/Serbian Latin that Windows-1252 cannot encode (š and ž it can).
_SOUTH_SLAVIC = set("čćđČĆĐ")
#: Windows-1250 letters no South Slavic text uses: where Western text read as 1250 yields
#: these (crème -> crčme is plausible, brûlée -> brűlée is not), it was 1252.
_NOT_SOUTH_SLAVIC = set("ďĎřŘűŰĺĹŕŔőŐňŇťŤľĽăĂţŢşŞ")


def _break_latin_tie(matches):
    """The detector's best match, except that when Windows-1250 and Windows-1252 decode the
    sample equally cleanly (same chaos; language coherence is noise on a few accented
    letters), Windows-1250 wins only if it yields č, ć or đ (which 1252 would show as è, æ, ð)
    and no letter foreign to South Slavic text."""
    best = matches.best()
    if best is None:
        return None
    tied = {m.encoding: m for m in matches if m.chaos == best.chaos}
    if {"cp1250", "cp1252"} <= tied.keys():
        letters = set(str(tied["cp1250"]))
        south_slavic = bool(_SOUTH_SLAVIC & letters) and not _NOT_SOUTH_SLAVIC & letters
        return tied["cp1250"] if south_slavic else tied["cp1252"]
    return best
