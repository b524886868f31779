"""Which columns of which table may leave the building, table by table.

An explicit allow-list rather than a deny-list: a column added to a model later is not
exported until someone decides it is safe. Free text that may name people (``notes``, the
``extra`` catch-all, ``source_locator`` such as "interview with ...") is on no list.
``quote`` is the published press phrase a figure comes from and may be exported.
``quarantine_rows.raw_values`` is built without ``notes`` and ``extra`` (see its SQL) but
keeps the other raw fields, so JSON columns are exported without any never-exported key.
"""

from __future__ import annotations

#: Columns never exported, whatever a list below says (a second lock on the door).
NEVER_EXPORTED = frozenset({"notes", "extra", "source_locator", "informant", "interviewee"})

_SOURCE = ("source_title", "source_url", "quote", "confidence", "source_type")

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "mart_smuggling_prices": (
        "leg",
        "origin_country",
        "origin_place",
        "destination_country",
        "destination_place",
        "commodity",
        "unit",
        "period_start",
        "period_end",
        "n_obs",
        "n_sources",
        "n_point_estimates",
        "median_eur",
        "min_low_eur",
        "max_high_eur",
    ),
    "mart_drug_prices": (
        "drug",
        "market_level",
        "country",
        "place",
        "period_start",
        "period_end",
        "price_unit",
        "n_obs",
        "n_sources",
        "median_eur",
        "min_eur",
        "max_eur",
    ),
    "mart_route_volumes": (
        "route_or_leg",
        "metric",
        "origin_country",
        "destination_country",
        "reporting_country",
        "period_grain",
        "period_start",
        "period_end",
        "figure_status",
        "source_org",
        "n_obs",
        "value",
        "value_min",
        "value_max",
    ),
    "mart_estimates": (
        "obs_id",
        "flow",
        "commodity",
        "market_level",
        "unit",
        "unit_kind",
        "origin_country",
        "origin_place",
        "destination_country",
        "destination_place",
        "location_country",
        "location_place",
        "period_start",
        "period_end",
        "value_form",
        "value_low",
        "value_high",
        "value_point",
        "currency",
        "value_low_eur",
        "value_high_eur",
        "value_point_eur",
        "value_mid_eur",
        *_SOURCE,
        "file_path",
        "row_number",
    ),
    "dim_country_context": (
        "country",
        "country_name",
        "edition",
        "criminality",
        "resilience",
        "criminal_markets",
        "criminal_actors",
        "human_trafficking",
        "human_smuggling",
        "arms_trafficking",
        "heroin_trade",
        "cocaine_trade",
        "cannabis_trade",
        "synthetic_drug_trade",
        "financial_crimes",
        "source_url",
    ),
    "stg_price_observations": (
        "file_path",
        "sheet",
        "row_number",
        "obs_id",
        "flow",
        "commodity",
        "market_level",
        "origin_country",
        "origin_place",
        "destination_country",
        "destination_place",
        "location_country",
        "location_place",
        "leg",
        "period_start",
        "period_end",
        "period_precision",
        "price_form",
        "price_low",
        "price_high",
        "price_point",
        "currency",
        "unit",
        "unit_kind",
        "fx_rate_per_eur",
        "fx_rate_kind",
        "fx_rate_source",
        "price_low_eur",
        "price_high_eur",
        "price_point_eur",
        "price_mid_eur",
        "grams_per_unit",
        "price_low_eur_per_gram",
        "price_high_eur_per_gram",
        "price_mid_eur_per_gram",
        *_SOURCE,
    ),
    "stg_route_observations": (
        "file_path",
        "sheet",
        "row_number",
        "obs_id",
        "metric",
        "route_or_leg",
        "origin_country",
        "destination_country",
        "reporting_country",
        "period_start",
        "period_end",
        "period_precision",
        "period_grain",
        "value",
        "figure_status",
        "source_org",
        "source_title",
        "source_url",
        "quote",
        "confidence",
    ),
    "quarantine_rows": (
        "dataset",
        "file_path",
        "sheet",
        "row_number",
        "obs_id",
        "rules",
        "reasons",
        "raw_values",
        "run_id",
    ),
    "ingest_files": (
        "file_path",
        "dataset",
        "file_format",
        "content_hash",
        "size_bytes",
        "status",
        "error",
        "rows_read",
        "rows_staged",
        "rows_quarantined",
        "reconciles",
        "run_id",
        "ingested_at",
    ),
}


def exportable(table: str, present: list[str]) -> list[str]:
    """The allow-listed columns of ``table`` that the build has, in the list's stable order."""
    allowed = EXPORT_COLUMNS.get(table, ())
    return [c for c in allowed if c in present and c not in NEVER_EXPORTED]


def scrubbed_json(column: str) -> str:
    """A DuckDB expression for a flat JSON object column without the never-exported keys."""
    keys = ", ".join(f"'{k}'" for k in sorted(NEVER_EXPORTED))
    entries = f'map_entries(json_transform("{column}", \'"MAP(VARCHAR, VARCHAR)"\'))'
    kept = f"list_filter({entries}, lambda e: e.key NOT IN ({keys}))"
    return f"to_json(map_from_entries({kept}))"
