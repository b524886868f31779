"""mart_lineage: from any mart number to the observations (sources, quotes) behind it."""

from __future__ import annotations

import pytest

MARTS = (
    "mart_smuggling_price_trends", "mart_journey_costs", "mart_drug_price_trends",
    "mart_drug_price_gradients", "mart_money_flows", "mart_market_size",
    "mart_smuggling_prices", "mart_drug_prices", "mart_estimates", "mart_route_volumes",
)  # fmt: skip


def test_one_join_leads_from_a_trend_to_its_sources_and_quotes(mart_fixtures):
    rows = mart_fixtures.query(
        "SELECT o.obs_id, o.source_url, o.quote"
        " FROM mart_smuggling_price_trends t"
        " JOIN mart_lineage l ON l.mart_name = 'mart_smuggling_price_trends'"
        "  AND l.mart_row_key = t.mart_row_key"
        " JOIN stg_price_observations o USING (file_path, sheet, row_number)"
        " WHERE t.leg = 'RS->HU' AND t.period_grain = 'quarter' AND t.period_start = '2020-01-01'"
        " ORDER BY o.obs_id"
    )
    assert [obs for obs, _, _ in rows] == ["T1", "T2", "T3", "T4"]
    assert rows[2][2] == "3.000 eura (January to March)"


def test_a_journey_row_leads_to_its_leg_price_and_the_package(mart_fixtures):
    obs = mart_fixtures.query(
        "SELECT DISTINCT l.obs_id FROM mart_journey_costs j JOIN mart_lineage l"
        " ON l.mart_name = 'mart_journey_costs' AND l.mart_row_key = j.mart_row_key"
        " WHERE j.corridor = 'eastern_mainline' AND j.period_grain = 'year'"
        " AND j.period_start = '2020-01-01' AND j.leg = 'RS->HU' ORDER BY 1"
    )
    assert obs == [("J2",), ("T1",), ("T2",), ("T3",), ("T4",)]


@pytest.mark.parametrize("mart", MARTS)
def test_every_mart_row_has_its_observations(mart_fixtures, mart):
    # A corridor leg with no price (and no package beside it) has no figures of its own.
    no_figures = {
        "mart_journey_costs": " AND (leg_median_eur IS NOT NULL OR package_median_eur IS NOT NULL)"
    }.get(mart, "")
    orphans = mart_fixtures.query(
        f"SELECT count(*) FROM {mart} m WHERE NOT EXISTS (SELECT 1 FROM mart_lineage l"
        f" WHERE l.mart_name = '{mart}' AND l.mart_row_key = m.mart_row_key){no_figures}"
    )
    assert orphans == [(0,)]
    assert mart_fixtures.query(f"SELECT count(*) FROM {mart}")[0][0] > 0


def test_mart_row_keys_are_unique_within_each_mart(mart_fixtures):
    for mart in MARTS:
        assert mart_fixtures.query(
            f"SELECT count(*) - count(DISTINCT mart_row_key) FROM {mart}"
        ) == [(0,)], mart


def test_every_lineage_row_points_at_a_staged_observation(mart_fixtures):
    dangling = mart_fixtures.query(
        "SELECT count(*) FROM mart_lineage l WHERE NOT EXISTS ("
        " SELECT 1 FROM stg_price_observations o WHERE (o.file_path, o.sheet, o.row_number)"
        " = (l.file_path, l.sheet, l.row_number)) AND NOT EXISTS ("
        " SELECT 1 FROM stg_route_observations r WHERE (r.file_path, r.sheet, r.row_number)"
        " = (l.file_path, l.sheet, l.row_number))"
    )
    assert dangling == [(0,)]


@pytest.mark.parametrize(
    "mart",
    [
        "mart_smuggling_price_trends", "mart_drug_price_trends", "mart_smuggling_prices",
        "mart_drug_prices", "mart_route_volumes",
    ],
)  # fmt: skip
def test_lineage_holds_exactly_the_observations_counted_in_n_obs(
    mart_fixtures, bundled_marts, mart
):
    for ws in (mart_fixtures, bundled_marts):
        mismatched = ws.query(
            f"SELECT count(*) FROM {mart} m LEFT JOIN (SELECT mart_row_key, count(*) AS n"
            f" FROM mart_lineage WHERE mart_name = '{mart}' GROUP BY ALL) l USING (mart_row_key)"
            " WHERE m.n_obs IS DISTINCT FROM l.n"
        )
        assert mismatched == [(0,)], (ws.marts, mart)


def test_lineage_has_one_row_per_mart_row_and_input_row_and_no_empty_key(
    mart_fixtures, bundled_marts
):
    # mart_lineage is a view with no nightly expectation suite: its grain is held here.
    for ws in (mart_fixtures, bundled_marts):
        duplicated, empty, datasets = ws.query(
            "SELECT count(*) - count(DISTINCT (mart_name, mart_row_key, dataset, file_path,"
            " sheet, row_number)), count(*) FILTER (WHERE mart_name IS NULL OR mart_row_key"
            " IS NULL OR dataset IS NULL OR file_path IS NULL OR sheet IS NULL OR row_number"
            " IS NULL), list(DISTINCT dataset ORDER BY dataset) FROM mart_lineage"
        )[0]
        assert (duplicated, empty) == (0, 0), ws.marts
        assert set(datasets) <= {"prices", "routes"}
