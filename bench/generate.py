"""Synthetic price observations at any size, for benchmarks: ``python bench/generate.py ROWS OUT``.

Every row is labelled ``source_type = synthetic`` and its source says so: these are not
observations, only realistic shapes (legs of the route, drugs, currencies with rates for their
periods, ranges, one-sided bounds, periods of a month to a year) with a chosen share of rows
that break the contract. DuckDB writes them, so ten million rows take seconds.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

#: (origin, origin place, destination) legs and drug markets seen in the reference data.
LEGS = [
    ("TR", "Edirne", "BG"), ("TR", "Edirne", "GR"), ("GR", "Idomeni", "MK"),
    ("GR", "", "AL"), ("MK", "Lojane", "RS"), ("RS", "Subotica", "HU"),
    ("RS", "Šid", "HR"), ("BA", "Bihać", "HR"), ("BA", "Velika Kladuša", "HR"),
    ("AL", "Shkodër", "ME"), ("ME", "", "BA"), ("HR", "", "SI"), ("SI", "", "IT"),
    ("HU", "", "AT"),
]  # fmt: skip
DRUG_MARKETS = [
    ("heroin", "BA", "Sarajevo"), ("cocaine", "RS", "Belgrade"), ("cannabis_herb", "AL", "Fier"),
    ("heroin", "MK", "Skopje"), ("cocaine", "HR", "Zagreb"), ("cannabis_herb", "XK", "Prizren"),
]  # fmt: skip
#: Currencies with a rate for every month 2019-2024 (EUR, ECB rates, the BAM peg).
CURRENCIES = [("EUR", 1.0), ("USD", 1.12), ("BAM", 1.95583), ("TRY", 20.0), ("HUF", 380.0)]

HEADER = (
    "obs_id, flow, commodity, market_level, origin_country, origin_place, destination_country,"
    " destination_place, location_country, location_place, period_start, period_end,"
    " price_low, price_high, price_point, currency, unit, source_title, source_url,"
    " source_locator, quote, confidence, source_type, notes"
)


def _values(rows: list[tuple]) -> str:
    return ", ".join("(" + ", ".join(repr(v) for v in row) + ")" for row in rows)


def generate(
    rows: int, out: Path, seed: int = 42, bad_share: float = 0.02, offset: int = 0
) -> Path:
    """Write ``rows`` synthetic price rows to the CSV ``out``; return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    con.execute(f"CREATE TABLE legs(o, place, d) AS VALUES {_values(LEGS)}")
    con.execute(f"CREATE TABLE markets(drug, country, place) AS VALUES {_values(DRUG_MARKETS)}")
    con.execute(f"CREATE TABLE currencies(code, per_eur) AS VALUES {_values(CURRENCIES)}")
    con.execute(
        f"""
        COPY (
        WITH base AS (
            SELECT
                i + {offset} AS i,
                random() AS r_kind, random() AS r_shape, random() AS r_bad, random() AS r_price,
                (random() * 72)::INTEGER AS month_index,
                (random() * 13)::INTEGER AS leg_index,
                (random() * 5)::INTEGER AS market_index,
                CASE WHEN random() < 0.8 THEN 0 ELSE 1 + (random() * 3)::INTEGER END AS cur_index
            FROM range({rows}) AS t(i)
        ),
        shaped AS (
            SELECT
                base.*,
                r_kind < 0.7 AS is_people,
                date '2019-01-01' + to_months(month_index) AS month_start,
                legs.o, legs.place, legs.d, markets.drug, markets.country AS m_country,
                markets.place AS m_place, currencies.code, currencies.per_eur
            FROM base
            JOIN legs ON legs.rowid = base.leg_index
            JOIN markets ON markets.rowid = base.market_index
            JOIN currencies ON currencies.rowid = base.cur_index
        ),
        priced AS (
            SELECT
                *,
                CASE
                    WHEN is_people THEN 300 + r_price * 4000
                    WHEN r_kind < 0.85 THEN 20 + r_price * 60
                    ELSE 15000 + r_price * 30000
                END * per_eur AS amount
            FROM shaped
        )
        SELECT
            'SYN' || lpad(i::VARCHAR, 9, '0') AS obs_id,
            CASE WHEN r_bad < {bad_share / 2} THEN 'weapons'
                 WHEN is_people THEN 'people' ELSE 'drugs' END AS flow,
            CASE WHEN is_people THEN 'smuggling_service' ELSE drug END AS commodity,
            CASE WHEN is_people THEN 'service' WHEN r_kind < 0.85 THEN 'retail'
                 ELSE 'wholesale' END AS market_level,
            CASE WHEN is_people THEN o END AS origin_country,
            CASE WHEN is_people THEN place END AS origin_place,
            CASE WHEN is_people THEN
                CASE WHEN r_bad BETWEEN {bad_share / 2} AND {bad_share} THEN 'ZZ' ELSE d END
            END AS destination_country,
            NULL AS destination_place,
            CASE WHEN NOT is_people THEN m_country END AS location_country,
            CASE WHEN NOT is_people THEN m_place END AS location_place,
            strftime(month_start, '%Y-%m') AS period_start,
            CASE WHEN r_shape < 0.2 THEN strftime(month_start + INTERVAL 5 MONTH, '%Y-%m')
                 END AS period_end,
            CASE WHEN r_shape BETWEEN 0.2 AND 0.6 THEN round(amount * 0.8) END AS price_low,
            CASE WHEN r_shape BETWEEN 0.2 AND 0.7 THEN round(amount * 1.2) END AS price_high,
            CASE WHEN r_shape < 0.2 OR r_shape > 0.7 THEN round(amount, 2) END AS price_point,
            code AS currency,
            CASE WHEN is_people THEN 'per_person' WHEN r_kind < 0.85 THEN 'per_gram'
                 ELSE 'per_kg' END AS unit,
            'Synthetic benchmark data (not observations)' AS source_title,
            'https://example.org/synthetic/' || (i % 997)::VARCHAR AS source_url,
            'generated row' AS source_locator,
            NULL AS quote,
            CASE WHEN r_price < 0.5 THEN 'medium' ELSE 'low' END AS confidence,
            'synthetic' AS source_type,
            'synthetic row, no informant' AS notes
        FROM priced
        ORDER BY i
        ) TO '{out}' (HEADER, DELIMITER ',')
        """
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bad-share", type=float, default=0.02)
    args = parser.parse_args()
    generate(args.rows, args.out, args.seed, args.bad_share)


if __name__ == "__main__":
    main()
