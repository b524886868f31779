"""A workspace built once per test module from the synthetic fixtures plus a hostile file:
formula-like cells, Serbian Cyrillic, Bosnian and Albanian names, an informant's name planted
in the notes, and one row that fails its contract."""

from __future__ import annotations

import pytest

from tests.conftest import FIXTURES, Workspace

#: The name planted in the hostile file's notes; it must surface nowhere.
PLANTED_NAME = "Marko Marković"


@pytest.fixture(scope="module")
def hostile(prefect_server, tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("hostile")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        ws.add(path, path.parent.name)
    ws.add(FIXTURES / "hostile" / "hostile_prices_2021.csv", "prices")
    ws.run()
    return ws
