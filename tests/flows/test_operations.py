"""Operating the nightly run: one run at a time, readers never blocked, crashes that lose
nothing, retries, a full refresh equal to incremental runs, and a run log people can read."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import pytest

from flows.cli import EXIT_BUSY, EXIT_FAILED, main
from flows.lock import run_lock
from flows.quality import QualityGateFailed
from flows.runs import INTERRUPTED_ERROR
from tests.conftest import FIXTURES, PROJECT, Workspace

pytestmark = pytest.mark.usefixtures("prefect_server")

COMPARED = (
    "stg_price_observations", "stg_route_observations", "mart_smuggling_prices",
    "mart_drug_prices", "mart_route_volumes", "mart_estimates", "dim_country_context",
)  # fmt: skip


def snapshot(ws) -> dict[str, list[tuple]]:
    """The published marts' contents, and the manifest and quarantine without run ids."""
    tables = {t: ws.query(f"SELECT * FROM {t} ORDER BY ALL") for t in COMPARED}
    tables["ingest_files"] = ws.query(
        "SELECT file_path, content_hash, rows_read, rows_staged, rows_quarantined"
        " FROM ingest_files WHERE status <> 'deleted' ORDER BY ALL"
    )
    tables["quarantine_rows"] = ws.query(
        "SELECT file_path, row_number, rules, reasons FROM quarantine_rows ORDER BY ALL"
    )
    return tables


def edit_prices(ws) -> None:
    """Drop the last row of the fixture price file: a change the next run must pick up."""
    path = ws.raw / "prices" / "field_notes_2020.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")


def test_a_second_run_while_one_is_in_progress_exits_at_once_and_changes_nothing(
    fixture_workspace,
):
    ws = fixture_workspace
    with run_lock(ws.marts / "_state"):
        started = time.monotonic()
        code = main(["run", "--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts)])
        assert code == EXIT_BUSY
        assert time.monotonic() - started < 30
    assert not ws.db.exists()
    assert not (ws.marts / "_state" / "ingest.duckdb").exists()


def test_a_run_refused_for_a_busy_marts_folder_prints_no_traceback(fixture_workspace):
    """Another run in progress is expected: the command says so in one line, and Prefect's
    log says the flow run failed without a traceback (cron mails it to someone)."""
    ws = fixture_workspace
    with run_lock(ws.marts / "_state"):
        done = subprocess.run(cli_command(ws), env=cli_env(), capture_output=True, text=True)
    assert done.returncode == EXIT_BUSY
    busy = "spotprices run: another run is in progress (pid "
    assert any(line.startswith(busy) for line in done.stderr.splitlines()), done.stderr
    assert "RunInProgress" in done.stderr  # Prefect's one line, the flow run marked failed
    assert "Traceback" not in done.stderr + done.stdout


def test_a_run_refused_for_an_empty_raw_folder_prints_no_traceback(fixture_workspace):
    """An empty raw folder where the published build has files (a share not mounted) is an
    expected condition too: refused in one line, and no traceback from Prefect."""
    ws = fixture_workspace
    ws.run()
    for dataset in ("prices", "routes"):
        shutil.rmtree(ws.raw / dataset)
        (ws.raw / dataset).mkdir()
    done = subprocess.run(cli_command(ws), env=cli_env(), capture_output=True, text=True)
    assert done.returncode == EXIT_FAILED
    assert "holds no observation files" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_full_refresh_yields_the_same_marts_as_incremental_runs(workspace):
    ws = workspace
    prices = FIXTURES / "raw" / "prices" / "field_notes_2020.csv"
    ws.add(prices, "prices")
    ws.run()
    ws.add(FIXTURES / "raw" / "routes" / "detections_2020.csv", "routes")
    ws.run()
    edit_prices(ws)
    ws.run()
    incremental = snapshot(ws)
    summary = ws.run(full_refresh=True)
    assert summary.files == {"new": 2}
    assert snapshot(ws) == incremental


READER = textwrap.dedent(
    """
    import sys, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    query = "SELECT count(*) FROM stg_price_observations"
    print(con.execute(query).fetchone()[0], flush=True)
    sys.stdin.readline()  # the run happens now
    print(con.execute(query).fetchone()[0], flush=True)
    con.close()
    print(duckdb.connect(path, read_only=True).execute(query).fetchone()[0], flush=True)
    """
)


def start_reader(script: str, db) -> subprocess.Popen:
    """An analyst's process (DuckDB's locks are per process) running ``script`` on ``db``,
    fed lines on stdin, answering on stdout."""
    return subprocess.Popen(
        [sys.executable, "-c", script, str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_a_reader_holding_the_marts_open_never_blocks_or_sees_a_half_build(fixture_workspace):
    ws = fixture_workspace
    ws.run()
    reader = start_reader(READER, ws.db)
    try:
        assert reader.stdout.readline().strip() == "7"  # the reader holds the file open
        edit_prices(ws)
        summary = ws.run()  # never blocked by the reader
        assert summary.rows_staged == 9
        out, _ = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    old_connection, new_connection = out.split()
    assert (old_connection, new_connection) == ("7", "6")


HOLDING_READER = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=True)
    query = "SELECT count(*) FROM stg_price_observations"
    print(con.execute(query).fetchone()[0], flush=True)
    for _ in sys.stdin:  # a line after each run
        print(con.execute(query).fetchone()[0], flush=True)
    """
)


def test_a_reader_holding_the_marts_over_two_runs_keeps_its_build_and_the_next_copies(
    fixture_workspace, tmp_path
):
    """The file a publish replaces becomes the standby, the start of the next build. A reader
    who opened it before that publish still holds it: the next build must not write into it,
    and starts from a copy of the published build instead."""
    ws = fixture_workspace
    ws.run()
    reader = start_reader(HOLDING_READER, ws.db)
    try:
        assert reader.stdout.readline().strip() == "7"
        edit_prices(ws)
        assert ws.run().build_start == "standby"  # a copy made after the first, full build
        edit_prices(ws)
        third = ws.run()  # the standby is now the file the reader holds
        assert third.build_start == "copy"
        reader.stdin.write("after the third run\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "7"  # its build, whole and unchanged
    finally:
        reader.kill()
        reader.wait()
    assert ws.query("SELECT count(*) FROM stg_price_observations") == [(5,)]
    ws.add(FIXTURES / "raw" / "prices" / "field_notes_2020.csv", "prices", "more_notes.csv")
    fourth = ws.run()  # the reader is gone: the standby is the second run's build
    assert fourth.build_start == "standby"
    clean = Workspace(raw=ws.raw, marts=tmp_path / "from_nothing")
    clean.run()
    assert snapshot(ws) == snapshot(clean)


def flaky_reader(monkeypatch, name: str, failures: int) -> list[int]:
    """Make opening ``name`` fail with an OSError ``failures`` times, as a file held open by
    another program does on Windows; returns the list of attempts."""
    from flows import ingest

    attempts = []
    real = ingest.read_chunks

    def read_chunks(path, *args):
        if path.name == name:
            attempts.append(1)
            if len(attempts) <= failures:
                raise PermissionError(13, "locked by another program", str(path))
        return real(path, *args)

    monkeypatch.setattr(ingest, "read_chunks", read_chunks)
    monkeypatch.setenv("SPOTPRICES_INGEST_RETRY_DELAYS", "0,0")
    return attempts


def test_a_file_locked_for_a_moment_is_retried_and_read(fixture_workspace, monkeypatch):
    ws = fixture_workspace
    attempts = flaky_reader(monkeypatch, "detections_2020.csv", failures=1)
    summary = ws.run()
    assert len(attempts) == 2 and not summary.failed_files
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(3,)]


def test_a_file_that_stays_locked_is_recorded_and_the_rest_publishes(
    fixture_workspace, monkeypatch
):
    ws = fixture_workspace
    attempts = flaky_reader(monkeypatch, "detections_2020.csv", failures=99)
    summary = ws.run()
    assert len(attempts) == 3
    reason = summary.failed_files["routes/detections_2020.csv"]
    assert reason.startswith("gave up after 3 tries: PermissionError")
    assert ws.query(
        "SELECT status FROM ingest_files WHERE file_path = 'routes/detections_2020.csv'"
    ) == [("failed",)]
    assert summary.rows_staged == 7  # the price file went on


def test_each_run_is_logged_and_status_shows_it(fixture_workspace, capsys):
    ws = fixture_workspace
    first = ws.run()
    second = ws.run()  # nothing changed: the published build is kept
    from flows.status import describe, quarantine_listing

    text = describe(str(ws.marts))
    assert second.run_id in text and first.run_id in text
    assert "published " in text and "no_change " in text
    assert f"published: {first.run_id}" in text
    assert "no_fx_rate" in text and "freshness" in text
    listing = quarantine_listing(str(ws.marts), "field_notes")
    assert "row 7 (FN006)" in listing and "no_fx_rate" in listing


def run_log(ws) -> list[tuple[str, str | None]]:
    """Each run's status and error, oldest first."""
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        return con.execute("SELECT status, error FROM pipeline_runs ORDER BY started_at").fetchall()


def harness_api_url() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def cli_env() -> dict[str, str]:
    return os.environ | {"PREFECT_API_URL": harness_api_url(), "PYTHONPATH": str(PROJECT)}


def cli_command(ws) -> list[str]:
    """`spotprices run` on the workspace, as cron calls it (with the test Prefect server)."""
    command = [sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(ws.raw)]
    return command + ["--marts-dir", str(ws.marts)]


def start_run(ws, output=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        cli_command(ws), env=cli_env(), cwd=PROJECT, stdout=output, stderr=output, text=True
    )


def spooled(ws) -> bool:
    """Whether the run has spooled rows yet. Runs clear the spool as they start and once it is
    staged, so a folder may vanish while it is being scanned: that is "not yet"."""
    try:
        return any((ws.marts / "_state" / "spool").rglob("raw-*.parquet"))
    except FileNotFoundError:
        return False


def published_changed(ws, mtime):
    return lambda: ws.db.stat().st_mtime != mtime


def run_until(ws, stage: str, output=subprocess.DEVNULL) -> subprocess.Popen:
    """Start ``spotprices run`` on the workspace and return it once it has reached ``stage``
    (ingest: rows spooled; build: a build file opened; publish: the published file replaced),
    still running."""
    triggers = {
        "ingest": lambda: spooled(ws),
        "build": lambda: any((ws.marts / "_state").glob("build-*.duckdb")),
        "publish": published_changed(ws, ws.db.stat().st_mtime),
    }
    run = start_run(ws, output)
    deadline = time.monotonic() + 120
    while not triggers[stage]() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert run.poll() is None, f"the run ended before reaching {stage}"
    return run


@pytest.mark.parametrize("stage", ["ingest", "build", "publish"])
def test_a_run_killed_at_any_stage_loses_nothing(fixture_workspace, tmp_path, stage):
    ws = fixture_workspace
    ws.run()
    before = snapshot(ws)
    edit_prices(ws)
    run = run_until(ws, stage)
    run.send_signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL
    # The published marts are a whole build, old or new, never a mix.
    assert all(ok for (ok,) in ws.query("SELECT reconciles FROM ingest_files"))
    assert ws.query("SELECT count(*) FROM stg_price_observations")[0][0] in (7, 6)
    assert run_log(ws)[-1] == ("running", None)  # it could not say how it ended
    # The next run completes and gives what an uninterrupted run gives; it never keeps a
    # build whose run did not finish (its extracts, Parquet set and report may be missing).
    following = ws.run()
    assert not following.kept_build
    # Holding the lock, it knows the killed run is not running: the log says interrupted.
    killed = ("interrupted", f"{INTERRUPTED_ERROR} {following.run_id}")
    assert run_log(ws) == [("published", None), killed, ("published", None)]
    from flows.status import describe

    assert "running" not in describe(str(ws.marts))
    assert f"interrupted{' ' * 16}" in describe(str(ws.marts))
    after = snapshot(ws)
    assert after != before
    clean = Workspace(raw=ws.raw, marts=tmp_path / "uninterrupted")
    clean.run()
    assert after == snapshot(clean)


@pytest.mark.parametrize("stage", ["ingest", "build"])
def test_a_run_stopped_by_sigterm_says_so_and_the_next_run_recovers(
    fixture_workspace, tmp_path, stage
):
    """A cron timeout or a service manager sends SIGTERM: the run says it was stopped by it
    (not DuckDB's "Query interrupted"), in one line, exit 143, and so does the run log."""
    ws = fixture_workspace
    ws.run()
    before = snapshot(ws)
    edit_prices(ws)
    run = run_until(ws, stage, subprocess.PIPE)
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 128 + signal.SIGTERM, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("spotprices run: stopped by SIGTERM; the published marts stay whole")
    assert "Query interrupted" not in err and "Traceback" not in err + out
    assert snapshot(ws) == before  # stopped before publishing: the previous build stays live
    assert run_log(ws)[-1] == ("stopped", "stopped by SIGTERM")
    from flows.status import describe

    assert "stopped" in describe(str(ws.marts)) and "error: stopped by SIGTERM" in describe(
        str(ws.marts)
    )
    # The next run recovers as after any failure: it rebuilds, as an uninterrupted run would.
    assert not ws.run().kept_build
    clean = Workspace(raw=ws.raw, marts=tmp_path / "uninterrupted")
    clean.run()
    assert snapshot(ws) == snapshot(clean)


def test_a_new_build_clears_what_a_killed_run_left_even_its_spill_folder(tmp_path):
    from flows.build import open_build
    from flows.config import settings_from

    settings = settings_from(str(tmp_path / "raw"), str(tmp_path / "marts"))
    settings.state_dir.mkdir(parents=True)
    left = settings.state_dir / "build-killed.duckdb"
    left.write_bytes(b"half a build")
    (settings.state_dir / "build-killed.duckdb.wal").write_bytes(b"")
    (settings.state_dir / "build-killed.duckdb.tmp").mkdir()
    (settings.state_dir / "build-killed.duckdb.tmp" / "spill.block").write_bytes(b"")
    (settings.state_dir / "standby.duckdb.partial").write_bytes(b"half a copy")
    target = open_build(settings, "next").path
    builds = sorted(p.name for p in settings.state_dir.glob("build-*"))
    assert builds == ["build-next.duckdb"]
    assert not list(settings.state_dir.glob("standby*"))
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ref_fx_rates").fetchone()[0] > 0


def test_a_build_copied_from_the_published_one_carries_none_of_its_stamp(fixture_workspace):
    """A run that updates the published build and cannot take the standby starts from a copy
    of it, which holds that build's build_info and check results until this build is
    stamped."""
    from flows.build import open_build, stamp_build
    from flows.config import settings_from

    ws = fixture_workspace
    published = ws.run()
    settings = settings_from(str(ws.raw), str(ws.marts))
    target = open_build(settings, "next", base=settings.published_db).path
    stamp_build(target, "next", {"run_id": "next"}, expectations=None)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("SELECT run_id FROM build_info").fetchall() == [("next",)]
        tables = {
            name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
    assert "expectation_results" not in tables
    assert ws.query("SELECT run_id FROM build_info") == [(published.run_id,)]  # left as it was


def test_a_standby_made_under_other_rules_is_not_taken(fixture_workspace):
    """The standby only replaces the rows of the files changed since it was built: a build
    made under other rules (SQL, reference tables, code) is wrong in every row, so the build
    starts from a copy of the published one and the standby is cleared."""
    from flows.build import open_build
    from flows.config import settings_from

    ws = fixture_workspace
    published = ws.run()
    settings = settings_from(str(ws.raw), str(ws.marts))
    assert settings.standby_db.exists()  # a copy of the full build
    same = open_build(settings, "same", settings.published_db, published.rules_fingerprint)
    assert same.start == "standby"
    shutil.copyfile(settings.published_db, settings.standby_db)
    other = open_build(settings, "other", settings.published_db, "other rules")
    assert other.start == "copy"
    assert not settings.standby_db.exists()
    with duckdb.connect(str(other.path), read_only=True) as con:
        assert con.execute("SELECT run_id FROM build_info").fetchall() == [(published.run_id,)]


def test_a_standby_that_cannot_be_written_is_reported_and_leaves_nothing_behind(tmp_path):
    """The standby only spares the next run a copy: when it cannot be written (here its
    place is taken by a folder; a full disk alike), the run that published goes on."""
    from flows.config import settings_from
    from flows.publish import keep_standby

    settings = settings_from(str(tmp_path / "raw"), str(tmp_path / "marts"))
    settings.standby_db.mkdir(parents=True)
    (settings.standby_db / "in the way").write_bytes(b"")
    with duckdb.connect(str(settings.published_db)) as con:
        con.execute("CREATE TABLE build_info AS SELECT 'published' AS run_id")
    error = keep_standby(settings)
    assert isinstance(error, OSError)
    assert not settings.standby_partial.exists()
    with duckdb.connect(str(settings.published_db), read_only=True) as con:
        assert con.execute("SELECT run_id FROM build_info").fetchall() == [("published",)]


def test_a_blocking_expectation_stops_the_publish_and_says_why(
    fixture_workspace, tmp_path, monkeypatch
):
    ws = fixture_workspace
    first = ws.run()
    reference = tmp_path / "reference"
    shutil.copytree(PROJECT / "data" / "reference", reference)
    scores = reference / "oc_index_scores.csv"
    text = scores.read_text(encoding="utf-8")
    scores.write_text(
        text.replace("RS,Serbia,2021,human_smuggling,6.50", "RS,Serbia,2021,human_smuggling,65.0"),
        encoding="utf-8",
    )
    monkeypatch.setenv("SPOTPRICES_REFERENCE_DIR", str(reference))
    added = ws.add(FIXTURES / "messy" / "prices_utf8_bom.csv", "prices")  # staged, not published
    with pytest.raises(QualityGateFailed) as failed:
        ws.run()
    assert "dim_country_context" in str(failed.value) and "human_smuggling" in str(failed.value)
    # The previous build stays published, and the run log says what happened.
    assert ws.query("SELECT run_id FROM build_info") == [(first.run_id,)]
    assert (ws.marts / "data_docs" / "index.html").exists()
    from flows.status import describe

    assert "QualityGateFailed" in describe(str(ws.marts))
    # As cron sees it: one line naming the failures and the Data Docs, no traceback.
    done = subprocess.run(cli_command(ws), env=cli_env(), capture_output=True, text=True)
    assert done.returncode == EXIT_FAILED and "blocking expectation(s) failed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    # With the reference table put back, the inputs are those of the published build again,
    # but the failed check's Data Docs are in place: the next run builds and checks again.
    monkeypatch.delenv("SPOTPRICES_REFERENCE_DIR")
    again = ws.run()
    assert not again.kept_build
    assert ws.query("SELECT run_id FROM build_info") == [(again.run_id,)]
    # The file the failed run staged is unchanged now, but the published build never had its
    # rows: a run after a failed one builds from nothing, not from the published build.
    assert again.build == "full"
    staged = "SELECT count(*) FROM stg_price_observations WHERE file_path = ?"
    assert ws.query(staged, [f"prices/{added.name}"])[0][0] > 0
