"""The nightly flow end to end, for real: Prefect, Pandera and DuckDB on small files in a
temporary workspace, checked through a separate read-only connection."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil

import duckdb
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)

from schemas.columns import SENSITIVE_COLUMNS
from tests.conftest import FIXTURES, PROJECT, Workspace
from tests.flows.conftest import assert_equals_a_full_build

pytestmark = pytest.mark.usefixtures("prefect_server")

SUBOTICA = (
    "SELECT n_obs, n_sources, median_eur, min_low_eur, max_high_eur FROM mart_smuggling_prices"
    " WHERE origin_place = 'Subotica' AND destination_country = 'HU'"
)


@pytest.fixture(scope="module")
def built(prefect_server, tmp_path_factory) -> tuple[Workspace, object]:
    """One run on the synthetic fixture files and its summary, shared by the tests that only
    read what it published; a test that changes files or runs again takes its own workspace."""
    root = tmp_path_factory.mktemp("built")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        ws.add(path, path.parent.name)
    return ws, ws.run()


def counts_reconcile(ws) -> bool:
    return all(ok for (ok,) in ws.query("SELECT reconciles FROM ingest_files"))


def test_fixture_run_builds_every_mart_and_reconciles(built):
    ws, summary = built
    assert summary.files == {"new": 2}
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (11, 10, 1)
    assert counts_reconcile(ws)
    # The benchmark splits ingest into its parts with these (summed over files).
    assert set(summary.ingest_seconds) == {"read", "validate", "spool"}
    assert all(seconds > 0 for seconds in summary.ingest_seconds.values())
    # ... and names the slowest SQL models with these: every table and view built.
    assert set(summary.tables) <= set(summary.model_seconds)
    assert "mart_lineage" in summary.model_seconds  # a view: no row count, but a time
    tables = {name for (name,) in ws.query("SHOW TABLES")}
    assert {
        "stg_price_observations", "stg_route_observations", "mart_smuggling_prices",
        "mart_drug_prices", "mart_route_volumes", "mart_estimates", "dim_country_context",
        "ingest_files", "quarantine_rows",
    } <= tables  # fmt: skip
    # A point price (2,000) and a range (2,500-3,500, midpoint 3,000) from two sources.
    assert ws.query(SUBOTICA) == [(2, 2, 2500.0, 2000.0, 3500.0)]


def test_prices_are_converted_to_eur_at_the_observation_period(built):
    ws, _ = built
    eur = dict(ws.query("SELECT obs_id, round(price_mid_eur, 2) FROM stg_price_observations"))
    assert eur["FN003"] == 1000.00  # 1,119.30 USD on 2 Jan 2020: ECB rate 1.1193
    assert eur["FN004"] == 1000.00  # 1,955.83 BAM: the legal peg 1.95583
    assert eur["FN005"] == 20.00  # 2,349.08 RSD in Nov 2019: monthly average 117.454
    kinds = dict(ws.query("SELECT obs_id, fx_rate_kind FROM stg_price_observations"))
    assert (kinds["FN003"], kinds["FN004"], kinds["FN005"]) == (
        "ecb_period_mean", "fixed_peg", "monthly_average",
    )  # fmt: skip


def test_a_price_with_no_rate_for_its_period_is_quarantined_not_guessed(built):
    ws, _ = built
    (rules, reasons) = ws.query(
        "SELECT rules, reasons FROM quarantine_rows WHERE obs_id = 'FN006'"
    )[0]
    assert rules == ["no_fx_rate"]
    assert "RSD for 2020-01-01 to 2020-12-31" in reasons
    assert ws.query("SELECT count(*) FROM stg_price_observations WHERE obs_id = 'FN006'") == [(0,)]


def test_drug_prices_compare_per_gram_and_per_kg(built):
    ws, _ = built
    rows = ws.query(
        "SELECT drug, market_level, country, price_unit, median_eur FROM mart_drug_prices"
        " ORDER BY drug"
    )
    assert rows == [
        ("cannabis_herb", "wholesale", "AL", "per_kg", 1500.0),  # stated as EUR 1.5 per gram
        ("heroin", "retail", "BA", "per_gram", 20.0),
    ]


def test_estimates_are_kept_apart_from_prices(built):
    ws, _ = built
    assert ws.query("SELECT obs_id, value_low_eur, value_high_eur FROM mart_estimates") == [
        ("FN008", 1_000_000.0, 2_000_000.0)
    ]
    assert ws.query("SELECT count(*) FROM mart_smuggling_prices WHERE max_high_eur > 1e6") == [(0,)]


def test_revised_and_preliminary_route_figures_stay_apart(built):
    ws, _ = built
    rows = ws.query(
        "SELECT figure_status, value FROM mart_route_volumes"
        " WHERE route_or_leg = 'western_balkan_route' AND period_grain = 'month'"
        " ORDER BY figure_status"
    )
    assert rows == [("preliminary", 1100.0), ("revised", 1200.0)]


def pipeline_runs(ws) -> dict[str, str]:
    """run id -> status, from the run log in the private ingest database."""
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        return dict(con.execute("SELECT run_id, status FROM pipeline_runs").fetchall())


def test_a_second_run_with_no_change_keeps_the_published_build(fixture_workspace):
    ws = fixture_workspace
    first = ws.run()
    published = {p: p.stat().st_mtime_ns for p in ws.marts.rglob("*") if "_state" not in p.parts}
    before = {
        t: ws.query(f"SELECT * FROM {t} ORDER BY ALL")
        for t in (
            "mart_smuggling_prices",
            "mart_drug_prices",
            "mart_route_volumes",
            "mart_estimates",
            "quarantine_rows",
        )
    }
    summary = ws.run()
    assert summary.files == {"unchanged": 2}
    assert summary.kept_build == first.run_id
    assert (summary.rows_read, summary.rows_staged, summary.rows_quarantined) == (11, 10, 1)
    assert summary.tables == first.tables
    assert pipeline_runs(ws) == {first.run_id: "published", summary.run_id: "no_change"}
    # Nothing published was rewritten: the build, extracts, Parquet set, figures and report.
    assert ws.query("SELECT run_id FROM build_info") == [(first.run_id,)]
    assert {
        p: p.stat().st_mtime_ns for p in ws.marts.rglob("*") if "_state" not in p.parts
    } == published
    for table, rows in before.items():
        assert ws.query(f"SELECT * FROM {table} ORDER BY ALL") == rows, table
    # --full-refresh always rebuilds.
    refreshed = ws.run(full_refresh=True)
    assert not refreshed.kept_build and refreshed.files == {"new": 2}
    assert ws.query("SELECT run_id FROM build_info") == [(refreshed.run_id,)]


def test_a_changed_sql_model_or_reference_file_rebuilds(fixture_workspace, tmp_path, monkeypatch):
    ws = fixture_workspace
    sql, reference = tmp_path / "sql", tmp_path / "reference"
    shutil.copytree(PROJECT / "sql", sql)
    shutil.copytree(PROJECT / "data" / "reference", reference)
    monkeypatch.setenv("SPOTPRICES_REFERENCE_DIR", str(reference))
    from flows import nightly

    real = nightly.settings_from
    monkeypatch.setattr(
        nightly, "settings_from", lambda *a: dataclasses.replace(real(*a), sql_dir=sql)
    )
    assert ws.run().build == "full"
    model = sql / "marts" / "mart_estimates.sql"
    model.write_text("-- Edited for a test.\n" + model.read_text("utf-8"), encoding="utf-8")
    edited = ws.run()
    assert not edited.kept_build and edited.build == "full"
    assert ws.query("SELECT run_id FROM build_info") == [(edited.run_id,)]
    (comment,) = ws.query("SELECT comment FROM duckdb_tables() WHERE table_name = 'mart_estimates'")
    assert comment[0].startswith("Edited for a test.")
    assert ws.run().kept_build == edited.run_id  # and now nothing changed
    zones = reference / "market_zones.csv"
    zones.write_text(zones.read_text("utf-8").replace("modelling choice", "model"), "utf-8")
    rebuilt = ws.run()
    assert not rebuilt.kept_build and rebuilt.build == "full"
    assert ws.query("SELECT run_id FROM build_info") == [(rebuilt.run_id,)]


def test_a_changed_file_replaces_all_rows_it_contributed(fixture_workspace):
    ws = fixture_workspace
    ws.run()
    path = ws.raw / "prices" / "field_notes_2020.csv"
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    kept = [row for row in rows if row.startswith("FN001")]
    path.write_text("\n".join([header, *kept]) + "\n", encoding="utf-8")
    summary = ws.run()
    assert summary.files == {"changed": 1, "unchanged": 1}
    assert ws.query("SELECT obs_id FROM stg_price_observations") == [("FN001",)]
    assert ws.query("SELECT count(*) FROM quarantine_rows") == [(0,)]
    assert ws.query(SUBOTICA) == [(1, 1, 2000.0, 2000.0, 2000.0)]
    assert counts_reconcile(ws)


def test_a_run_under_the_same_rules_updates_the_build_by_file_and_equals_a_full_build(
    fixture_workspace, tmp_path
):
    """New, changed and deleted files: the run starts from the standby (after a full build, a
    copy of it; then the build the published one replaced, a run behind) and its incremental
    models have the rows of the files changed since replaced; every table then equals a build
    made from nothing out of the same ingest database."""
    from bench.generate import generate

    ws = fixture_workspace
    ws.add(generate(1500, tmp_path / "synthetic_a.csv", seed=3), "prices")
    ws.add(FIXTURES / "messy" / "prices_cp1250_semicolon.csv", "prices")
    ws.add(FIXTURES / "messy" / "prices_workbook.xlsx", "prices")
    first = ws.run()
    assert (first.build, first.build_start) == ("full", "new")

    ws.add(generate(300, tmp_path / "synthetic_b.csv", seed=4, offset=1500), "prices")
    ws.add(FIXTURES / "messy" / "prices_utf8_bom.csv", "prices")
    notes = ws.raw / "prices" / "field_notes_2020.csv"
    header, *rows = notes.read_text(encoding="utf-8").splitlines()
    notes.write_text("\n".join([header, *rows[:2]]) + "\n", encoding="utf-8")
    (ws.raw / "prices" / "prices_cp1250_semicolon.csv").unlink()
    summary = ws.run()
    assert (summary.build, summary.build_start) == ("incremental", "standby")
    assert summary.files == {"new": 2, "changed": 1, "deleted": 1, "unchanged": 3}
    assert counts_reconcile(ws)
    assert len(assert_equals_a_full_build(ws)["stg_price_observations"]) > 1500

    # The standby is now the first run's build: it lacks the second run's changes too.
    ws.add(generate(200, tmp_path / "synthetic_c.csv", seed=5, offset=1800), "prices")
    (ws.raw / "prices" / "synthetic_b.csv").unlink()
    notes.write_text("\n".join([header, *rows[:1]]) + "\n", encoding="utf-8")
    third = ws.run()
    assert (third.build, third.build_start) == ("incremental", "standby")
    assert third.files == {"new": 1, "changed": 1, "deleted": 1, "unchanged": 4}
    assert counts_reconcile(ws)
    assert len(assert_equals_a_full_build(ws)["stg_price_observations"]) > 1500


def test_a_run_that_only_adds_files_appends_their_rows_to_the_observation_extract(
    fixture_workspace, tmp_path
):
    """The observation-level CSV (3 GB at 10M rows) is appended to, not written again, when
    files were only added; it then holds what an extract written from nothing holds. An
    extract someone saved over is written again."""
    from bench.generate import generate
    from flows.export import export, sidecar_paths

    ws = fixture_workspace
    ws.run()
    extract = ws.marts / "extracts" / "stg_price_observations.csv"
    before = extract.read_bytes()

    def written_from_nothing() -> bytes:
        fresh = tmp_path / "fresh" / extract.name
        with duckdb.connect(str(ws.db), read_only=True) as con:
            export(con, "stg_price_observations", fresh, "csv")
        return fresh.read_bytes()

    ws.add(generate(300, tmp_path / "synthetic_b.csv", seed=4), "prices")
    summary = ws.run()
    assert summary.build == "incremental" and summary.files == {"new": 1, "unchanged": 2}
    after = extract.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert sorted(after.splitlines()) == sorted(written_from_nothing().splitlines())
    provenance = json.loads(sidecar_paths(extract)[1].read_text("utf-8"))
    (rows,) = ws.query("SELECT count(*) FROM stg_price_observations")[0]
    assert provenance["row_count"] == rows and provenance["run_id"] == summary.run_id

    extract.write_bytes(before)  # an old copy saved over it
    ws.add(generate(200, tmp_path / "synthetic_c.csv", seed=5, offset=300), "prices")
    assert ws.run().build == "incremental"
    assert extract.read_bytes() == written_from_nothing()


def test_a_run_that_only_adds_files_checks_only_their_observations_with_the_same_outcome(
    fixture_workspace, tmp_path
):
    """The observation tables' checks run on the added file's rows alone, merged with the
    published build's results, and come out as a check of every row does."""
    from bench.generate import generate
    from flows.quality import check_build

    ws = fixture_workspace
    ws.run()
    ws.add(generate(300, tmp_path / "synthetic_b.csv", seed=4), "prices")
    assert ws.run().build == "incremental"
    docs = ws.marts / "data_docs" / "validations" / "stg_price_observations"
    (page,) = docs.rglob("*.html")
    assert "only the rows of the added files" in page.read_text("utf-8")
    merged = ws.query(
        'SELECT "table", expectation, "columns", result, observed FROM expectation_results'
        " WHERE \"table\" LIKE 'stg_%' AND expectation <> 'expect_table_row_count_to_be_between'"
        " ORDER BY rowid"
    )
    checked = check_build(ws.db, None, tmp_path / "docs")  # every row, in a build of its own
    every_row = [
        (o["table"], o["expectation"], o["columns"], o["result"], o["observed"])
        for o in checked.table_rows()
        if o["table"].startswith("stg_")
    ]
    assert merged and merged == every_row


def test_a_deleted_file_has_its_rows_retired(fixture_workspace):
    ws = fixture_workspace
    ws.run()
    (ws.raw / "routes" / "detections_2020.csv").unlink()
    summary = ws.run()
    assert summary.files == {"deleted": 1, "unchanged": 1}
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(0,)]
    assert ws.query("SELECT status, rows_staged FROM ingest_files WHERE dataset = 'routes'") == [
        ("deleted", 0)
    ]


def test_bad_rows_are_quarantined_with_file_row_and_every_rule(workspace):
    ws = workspace
    source = FIXTURES / "raw" / "prices" / "field_notes_2020.csv"
    header, first, *_ = source.read_text(encoding="utf-8").splitlines()
    bad = first.replace("FN001,people", "BAD1,weapons").replace(
        ",RS,Subotica,HU,", ",RS,Subotica,ZZ,"
    )
    (ws.raw / "prices" / "mixed.csv").write_text(
        "\n".join([header, first, bad]) + "\n", encoding="utf-8"
    )
    summary = ws.run()
    assert (summary.rows_staged, summary.rows_quarantined) == (1, 1)
    ((file_path, row_number, rules, reasons, raw),) = ws.query(
        "SELECT file_path, row_number, rules, reasons, raw_values FROM quarantine_rows"
    )
    assert (file_path, row_number) == ("prices/mixed.csv", 3)
    assert rules == ["country_iso3166", "flow_known"]
    assert "destination_country = ZZ" in reasons and "people, drugs or money" in reasons
    assert '"obs_id":"BAD1"' in raw


def test_free_text_notes_reach_no_mart_and_no_extract(built):
    ws, _ = built
    name = "Testović"  # planted in the notes of FN001
    for (table,) in ws.query("SHOW TABLES"):
        columns = {c for (c,) in ws.query(f"SELECT column_name FROM (DESCRIBE {table})")}
        assert not columns & set(SENSITIVE_COLUMNS), table
        hits = ws.query(
            f"SELECT count(*) FROM {table} t WHERE CAST(t AS VARCHAR) LIKE ?", [f"%{name}%"]
        )
        assert hits == [(0,)], table
    for extract in (ws.marts / "extracts").glob("*.csv"):
        assert name not in extract.read_text(encoding="utf-8"), extract.name


def test_an_unreadable_file_is_recorded_and_the_others_still_publish(fixture_workspace):
    ws = fixture_workspace
    (ws.raw / "routes" / "bihac_cp1250.csv").write_bytes(
        "obs_id,metric,route_or_leg\nX1,pushbacks,Bihać\n".encode("cp1250")
    )
    (ws.raw / "routes" / "scan.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    summary = ws.run()
    assert list(summary.failed_files) == ["routes/scan.csv"]
    ((status, error),) = ws.query(
        "SELECT status, error FROM ingest_files WHERE file_path = 'routes/scan.csv'"
    )
    assert status == "failed" and "PDF" in error
    # A Windows-1250 file is read (not failed as "not UTF-8"), its encoding recorded.
    assert ws.query(
        "SELECT status, encoding FROM ingest_files WHERE file_path = 'routes/bihac_cp1250.csv'"
    ) == [("new", "cp1250")]
    assert ws.query(
        "SELECT raw_values->>'route_or_leg' FROM quarantine_rows"
        " WHERE file_path = 'routes/bihac_cp1250.csv'"
    ) == [("Bihać",)]
    assert ws.query(SUBOTICA)[0][0] == 2


def test_every_published_column_is_documented(built):
    ws, _ = built
    undocumented = ws.query(
        "SELECT table_name || '.' || column_name FROM duckdb_columns()"
        " WHERE database_name = current_database() AND comment IS NULL"
        " AND NOT starts_with(table_name, 'ref_')"
    )
    assert undocumented == []
    assert ws.query(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND comment IS NULL AND NOT starts_with(table_name, 'ref_')"
    ) == [(0,)]


def test_every_mart_lands_as_a_csv_extract(built):
    ws, _ = built
    extracts = {p.stem for p in (ws.marts / "extracts").glob("*.csv")}
    assert {
        "mart_smuggling_prices", "mart_drug_prices", "mart_route_volumes", "mart_estimates",
        "dim_country_context", "ingest_files", "quarantine_rows",
    } <= extracts  # fmt: skip
    header = (ws.marts / "extracts" / "mart_smuggling_prices.csv").read_text("utf-8-sig")
    header = header.splitlines()[0]
    assert header.startswith("leg,origin_country,origin_place")


def test_unknown_columns_are_kept_in_the_raw_layer_not_published(workspace):
    ws = workspace
    source = FIXTURES / "raw" / "routes" / "detections_2020.csv"
    header, first, *_ = source.read_text(encoding="utf-8").splitlines()
    (ws.raw / "routes" / "extra.csv").write_text(
        f"{header},Field Team\n{first},Team Bihać\n", encoding="utf-8"
    )
    ws.run()
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        extra = con.execute("SELECT extra FROM raw_routes_rows").fetchone()[0]
    assert json.loads(extra) == {"field_team": "Team Bihać"}
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(1,)]


def test_the_run_is_recorded_in_the_prefect_server(built):
    ws, summary = built

    async def read_run():
        async with get_client() as client:
            (run,) = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[summary.run_id]))
            )
            return run

    async def read_artifacts():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[summary.run_id])
                )
            )

    run = asyncio.run(read_run())
    assert run.state.is_completed()
    assert run.parameters["marts_dir"] == str(ws.marts)
    artifacts = {artifact.key: artifact for artifact in asyncio.run(read_artifacts())}
    assert {"nightly-summary", "nightly-run"} <= set(artifacts)
    assert "11 read = 10 staged + 1 quarantined" in artifacts["nightly-summary"].data
    assert "expectations passed" in str(artifacts["nightly-run"].data)
