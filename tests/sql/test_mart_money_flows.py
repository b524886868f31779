"""mart_money_flows on the synthetic fixtures: estimates and prices kept apart, each with its
range and the country's Organized Crime Index scores of the nearest edition."""

from __future__ import annotations


def test_money_figures_keep_their_range_kind_and_country_context(mart_fixtures):
    ws = mart_fixtures
    rows = ws.query(
        "SELECT obs_id, figure_kind, country, value_low_eur, value_high_eur, value_mid_eur,"
        " oc_edition FROM mart_money_flows ORDER BY obs_id"
    )
    assert rows == [
        ("M1", "estimate", "BA", 1_000_000.0, 3_000_000.0, 2_000_000.0, 2021),
        # 2022 lies between the 2021 and 2023 editions: the earlier one is taken.
        ("M2", "price", "AL", None, None, 900.0, 2021),
        ("M3", "estimate", None, None, None, 30_000_000.0, None),
    ]
    scores = ws.query(
        "SELECT m.oc_criminality = d.criminality, m.oc_resilience = d.resilience"
        " FROM mart_money_flows m JOIN dim_country_context d"
        " ON m.country = d.country AND m.oc_edition = d.edition WHERE m.obs_id = 'M1'"
    )
    assert scores == [(True, True)]
