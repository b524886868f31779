"""``spotprices serve``: the nightly flow as a Prefect deployment on a schedule, served by
this process until it is stopped.

Schedules need a long-running Prefect server (the temporary one Prefect starts for a single
run does not schedule anything). With ``PREFECT_API_URL`` set, that server is used; without
it, a local ``prefect server start`` is launched beside this process and stopped with it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Sarajevo"
SERVER_START_TIMEOUT = 180


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_api(port: int | None = None):
    """Yield the API URL of a Prefect server: the configured one, or a local one started here."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        yield configured
        return
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}/api"
    prefect = Path(sys.executable).with_name("prefect")
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the local Prefect server did not start on port {port}")
            time.sleep(0.5)
        print(f"local Prefect server: {url.removesuffix('/api')} (UI and API)", flush=True)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


class BadSchedule(ValueError):
    """A schedule argument Prefect would refuse, in one line naming the option and value."""


def schedule_for(cron: str | None, timezone: str, interval_seconds: int | None):
    """The deployment's schedule, every argument checked before any server starts: a cron
    (:data:`DEFAULT_CRON` when neither is given) or an interval, not both."""
    from zoneinfo import available_timezones

    from prefect.schedules import Cron, Interval

    if cron is not None and interval_seconds is not None:
        raise BadSchedule(f"--cron {cron!r} and --interval {interval_seconds}: give one, not both")
    cron = cron or DEFAULT_CRON
    if interval_seconds is not None and interval_seconds < 1:
        raise BadSchedule(f"--interval {interval_seconds}: expected a number of seconds, 1 or more")
    if timezone not in available_timezones():  # the names Prefect accepts
        raise BadSchedule(
            f"--timezone {timezone!r}: not a time zone name (IANA, e.g. Europe/Sarajevo, UTC)"
        )
    if interval_seconds is not None:
        return Interval(timedelta(seconds=interval_seconds), timezone=timezone)
    try:
        return Cron(cron, timezone=timezone)
    except ValueError:  # Prefect's own check, through croniter (no random or hashed fields)
        raise BadSchedule(
            f"--cron {cron!r}: not a cron schedule; expected minute hour day month weekday,"
            ' e.g. "0 2 * * *"'
        ) from None


def serve(
    cron: str | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    interval_seconds: int | None = None,
    raw_dir: str | None = None,
    marts_dir: str | None = None,
    port: int | None = None,
) -> None:
    """Register the ``nightly`` deployment on its schedule and serve it until interrupted;
    a bad schedule argument raises :class:`BadSchedule` before anything starts."""
    schedule = schedule_for(cron, timezone, interval_seconds)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.nightly import nightly

    parameters = {"raw_dir": raw_dir, "marts_dir": marts_dir}
    # A service manager stops us with SIGTERM: unwind like Ctrl-C, so the server stops too.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with prefect_api(port) as url, temporary_settings({PREFECT_API_URL: url}):
        nightly.serve(
            name="nightly",
            schedules=[schedule],
            parameters={k: v for k, v in parameters.items() if v is not None},
            description="Ingest new observation files, rebuild and publish the marts.",
            limit=1,
        )
