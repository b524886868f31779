"""mart_drug_price_trends and mart_drug_price_gradients on the synthetic fixtures, year 2021.

Heroin retail in Sarajevo: 40 and 50 EUR/g (D1, D2); wholesale per kg: BA 20,000 (D3),
HR 24,000 (D4), RS 18,000 (D5); a published markup of 2,000 per kg per border (D6).
Euro-area HICP (2015=100): 2020 = 105.06, 2021 = 107.78, so 2021 euros x 0.974763 = 2020 euros.
"""

from __future__ import annotations

from tests.sql.conftest import figures_over_every_cell, with_equal_weights


def test_nominal_and_constant_euro_prices_with_the_markup(mart_fixtures):
    rows = mart_fixtures.query(
        "SELECT market_level, country, place, price_unit, n_obs, median_eur, min_eur, max_eur,"
        " price_base_year, hicp_deflator, median_eur_constant, retail_wholesale_markup"
        " FROM mart_drug_price_trends WHERE drug = 'heroin' AND period_grain = 'year'"
        " AND country = 'BA' ORDER BY market_level"
    )
    assert rows == [
        # 45 x 105.06 / 107.78 = 43.8643; retail 45/g against wholesale 20,000/kg = 20/g.
        ("retail", "BA", "Sarajevo", "per_gram", 2, 45.0, 40.0, 50.0, 2020, 0.974763,
         43.8643, 2.25),
        ("wholesale", "BA", None, "per_kg", 1, 20000.0, 20000.0, 20000.0, 2020, 0.974763,
         19495.26, 2.25),
    ]  # fmt: skip


def test_a_price_of_the_base_year_is_not_deflated(mart_fixtures):
    # No fixture drug price falls in 2020; the deflator table itself says 1 for the base year.
    assert mart_fixtures.query(
        "SELECT hicp_deflator FROM int_hicp_deflators WHERE hicp_year = 2020"
    ) == [(1.0,)]


def test_price_gradient_per_border_along_each_corridor_beside_the_published_markup(
    mart_fixtures,
):
    rows = mart_fixtures.query(
        "SELECT basis, corridor, countries, increment_per_border_eur, increment_low_eur,"
        " increment_high_eur FROM mart_drug_price_gradients WHERE drug = 'heroin'"
        " AND period_grain = 'year' AND period_start = '2021-01-01' ORDER BY basis, corridor"
    )
    assert rows == [
        # bosnia_to_italy stops RS=3, BA=4, HR=5: slope of 18,000, 20,000, 24,000 = 3,000.
        ("observed_prices", "bosnia_to_italy", "RS->BA->HR", 3000.0, None, None),
        # coastal stops BA=4, HR=5: 24,000 - 20,000 over one border.
        ("observed_prices", "coastal", "BA->HR", 4000.0, None, None),
        ("published_markup", None, None, 2000.0, 2000.0, 2000.0),
    ]
    # eastern_mainline has only RS: one country gives no gradient.
    assert mart_fixtures.query(
        "SELECT count(*) FROM mart_drug_price_gradients WHERE corridor = 'eastern_mainline'"
    ) == [(0,)]


def test_with_equal_weights_the_weighted_median_is_the_median_however_many_prices(
    mart_fixtures, tmp_path
):
    rows = with_equal_weights(
        mart_fixtures, tmp_path, "mart_drug_price_trends", "int_drug_price_cells", 100_000
    )
    assert rows == [(50_999.5, 50_999.5)]


def test_banded_figures_equal_those_computed_over_every_cell(synthetic_marts):
    """The mart sorts only the prices of the band holding its weighted median; every figure
    equals the one computed by sorting every cell of the row."""
    reference = figures_over_every_cell(synthetic_marts, "int_drug_price_cells", [0.5])
    figures = synthetic_marts.query(
        "SELECT mart_row_key, n_obs, n_sources, median_eur, weighted_median_eur"
        " FROM mart_drug_price_trends ORDER BY mart_row_key"
    )
    assert figures == [row[:-1] for row in reference]
    assert max(row[-1] for row in reference) >= 15  # rows spread over many bands
    assert sum(row[3] != row[4] for row in reference) > len(reference) // 3  # weights matter
