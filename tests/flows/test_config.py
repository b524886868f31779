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
    "SPOTPRICES_INGEST_RETRY_DELAYS",
    "SPOTPRICES_DASK_CONNECT_TIMEOUT",
    "SPOTPRICES_FRESHNESS_WARN_DAYS",
    "SPOTPRICES_TASK_RUNNER",
    "SPOTPRICES_DASK_ADDRESS",
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


@pytest.mark.parametrize(
    ("command", "variable", "value", "message"),
    [
        ("run", "SPOTPRICES_INGEST_RETRY_DELAYS", "abc", "expected whole seconds separated by"),
        ("run", "SPOTPRICES_INGEST_RETRY_DELAYS", "2,,10", "expected whole seconds separated by"),
        ("run", "SPOTPRICES_INGEST_RETRY_DELAYS", "-2", "expected whole seconds separated by"),
        ("run", "SPOTPRICES_DASK_CONNECT_TIMEOUT", "abc", "expected a number of seconds above 0"),
        ("run", "SPOTPRICES_DASK_CONNECT_TIMEOUT", "0", "expected a number of seconds above 0"),
        ("run", "SPOTPRICES_TASK_RUNNER", "spark", "expected one of threads, dask"),
        ("status", "SPOTPRICES_FRESHNESS_WARN_DAYS", "abc", "expected a whole number of days"),
        ("status", "SPOTPRICES_FRESHNESS_WARN_DAYS", "-5", "expected a whole number of days"),
        ("quarantine", "SPOTPRICES_DUCKDB_THREADS", "0", "expected a whole number of threads"),
        ("export", "SPOTPRICES_CHUNK_THREADS", "x", "expected a whole number of threads"),
    ],
)
def test_every_variable_that_does_not_read_is_named_with_its_value(
    tmp_path, monkeypatch, command, variable, value, message
):
    """Each setting is read in one place (flows.config): a bad value stops any command with
    one line naming the variable, exit 2, never Python's own words for it."""
    monkeypatch.setenv(variable, value)
    marts = tmp_path / "marts"
    args = {"export": ["export", "mart_estimates"]}.get(command, [command])
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([*args, "--marts-dir", str(marts)])
    assert code == EXIT_USAGE
    assert err.getvalue().startswith(f"spotprices {command}: {variable}={value!r}: {message}")
    assert "\n" not in err.getvalue().strip() and "invalid literal" not in err.getvalue()
    assert not marts.exists()  # nothing ran


def test_the_variables_set_the_retries_the_timeout_and_the_freshness_warning(monkeypatch):
    monkeypatch.setenv("SPOTPRICES_INGEST_RETRY_DELAYS", " 0, 5 ")
    monkeypatch.setenv("SPOTPRICES_DASK_CONNECT_TIMEOUT", "2.5")
    monkeypatch.setenv("SPOTPRICES_FRESHNESS_WARN_DAYS", "30")
    settings = settings_from()
    assert settings.ingest_retry_delays == (0, 5)
    assert settings.dask_connect_timeout == 2.5
    assert settings.freshness_warn_days == 30


def test_a_dask_address_from_the_variable_is_named_as_the_variable(tmp_path, monkeypatch):
    """The address came from SPOTPRICES_DASK_ADDRESS, not an option the user did not pass.
    (Without a Prefect server the run needs PREFECT_API_URL; under the test server it tries
    the scheduler: either way the message names the variable.)"""
    monkeypatch.setenv("SPOTPRICES_TASK_RUNNER", "dask")
    monkeypatch.setenv("SPOTPRICES_DASK_ADDRESS", "tcp://127.0.0.1:1")
    monkeypatch.setenv("SPOTPRICES_DASK_CONNECT_TIMEOUT", "1")
    marts = tmp_path / "marts"
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        main(["run", "--marts-dir", str(marts)])
    assert "SPOTPRICES_DASK_ADDRESS" in err.getvalue()
    assert "--dask-address" not in err.getvalue()
    assert not marts.exists()
