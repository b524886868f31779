"""`spotprices run` on the bundled real data, and `spotprices status`, as a user types them."""

from __future__ import annotations

import io
import os
import re
import shutil
import stat
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout

import duckdb
import pytest

from flows.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from flows.config import settings_from
from flows.dictionary import DEFAULT_OUT, default_out
from tests.conftest import FIXTURES, PROJECT, Workspace

pytestmark = pytest.mark.usefixtures("prefect_server")


def spotprices(*args: str) -> tuple[int, str, str]:
    """Run the command in-process; return its exit code, standard output and error.

    Not pytest's capsys: Prefect's log handler would keep its captured stream after the test.
    """
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def bundled(prefect_server, tmp_path_factory) -> tuple[Workspace, int, str]:
    """One `spotprices run` on the bundled data, shared by the tests that read what it
    published; its exit code and standard output. A test may run again with no change (which
    keeps the published build), never change the data."""
    root = tmp_path_factory.mktemp("bundled")
    ws = Workspace(raw=root / "raw", marts=root / "marts")
    shutil.copytree(PROJECT / "data" / "raw", ws.raw)
    code, out, _ = spotprices("run", "--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))
    return ws, code, out


def test_run_on_the_bundled_data(bundled):
    ws, code, out = bundled
    assert code == EXIT_OK
    assert "715 read = 713 staged + 2 quarantined" in out
    assert "build:  full" in out  # a first run builds from nothing
    assert str(ws.db) in out and str(ws.marts / "extracts") in out
    assert str(ws.marts / "parquet") in out
    # il Giornale: "2,500 euros to cross the Serbian-Hungarian border from Subotica".
    assert ws.query(
        "SELECT median_eur, n_obs FROM mart_smuggling_prices"
        " WHERE origin_place = 'Subotica' AND destination_country = 'HU'"
    ) == [(2500.0, 1)]
    # Greece -> Albania: "dai mille ai 2.500 euro" is a range; its midpoint is the estimate.
    assert ws.query(
        "SELECT min_low_eur, max_high_eur, median_eur FROM mart_smuggling_prices"
        " WHERE leg = 'GR->AL'"
    ) == [(1000.0, 2500.0, 1750.0)]
    # Two rows break published rules and are quarantined, not dropped.
    assert ws.query("SELECT obs_id, rules FROM quarantine_rows ORDER BY obs_id") == [
        ("SP010", ["origin_differs_from_destination"]),
        ("SP021", ["people_price_has_leg"]),
    ]
    # GI-TOC's 2020 estimate of the Western Balkan smuggling market: at least EUR 50 million.
    assert ws.query("SELECT value_low_eur FROM mart_estimates WHERE obs_id = 'SP023'") == [
        (50_000_000.0,)
    ]
    # Frontex (revised data file): 2,995 detections on the Western Balkan route in 2009.
    assert ws.query(
        "SELECT value FROM mart_route_volumes WHERE route_or_leg = 'western_balkan_route'"
        " AND period_grain = 'year' AND period_start = DATE '2009-01-01'"
        " AND figure_status = 'revised' AND origin_country IS NULL"
    ) == [(2995.0,)]
    assert ws.query(
        "SELECT human_smuggling FROM dim_country_context WHERE country = 'RS' AND edition = 2021"
    ) == [(6.5,)]


def test_the_reported_run_time_covers_the_whole_run(bundled):
    ws, code, out = bundled
    reported = float(re.search(r"finished in ([0-9.]+) s", out).group(1))
    with duckdb.connect(str(ws.marts / "_state" / "ingest.duckdb"), read_only=True) as con:
        ((started, finished, logged),) = con.execute(
            "SELECT started_at, finished_at, seconds FROM pipeline_runs"
        ).fetchall()
    whole = (finished - started).total_seconds()
    assert f"{logged:.1f}" == f"{reported:.1f}"  # the command prints one decimal
    assert whole - 1.0 < logged <= whole  # extracts, Parquet set and figures included


def test_status_reports_the_last_run(bundled):
    ws, code, _ = bundled
    assert code == EXIT_OK
    code, out, _ = spotprices("status", "--marts-dir", str(ws.marts))
    assert code == EXIT_OK
    assert "recent runs:" in out and "published:" in out and "715 / 713 / 2" in out
    assert "origin_differs_from_destination    1" in out
    slowest = next(line for line in out.splitlines() if line.startswith("slowest models: "))
    assert len(re.findall(r"\b[a-z_]+ \d+\.\d s", slowest)) == 3
    # A second run with nothing new keeps the published build and says so.
    code, out, _ = spotprices("run", "--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))
    assert code == EXIT_OK and "no change: published build kept" in out
    assert "715 read = 713 staged + 2 quarantined" in out
    code, out, _ = spotprices("status", "--marts-dir", str(ws.marts))
    assert "no_change " in out


def test_status_and_help_do_not_import_the_heavy_libraries():
    """`spotprices status`, `--help` and a run with nothing to do need neither pandas, Pandera,
    Great Expectations nor matplotlib: importing them costs seconds."""
    code = (
        "import sys, flows.cli, flows.status, flows.nightly; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'pandas', 'pandera', 'great_expectations', 'matplotlib', 'schemas'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "command", [["status"], ["quarantine"], ["export", "mart_estimates"], ["docs"]]
)
def test_a_command_before_any_run_says_what_to_do_on_stderr_and_exits_1(tmp_path, command):
    code, out, err = spotprices(*command, "--marts-dir", str(tmp_path))
    assert code == EXIT_FAILED
    assert err == (
        f"spotprices {command[0]}: no marts published yet in {tmp_path} (run: spotprices run)\n"
    )
    # status still lists the run log (a first run that failed shows there); the others nothing
    assert out == ("recent runs:\n  none\n" if command == ["status"] else "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("days", ["-5", "abc", "1.5"])
def test_status_refuses_a_negative_or_broken_warn_days(tmp_path, days):
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit) as stopped:
        main(["status", "--warn-days", days, "--marts-dir", str(tmp_path)])
    assert stopped.value.code == EXIT_USAGE
    assert err.getvalue().strip().splitlines()[-1] == (
        "spotprices status: error: argument --warn-days: expected a whole number of days,"
        f" 0 or more, not {days!r}"
    )


def test_a_run_that_adds_a_file_says_it_updated_the_build_from_the_standby(tmp_path):
    ws = Workspace(raw=tmp_path / "raw", marts=tmp_path / "marts")
    shutil.copytree(PROJECT / "data" / "raw", ws.raw)
    options = ("--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))
    assert spotprices("run", *options)[0] == EXIT_OK
    prices = sorted((ws.raw / "prices").glob("*.csv"))[0]
    ws.add(prices, "prices", "a_second_copy.csv")
    code, out, _ = spotprices("run", *options)
    assert code == EXIT_OK
    assert "build:  incremental, from the standby (the build the published one replaced)" in out
    # A copy's rows count twice in every mart: the run says which file it repeats.
    copy = f"  COPY    prices/a_second_copy.csv holds the same bytes as prices/{prices.name}"
    assert copy in out


def test_a_failing_run_exits_non_zero_with_a_one_line_reason(tmp_path, monkeypatch):
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "fx_rates.csv").write_text("not,a\nrate,table\n", encoding="utf-8")
    raw = tmp_path / "raw"
    (raw / "prices").mkdir(parents=True)
    monkeypatch.setenv("SPOTPRICES_REFERENCE_DIR", str(reference))
    code, _, err = spotprices("run", "--raw-dir", str(raw), "--marts-dir", str(tmp_path / "m"))
    assert code == EXIT_FAILED
    assert err.strip().splitlines()[-1].startswith("spotprices run failed: ")
    assert not (tmp_path / "m" / "spotprices.duckdb").exists()


def test_a_run_that_fails_before_its_build_is_opened_prints_the_real_cause(tmp_path):
    ws = Workspace(raw=tmp_path / "raw", marts=tmp_path / "marts")
    shutil.copytree(PROJECT / "data" / "raw", ws.raw)
    options = ("--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))
    assert spotprices("run", *options)[0] == EXIT_OK
    # A damaged state folder: the row store is a file, so staging the next file fails (an
    # incremental build, failing before the build it started from is known).
    rows = ws.marts / "_state" / "rows"
    shutil.rmtree(rows)
    rows.write_text("not a folder", encoding="utf-8")
    prices = sorted((ws.raw / "prices").glob("*.csv"))[0]
    ws.add(prices, "prices", "a_second_copy.csv")
    code, _, err = spotprices("run", *options)
    assert code == EXIT_FAILED
    last = err.strip().splitlines()[-1]
    assert last.startswith("spotprices run failed: FileExistsError: ") and str(rows) in last


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def readable_by_others(path) -> bool:
    """Whether ``path`` is as readable by others as this process's umask lets a new file be."""
    umask = os.umask(0)
    os.umask(umask)
    return mode(path) & 0o044 == 0o044 & ~umask


def test_the_private_state_folder_is_closed_to_others_and_the_marts_are_not(bundled):
    ws, code, _ = bundled
    assert code == EXIT_OK
    # Raw rows with notes and source_locator, and the ingest database, lie under _state/.
    assert mode(ws.marts / "_state") == 0o700
    assert list((ws.marts / "_state" / "rows").glob("*/raw-*.parquet"))
    # What analysts are given stays readable: the build was written in _state/ and moved out.
    assert readable_by_others(ws.db)
    assert readable_by_others(ws.marts / "extracts" / "mart_smuggling_prices.csv")
    assert readable_by_others(next((ws.marts / "parquet").glob("*/*.parquet")))
    assert readable_by_others(ws.marts / "data_docs")  # the report links to it


def test_a_marts_folder_named_with_an_apostrophe_runs_and_an_old_open_state_is_closed(tmp_path):
    """Every path reaches SQL quoted: the ECB cache, the ingest database attached to the
    build, the extracts and the Parquet set; on the second run (a file added, updated by file)
    the standby's stale files and the extract appended in place. The state folder an earlier
    version left open to everyone is closed by the next run."""
    ws = Workspace(raw=tmp_path / "raw it's", marts=tmp_path / "O'Brien marts")
    for path in sorted((FIXTURES / "raw").rglob("*.csv")):
        ws.add(path, path.parent.name)
    state = ws.marts / "_state"
    state.mkdir(parents=True)
    os.chmod(state, 0o755)
    options = ("--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))
    code, out, err = spotprices("run", *options)
    assert code == EXIT_OK, err
    assert mode(state) == 0o700
    extract = ws.marts / "extracts" / "stg_price_observations.csv"
    inode, rows = extract.stat().st_ino, ws.query("SELECT count(*) FROM stg_price_observations")
    ws.add(FIXTURES / "raw" / "prices" / "field_notes_2020.csv", "prices", "Ana's notes.csv")
    code, out, err = spotprices("run", *options)
    assert code == EXIT_OK, err
    assert "build:  incremental, from the standby" in out
    assert extract.stat().st_ino == inode  # appended in place, not written again
    assert ws.query("SELECT count(*) FROM stg_price_observations") == [(2 * rows[0][0],)]
    assert mode(state) == 0o700


def test_a_read_write_connection_on_the_marts_gets_a_one_line_hint(bundled, tmp_path):
    """An analyst's read-write connection (another process) locks the file: status and export
    say who holds it and how to open it instead, in one line."""
    ws, _, _ = bundled
    marts = tmp_path / "marts"
    marts.mkdir()
    db = marts / "spotprices.duckdb"
    shutil.copyfile(ws.db, db)  # the shared build stays untouched
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(db)!r});"
         " print('open', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline() == "open\n"
        for command in (["status"], ["export", "mart_estimates", "--out", str(tmp_path / "e")]):
            code, out, err = spotprices(*command, "--marts-dir", str(marts))
            assert code == EXIT_FAILED and out == ""
            assert err.startswith(f"spotprices {command[0]}: another program holds {db} open")
            assert f", PID {holder.pid}): " in err and "\n" not in err.rstrip("\n")
            assert err.endswith(f": open it read-only, e.g. duckdb -readonly {db}\n")
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert spotprices("status", "--marts-dir", str(marts))[0] == EXIT_OK  # released


def test_docs_writes_beside_other_marts_and_into_docs_only_for_the_projects_own(bundled):
    ws, _, _ = bundled
    project_docs = DEFAULT_OUT.read_bytes()
    code, out, err = spotprices("docs", "--marts-dir", str(ws.marts))
    assert code == EXIT_OK, err
    assert out == f"wrote {ws.marts / 'marts.md'}\n"
    assert (ws.marts / "marts.md").read_text("utf-8").startswith("# Data dictionary")
    assert DEFAULT_OUT.read_bytes() == project_docs
    assert default_out(settings_from(marts_dir=PROJECT / "data" / "marts")) == DEFAULT_OUT
