"""Benchmark a nightly run against bare DuckDB doing the least the job needs.

    python bench/run.py [--sizes 100000 1000000 10000000] [--workdir /tmp/spotprices-bench]

Run by hand, not in CI. In one process tree and one sitting, per size: (a) a bare DuckDB
baseline (load the CSV, build a leg-by-month median mart, write it as CSV); (b) a full
``spotprices run``; (c) a run after adding 1% new rows in a new file; (d) a run with no change.
Prints wall seconds and the peak memory of the whole process tree for each, the ratios b/a, c/b
and d/b, and where (b) spends its time per Prefect task. A local Prefect server is started
first (as under ``spotprices serve``); its start-up is reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate  # noqa: E402
from flows.serve import prefect_api  # noqa: E402

BASELINE_SQL = """
    CREATE TABLE obs AS SELECT * FROM read_csv('{csv}', header = true, all_varchar = true);
    COPY (
        SELECT origin_country || '->' || destination_country AS leg,
               date_trunc('month', strptime(period_start, '%Y-%m')) AS month,
               count(*) AS n_obs,
               median(coalesce(try_cast(price_point AS DOUBLE),
                      (try_cast(price_low AS DOUBLE) + try_cast(price_high AS DOUBLE)) / 2))
                   AS median_price
        FROM obs WHERE flow = 'people' GROUP BY ALL
    ) TO '{out}' (HEADER);
"""


@dataclass
class Measure:
    seconds: float
    peak_mib: float
    run_id: str | None = None


class PeakMemory:
    """Peak resident memory of a process and all its descendants, sampled every 50 ms."""

    def __init__(self, pid: int):
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                total = sum(p.memory_info().rss for p in procs if p.is_running())
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def timed(command: list[str], env: dict) -> tuple[Measure, str]:
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
    with PeakMemory(process.pid) as memory:
        out, _ = process.communicate()
    seconds = time.monotonic() - started
    if process.returncode not in (0, 3):
        raise RuntimeError(f"{command} failed ({process.returncode}):\n{out[-3000:]}")
    run_id = next(
        (line.split()[2] for line in out.splitlines() if line.startswith("spotprices run ")), None
    )
    return Measure(seconds, memory.peak / 2**20, run_id), out


def baseline(csv: Path, workdir: Path) -> Measure:
    script = BASELINE_SQL.format(csv=csv, out=workdir / "baseline_mart.csv")
    db = workdir / "baseline.duckdb"
    db.unlink(missing_ok=True)
    code = f"import duckdb; duckdb.connect({str(db)!r}).execute({script!r})"
    measure, _ = timed([sys.executable, "-c", code], dict(os.environ))
    return measure


async def _task_durations(run_id: str) -> dict[str, float]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        tasks = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    durations: dict[str, float] = {}
    for task in tasks:
        name = (
            task.name.split(" ")[0]
            if task.name.startswith("ingest")
            else task.name.rsplit("-", 1)[0]
        )
        if task.start_time and task.end_time:
            span = (task.end_time - task.start_time).total_seconds()
            durations[name] = durations.get(name, 0.0) + span
    return durations


def bench_size(rows: int, workdir: Path, env: dict) -> dict:
    raw, marts = workdir / f"raw-{rows}", workdir / f"marts-{rows}"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(marts, ignore_errors=True)
    t = time.monotonic()
    csv = generate(rows, raw / "prices" / "synthetic.csv")
    generated = time.monotonic() - t
    run = [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        "--raw-dir",
        str(raw),
        "--marts-dir",
        str(marts),
    ]
    a = baseline(csv, workdir)
    b, _ = timed(run, env)
    generate(max(rows // 100, 1), raw / "prices" / "synthetic_new.csv", seed=7, offset=rows)
    c, _ = timed(run, env)
    d, _ = timed(run, env)
    stages = asyncio.run(_task_durations(b.run_id)) if b.run_id else {}
    return {"rows": rows, "generated": generated, "a": a, "b": b, "c": c, "d": d, "stages": stages}


def report(results: list[dict], server_start: float) -> str:
    lines = [
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" {psutil.virtual_memory().total / 2**30:.0f} GiB; {datetime.now():%Y-%m-%d %H:%M}",
        f"local Prefect server start-up (paid once, apart): {server_start:.1f} s",
        "",
        "| rows | (a) DuckDB s | (b) full s | (c) +1% s | (d) no change s | b/a | c/b | d/b |"
        " peak MiB a / b / c / d |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a, b, c, d = r["a"], r["b"], r["c"], r["d"]
        lines.append(
            f"| {r['rows']:,} | {a.seconds:.1f} | {b.seconds:.1f} | {c.seconds:.1f}"
            f" | {d.seconds:.1f} | {b.seconds / a.seconds:.1f} | {c.seconds / b.seconds:.2f}"
            f" | {d.seconds / b.seconds:.2f} | {a.peak_mib:.0f} / {b.peak_mib:.0f}"
            f" / {c.peak_mib:.0f} / {d.peak_mib:.0f} |"
        )
    for r in results:
        stages = r["stages"]
        tasks = sum(stages.values())
        lines.append(f"\n(b) at {r['rows']:,} rows, seconds per stage:")
        for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
            lines.append(f"  {name:<12} {seconds:7.2f}")
        lines.append(f"  {'process, imports and orchestration':<12} {r['b'].seconds - tasks:7.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/spotprices-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.monotonic()
    with prefect_api() as url:
        server_start = time.monotonic() - started
        os.environ["PREFECT_API_URL"] = url
        env = dict(os.environ)
        results = [bench_size(rows, args.workdir, env) for rows in args.sizes]
        print(report(results, server_start))


if __name__ == "__main__":
    main()
