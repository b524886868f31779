"""A run that cannot see its raw files must not empty the marts: a raw folder missing, empty
(a share not mounted) or given as an empty path, the marts inside the raw folder, a link to
nothing, a file still being written. The real command and flow on small files."""

from __future__ import annotations

import io
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout

import pytest

from flows.cli import EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main
from flows.config import UsageError
from tests.flows.conftest import assert_equals_a_full_build

pytestmark = pytest.mark.usefixtures("prefect_server")

ROUTES = "routes/detections_2020.csv"


def spotprices(*args: str) -> tuple[int, str, str]:
    """Run the command in-process; return its exit code, standard output and error."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def run(ws, *options: str, raw=None, marts=None) -> tuple[int, str, str]:
    raw, marts = raw if raw is not None else ws.raw, marts if marts is not None else ws.marts
    return spotprices("run", "--raw-dir", str(raw), "--marts-dir", str(marts), *options)


def published_run(ws) -> str:
    return ws.query("SELECT run_id FROM build_info")[0][0]


def last_line(err: str) -> str:
    """The command's own line: the last of standard error (Prefect's log comes before)."""
    return err.strip().splitlines()[-1]


def test_a_raw_folder_that_is_missing_or_a_file_is_refused_and_the_marts_stay(
    fixture_workspace, tmp_path
):
    ws = fixture_workspace
    assert run(ws)[0] == EXIT_OK
    before = published_run(ws)
    typo = tmp_path / "raw_typo"
    code, out, err = run(ws, raw=typo)
    assert code == EXIT_USAGE and out == ""
    assert (
        err.strip()
        == f"spotprices run: the raw folder {typo} does not exist (a typo? a share not mounted?)"
    )
    a_file = tmp_path / "raw.txt"
    a_file.write_text("not a folder\n", encoding="utf-8")
    code, _, err = run(ws, raw=a_file)
    assert code == EXIT_USAGE and f"the raw folder {a_file} is not a folder" in err
    assert published_run(ws) == before
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(3,)]
    # Called as a flow (a deployment, a script), it is refused the same way and logged.
    from flows.nightly import nightly

    with pytest.raises(UsageError, match="does not exist"):
        nightly(raw_dir=str(typo), marts_dir=str(ws.marts))
    assert published_run(ws) == before
    code, out, _ = spotprices("status", "--marts-dir", str(ws.marts))
    assert "refused" in out


def test_an_empty_raw_folder_is_refused_where_the_build_has_files_unless_allowed(
    fixture_workspace, tmp_path
):
    ws = fixture_workspace
    saved = tmp_path / "saved"
    shutil.copytree(ws.raw, saved)
    # A first run on an empty folder has nothing to lose: it publishes empty marts.
    empty = tmp_path / "first"
    for dataset in ("prices", "routes"):
        (empty / dataset).mkdir(parents=True)
    assert run(ws, raw=empty, marts=tmp_path / "first_marts")[0] == EXIT_OK

    assert run(ws)[0] == EXIT_OK
    before = published_run(ws)
    for dataset in ("prices", "routes"):  # the share is not mounted: its folders are empty
        shutil.rmtree(ws.raw / dataset)
        (ws.raw / dataset).mkdir()
    for options in ((), ("--full-refresh",)):
        code, out, err = run(ws, *options)
        assert code == EXIT_FAILED and "FAILED" not in out
        assert last_line(err) == (
            f"spotprices run: the raw folder {ws.raw} holds no observation files (under prices/"
            " or routes/) where the published build has 2: is the share mounted, is the path"
            " right? Nothing was changed. To retire them all, run once with --allow-empty"
        )
        assert published_run(ws) == before
        assert ws.query("SELECT count(*) FROM stg_route_observations") == [(3,)]
    _, status, _ = spotprices("status", "--marts-dir", str(ws.marts))
    assert status.count("refused") == 2

    # The share is back: the refused runs changed nothing, not even the manifest.
    shutil.rmtree(ws.raw)
    shutil.copytree(saved, ws.raw)
    code, out, _ = run(ws)
    assert code == EXIT_OK and "files:  2 unchanged" in out

    # Retiring every file on purpose.
    for dataset in ("prices", "routes"):
        shutil.rmtree(ws.raw / dataset)
    code, out, _ = run(ws, "--allow-empty")
    assert code == EXIT_OK and "files:  2 deleted" in out
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(0,)]


def test_one_datasets_folder_gone_is_refused_where_the_build_has_its_files(
    fixture_workspace, tmp_path
):
    # routes/ moved away while prices/ stays: every route file would be retired silently.
    # (Its last file deleted, the folder kept, is retired as usual: test_pipeline.)
    ws = fixture_workspace
    assert run(ws)[0] == EXIT_OK
    before = published_run(ws)
    shutil.move(ws.raw / "routes", tmp_path / "routes")
    code, _, err = run(ws)
    assert code == EXIT_FAILED
    assert last_line(err) == (
        f"spotprices run: the raw folder {ws.raw} holds no observation files under routes/ (the"
        " folder is gone) where the published build has 1: is the share mounted, is the path"
        " right? Nothing was changed. To retire them all, run once with --allow-empty"
    )
    assert published_run(ws) == before
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(3,)]
    code, out, _ = run(ws, "--allow-empty")
    assert code == EXIT_OK and "1 deleted" in out
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(0,)]


def test_a_marts_folder_inside_the_raw_folder_or_the_reverse_is_refused(
    fixture_workspace, tmp_path
):
    ws = fixture_workspace
    inside = ws.raw / "prices" / "out"
    code, out, err = run(ws, marts=inside)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith(
        f"spotprices run: the marts folder {inside} lies inside the raw folder {ws.raw}:"
    )
    assert not inside.exists()
    code, _, err = run(ws, raw=ws.raw, marts=ws.raw)
    assert code == EXIT_USAGE and "are the same folder" in err
    marts = tmp_path / "marts_around"
    raw_inside = marts / "raw"
    shutil.copytree(ws.raw, raw_inside)
    code, _, err = run(ws, raw=raw_inside, marts=marts)
    assert code == EXIT_USAGE and f"the raw folder {raw_inside} lies inside the marts folder" in err
    assert not (marts / "_state").exists()
    code, _, err = spotprices("serve", "--raw-dir", str(ws.raw), "--marts-dir", str(inside))
    assert code == EXIT_USAGE and "lies inside the raw folder" in err
    from flows.nightly import nightly

    with pytest.raises(UsageError, match="lies inside the raw folder"):
        nightly(raw_dir=str(ws.raw), marts_dir=str(inside))
    assert not inside.exists()


def test_an_empty_path_is_refused_not_read_as_the_project_s_folders(fixture_workspace, monkeypatch):
    ws = fixture_workspace
    code, out, err = spotprices("run", "--raw-dir", "", "--marts-dir", str(ws.marts))
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("spotprices run: --raw-dir is empty: name a folder")
    code, _, err = spotprices("run", "--raw-dir", str(ws.raw), "--marts-dir", "")
    assert code == EXIT_USAGE and "--marts-dir is empty" in err
    for command in ("status", "quarantine", "docs"):
        code, _, err = spotprices(command, "--marts-dir", "")
        assert code == EXIT_USAGE and "--marts-dir is empty" in err, command
    monkeypatch.setenv("SPOTPRICES_RAW_DIR", "")
    code, _, err = spotprices("run", "--marts-dir", str(ws.marts))
    assert code == EXIT_USAGE and "SPOTPRICES_RAW_DIR is set but empty" in err
    monkeypatch.delenv("SPOTPRICES_RAW_DIR")
    monkeypatch.setenv("SPOTPRICES_MARTS_DIR", " ")
    code, _, err = spotprices("run", "--raw-dir", str(ws.raw))
    assert code == EXIT_USAGE and "SPOTPRICES_MARTS_DIR is set but empty" in err
    assert not ws.marts.exists()


def test_a_link_to_nothing_is_a_failed_file_and_says_what_it_withdraws(fixture_workspace, tmp_path):
    ws = fixture_workspace
    gone = tmp_path / "synced" / "missing.csv"
    (ws.raw / "prices" / "dangling.csv").symlink_to(gone)
    code, out, _ = run(ws)
    assert code == EXIT_PARTIAL
    assert f"  FAILED  prices/dangling.csv: a link to a file that does not exist: {gone}\n" in out
    assert ws.query(
        "SELECT status, error FROM ingest_files WHERE file_path = 'prices/dangling.csv'"
    ) == [("failed", f"a link to a file that does not exist: {gone}")]

    # A file read before whose link now points nowhere: failed, and its rows' going is said.
    routes = ws.raw / ROUTES
    routes.unlink()
    routes.symlink_to(tmp_path / "synced" / "detections_2020.csv")
    code, out, _ = run(ws)
    assert code == EXIT_PARTIAL
    assert f"FAILED  {ROUTES}: a link to a file that does not exist:" in out
    assert "its 3 rows published before are withdrawn until it reads" in out
    assert ws.query("SELECT count(*) FROM stg_route_observations") == [(0,)]


def test_a_file_written_while_it_is_read_keeps_its_last_good_version(
    fixture_workspace, monkeypatch
):
    """The researcher saves the file again while the run reads it: its rows published the
    night before stay (not withdrawn for a night), the summary says so, and the next run
    reads it. Counts reconcile and the build equals one made from nothing."""
    from flows import ingest

    ws = fixture_workspace
    assert run(ws)[0] == EXIT_OK
    routes = ws.raw / ROUTES
    header, *rows = routes.read_text(encoding="utf-8").splitlines()
    routes.write_text("\n".join([header, *rows[:2]]) + "\n", encoding="utf-8")  # changed
    added = rows[0].replace("RT001", "RT009") + "\n"
    real, written = ingest.read_chunks, []

    def read_chunks(path, *args):
        if path.name == routes.name and not written:  # the export goes on meanwhile
            written.append(1)
            with path.open("a", encoding="utf-8") as handle:
                handle.write(added)
        return real(path, *args)

    monkeypatch.setattr(ingest, "read_chunks", read_chunks)
    code, out, _ = run(ws)
    assert written and code == EXIT_OK
    assert "files:  1 kept, 1 unchanged" in out and "FAILED" not in out
    assert (
        f"  KEPT    {ROUTES}: the file changed while it was being read (still being written?);"
        " kept its last good version's 3 rows, read again next run\n"
    ) in out
    assert ws.query("SELECT obs_id FROM stg_route_observations ORDER BY 1") == [
        ("RT001",), ("RT002",), ("RT003",)
    ]  # fmt: skip
    assert all(ok for (ok,) in ws.query("SELECT reconciles FROM ingest_files"))
    assert_equals_a_full_build(ws)

    monkeypatch.setattr(ingest, "read_chunks", real)  # the researcher is done
    code, out, _ = run(ws)
    assert code == EXIT_OK and "files:  1 changed, 1 unchanged" in out
    assert ws.query("SELECT obs_id FROM stg_route_observations ORDER BY 1") == [
        ("RT001",), ("RT002",), ("RT009",)
    ]  # fmt: skip
    assert_equals_a_full_build(ws)


def test_a_new_file_written_while_it_is_read_has_no_good_version_and_fails(
    fixture_workspace, monkeypatch
):
    from flows import ingest

    ws = fixture_workspace
    real = ingest.read_chunks

    def read_chunks(path, *args):
        if path.name == "detections_2020.csv" and os.path.getsize(path) < 10_000:
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\n" * 10_000)
        return real(path, *args)

    monkeypatch.setattr(ingest, "read_chunks", read_chunks)
    code, out, _ = run(ws)
    assert code == EXIT_PARTIAL and "KEPT" not in out
    assert f"FAILED  {ROUTES}: the file changed while it was being read" in out
