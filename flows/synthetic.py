"""Synthetic rows in a build. Generated data (``bench/generate.py`` writes ``source_type``
``synthetic``) must never pass for observations: the price marts count it per row
(``n_synthetic``), and every figure, the run report and each extract's provenance say how many
of the build's rows it is."""

from __future__ import annotations

import duckdb

#: The ``source_type`` that marks a generated row (any case).
SYNTHETIC = "synthetic"


def synthetic_rows(con) -> int:
    """Price observations in the build ``con`` reads that are synthetic (0 where none is
    staged)."""
    try:
        return con.execute(
            "SELECT count(*) FROM stg_price_observations WHERE lower(source_type) = ?",
            [SYNTHETIC],
        ).fetchone()[0]
    except duckdb.CatalogException:
        return 0


def synthetic_note(rows: int) -> str:
    """The words that label a build holding synthetic rows ("" when it holds none)."""
    if not rows:
        return ""
    return f"{rows:,} synthetic price rows (generated test data, not observations)"
