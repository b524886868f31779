"""The price bands of the cells tables: the trend marts add up weights and counts per band and
sort only the prices of the bands they need, which gives the figures of a sort of every
price only if a band never orders two prices differently than the prices do."""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.conftest import PROJECT

CELLS = ["int_smuggling_price_cells", "int_drug_price_cells"]


def band_expression(model: str) -> tuple[str, str]:
    """The model's own ``case ... end as price_band`` and the price column it reads."""
    sql = (PROJECT / "sql" / "intermediate" / f"{model}.sql").read_text(encoding="utf-8")
    end = sql.index("end as price_band") + len("end")
    case = sql[sql.rindex("case", 0, end) : end]
    (column,) = set(re.findall(r"when ([\w.]+) <", case))
    return case, column


@pytest.mark.parametrize("model", CELLS)
def test_bands_follow_the_order_of_the_prices_across_every_power_of_ten(model):
    case, column = band_expression(model)
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE prices AS SELECT DISTINCT price FROM ("
            # every power of ten from 0.001 to 10 million and the doubles on either side
            " SELECT unnest([nextafter(10 ** e, 0), 10 ** e, nextafter(10 ** e, 1e300)]) AS price"
            " FROM range(-3, 8) AS t(e)"
            " UNION ALL SELECT 10 ** (random() * 10 - 3) FROM range(100000)"
            " UNION ALL SELECT unnest([-5.0, 0.0, 0.004, 99.99999999999999, 1e12])"
            ")"
        )
        bands = con.execute(
            f"SELECT {case.replace(column, 'price')} AS band FROM prices ORDER BY price"
        ).fetchall()
        per_decade = con.execute(
            f"SELECT max(n) FROM (SELECT floor(log10(price)) AS decade,"
            f" count(DISTINCT {case.replace(column, 'price')}) AS n"
            " FROM prices WHERE price >= 1 AND price < 1e6 GROUP BY decade)"
        ).fetchone()[0]
    values = [band for (band,) in bands]
    assert values == sorted(values)
    assert 80 <= per_decade <= 91  # two significant digits: fine enough to sort little
