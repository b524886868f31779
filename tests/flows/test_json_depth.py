"""The depth of a JSON file, found by scanning its bytes before any parser builds it: brackets
inside strings (escaped quotes too) do not count, and blocks end anywhere."""

from __future__ import annotations

import json
import random

import pytest

from flows.json_depth import MOST_JSON_DEPTH, too_deep_at


def depth(value: object) -> int:
    """How deep a parsed value nests: a scalar 0, ``[]`` 1, ``[{}]`` 2."""
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def nested(levels: int, rng: random.Random) -> object:
    """A value ``levels`` deep, with strings holding brackets, quotes and backslashes."""
    value: object = rng.choice(['a "]}" quote', "back\\slash\\", "[{", 1, None, 'č€ш\\"]'])
    for _ in range(levels):
        key = rng.choice(["x", 'k"[', "\\", "{y}"])
        value = rng.choice([[value], {key: value, "z": 'q\\"]'}, [1, value, '"]}']])
    return value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "cp1250"])
def test_the_depth_found_is_the_parsed_values_whatever_the_blocks(tmp_path, encoding):
    rng = random.Random(7)
    path = tmp_path / "records.json"
    for trial in range(30):
        records = [nested(rng.choice([1, 62, 63, 64, 70]), rng) for _ in range(3)]
        text = json.dumps(records, indent=rng.choice([None, 1]), ensure_ascii=trial % 2 == 0)
        if encoding == "cp1250":
            text = json.dumps(records, ensure_ascii=True)  # the Cyrillic is escaped
        path.write_text(text, encoding=encoding)
        too_deep = depth(records) > MOST_JSON_DEPTH
        for block in (2, 3, 7, 1 << 20):  # a block may end inside an escape or a string
            assert (too_deep_at(path, encoding, block) is not None) == too_deep, (trial, block)


def test_the_line_named_is_where_the_file_first_nests_too_deep(tmp_path):
    path = tmp_path / "ads.json"
    deep = "[" * (MOST_JSON_DEPTH + 1) + "]" * (MOST_JSON_DEPTH + 1)
    strings = '  {"price": "[[[[ in a string ]]]]", "note": "\\"[[[["},'
    lines = ["[", strings, f'  {{"x": {deep}}}', "]"]
    path.write_text("\n".join(lines), encoding="utf-8")
    assert too_deep_at(path, "utf-8") == 3
    path.write_text("\n".join(lines[:2] + ['  {"x": [[[]]]}', "]"]), encoding="utf-8")
    assert too_deep_at(path, "utf-8") is None
