"""How fast DuckDB alone reads, types and judges a synthetic price CSV: the ceiling of moving
ingest into DuckDB (docs/performance.md). ``python bench/ingest_ceiling.py CSV``.

An experiment, not the product: the 13 rules below are a hand-written second copy of part
of the Pandera contract, which the pipeline must not have; their allowlists are the contract's
own (:mod:`schemas.vocabulary`). Run by hand, not in CI.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from schemas.vocabulary import (  # noqa: E402
    CONFIDENCE_LEVELS,
    COUNTRY_CODES,
    CURRENCY_CODES,
    FLOWS,
    UNITS,
)

#: The allowlists, bound as list parameters of the query.
ALLOWED = {
    "flows": list(FLOWS),
    "units": list(UNITS),
    "currencies": sorted(CURRENCY_CODES),
    "countries": sorted(COUNTRY_CODES),
    "confidence": list(CONFIDENCE_LEVELS),
}
NUMBER = (
    "CASE WHEN regexp_full_match(trim({c}), '[+-]?[0-9]+(\\.[0-9]+)?')"
    " THEN CAST(trim({c}) AS DOUBLE) END"
)
PERIOD = (
    "coalesce(try_strptime(trim({c}), '%Y-%m-%d'), try_strptime(trim({c}), '%Y-%m'),"
    " try_strptime(trim({c}), '%Y'))"
)
TYPED = f"""
    SELECT rowid + 2 AS row_number, obs_id, lower(trim(flow)) AS flow,
        lower(trim(commodity)) AS commodity, lower(trim(market_level)) AS market_level,
        upper(trim(origin_country)) AS origin_country, trim(origin_place) AS origin_place,
        upper(trim(destination_country)) AS destination_country,
        upper(trim(location_country)) AS location_country, trim(location_place) AS location_place,
        {PERIOD.format(c="period_start")} AS period_start,
        {PERIOD.format(c="period_end")} AS period_end, period_start AS period_start_text,
        price_low AS price_low_text, price_high AS price_high_text,
        price_point AS price_point_text, {NUMBER.format(c="price_low")} AS price_low,
        {NUMBER.format(c="price_high")} AS price_high,
        {NUMBER.format(c="price_point")} AS price_point, upper(trim(currency)) AS currency,
        lower(trim(unit)) AS unit, source_title, source_url,
        lower(trim(confidence)) AS confidence
    FROM raw
"""
RULES = """[
    CASE WHEN flow IS NULL OR NOT list_contains($flows, flow) THEN 'flow_known' END,
    CASE WHEN unit IS NULL OR NOT list_contains($units, unit) THEN 'unit_known' END,
    CASE WHEN NOT list_contains($currencies, currency) THEN 'currency_iso4217' END,
    CASE WHEN NOT list_contains($countries, origin_country)
        OR NOT list_contains($countries, destination_country) THEN 'country_iso3166' END,
    CASE WHEN price_low_text IS NOT NULL AND price_low IS NULL THEN 'price_low_is_number' END,
    CASE WHEN price_high_text IS NOT NULL AND price_high IS NULL THEN 'price_high_is_number' END,
    CASE WHEN price_point_text IS NOT NULL AND price_point IS NULL
        THEN 'price_point_is_number' END,
    CASE WHEN price_low > price_high THEN 'price_low_not_above_high' END,
    CASE WHEN coalesce(price_low_text, price_high_text, price_point_text) IS NULL
        THEN 'price_given' END,
    CASE WHEN period_start_text IS NOT NULL AND period_start IS NULL
        THEN 'period_start_is_date' END,
    CASE WHEN period_start > period_end THEN 'period_start_not_after_end' END,
    CASE WHEN coalesce(source_title, source_url) IS NULL THEN 'source_named' END,
    CASE WHEN NOT list_contains($confidence, confidence) THEN 'confidence_known' END
]"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config = {"memory_limit": "768MB", "threads": "2"}  # as a run's (flows/config.py)
        con = duckdb.connect(str(Path(folder) / "ceiling.duckdb"), config=config)
        started = time.monotonic()
        con.execute(
            "CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [str(args.csv)],
        )
        read = time.monotonic()
        con.execute(
            f"CREATE TABLE typed AS SELECT *, list_filter({RULES}, lambda r: r IS NOT NULL)"
            f" AS rules FROM ({TYPED})",
            ALLOWED,
        )
        judged = time.monotonic()
        rows, flagged = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE len(rules) > 0) FROM typed"
        ).fetchone()
        con.close()
    print(f"read {read - started:.1f} s; type and judge {judged - read:.1f} s")
    print(f"{rows:,} rows, {flagged:,} flagged by a rule")


if __name__ == "__main__":
    main()
