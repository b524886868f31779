"""Shared fixtures: a Prefect test server for the whole session, and throw-away workspaces
with their own raw folder and marts folder (a fresh DuckDB file per test)."""

from __future__ import annotations

import logging
import os
import shutil
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


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server per session: starting one costs 15-20 s here."""
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no internet here

    with prefect_test_harness(server_startup_timeout=180):
        yield
        # Prefect's console handler still points at a stream pytest has closed by now: its
        # "stopping server" line would print a logging traceback instead of itself.
        logging.raiseExceptions = False


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
