"""`spotprices serve` registers the nightly deployment on a schedule, and the schedule fires:
no Prefect server set up by hand, a real local server started by the command itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from tests.conftest import FIXTURES, PROJECT


def test_a_served_schedule_fires_and_publishes(tmp_path):
    raw, marts = tmp_path / "raw", tmp_path / "marts"
    for path in (FIXTURES / "raw").rglob("*.csv"):
        (raw / path.parent.name).mkdir(parents=True, exist_ok=True)
        (raw / path.parent.name / path.name).write_bytes(path.read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),  # a server of its own, not the user's
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",  # schedule runs promptly
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        "PYTHONPATH": str(PROJECT),
    }
    command = [sys.executable, "-m", "flows.cli", "serve", "--interval", "5"]
    command += ["--raw-dir", str(raw), "--marts-dir", str(marts)]
    server = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not (marts / "spotprices.duckdb").exists():
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "no scheduled run published within 4 minutes"
            time.sleep(1)
        time.sleep(1)
        with duckdb.connect(str(marts / "spotprices.duckdb"), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM stg_price_observations").fetchone() == (7,)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    log = server.stdout.read()
    assert "local Prefect server" in log and "nightly" in log
    # The local Prefect server it started has stopped with it: nothing is left in its group.
    time.sleep(2)
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)


def test_prefect_yaml_deploys_the_same_flow_on_the_same_schedule():
    import yaml

    from flows.serve import DEFAULT_CRON, DEFAULT_TIMEZONE

    config = yaml.safe_load((PROJECT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    path, name = deployment["entrypoint"].split(":")
    assert (PROJECT / path).exists() and name == "nightly"
    assert deployment["schedules"] == [{"cron": DEFAULT_CRON, "timezone": DEFAULT_TIMEZONE}]
    assert deployment["concurrency_limit"] == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--cron", "bogus"], "--cron 'bogus': not a cron schedule; expected minute hour day"),
        (["--timezone", "Mars/Olympus"], "--timezone 'Mars/Olympus': not a time zone name"),
        (["--interval", "-5"], "--interval -5: expected a number of seconds, 1 or more"),
        (["--interval", "0"], "--interval 0: expected a number of seconds, 1 or more"),
        (["--cron", "0 3 * * *", "--interval", "60"], "--cron '0 3 * * *' and --interval 60: give"),
    ],
)
def test_a_bad_schedule_is_refused_in_one_line_before_any_server_starts(
    tmp_path, arguments, message
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(tmp_path / "prefect"), "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-m", "flows.cli", "serve", *arguments]
    command += ["--marts-dir", str(tmp_path / "marts")]
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )  # fmt: skip
    assert done.returncode == 2  # bad arguments, as the README says
    assert done.stderr.startswith(f"spotprices serve: {message}")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "local Prefect server" not in done.stdout  # refused before any server started
    assert not (tmp_path / "marts").exists()
