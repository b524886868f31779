"""One nightly run per session on the synthetic mart fixtures (tests/fixtures/marts) and one on
the bundled real data, shared by the mart tests: every expected value in them is worked out by
hand from those files."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import FIXTURES, PROJECT, Workspace


def _workspace(root, sources) -> Workspace:
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for dataset in ("prices", "routes"):
        (ws.raw / dataset).mkdir(parents=True)
        for source in sources:
            if (source / dataset).is_dir():
                shutil.copytree(source / dataset, ws.raw / dataset, dirs_exist_ok=True)
    ws.run()
    return ws


@pytest.fixture(scope="session")
def mart_fixtures(prefect_server, tmp_path_factory) -> Workspace:
    """The published marts built from tests/fixtures/marts (synthetic, hand-computed)."""
    return _workspace(tmp_path_factory.mktemp("mart_fixtures"), [FIXTURES / "marts"])


@pytest.fixture(scope="session")
def bundled_marts(prefect_server, tmp_path_factory) -> Workspace:
    """The published marts built from the bundled real data under data/raw."""
    return _workspace(tmp_path_factory.mktemp("bundled_marts"), [PROJECT / "data" / "raw"])
