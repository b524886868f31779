"""Compute over a column's distinct values instead of over every cell.

Observation files repeat a few values many times (places, currencies, units, periods, often
prices). A dict lookup, per-cell Python or a regex pandas cannot hand to Arrow costs per cell,
so it is done once per distinct value and the results are taken back to the cells by position:
the same result as computing on every cell, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def per_distinct(cells: pd.Series, compute: Callable[[pd.Series], Result]) -> Result:
    """``compute(cells)``, evaluated on the distinct values of ``cells`` (null counts as one
    value) and spread back to every cell, with the index of ``cells``.

    ``compute`` must work cell by cell (a cell's result depends on its own value only) and
    return a Series or DataFrame in the order of its input.
    """
    codes, distinct = cells.factorize(use_na_sentinel=False)
    spread = compute(pd.Series(distinct, name=cells.name)).take(codes)
    spread.index = cells.index
    return spread


def per_distinct_label(cells: pd.Series, read: Callable[[str], str]) -> pd.Series:
    """``read`` applied to each distinct filled cell once (a label: ``KM``, ``g``,
    ``Srbija``), as a text column; blanks stay blank. 3 ms per 100,000-row column of a
    dozen labels, against 10-24 ms building a dict from ``unique()`` and mapping it."""

    def each(distinct: pd.Series) -> pd.Series:
        return pd.Series([c if pd.isna(c) else read(c) for c in distinct], dtype="string")

    return per_distinct(cells, each)


def map_distinct(cells: pd.Series, mapping: Mapping) -> pd.Series:
    """``cells.map(mapping)``, looked up once per distinct value: mapping a string column
    looks every cell up in a hash index, which is slow for Arrow strings."""
    return per_distinct(cells, lambda distinct: distinct.map(mapping))
