"""mart_smuggling_price_trends on tests/fixtures/marts/prices/mart_prices_synthetic.csv.

Leg RS->HU: T1 point 1,000 (Jan 2020, source A, high), T2 range 1,500-2,500 (Jan 2020, B,
medium), T3 point 3,000 spanning Jan-Mar 2020 (A, low), T4 "up to 5,000" (Feb 2020, C, high),
T5 2,000 and T6 2,400 (Jan 2021, A and B, high).
"""

from __future__ import annotations

import pytest

from tests.sql.conftest import figures_over_every_cell, with_equal_weights

COLUMNS = (
    "n_obs, n_sources, n_point_estimates, median_eur, p25_eur, p75_eur, min_low_eur,"
    " max_high_eur, low_confidence"
)


def trend(ws, grain: str, start: str, columns: str = COLUMNS):
    rows = ws.query(
        f"SELECT {columns} FROM mart_smuggling_price_trends WHERE leg = 'RS->HU'"
        " AND commodity = 'smuggling_service' AND period_grain = ? AND period_start = ?",
        [grain, start],
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_a_month_with_a_range_a_point_and_a_span(mart_fixtures):
    # Mids 1,000, 2,000 (range midpoint) and 3,000; lows 1,000/1,500/3,000; highs 1,000/2,500/3,000.
    assert trend(mart_fixtures, "month", "2020-01-01") == (
        3, 2, 3, 2000.0, 1500.0, 2500.0, 1000.0, 3000.0, False,
    )  # fmt: skip


def test_a_bound_given_alone_counts_for_the_range_not_the_median(mart_fixtures):
    # February: T3 (3,000, spanning) and T4 (up to 5,000, no point estimate).
    assert trend(mart_fixtures, "month", "2020-02-01") == (
        2, 2, 1, 3000.0, 3000.0, 3000.0, 3000.0, 5000.0, True,
    )  # fmt: skip


def test_a_span_counts_once_per_period_without_inflating_n(mart_fixtures):
    # Q1 2020 holds T1-T4 once each (T3 touches all three months but is one observation).
    assert trend(mart_fixtures, "quarter", "2020-01-01", "n_obs, n_sources, median_eur") == (
        4, 3, 2000.0,
    )  # fmt: skip
    assert trend(mart_fixtures, "year", "2020-01-01", "n_obs") == (4,)
    assert trend(mart_fixtures, "month", "2020-03-01", "n_obs, median_eur") == (1, 3000.0)


def test_changes_against_the_previous_period_and_the_year_before(mart_fixtures):
    columns = (
        "change_vs_previous_eur, change_vs_previous_pct,"
        " change_vs_year_before_eur, change_vs_year_before_pct"
    )
    assert trend(mart_fixtures, "month", "2020-02-01", columns) == (1000.0, 50.0, None, None)
    # January 2021 (median 2,200): December 2020 has no data; January 2020 had 2,000.
    assert trend(mart_fixtures, "month", "2021-01-01", columns) == (None, None, 200.0, 10.0)
    assert trend(mart_fixtures, "year", "2021-01-01", columns) == (200.0, 10.0, 200.0, 10.0)


def test_rolling_three_period_median_counts_each_observation_once(mart_fixtures):
    # March 2020 window (Jan-Mar): T1, T2, T3 once each -> median of 1,000, 2,000, 3,000.
    assert trend(mart_fixtures, "month", "2020-03-01", "rolling_3_median_eur") == (2000.0,)
    # Year 2021 window (2019-2021): 1,000, 2,000, 3,000, 2,000, 2,400.
    assert trend(mart_fixtures, "year", "2021-01-01", "rolling_3_median_eur") == (2000.0,)


def test_low_confidence_flags_few_sources_or_few_observations(mart_fixtures):
    flags = dict(
        mart_fixtures.query(
            "SELECT period_start::VARCHAR, low_confidence FROM mart_smuggling_price_trends"
            " WHERE leg = 'RS->HU' AND period_grain = 'month'"
        )
    )
    assert flags["2020-01-01"] is False  # 3 observations, 2 sources
    assert flags["2020-03-01"] is True  # 1 observation
    assert flags["2021-01-01"] is True  # 2 sources but only 2 observations


@pytest.mark.parametrize(
    ("grain", "start", "expected"),
    [
        # Weights high 1.0, medium 0.6, low 0.3: 1,000 (1.0) already holds half of 1.9.
        ("month", "2020-01-01", 1000.0),
        # Equal weights: the weighted median is the plain median (2,000 and 2,400 -> 2,200).
        ("month", "2021-01-01", 2200.0),
    ],
)
def test_weighted_median_beside_the_plain_one(mart_fixtures, grain, start, expected):
    assert trend(mart_fixtures, grain, start, "weighted_median_eur") == (expected,)


def test_admiralty_grades_weigh_on_the_weighted_median(mart_fixtures):
    # GR->AL May 2022 (graded_sources_synthetic.csv): 1,000 from an A1 source (weight 1.0);
    # 2,000 and 3,000 from E5 sources (1.0 x 0.2 x 0.2 = 0.04 each, "e"/"5.0" read as E/5).
    weights = mart_fixtures.query(
        "SELECT DISTINCT obs_id, source_weight FROM int_smuggling_price_cells"
        " WHERE obs_id LIKE 'W%' ORDER BY obs_id"
    )
    assert weights == [("W1", 1.0), ("W2", 0.04), ("W3", 0.04)]
    ((median, weighted),) = mart_fixtures.query(
        "SELECT median_eur, weighted_median_eur FROM mart_smuggling_price_trends"
        " WHERE leg = 'GR->AL' AND period_grain = 'month' AND period_start = '2022-05-01'"
    )
    assert (median, weighted) == (2000.0, 1000.0)


def test_with_equal_weights_the_weighted_median_is_the_median_however_many_prices(
    mart_fixtures, tmp_path
):
    rows = with_equal_weights(
        mart_fixtures, tmp_path, "mart_smuggling_price_trends", "int_smuggling_price_cells",
        100_000,
    )  # fmt: skip
    assert rows == [(50_999.5, 50_999.5)]


def test_banded_figures_equal_those_computed_over_every_cell(synthetic_marts):
    """The mart sorts only the prices of the bands holding its weighted and rolling medians;
    every figure equals the one computed by sorting every cell of the row."""
    reference = figures_over_every_cell(
        synthetic_marts, "int_smuggling_price_cells", [0.5, 0.25, 0.75]
    )
    figures = synthetic_marts.query(
        "SELECT mart_row_key, n_obs, n_sources, median_eur, p25_eur, p75_eur,"
        " weighted_median_eur FROM mart_smuggling_price_trends ORDER BY mart_row_key"
    )
    assert figures == [row[:-1] for row in reference]
    assert max(row[-1] for row in reference) >= 30  # rows spread over many bands
    assert sum(row[3] != row[6] for row in reference) > len(reference) // 2  # weights matter


def test_rolling_medians_equal_the_median_of_every_cell_in_the_window(synthetic_marts):
    # A cell feeds its own period's window; an observation's last cell also the next two.
    reference = synthetic_marts.query(
        """
        WITH cells AS (SELECT * FROM int_smuggling_price_cells),
        rows AS (SELECT DISTINCT mart_row_key, series_key, period_start, period_months FROM cells)
        SELECT rows.mart_row_key, median(cells.price_mid_eur)
        FROM rows JOIN cells ON cells.series_key = rows.series_key
            AND (cells.period_start = rows.period_start OR (cells.is_last_period
                AND cells.period_start < rows.period_start
                AND cells.period_start >= rows.period_start - to_months(2 * rows.period_months)))
        GROUP BY ALL ORDER BY 1
        """
    )
    figures = synthetic_marts.query(
        "SELECT mart_row_key, rolling_3_median_eur FROM mart_smuggling_price_trends"
        " ORDER BY mart_row_key"
    )
    assert figures == reference
