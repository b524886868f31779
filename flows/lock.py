"""One run at a time per marts folder.

An OS file lock (``flock``) on ``_state/run.lock``: the kernel releases it when the process
ends, however it ends (SIGKILL included), so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flows.stop import Expected


class RunInProgress(Expected):
    """Another run holds the lock; this one must change nothing and stop (an expected
    condition: Prefect logs it without a traceback)."""


@contextmanager
def run_lock(state_dir: Path):
    """Hold the run lock for the block, or raise :class:`RunInProgress` at once. The first
    thing a run does: the state folder is created (or closed) private here."""
    from flows.state import private_dir

    private_dir(state_dir)
    path = state_dir / "run.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RunInProgress(f"another run is in progress ({holder}); lock: {path}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
