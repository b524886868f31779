"""The nightly flow with its ingest tasks on a Dask LocalCluster gives the same marts as with
Prefect's threads; a scheduler that does not answer fails the run at once with exit code 1.

Real Prefect, prefect-dask, DuckDB: the bundled data plus the messy fixtures (every reader:
text in several encodings, JSON, a workbook) are run twice, once per runner, and every
published table is compared row for row through a separate read-only connection.
"""

from __future__ import annotations

import io
import shutil
import socket
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest
from distributed import Client, LocalCluster
from prefect_dask import DaskTaskRunner

from flows.cli import EXIT_FAILED, main
from flows.config import settings_from
from flows.runners import local_cluster_kwargs, run_nightly, task_runner
from tests.conftest import FIXTURES, PROJECT, Workspace

pytestmark = pytest.mark.usefixtures("prefect_server")

#: Columns that name the run or the moment, not the data: they differ between any two runs.
RUN_COLUMNS = {"run_id", "built_at", "ingested_at"}
#: The run's own record (its id, timings); its counts are compared through the summaries.
RUN_TABLES = {"build_info"}


def _workspace(root) -> Workspace:
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for dataset in ("prices", "routes"):
        shutil.copytree(PROJECT / "data" / "raw" / dataset, ws.raw / dataset)
    for path in sorted((FIXTURES / "messy").iterdir()):
        ws.add(path, "prices")
    return ws


def published(db) -> dict[str, Counter]:
    """Every table of a published file as a multiset of rows, run-specific columns left out."""
    tables = {}
    with duckdb.connect(str(db), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
            if name not in RUN_TABLES
        ]
        for name in names:
            columns = [
                column
                for (column,) in con.execute(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
                if column not in RUN_COLUMNS
            ]
            select = ", ".join(f'"{column}"' for column in columns)
            rows = con.execute(f'SELECT {select} FROM "{name}"').fetchall()
            tables[name] = Counter(repr(row) for row in rows)
    return tables


def test_a_local_dask_cluster_gives_the_marts_threads_give(tmp_path):
    threads = _workspace(tmp_path / "threads")
    dask = _workspace(tmp_path / "dask")

    by_threads = threads.run()
    # Two single-threaded worker processes, reached by address as a real cluster is.
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        settings = settings_from(task_runner="dask", dask_address=cluster.scheduler_address)
        by_dask = run_nightly(settings, raw_dir=str(dask.raw), marts_dir=str(dask.marts))
        with Client(cluster.scheduler_address, set_as_default=False) as client:
            sent = client.run_on_scheduler(
                lambda dask_scheduler: sorted(dask_scheduler.task_prefixes)
            )
    # Only the ingest tasks went to the workers: every DuckDB write stayed in this process.
    assert sent == ["ingest"]

    assert by_dask.files == by_threads.files
    assert not by_dask.failed_files
    assert (by_dask.rows_read, by_dask.rows_staged, by_dask.rows_quarantined) == (
        by_threads.rows_read,
        by_threads.rows_staged,
        by_threads.rows_quarantined,
    )
    assert by_dask.tables == by_threads.tables
    expected, got = published(threads.db), published(dask.db)
    assert sorted(got) == sorted(expected)
    assert sum(len(rows) for rows in got.values()) > 1000
    differing = [table for table, rows in expected.items() if got[table] != rows]
    assert not differing, f"differ between threads and Dask: {differing}"
    # Nothing is left in the spool by either run; the workers wrote there, the flow loaded it.
    assert not any(settings_from(marts_dir=dask.marts).spool_dir.rglob("*.parquet"))


def test_without_an_address_a_local_cluster_of_single_threaded_processes_is_started():
    assert task_runner(settings_from(task_runner="threads")) is None  # the flow's default
    runner = task_runner(settings_from(task_runner="dask"))
    assert isinstance(runner, DaskTaskRunner) and runner.address is None
    assert runner.cluster_kwargs == local_cluster_kwargs()
    assert runner.cluster_kwargs["threads_per_worker"] == 1 and runner.cluster_kwargs["processes"]


def test_an_unreachable_scheduler_fails_the_run_at_once_naming_it(workspace, monkeypatch):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("SPOTPRICES_DASK_CONNECT_TIMEOUT", "1")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(
            ["run", "--marts-dir", str(workspace.marts), "--task-runner", "dask"]
            + ["--dask-address", address]
        )
    assert code == EXIT_FAILED
    assert f"no Dask scheduler answered at {address} within 1 s" in err.getvalue()
    assert "Traceback" not in err.getvalue() + out.getvalue()
    assert not workspace.db.exists() and not (workspace.marts / "_state").exists()
