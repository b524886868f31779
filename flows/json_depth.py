"""How deep a JSON file nests, found before a parser builds anything from it.

ijson names each level of a record with a path that grows with the depth (``item.x.x.x...``)
and keeps every level's path while inside it, so memory grows with the square of the depth: one
record nested 100,000 deep, in a 200 KB array, took 23 GB before a single record was read, and
the machine killed the run. pandas flattens records recursively too (a RecursionError past
about a thousand levels). No record a researcher or a scraper writes nests more than a handful
of levels, so a file nesting deeper than :data:`MOST_JSON_DEPTH` is refused, naming the line.

The scan is vectorised over blocks of the file's bytes (numpy), keeping what a block leaves open
for the next: whether it ends inside a string, the backslashes it ends with, the depth and the
line. Brackets inside strings do not count; a quote after an odd run of backslashes is inside
its string.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

#: The deepest nesting read: the array or the object holding it, a record, its objects and
#: lists. A scraper's record nests three or four levels.
MOST_JSON_DEPTH = 64
#: Characters decoded and scanned at a time: a few MB of numpy arrays, whatever the file.
BLOCK_CHARS = 1 << 20

_QUOTE, _BACKSLASH, _NEWLINE = ord('"'), ord("\\"), ord("\n")
#: ``[`` and ``{`` (``]`` and ``}``) differ by one bit, 0x20: with it set, each pair is one byte.
_CASE, _OPEN, _CLOSE = 0x20, ord("{"), ord("}")


def too_deep_at(path: Path, encoding: str, block_chars: int = BLOCK_CHARS) -> int | None:
    """The line on which the file first nests deeper than :data:`MOST_JSON_DEPTH`, or None.

    Only the few bytes that matter are followed past the first pass (quotes, backslashes,
    brackets: by their positions), so a 32 MB array is scanned in about a tenth of a second."""
    in_string, backslashes, depth, line = False, 0, 0, 1
    for block in _blocks(path, encoding, block_chars):
        quotes = np.flatnonzero(block == _QUOTE)
        slashes = np.flatnonzero(block == _BACKSLASH)
        if len(slashes) or backslashes:
            quotes, backslashes = _unescaped(quotes, slashes, backslashes, len(block))
        folded = block | _CASE
        opens, closes = np.flatnonzero(folded == _OPEN), np.flatnonzero(folded == _CLOSE)
        brackets = np.concatenate([opens, closes])
        order = np.argsort(brackets, kind="stable")
        brackets = brackets[order]
        steps = np.where(order < len(opens), 1, -1)
        outside = (np.searchsorted(quotes, brackets) + in_string) % 2 == 0
        levels = depth + np.cumsum(steps[outside], dtype=np.int64)
        deeper = np.flatnonzero(levels > MOST_JSON_DEPTH)
        if len(deeper):
            at = brackets[outside][deeper[0]]
            return line + int(np.count_nonzero(block[:at] == _NEWLINE))
        in_string = bool((len(quotes) + in_string) % 2)
        depth = int(levels[-1]) if len(levels) else depth
        line += int(np.count_nonzero(block == _NEWLINE))
    return None


def _unescaped(
    quotes: np.ndarray, slashes: np.ndarray, carried: int, size: int
) -> tuple[np.ndarray, int]:
    """The quotes of a block of ``size`` bytes that no backslash escapes, and the run of
    backslashes the block ends with. A run of odd length escapes the byte after it; the last
    block's run (``carried``) continues into this one when it starts with backslashes."""
    if not len(slashes):
        escaped = np.array([0] if carried % 2 else [], dtype=np.int64)
        return quotes[~_among(quotes, escaped)], 0
    starts = np.flatnonzero(np.diff(slashes, prepend=-2) != 1)
    ends = np.append(starts[1:], len(slashes)) - 1
    lengths = ends - starts + 1
    if slashes[0] == 0:
        lengths[0] += carried
    escaped = slashes[ends[lengths % 2 == 1]] + 1
    if carried % 2 and slashes[0] != 0:
        escaped = np.insert(escaped, 0, 0)  # kept sorted
    return quotes[~_among(quotes, escaped)], int(lengths[-1]) if slashes[-1] == size - 1 else 0


def _among(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """True where a value of ``values`` is in ``sorted_set`` (both sorted): a binary search,
    not ``np.isin``'s sort of both (ten times slower here)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    found = np.searchsorted(sorted_set, values).clip(max=len(sorted_set) - 1)
    return sorted_set[found] == values


def _blocks(path: Path, encoding: str, block_chars: int):
    """The file's bytes, a block at a time, as UTF-8 or an encoding agreeing with ASCII on
    the bytes that matter (Windows-125x: read as stored); UTF-16 and UTF-32 decoded first."""
    if encoding.lower().replace("-", "").replace("_", "").startswith(("utf16", "utf32")):
        with path.open(encoding=encoding, newline="") as handle:
            while text := handle.read(block_chars):
                yield np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
        return
    with path.open("rb") as handle:
        while data := handle.read(block_chars):
            yield np.frombuffer(data, dtype=np.uint8)
