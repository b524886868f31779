"""Discover: which files a run finds new, changed or unchanged, and which it reads to hash.

An unchanged file is vouched for by its stat signature and not read again; a file rewritten
in any way, even with its old modification time put back, is hashed again and found changed.
"""

from __future__ import annotations

import os
import time

import pytest

from flows import state
from flows.config import settings_from
from flows.discover import RACY_SECONDS, FileItem, copies, discover

pytestmark = pytest.mark.usefixtures("prefect_server")


def _discover(ws) -> dict[str, object]:
    settings = settings_from(str(ws.raw), str(ws.marts))
    with state.connect(settings, row_views=False) as con:
        return {item.file_path: item for item in discover(settings.raw_dir, con)}


def test_unchanged_files_are_not_read_again_but_a_rewrite_with_old_times_is_found(
    fixture_workspace,
):
    ws = fixture_workspace
    ws.run()
    time.sleep(RACY_SECONDS + 0.2)  # the files were copied just before the run hashed them
    first = _discover(ws)
    assert {item.status for item in first.values()} == {"unchanged"}
    second = _discover(ws)
    assert {item.status for item in second.values()} == {"unchanged"}
    assert not any(item.hashed for item in second.values())
    assert {p: i.content_hash for p, i in second.items()} == {
        p: i.content_hash for p, i in first.items()
    }

    # Same size, one digit changed, and the old modification time put back (as cp -p would).
    path = sorted((ws.raw / "prices").iterdir())[0]
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    digit = next(i for i, ch in enumerate(text) if ch.isdigit())
    swapped = "1" if text[digit] != "1" else "2"
    path.write_text(text[:digit] + swapped + text[digit + 1 :], encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns

    third = _discover(ws)
    key = path.relative_to(ws.raw).as_posix()
    assert third[key].status == "changed" and third[key].hashed
    assert all(item.status == "unchanged" for p, item in third.items() if p != key)


def test_a_file_written_just_before_it_is_hashed_is_hashed_again_next_time(fixture_workspace):
    ws = fixture_workspace
    ws.run()
    path = sorted((ws.raw / "prices").iterdir())[0]
    path.write_bytes(path.read_bytes() + b"\n")  # still being written, as far as a run can tell
    key = path.relative_to(ws.raw).as_posix()
    first = _discover(ws)
    assert first[key].status == "changed" and first[key].signature is None
    ws.run()  # ingests it, storing its hash without a signature
    again = _discover(ws)
    assert again[key].status == "unchanged" and again[key].hashed


def test_a_copy_is_named_with_the_file_it_repeats_the_file_known_before_being_the_original():
    items = [
        FileItem("prices/a report (1).csv", "prices", "new", "h1", 120),
        FileItem("prices/report.csv", "prices", "unchanged", "h1", 120),
        FileItem("prices/z.csv", "prices", "new", "h1", 120),
        FileItem("prices/other.csv", "prices", "new", "h2", 80),
        FileItem("prices/empty.csv", "prices", "new", "h0", 0),  # empty files all look alike
        FileItem("prices/empty too.csv", "prices", "new", "h0", 0),
        FileItem("prices/gone.csv", "prices", "deleted"),
    ]
    assert copies(items) == {
        "prices/a report (1).csv": "prices/report.csv",
        "prices/z.csv": "prices/report.csv",
    }
    # Among files new in this run, the first by path is the original.
    assert copies(items[:1] + items[2:3]) == {"prices/z.csv": "prices/a report (1).csv"}
