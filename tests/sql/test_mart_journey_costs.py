"""mart_journey_costs on the synthetic fixtures, year 2020, against data/reference/corridors.csv.

Service prices: GR->MK 600 (J1); RS->HU median 2,000, lows from 1,000, highs to 5,000 (T1-T4);
BA->SI 1,000-2,000 via Croatia (J3), one price for two corridor legs. Package TR->AT
6,000-8,000 (J2) for the whole eastern_mainline corridor.
"""

from __future__ import annotations

LEGS = (
    "SELECT leg_order, legs_spanned, leg, leg_median_eur, leg_low_eur, leg_high_eur, leg_share"
    " FROM mart_journey_costs WHERE corridor = ? AND period_grain = 'year'"
    " AND period_start = '2020-01-01' ORDER BY leg_order"
)
TOTALS = (
    "SELECT DISTINCT total_median_eur, total_low_eur, total_high_eur, legs_with_data,"
    " legs_total, coverage, package_median_eur, package_low_eur, package_high_eur"
    " FROM mart_journey_costs WHERE corridor = ? AND period_grain = 'year'"
    " AND period_start = '2020-01-01'"
)


def test_the_sum_of_leg_medians_with_bounds_shares_and_missing_legs(mart_fixtures):
    ws = mart_fixtures
    assert ws.query(LEGS, ["eastern_mainline"]) == [
        (1, 1, "TR->GR", None, None, None, None),
        (2, 1, "GR->MK", 600.0, 600.0, 600.0, 0.2308),
        (3, 1, "MK->RS", None, None, None, None),
        (4, 1, "RS->HU", 2000.0, 1000.0, 5000.0, 0.7692),
        (5, 1, "HU->AT", None, None, None, None),
    ]
    # 600 + 2,000; lows 600 + 1,000; highs 600 + 5,000; 2 of 5 legs; the package beside it.
    assert ws.query(TOTALS, ["eastern_mainline"]) == [
        (2600.0, 1600.0, 5600.0, 2, 5, 0.4, 7000.0, 6000.0, 8000.0)
    ]


def test_a_price_over_several_legs_covers_them_once(mart_fixtures):
    ws = mart_fixtures
    assert ws.query(LEGS, ["bosnia_to_italy"]) == [
        (1, 1, "GR->MK", 600.0, 600.0, 600.0, 0.2857),
        (2, 1, "MK->RS", None, None, None, None),
        (3, 1, "RS->BA", None, None, None, None),
        (4, 2, "BA->SI", 1500.0, 1000.0, 2000.0, 0.7143),
        (6, 1, "SI->IT", None, None, None, None),
    ]
    # BA->SI stands for BA->HR and HR->SI: 3 of 6 legs; no package for GR->IT.
    assert ws.query(TOTALS, ["bosnia_to_italy"]) == [
        (2100.0, 1600.0, 2600.0, 3, 6, 0.5, None, None, None)
    ]


def test_a_leg_with_its_own_price_wins_over_a_multi_leg_price(mart_fixtures):
    # Every corridor leg is listed at most once per period.
    duplicates = mart_fixtures.query(
        "SELECT corridor, period_grain, period_start, leg_order, count(*) FROM mart_journey_costs"
        " GROUP BY ALL HAVING count(*) > 1"
    )
    assert duplicates == []
