"""The suites stay in step with the SQL: every published table has one, and the grain each
declares is what its model groups by."""

from __future__ import annotations

import re

import pytest

from flows.build import load_models
from flows.config import PROJECT_ROOT
from schemas.expectations import SUITES

MODELS = {model.name: model for model in load_models(PROJECT_ROOT / "sql")}
AGGREGATE = re.compile(r"(count|median|min|max|sum|avg|any_value|list|string_agg)\s*\(")


def output_columns(sql: str) -> list[tuple[str, str]]:
    """(expression, name) of each item the model's ``final`` CTE selects."""
    body = re.search(r"final as \(\s*select\s(.*?)\n\s*from ", sql, re.S).group(1)
    items, depth, current = [], 0, ""
    for char in body:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    columns = []
    for item in (" ".join(i.split()) for i in items):
        expression, separator, name = item.rpartition(" as ")
        if not separator:
            expression, name = item, item.split(".")[-1]
        columns.append((expression, name))
    return columns


def grouped_by(sql: str) -> list[str]:
    """A grouped model's grain: the columns of its final select that are not aggregates (nor
    the row key made from the grain, for lineage)."""
    return [
        name
        for expression, name in output_columns(sql)
        if not AGGREGATE.match(expression) and name != "mart_row_key"
    ]


def selects_columns(sql: str) -> bool:
    """True when the final CTE names its columns (not a union of ``select *``): those can be
    checked statically; the others are checked on every build, where a missing grain column
    fails the quality gate."""
    return re.search(r"final as \(\s*select \*", sql) is None


def test_every_published_table_has_a_suite():
    """Views (``mart_lineage``) are computed from checked tables when queried; they store
    nothing a suite could check, and their grain is tested in ``tests/sql``."""
    published = {
        name
        for name, model in MODELS.items()
        if model.layer in ("staging", "marts") and model.kind == "TABLE"
    }
    assert published == set(SUITES)


@pytest.mark.parametrize(
    "table", [t for t in SUITES if re.search(r"\bgroup by\b", MODELS[t].sql.split("final as")[-1])]
)
def test_the_declared_grain_is_what_the_model_groups_by(table):
    assert list(SUITES[table].grain) == grouped_by(MODELS[table].sql)


@pytest.mark.parametrize("table", [t for t in SUITES if selects_columns(MODELS[t].sql)])
def test_the_grain_is_among_the_columns_the_model_makes(table):
    names = {name for _, name in output_columns(MODELS[table].sql)}
    assert set(SUITES[table].grain) <= names
