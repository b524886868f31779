"""Shared fixtures: a Prefect test server for the whole session, and throw-away workspaces
with their own raw folder and marts folder (a fresh DuckDB file per test)."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
PROJECT = TESTS.parent


@dataclass
class Workspace:
    raw: Path
    marts: Path

    @property
    def db(self) -> Path:
        return self.marts / "spotprices.duckdb"

    def add(self, source: Path, dataset: str, name: str | None = None) -> Path:
        target = self.raw / dataset / (name or source.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return target

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        """Read the published marts through a separate read-only connection, as analysts do."""
        with duckdb.connect(str(self.db), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def run(self, **options):
        from flows.nightly import nightly

        return nightly(raw_dir=str(self.raw), marts_dir=str(self.marts), **options)


def _seeded_mkdtemp(template: Path):
    """``tempfile.mkdtemp`` for Prefect's test harness: the new folder already holds a copy of
    a database migrated by an earlier session, so the server starts without migrating one."""

    def mkdtemp(*args, **kwargs) -> str:
        folder = tempfile.mkdtemp(*args, **kwargs)
        if template.exists():
            shutil.copyfile(template, Path(folder) / "prefect-test.db")
        return folder

    return mkdtemp


@pytest.fixture(scope="session")
def prefect_server(pytestconfig):
    """One Prefect test server per session, on an empty database of its own.

    Creating and migrating that database and registering Prefect's block types in it are much
    of the 15-20 s a start costs here, so the first session keeps a copy of the freshly
    migrated database (no run in it) in .pytest_cache, one per Prefect version, and later
    sessions start from a copy of it with migration and block registration switched off.
    Delete .pytest_cache (or run with ``-p no:cacheprovider``) to start from scratch.
    """
    import prefect
    from prefect.settings import (
        PREFECT_API_BLOCKS_REGISTER_ON_START,
        PREFECT_API_DATABASE_MIGRATE_ON_START,
        PREFECT_SERVER_DATABASE_CONNECTION_URL,
        temporary_settings,
    )
    from prefect.testing import utilities
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no internet here
    cache = getattr(pytestconfig, "cache", None)
    template = cache.mkdir("prefect-db") / f"prefect-{prefect.__version__}.db" if cache else None
    seeded = template is not None and template.exists()
    real_mkdtemp = utilities.mkdtemp
    if template is not None:
        utilities.mkdtemp = _seeded_mkdtemp(template)
    ready = {
        PREFECT_API_DATABASE_MIGRATE_ON_START: False,
        PREFECT_API_BLOCKS_REGISTER_ON_START: False,
    }
    try:
        with (
            temporary_settings(ready if seeded else {}),
            prefect_test_harness(server_startup_timeout=180),
        ):
            if template is not None and not seeded:
                _keep_template(PREFECT_SERVER_DATABASE_CONNECTION_URL.value(), template)
            yield
            # Prefect's console handler still points at a stream pytest has closed by now:
            # its "stopping server" line would print a logging traceback instead of itself.
            logging.raiseExceptions = False
    finally:
        utilities.mkdtemp = real_mkdtemp


def _keep_template(url: str, template: Path) -> None:
    """Copy the harness's freshly migrated database (no run in it yet) to ``template``, through
    SQLite's backup API (consistent while the server holds it open), written aside and renamed
    so that a concurrent session never copies half a file."""
    source = Path(url.split(":///", 1)[1])
    partial = template.with_name(f".{template.name}.{os.getpid()}")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
        live.backup(copy)
    os.replace(partial, template)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    raw = tmp_path / "raw"
    for dataset in ("prices", "routes"):
        (raw / dataset).mkdir(parents=True)
    return Workspace(raw=raw, marts=tmp_path / "marts")


@pytest.fixture
def fixture_workspace(workspace) -> Workspace:
    """A workspace holding the small synthetic fixture files."""
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        workspace.add(path, path.parent.name)
    return workspace
