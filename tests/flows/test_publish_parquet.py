"""The Parquet set as Spark, Trino or another DuckDB client reads it: built by the real nightly
flow, compared with the published DuckDB file through a separate read-only connection."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from flows.allowlists import EXPORT_COLUMNS, NEVER_EXPORTED, exportable
from flows.config import settings_from
from flows.export import write_parts
from flows.publish import write_parquet
from tests.conftest import PROJECT, Workspace
from tests.flows.conftest import PLANTED_NAME

pytestmark = pytest.mark.usefixtures("prefect_server")

#: The interviewee named in the hostile row HX03's source_locator (kept in the ingest state).
INTERVIEWEE = "Ana Anić"

#: write_parquet in a process whose files may not grow past a limit. Python ignores SIGXFSZ,
#: so a write past the limit fails with EFBIG as on a full disk; with the signal's default
#: action restored, the kernel kills the process there instead.
WRITE_WITH_FILE_LIMIT = """
import resource, signal, sys
from flows.config import settings_from
from flows.publish import write_parquet
if sys.argv[3] == "die":
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), int(sys.argv[2])))
write_parquet(settings_from(marts_dir=sys.argv[1]))
"""


def parquet_files(ws: Workspace) -> dict[str, str]:
    """Per table, the glob that reads its folder, as Spark, Trino and DuckDB readers do."""
    return {p.name: f"{p}/*.parquet" for p in (ws.marts / "parquet").iterdir() if p.is_dir()}


def parquet_columns(con, path: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
        [path],
    ).fetchall()


def count(con, query: str) -> int:
    return con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(ws: Workspace) -> list[str]:
    return sorted(p.name for p in ws.marts.glob(".parquet*"))


def assert_set_holds_the_published_rows(ws: Workspace) -> None:
    """Every table's folder holds exactly the published table's rows, columns and types."""
    files = parquet_files(ws)
    published = {t for (t,) in ws.query("SELECT table_name FROM duckdb_tables()")}
    assert set(files) == {t for t in EXPORT_COLUMNS if t in published}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{ws.db}' AS published (READ_ONLY)")
        for table, path in files.items():
            typed = dict(
                con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns()"
                    " WHERE database_name = 'published' AND table_name = ?",
                    [table],
                ).fetchall()
            )
            columns = parquet_columns(con, path)
            assert [c for c, _ in columns] == exportable(table, list(typed)), table
            assert all(kind == typed[c] for c, kind in columns), table  # native types kept
            # JSON columns leave scrubbed of never-exported keys: checked in the next test.
            select = ", ".join(f'"{c}"' for c, kind in columns if kind != "JSON")
            published_rows = f"SELECT {select} FROM published.{table}"
            parquet_rows = f"SELECT {select} FROM read_parquet('{path}')"
            assert count(con, f"{published_rows} EXCEPT ALL {parquet_rows}") == 0, table
            assert count(con, f"{parquet_rows} EXCEPT ALL {published_rows}") == 0, table
            assert count(con, parquet_rows) == count(con, published_rows), table


def test_every_allow_listed_table_lands_with_exactly_its_rows(hostile):
    assert {"mart_smuggling_prices", "stg_price_observations"} <= set(parquet_files(hostile))
    assert "mart_lineage" not in parquet_files(hostile)  # a view: exported on request only
    assert_set_holds_the_published_rows(hostile)


def test_parts_are_written_in_any_order_and_later_copies_keep_theirs(hostile, tmp_path):
    """The parts are written with DuckDB free to reorder rows (faster); the connection is
    handed back keeping row order, so a CSV extract written on it after stays in the table's
    order."""
    with duckdb.connect(str(hostile.db), read_only=True) as con:
        parts = write_parts(con, "stg_price_observations", tmp_path)
        keeps_order = "SELECT current_setting('preserve_insertion_order')"
        assert con.execute(keeps_order).fetchone()[0] is True
        staged = con.execute("SELECT file_path, count(*) FROM stg_price_observations GROUP BY 1")
        assert {f: p["rows"] for f, p in parts.items()} == dict(staged.fetchall())


def test_a_run_updated_by_file_writes_only_the_parts_of_the_changed_files(
    fixture_workspace, tmp_path
):
    """After a file is added and another deleted, the observation tables keep the other files'
    parts as they were (the same files on disk, not rewritten) and the set still holds exactly
    the published rows."""
    from bench.generate import generate

    ws = fixture_workspace
    ws.run()
    prices = ws.marts / "parquet" / "stg_price_observations"
    before = {p.name: p.stat().st_ino for p in prices.iterdir()}
    deleted = "routes/detections_2020.csv"
    (ws.raw / deleted).unlink()
    added = ws.add(generate(300, tmp_path / "synthetic_b.csv", seed=4), "prices")
    summary = ws.run()
    assert summary.build == "incremental"
    assert_set_holds_the_published_rows(ws)
    after = {p.name: p.stat().st_ino for p in prices.iterdir()}
    assert before.items() < after.items()  # every earlier part kept as it was, one more
    manifest = json.loads((ws.marts / "parquet" / "_manifest.json").read_text("utf-8"))
    tables = manifest["tables"]
    (new_part,) = after.keys() - before.keys()
    new_path = added.relative_to(ws.raw).as_posix()
    assert tables["stg_price_observations"]["parts"][new_path]["part"] == new_part
    # The deleted file was the only routes file: its part is gone, and an empty file with the
    # table's columns stays for readers that need a schema.
    assert tables["stg_route_observations"]["parts"] == {}
    routes = ws.marts / "parquet" / "stg_route_observations"
    assert [p.name for p in routes.iterdir()] == ["stg_route_observations.parquet"]


def test_no_never_exported_column_or_name_reaches_the_parquet_set(hostile):
    # Nor the published DuckDB file: no table has such a column, quarantined raw values
    # leave out source locators, and the interviewee is named nowhere.
    published_columns = {c for (c,) in hostile.query("SELECT column_name FROM duckdb_columns()")}
    assert not published_columns & NEVER_EXPORTED
    assert hostile.query(
        "SELECT count(*) FROM quarantine_rows WHERE CAST(quarantine_rows AS VARCHAR) LIKE ?",
        [f"%{INTERVIEWEE}%"],
    ) == [(0,)]
    with duckdb.connect() as con:
        for table, path in parquet_files(hostile).items():
            assert not {c for c, _ in parquet_columns(con, path)} & NEVER_EXPORTED, table
            for text in (PLANTED_NAME, INTERVIEWEE, "source_locator", "interview"):
                hits = con.execute(
                    "SELECT count(*) FROM read_parquet(?) t WHERE CAST(t AS VARCHAR) LIKE ?",
                    [path, f"%{text}%"],
                ).fetchone()
                assert hits == (0,), (table, text)
        quarantined = con.execute(
            "SELECT obs_id, raw_values FROM read_parquet(?)",
            [parquet_files(hostile)["quarantine_rows"]],
        ).fetchall()
    raw = dict(hostile.query("SELECT obs_id, raw_values FROM quarantine_rows"))
    assert {obs_id for obs_id, _ in quarantined} == set(raw)
    for obs_id, values in quarantined:
        # Every other raw field stays, as text (row_number 7 leaves as "7").
        raw_values = json.loads(raw[obs_id]).items()
        kept = {k: None if v is None else str(v) for k, v in raw_values if k not in NEVER_EXPORTED}
        assert json.loads(values) == kept, obs_id
    manifest = (hostile.marts / "parquet" / "_manifest.json").read_text("utf-8")
    assert PLANTED_NAME not in manifest and INTERVIEWEE not in manifest


def test_a_second_run_replaces_the_whole_set(fixture_workspace):
    ws = fixture_workspace
    ws.run()
    # A table an earlier build published and this one no longer has.
    retired = ws.marts / "parquet" / "mart_retired" / "mart_retired.parquet"
    retired.parent.mkdir()
    retired.write_bytes((ws.marts / "parquet/mart_estimates/mart_estimates.parquet").read_bytes())
    second = ws.run(full_refresh=True)  # with no change the build and its set would be kept
    assert not retired.parent.exists()
    manifest = json.loads((ws.marts / "parquet" / "_manifest.json").read_text("utf-8"))
    assert manifest["run_id"] == second.run_id == ws.query("SELECT run_id FROM build_info")[0][0]
    assert set(manifest["tables"]) == set(parquet_files(ws))
    for table, info in manifest["tables"].items():
        rows = ws.query(f"SELECT count(*) FROM {table}")[0][0]
        assert info["row_count"] == rows, table
        listed = [info["file"].split("/")[-1]] if "file" in info else []
        listed += [part["part"] for part in info.get("parts", {}).values()]
        on_disk = [p.name for p in (ws.marts / "parquet" / table).iterdir()]
        assert sorted(listed) == sorted(on_disk), table
    # The observation-level tables come in one part per raw file.
    parts = manifest["tables"]["stg_price_observations"]["parts"]
    assert parts.keys() == {
        path for (path,) in ws.query("SELECT DISTINCT file_path FROM stg_price_observations")
    }
    assert (
        sum(part["rows"] for part in parts.values())
        == ws.query("SELECT count(*) FROM stg_price_observations")[0][0]
    )
    assert leftovers(ws) == []


def write_with_file_limit(ws: Workspace, limit: int, on_limit: str):
    return subprocess.run(
        [sys.executable, "-B", "-c", WRITE_WITH_FILE_LIMIT, str(ws.marts), str(limit), on_limit],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failed_or_killed_write_leaves_the_previous_set(hostile):
    live = hostile.marts / "parquet"
    before = snapshot(live)
    failed = write_with_file_limit(hostile, 2048, "fail")
    assert failed.returncode != 0 and "File too large" in failed.stderr, failed.stderr
    assert snapshot(live) == before and leftovers(hostile) == []
    killed = write_with_file_limit(hostile, 2048, "die")
    assert killed.returncode < 0  # killed by SIGXFSZ halfway through
    assert snapshot(live) == before and leftovers(hostile) == [".parquet.new"]
    # Killed between the two renames: the next run puts the previous set back first.
    live.rename(hostile.marts / ".parquet.old")
    write_with_file_limit(hostile, 2048, "fail")
    assert snapshot(live) == before and leftovers(hostile) == []
    write_parquet(settings_from(marts_dir=hostile.marts))
    assert set(snapshot(live)) == set(before) and leftovers(hostile) == []
