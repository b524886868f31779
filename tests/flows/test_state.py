"""The ingest state across runs: each file's rows stay in its own folder of the row store, read
through the raw and valid views; a changed, deleted or failed file's old folder goes, and so
does a killed run's; a database from before the row store is emptied and read again."""

from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb

from flows import state
from flows.config import settings_from
from flows.discover import discover, file_hash
from flows.ingest import ingest_file
from flows.load import apply_results
from tests.conftest import FIXTURES

PRICES = "prices/field_notes_2020.csv"
ROUTES = "routes/detections_2020.csv"


def _settings(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(FIXTURES / "raw", raw)
    return settings_from(raw_dir=raw, marts_dir=tmp_path / "marts")


def _stage(settings, run_id: str) -> None:
    """discover, ingest and stage, as the nightly flow does (without Prefect)."""
    with state.connect(settings, row_views=False) as con:  # as the flow's discover task
        items = discover(settings.raw_dir, con)
    results = [ingest_file(settings, item, run_id) for item in items if item.needs_ingest]
    with state.connect(settings) as con:
        apply_results(con, settings, items, results, run_id)


def _rows(settings) -> dict[str, tuple]:
    """file -> (rows read, raw rows, valid rows, failed rows), through a read-only connection."""
    with duckdb.connect(str(settings.state_db), read_only=True) as con:
        return {
            path: tuple(counts)
            for path, *counts in con.execute(
                """SELECT m.file_path, m.rows_read,
                       (SELECT count(*) FROM raw_prices_rows r WHERE r.file_path = m.file_path)
                     + (SELECT count(*) FROM raw_routes_rows r WHERE r.file_path = m.file_path),
                       (SELECT count(*) FROM valid_prices_rows v WHERE v.file_path = m.file_path)
                     + (SELECT count(*) FROM valid_routes_rows v WHERE v.file_path = m.file_path),
                       (SELECT count(DISTINCT row_number) FROM validation_failures f
                        WHERE f.file_path = m.file_path)
                   FROM ingest_files m WHERE m.status <> 'deleted' ORDER BY 1"""
            ).fetchall()
        }


def _folders(settings) -> set[str]:
    return {folder.name for folder in settings.rows_dir.iterdir()}


def _manifest_folders(settings) -> set[str]:
    with duckdb.connect(str(settings.state_db), read_only=True) as con:
        rows = con.execute("SELECT rows_dir FROM ingest_files WHERE rows_dir IS NOT NULL")
        return {name for (name,) in rows.fetchall()}


def test_each_file_rows_are_read_back_from_its_own_folder_and_reconcile(tmp_path):
    settings = _settings(tmp_path)
    _stage(settings, "first")

    rows = _rows(settings)
    assert set(rows) == {PRICES, ROUTES}
    for read, raw, valid, failed in rows.values():
        assert raw == read  # every row read is in the raw layer
        assert valid + failed == read  # and either valid or failed
    assert _folders(settings) == _manifest_folders(settings)
    assert len(_folders(settings)) == 2
    assert not any(settings.rows_dir.rglob("failures-*.parquet"))  # in validation_failures
    with duckdb.connect(str(settings.state_db), read_only=True) as con:
        types = con.execute(
            "SELECT column_name, column_type FROM (DESCRIBE valid_prices_rows)"
            " WHERE column_name IN ('row_number', 'price_low', 'period_start') ORDER BY 1"
        ).fetchall()
    # as the contract types them (pandas writes dates as timestamps)
    assert types == [("period_start", "DATE"), ("price_low", "DOUBLE"), ("row_number", "BIGINT")]


def test_a_changed_deleted_or_unreadable_file_leaves_no_old_rows_behind(tmp_path):
    settings = _settings(tmp_path)
    _stage(settings, "first")
    before = _manifest_folders(settings)
    killed = settings.rows_dir / "0123abcd-killed-run"  # a run killed after moving its spool
    killed.mkdir()
    prices = settings.raw_dir / PRICES
    prices.write_text(
        prices.read_text(encoding="utf-8") + prices.read_text().splitlines()[1] + "\n"
    )
    (settings.raw_dir / ROUTES).unlink()
    unreadable = settings.raw_dir / "prices" / "broken.xlsx"
    unreadable.write_bytes(b"PK\x03\x04 not really a workbook")

    _stage(settings, "second")

    rows = _rows(settings)
    assert set(rows) == {PRICES, "prices/broken.xlsx"}
    read, raw, valid, failed = rows[PRICES]
    assert raw == read and valid + failed == read
    assert rows["prices/broken.xlsx"][1:] == (0, 0, 0)
    assert _folders(settings) == _manifest_folders(settings)  # the killed run's too is gone
    assert len(_folders(settings)) == 1 and not _folders(settings) & before


def test_a_database_from_before_the_row_store_is_read_again(tmp_path):
    settings = _settings(tmp_path)
    settings.state_dir.mkdir(parents=True)
    prices = settings.raw_dir / PRICES
    with duckdb.connect(str(settings.state_db)) as con:  # as such a database was laid out
        for statement in state.CORE_SCHEMA:
            con.execute(statement)
        con.execute("CREATE TABLE raw_prices_rows (file_path VARCHAR, row_number BIGINT)")
        con.execute("CREATE TABLE valid_prices_rows (file_path VARCHAR, row_number BIGINT)")
        con.execute("INSERT INTO raw_prices_rows VALUES (?, 2)", [PRICES])
        con.execute(  # the file as it still is: unchanged to discover
            "INSERT INTO ingest_files (file_path, dataset, content_hash, size_bytes, status,"
            " run_id) VALUES (?, 'prices', ?, ?, 'new', 'old-run')",
            [PRICES, file_hash(prices), prices.stat().st_size],
        )

    _stage(settings, "after")

    rows = _rows(settings)
    assert set(rows) == {PRICES, ROUTES}  # read again, none lost
    for read, raw, valid, failed in rows.values():
        assert raw == read > 0 and valid + failed == read


def test_a_moved_marts_folder_reads_its_rows_from_where_it_is_now(tmp_path):
    settings = _settings(tmp_path)
    _stage(settings, "first")
    before = _rows(settings)
    moved = replace(settings, marts_dir=tmp_path / "moved")
    settings.marts_dir.rename(moved.marts_dir)

    with state.connect(moved):  # as the next run's stage connects
        pass
    assert _rows(moved) == before


def test_a_full_refresh_forgets_every_stored_row(tmp_path):
    settings = _settings(tmp_path)
    _stage(settings, "first")

    state.reset(settings)

    assert _rows(settings) == {}
    assert _folders(settings) == set()
    with duckdb.connect(str(settings.state_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw_prices_rows").fetchone() == (0,)
    _stage(settings, "again")  # and the next run reads every file again
    assert set(_rows(settings)) == {PRICES, ROUTES}
