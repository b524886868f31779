"""Computing once per distinct value gives what computing on every cell gives."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

from schemas.distinct import map_distinct, per_distinct

CELLS = st.lists(st.one_of(st.none(), st.sampled_from(["a", " b", "EUR", "1.500", ""])))


def _cells(values: list) -> pd.Series:
    return pd.Series(values, index=[10 * i + 3 for i in range(len(values))], dtype="string")


def _code(cells: pd.Series) -> pd.Series:
    return cells.str.strip().str.upper()


def _measures(cells: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"length": cells.str.len(), "blank": cells.isna()})


@given(CELLS)
def test_per_distinct_equals_the_computation_on_every_cell(values):
    cells = _cells(values)
    assert_series_equal(per_distinct(cells, _code), _code(cells))


@given(CELLS)
def test_a_frame_result_is_spread_to_every_cell_with_its_index(values):
    cells = _cells(values)
    assert_frame_equal(per_distinct(cells, _measures), _measures(cells))


def test_map_distinct_keeps_nulls_unmapped_values_and_the_index():
    cells = _cells(["a", None, "zz", "a"])
    mapped = map_distinct(cells, {"a": "A"})
    assert mapped.index.tolist() == [3, 13, 23, 33]
    assert mapped.iloc[[0, 3]].tolist() == ["A", "A"]
    assert mapped.iloc[[1, 2]].isna().all()
    assert_series_equal(mapped, cells.map({"a": "A"}))
