"""One nightly run per session on the synthetic mart fixtures (tests/fixtures/marts) and one on
the bundled real data, shared by the mart tests: every expected value in them is worked out by
hand from those files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import FIXTURES, PROJECT, Workspace


def _workspace(root, sources) -> Workspace:
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for dataset in ("prices", "routes"):
        (ws.raw / dataset).mkdir(parents=True)
        for source in sources:
            if (source / dataset).is_dir():
                shutil.copytree(source / dataset, ws.raw / dataset, dirs_exist_ok=True)
    ws.run()
    return ws


@pytest.fixture(scope="session")
def mart_fixtures(prefect_server, tmp_path_factory) -> Workspace:
    """The published marts built from tests/fixtures/marts (synthetic, hand-computed)."""
    return _workspace(tmp_path_factory.mktemp("mart_fixtures"), [FIXTURES / "marts"])


@pytest.fixture(scope="session")
def synthetic_marts(prefect_server, tmp_path_factory) -> Workspace:
    """The published marts built from 3,000 rows of bench/generate.py (labelled synthetic):
    trend rows of hundreds of prices over tens of price bands, with unequal weights."""
    from bench.generate import generate

    root = tmp_path_factory.mktemp("synthetic_marts")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    generate(3000, ws.raw / "prices" / "synthetic.csv", seed=11)
    ws.run()
    return ws


@pytest.fixture(scope="session")
def bundled_marts(prefect_server, tmp_path_factory) -> Workspace:
    """The published marts built from the bundled real data under data/raw."""
    return _workspace(tmp_path_factory.mktemp("bundled_marts"), [PROJECT / "data" / "raw"])


def with_equal_weights(ws: Workspace, tmp_path: Path, model: str, cells: str, n: int) -> list:
    """``model`` rebuilt, in a copy of the published file, from ``n`` cells of one of its
    rows (copies of a real cell): distinct prices 1,000 + i EUR in bands of 100 EUR (any
    bands that order prices as the prices are ordered give the same figures), every weight
    0.3. Returns its (median_eur, weighted_median_eur): with equal weights the two must be
    equal.

    A weight of 0.3 has no exact binary fraction: summed as such over a hundred thousand
    prices, the cumulative weight misses half by a rounding and the weighted median lands
    on one of the two middle prices instead of between them.
    """
    from flows.build import load_models

    copy = tmp_path / "cells.duckdb"
    shutil.copyfile(ws.db, copy)
    models = load_models(PROJECT / "sql")
    (sql,) = [m.sql for m in models if m.name == model]
    with duckdb.connect(str(copy)) as con:
        con.execute(f"CREATE TEMP TABLE one AS SELECT * FROM {cells} LIMIT 1")
        con.execute(f"DELETE FROM {cells}")
        con.execute(
            f"INSERT INTO {cells} SELECT one.* REPLACE (1000.0 + i AS price_mid_eur,"
            f" 400 + floor((1000.0 + i) / 100) AS price_band, 0.3 AS source_weight)"
            f" FROM one, range({n}) AS t(i)"
        )
        rebuild_from(con, cells)
        return con.execute(f"SELECT median_eur, weighted_median_eur FROM ({sql})").fetchall()


def rebuild_from(con: duckdb.DuckDBPyConnection, cells: str) -> None:
    """Make again the intermediate tables read from ``cells`` (its bands and sources), as a
    build would after ``cells`` changed."""
    from flows.build import load_models

    for m in load_models(PROJECT / "sql"):
        if m.layer == "intermediate" and m.name != cells and cells in m.sql:
            con.execute(f"CREATE OR REPLACE TABLE {m.name} AS {m.sql}")


def figures_over_every_cell(ws: Workspace, cells: str, quantiles: list[float]) -> list[tuple]:
    """Per row of ``cells``, ordered by key: (mart_row_key, n_obs, n_sources, each quantile of
    the point estimates, the weighted median, the number of price bands), every figure
    computed by sorting every cell of the row (equal prices pooled, weights in millionths)."""
    picked = ", ".join(f"q[{i + 1}]" for i in range(len(quantiles)))
    return ws.query(
        f"""
        WITH cells AS (SELECT * FROM {cells}),
        pooled AS (
            SELECT mart_row_key, price_mid_eur, sum(round(source_weight * 1000000)) AS weight
            FROM cells WHERE price_mid_eur IS NOT NULL GROUP BY ALL
        ),
        cumulative AS (
            SELECT *, sum(weight) OVER (PARTITION BY mart_row_key ORDER BY price_mid_eur) AS up_to,
                sum(weight) OVER (PARTITION BY mart_row_key) AS total
            FROM pooled
        ),
        weighted AS (
            SELECT mart_row_key, (min(price_mid_eur) FILTER (WHERE 2 * up_to >= total)
                + min(price_mid_eur) FILTER (WHERE 2 * up_to > total)) / 2 AS weighted_median
            FROM cumulative GROUP BY ALL
        ),
        plain AS (
            SELECT mart_row_key, count(*) AS n_obs, count(DISTINCT source_key) AS n_sources,
                quantile_cont(price_mid_eur, {quantiles}) AS q,
                count(DISTINCT price_band) AS n_bands
            FROM cells GROUP BY ALL
        )
        SELECT mart_row_key, n_obs, n_sources, {picked}, weighted_median, n_bands
        FROM plain LEFT JOIN weighted USING (mart_row_key) ORDER BY mart_row_key
        """
    )
