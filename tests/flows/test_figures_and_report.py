"""The figure pack and report.html, drawn by the nightly flow from the hostile workspace and
from a workspace with no drug prices at all."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FIXTURES, PROJECT
from tests.flows.conftest import PLANTED_NAME

pytestmark = pytest.mark.usefixtures("prefect_server")

BUNDLED_PRICES = PROJECT / "data" / "raw" / "prices" / "spot_prices_press_2021_2025.csv"

DRAWN = (
    "price_per_leg",
    "journey_cost_ladder",
    "drug_prices_by_country",
    "route_volumes_with_price",
    "market_size",
)


def svg_text(ws, name: str) -> str:
    return (ws.marts / "figures" / f"{name}.svg").read_text("utf-8")


def test_each_figure_is_a_real_png_and_svg_with_title_units_and_source_line(hostile):
    built = hostile.query("SELECT strftime(built_at, '%Y-%m-%d %H:%M') FROM build_info")[0][0]
    for name in DRAWN:
        png = (hostile.marts / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, name
        svg = svg_text(hostile, name)
        assert len(svg) > 5_000 and "<text" in svg, name  # text kept as text
        source = re.search(
            r"Source: spotprices, (\d+) observations from (\d+) sources, built ([^<]+)", svg
        )
        assert source and int(source[1]) > 0 and source[3].startswith(built), name


def test_price_per_leg_is_drawn_from_the_smuggling_prices(hostile):
    svg = svg_text(hostile, "price_per_leg")
    assert "Smuggling price per person, major legs" in svg and "EUR per person" in svg
    legs = {leg.replace("->", " to ") for (leg,) in hostile.query(
        "SELECT DISTINCT leg FROM stg_price_observations WHERE flow = 'people'"
        " AND price_mid_eur IS NOT NULL AND leg NOT LIKE '%?%'"
    )}  # fmt: skip
    assert legs and all(leg in svg for leg in legs)
    assert "n=2" in svg  # RS to HU, June 2020: two field notes


def test_drug_prices_by_country_show_retail_and_wholesale(hostile):
    svg = svg_text(hostile, "drug_prices_by_country")
    assert "retail (country)" in svg and "wholesale (country)" in svg
    assert "EUR per gram" in svg and "EUR per kg" in svg
    for (country,) in hostile.query("SELECT DISTINCT country FROM mart_drug_prices"):
        assert f">{country}<" in svg


def test_route_volumes_and_market_size_are_drawn_from_their_marts(hostile):
    svg = svg_text(hostile, "route_volumes_with_price")
    # the fixtures' only yearly series: Bosnia's registrations, 16000 in 2020
    assert "registered arrivals (BA (country registrations))" in svg and ">2020<" in svg
    assert "EUR per person" in svg and "count per year" in svg
    assert "(FN008)" in svg_text(hostile, "market_size")  # the one yearly estimate


def test_the_journey_cost_ladder_is_drawn_from_the_journey_costs(hostile):
    svg = svg_text(hostile, "journey_cost_ladder")
    # RS->HU is a leg of the eastern mainline corridor; the fixtures price it in 2020-2021.
    assert "eastern mainline" in svg and "RS-&gt;HU" in svg and "legs priced" in svg


def test_the_report_is_self_contained_and_summarises_the_run(hostile):
    html = (hostile.marts / "report.html").read_text("utf-8")
    run_id = hostile.query("SELECT run_id FROM build_info")[0][0]
    assert run_id in html
    assert html.count('src="data:image/png;base64,') == len(DRAWN)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert "<script" not in html.lower() and "@import" not in html
    assert "price_point_is_number" in html  # the quarantined hostile row, by rule
    assert 'href="extracts/mart_smuggling_prices.csv"' in html
    assert "First published build" in html


def test_the_planted_name_is_in_no_figure_and_not_in_the_report(hostile):
    for path in (hostile.marts / "figures").glob("*.svg"):
        assert PLANTED_NAME not in path.read_text("utf-8"), path.name
    assert PLANTED_NAME not in (hostile.marts / "report.html").read_text("utf-8")


def test_synthetic_rows_are_labelled_on_the_figures_report_price_marts_and_extracts(workspace):
    # The bundled press figures are real; the test fixture's field notes are synthetic.
    workspace.add(BUNDLED_PRICES, "prices")
    workspace.add(FIXTURES / "raw" / "prices" / "field_notes_2020.csv", "prices")
    workspace.run()
    ((synthetic, people_synthetic),) = workspace.query(
        "SELECT count(*) FILTER (WHERE source_type = 'synthetic'), count(*) FILTER (WHERE"
        " source_type = 'synthetic' AND flow = 'people' AND unit_kind = 'price')"
        " FROM stg_price_observations"
    )
    assert people_synthetic > 0
    label = f"{synthetic} synthetic price rows (generated test data, not observations)"
    assert f"the build holds {label}" in svg_text(workspace, "price_per_leg")
    html = (workspace.marts / "report.html").read_text("utf-8")
    assert f"This build holds {label}." in html
    # Per mart row: how many of its observations are synthetic, 0 for real ones alone.
    by_row = dict(
        workspace.query("SELECT n_synthetic > 0, count(*) FROM mart_smuggling_prices GROUP BY 1")
    )
    assert by_row[False] > 0 and by_row[True] > 0
    ((in_mart,),) = workspace.query("SELECT sum(n_synthetic) FROM mart_smuggling_prices")
    assert in_mart == people_synthetic
    extracts = workspace.marts / "extracts"
    provenance = json.loads((extracts / "mart_smuggling_prices.provenance.json").read_text())
    assert provenance["synthetic_observations"] == people_synthetic
    assert provenance["build_synthetic_rows"] == synthetic
    with (extracts / "mart_smuggling_prices.csv").open(encoding="utf-8-sig") as handle:
        assert "n_synthetic" in handle.readline()


def test_a_build_of_real_observations_alone_carries_no_synthetic_label(workspace):
    workspace.add(BUNDLED_PRICES, "prices")
    workspace.run()
    assert "synthetic" not in svg_text(workspace, "price_per_leg")
    assert "This build holds" not in (workspace.marts / "report.html").read_text("utf-8")
    assert workspace.query("SELECT DISTINCT n_synthetic FROM mart_smuggling_prices") == [(0,)]


def test_a_figure_with_no_data_is_skipped_and_the_report_says_why(workspace):
    workspace.add(FIXTURES / "raw" / "routes" / "detections_2020.csv", "routes")
    workspace.run()
    figures = {p.name for p in (workspace.marts / "figures").iterdir()}
    assert figures == {"route_volumes_with_price.png", "route_volumes_with_price.svg"}
    html = (workspace.marts / "report.html").read_text("utf-8")
    assert "mart_drug_prices has no retail or wholesale prices" in html
    assert "smuggling prices per person" in html
    # A second build reports its changes against the first (a run with no change would keep
    # the first build: --full-refresh builds again).
    workspace.run(full_refresh=True)
    html = (workspace.marts / "report.html").read_text("utf-8")
    assert "No table changed its row count since the previous build." in html
