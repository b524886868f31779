"""mart_market_size on the synthetic fixtures, 2020.

Volumes: western_balkan_route detections 10,000 (revised, V1) and 9,000 (preliminary, V2); a
nationality breakdown (V3), pushbacks (V4) and a county section (V6) must not count; RS->HU
detections 1,000 (V4). Prices: RS->HU 1,000 / 2,000 / 5,000 (min of lows, median, max of
highs); the route's corridors in 2020 total eastern_mainline 1,600 / 2,600 / 5,600,
bosnia_to_italy 1,600 / 2,100 / 2,600, coastal 1,000 / 1,500 / 2,000. Published: 30 million
for the Western Balkans (M3).
"""

from __future__ import annotations


def test_volume_times_price_with_low_mid_high_beside_the_published_estimate(mart_fixtures):
    rows = mart_fixtures.query(
        "SELECT market_zone, figure_status, volume, price_low_eur, price_mid_eur,"
        " price_high_eur, market_low_eur, market_mid_eur, market_high_eur, published_n,"
        " published_mid_eur FROM mart_market_size WHERE basis = 'volume_times_price'"
        " ORDER BY market_zone, figure_status"
    )
    assert rows == [
        ("RS->HU", "preliminary", 1000.0, 1000.0, 2000.0, 5000.0, 1e6, 2e6, 5e6, None, None),
        # Lowest total of lows 1,000; median of total medians 2,100; highest total of highs 5,600.
        ("western_balkan_route", "preliminary", 9000.0, 1000.0, 2100.0, 5600.0,
         9e6, 18.9e6, 50.4e6, 1, 30e6),
        ("western_balkan_route", "revised", 10000.0, 1000.0, 2100.0, 5600.0,
         10e6, 21e6, 56e6, 1, 30e6),
    ]  # fmt: skip


def test_only_counts_of_people_crossing_whole_legs_or_routes_are_volumes(mart_fixtures):
    used = {
        obs
        for (obs,) in mart_fixtures.query(
            "SELECT DISTINCT obs_id FROM mart_lineage"
            " WHERE mart_name = 'mart_market_size' AND dataset = 'routes'"
        )
    }
    assert used == {"V1", "V2", "V4"}


def test_each_published_estimate_is_a_row_of_its_own(mart_fixtures):
    assert mart_fixtures.query(
        "SELECT market_zone, market_low_eur, market_mid_eur, market_high_eur"
        " FROM mart_market_size WHERE basis = 'published_estimate'"
    ) == [("Western Balkans (total)", 30e6, 30e6, 30e6)]
