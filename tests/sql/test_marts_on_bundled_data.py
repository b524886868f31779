"""The analytic marts on the bundled real data (data/raw): figures a reader of the GI-TOC Spot
Prices coverage would recognise."""

from __future__ import annotations


def test_bosnia_croatia_slovenia_at_one_to_two_thousand_euros(bundled_marts):
    rows = bundled_marts.query(
        "SELECT min_low_eur, median_eur, max_high_eur FROM mart_smuggling_price_trends"
        " WHERE leg = 'BA->SI' AND period_grain = 'year' AND period_start = '2020-01-01'"
    )
    assert rows == [(1000.0, 1500.0, 2000.0)]
    # The same price covers the BA->HR and HR->SI legs of the corridor through Bosnia.
    assert bundled_marts.query(
        "SELECT legs_spanned, leg_low_eur, leg_high_eur FROM mart_journey_costs"
        " WHERE corridor = 'bosnia_to_italy' AND period_grain = 'year'"
        " AND period_start = '2020-01-01' AND leg = 'BA->SI'"
    ) == [(2, 1000.0, 2000.0)]


def test_heroin_gains_about_two_thousand_euros_per_kg_per_border(bundled_marts):
    assert bundled_marts.query(
        "SELECT increment_per_border_eur FROM mart_drug_price_gradients"
        " WHERE drug = 'heroin' AND basis = 'published_markup' AND period_grain = 'year'"
        " AND period_start = '2020-01-01'"
    ) == [(2000.0,)]
    assert bundled_marts.query(
        "SELECT increment_low_eur, increment_high_eur FROM mart_drug_price_gradients"
        " WHERE drug = 'cannabis_herb' AND basis = 'published_markup'"
    ) == [(200.0, 300.0)]


def test_the_2020_western_balkans_market_beside_the_published_fifty_million(bundled_marts):
    ((volume, low, mid, high, n, published_low, published_high),) = bundled_marts.query(
        "SELECT volume, market_low_eur, market_mid_eur, market_high_eur, published_n,"
        " published_low_eur, published_high_eur FROM mart_market_size"
        " WHERE basis = 'volume_times_price' AND market_zone = 'western_balkan_route'"
        " AND period_year = 2020 AND figure_status = 'revised'"
    )
    assert volume == 26918  # Frontex detections on the Western Balkan route in 2020 (revised)
    assert (n, published_low, published_high) == (4, 50_000_000, 50_600_000)
    assert low < published_low < published_high < high  # the model's range holds the estimate
    assert 25e6 < mid < 100e6  # same order of magnitude, from partial corridor coverage


def test_waterfront_property_prices_reach_the_money_mart_as_prices(bundled_marts):
    rows = bundled_marts.query(
        "SELECT obs_id, figure_kind, value_low_eur, value_high_eur FROM mart_money_flows"
        " WHERE unit = 'per_m2' ORDER BY obs_id"
    )
    assert rows == [("SP032", "price", 600.0, 700.0), ("SP033", "price", 1000.0, 1200.0)]


def test_a_two_year_span_counts_once_in_each_month_quarter_and_year(bundled_marts):
    # SP001 (RS->HU, 500-5,000) covers the report's 2020-2021 fieldwork.
    rows = bundled_marts.query(
        "SELECT period_months, count(*), count(DISTINCT period_start)"
        " FROM int_smuggling_price_cells WHERE obs_id = 'SP001'"
        " GROUP BY period_months ORDER BY period_months"
    )
    assert rows == [(1, 24, 24), (3, 8, 8), (12, 2, 2)]  # months, quarters, years
    # RS->HU has two observations (SP001, SP002): every month of 2020-2021 shows n_obs = 2.
    assert bundled_marts.query(
        "SELECT count(*), min(n_obs), max(n_obs) FROM mart_smuggling_price_trends"
        " WHERE leg = 'RS->HU' AND period_grain = 'month'"
    ) == [(24, 2, 2)]
