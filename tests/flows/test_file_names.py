"""File names a researcher's machine can make but the manifest cannot hold as they are."""

from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout

import pytest

from flows.cli import EXIT_PARTIAL, main
from tests.conftest import FIXTURES

pytestmark = pytest.mark.usefixtures("prefect_server")

GOOD = FIXTURES / "raw" / "prices" / "field_notes_2020.csv"
BAD_KEY = "prices/bad\\xff\\xfename.csv"  # the bytes that are not UTF-8, written as escapes


def spotprices(*args: str) -> tuple[int, str]:
    """Run the command in-process; return its exit code and standard output."""
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(list(args))
    return code, out.getvalue()


def test_a_file_name_that_is_not_utf8_fails_that_file_and_not_the_run(workspace):
    ws = workspace
    ws.add(GOOD, "prices")
    bad = os.path.join(os.fsencode(ws.raw), b"prices", b"bad\xff\xfename.csv")
    with open(bad, "wb") as handle:
        handle.write(GOOD.read_bytes())
    options = ("run", "--raw-dir", str(ws.raw), "--marts-dir", str(ws.marts))

    for night in range(2):  # the next night behaves the same, and its manifest row is replaced
        code, out = spotprices(*options)
        assert code == EXIT_PARTIAL
        assert f"FAILED  {BAD_KEY}: the file name is not valid UTF-8: rename it" in out
        assert ws.query("SELECT file_path, status, error FROM ingest_files ORDER BY 1") == [
            (BAD_KEY, "failed", "the file name is not valid UTF-8: rename it"),
            ("prices/field_notes_2020.csv", "unchanged" if night else "new", None),
        ]
    # The good file went on: its rows were read and staged.
    assert ws.query("SELECT count(*) FROM stg_price_observations")[0][0] > 0
