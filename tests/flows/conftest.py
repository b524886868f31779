"""A workspace built once per test module from the synthetic fixtures plus a hostile file:
formula-like cells, Serbian Cyrillic, Bosnian and Albanian names, an informant's name planted
in the notes, and one row that fails its contract."""

from __future__ import annotations

import csv
import io

import duckdb
import pytest

from tests.conftest import FIXTURES, Workspace

#: The name planted in the hostile file's notes; it must surface nowhere.
PLANTED_NAME = "Marko Marković"

#: A small prices file with a note on every row (``SECRET-M<n>``), for the CSV-structure tests:
#: a quote left open or a cell split in two must publish none of the notes.
PRICE_HEADER = (
    "obs_id,flow,commodity,market_level,origin_country,origin_place,destination_country,"
    "period_start,price_point,currency,unit,source_title,notes\n"
)


def price_row(n: int, title: str = "src") -> str:
    return (
        f"M{n},people,smuggling_service,service,RS,Subotica,HU,2020,200{n},EUR,per_person,"
        f"{title},informant SECRET-M{n} phone 064999990{n}\n"
    )


@pytest.fixture(scope="module")
def hostile(prefect_server, tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("hostile")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        ws.add(path, path.parent.name)
    ws.add(FIXTURES / "hostile" / "hostile_prices_2021.csv", "prices")
    ws.run()
    return ws


def title_block_workbook(path, note: str) -> None:
    """A field team's workbook: a title, a block of labels and values naming two contract
    columns (``Izvor:`` -> source_title, ``Datum:`` -> date) above the real header on row 5,
    whose third column holds ``note``; one observation, row 6."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Tabela"
    sheet["A1"] = "Terenski izvještaj - cijene"
    sheet.append(["Izvor:", "UNHCR terenski tim", "Datum:", "07.2020"])
    header = ["obs_id", "flow", "notes", "commodity", "market_level", "origin_country"]
    header += ["destination_country", "period_start", "price_point", "currency", "unit"]
    for column, name in enumerate([*header, "source_title"], start=1):
        sheet.cell(row=5, column=column, value=name)
    sheet.append(["W1", "people", note, "smuggling_service", "service", "BA", "HR", "07.2020",
                  1500, "EUR", "per_person", "T"])  # fmt: skip
    book.save(path)


#: The cells of a people-smuggling price row in the messy-input tests: a test names only the
#: cells its case is about.
SMUGGLING_ROW = {
    "obs_id": "", "flow": "people", "commodity": "smuggling_service", "market_level": "service",
    "origin_country": "RS", "destination_country": "HU", "date": "2020-05", "price": "1500 EUR",
    "unit": "per_person", "source_title": "Synthetic", "source_type": "synthetic",
}  # fmt: skip


def smuggling_csv(*rows: dict[str, str], headers: dict[str, str] | None = None) -> str:
    """A prices CSV of :data:`SMUGGLING_ROW` rows, each with its own cells over the defaults
    (new columns after them), quoted as the csv module writes them. ``headers`` writes some
    columns' headers as a file would (``{"price": "Cijena (KM)"}``)."""
    records = [{**SMUGGLING_ROW, **row} for row in rows]
    out = io.StringIO()
    writer = csv.DictWriter(
        out, list(dict.fromkeys(c for r in records for c in r)), lineterminator="\n"
    )
    writer.writerow({name: (headers or {}).get(name, name) for name in writer.fieldnames})
    writer.writerows(records)
    return out.getvalue()


def _tables(db) -> dict[str, list[tuple]]:
    """Every table of a build, rows sorted, but the stamp a run adds when it publishes."""
    with duckdb.connect(str(db), read_only=True) as con:
        names = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
            if name not in ("build_info", "expectation_results")
        ]
        return {n: con.execute(f"SELECT * FROM {n} ORDER BY ALL").fetchall() for n in names}


def assert_equals_a_full_build(ws: Workspace) -> dict[str, list[tuple]]:
    """Assert that every table of the published build equals a build made from nothing out of
    the same ingest database; return the tables of the latter."""
    from flows import build
    from flows.config import settings_from

    settings = settings_from(str(ws.raw), str(ws.marts))
    full = build.open_build(settings, "from-nothing").path
    build.run_models(settings, full, ("staging", "intermediate", "marts"))
    expected, published = _tables(full), _tables(ws.db)
    full.unlink()
    assert published.keys() == expected.keys()
    for table, rows in expected.items():
        assert published[table] == rows, table
    return expected
