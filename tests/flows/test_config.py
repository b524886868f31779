"""The limits a run works within, as an operator sets them for a bigger machine."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest

from flows.cli import EXIT_USAGE, main
from flows.config import settings_from

LIMITS = (
    "SPOTPRICES_DUCKDB_MEMORY_LIMIT",
    "SPOTPRICES_DUCKDB_THREADS",
    "SPOTPRICES_CHUNK_THREADS",
)


@pytest.fixture(autouse=True)
def no_limits_set(monkeypatch):
    for variable in LIMITS:
        monkeypatch.delenv(variable, raising=False)


def test_by_default_a_run_fits_two_cores_and_its_memory_budget():
    settings = settings_from()
    assert settings.duckdb_config == {"memory_limit": "768MB", "threads": "2"}
    assert settings.chunk_threads == 2


def test_the_variables_set_the_limits_of_the_run_s_duckdb_connections(monkeypatch):
    monkeypatch.setenv("SPOTPRICES_DUCKDB_MEMORY_LIMIT", "4GB")
    monkeypatch.setenv("SPOTPRICES_DUCKDB_THREADS", "8")
    monkeypatch.setenv("SPOTPRICES_CHUNK_THREADS", "6")
    settings = settings_from()
    assert settings.chunk_threads == 6
    with duckdb.connect(config=settings.duckdb_config) as con:
        limits = dict(
            con.execute(
                "SELECT name, value FROM duckdb_settings()"
                " WHERE name IN ('memory_limit', 'threads')"
            ).fetchall()
        )
    assert limits == {"memory_limit": "3.7 GiB", "threads": "8"}  # 4 GB = 3.7 GiB


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SPOTPRICES_DUCKDB_MEMORY_LIMIT", "lots", "not a memory limit DuckDB reads"),
        ("SPOTPRICES_DUCKDB_MEMORY_LIMIT", "4", "not a memory limit DuckDB reads"),
        ("SPOTPRICES_DUCKDB_THREADS", "0", "expected a whole number of threads"),
        ("SPOTPRICES_CHUNK_THREADS", "two", "expected a whole number of threads"),
    ],
)
def test_a_bad_limit_stops_the_run_before_it_starts_naming_the_variable(
    tmp_path, monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    marts = tmp_path / "marts"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["run", "--marts-dir", str(marts)])
    assert code == EXIT_USAGE
    assert f"{variable}={value!r}: {message}" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert not marts.exists()  # nothing ran
