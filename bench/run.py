"""Benchmark a nightly run against bare DuckDB doing the least the job needs.

    python bench/run.py [--sizes 100000 1000000 10000000] [--workdir /tmp/spotprices-bench]
                        [--bundled] [--repeat N]

Run by hand, not in CI. In one process tree and one sitting, per size: (a) a bare DuckDB
baseline (load the CSV, build a leg-by-month median mart, write it as CSV); (b) a full
``spotprices run``; (c) a run after adding 1% new rows in a new file; (d) a run with no change;
(e) an empty Prefect flow run the same way (``bench/empty_flow.py``): the fixed cost of any
flow run. Prints wall seconds and the peak memory of the whole process tree for each, the
ratios b/a, c/b, d/b and d/e, and where (b) and (c) spend their time per Prefect task. A
local Prefect server is started first (as under ``spotprices serve``); its start-up is
reported apart. Each timed command starts after ``os.sync()``: the gigabytes one run writes
are still going to disk when the next starts, and a night's run finds the disk quiet. The
report names the commit measured (``-dirty`` if the working copy differs) and the limits of
the runs (set by ``SPOTPRICES_DUCKDB_MEMORY_LIMIT`` and the others), and warns when (c)
was not a build updated by file, which happens when the rules change during the sitting.

``--bundled`` measures (b), (d) and (e) on the bundled data in data/raw instead (there is no
synthetic CSV for (a) nor new rows for (c)). ``--repeat N`` runs (d) and (e) N times and
reports their medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.generate import generate  # noqa: E402
from flows.config import settings_from  # noqa: E402
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
    os.sync()  # the last run's writes land before this one is timed, not during it
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


def median_of(runs: list[Measure]) -> Measure:
    return Measure(
        statistics.median(m.seconds for m in runs), statistics.median(m.peak_mib for m in runs)
    )


def repeated(command: list[str], env: dict, repeat: int) -> Measure:
    return median_of([timed(command, env)[0] for _ in range(repeat)])


EMPTY_FLOW = [sys.executable, str(PROJECT / "bench" / "empty_flow.py")]


def bench_size(rows: int | None, workdir: Path, env: dict, repeat: int = 1) -> dict:
    """Measure one size; ``rows=None``: the bundled data in data/raw, (b), (d) and (e) only."""
    label = rows if rows is not None else "bundled"
    raw, marts = workdir / f"raw-{label}", workdir / f"marts-{label}"
    shutil.rmtree(raw, ignore_errors=True)
    shutil.rmtree(marts, ignore_errors=True)
    t = time.monotonic()
    if rows is None:
        shutil.copytree(PROJECT / "data" / "raw", raw)
    else:
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
    a = baseline(csv, workdir) if rows is not None else None
    b, _ = timed(run, env)
    print(f"{label}: (a) {_s(a)} s, (b) {_s(b)} s, peak (b) {_mib(b)} MiB", flush=True)
    summaries = {"b": _build_summary(marts)}  # before (c) replaces the build
    c = None
    if rows is not None:
        generate(max(rows // 100, 1), raw / "prices" / "synthetic_new.csv", seed=7, offset=rows)
        c, _ = timed(run, env)
        print(f"{label}: (c) {_s(c)} s, peak {_mib(c)} MiB", flush=True)
        summaries["c"] = _build_summary(marts)
    d = repeated(run, env, repeat)
    e = repeated(EMPTY_FLOW, env, repeat)
    stages = {
        name: asyncio.run(_task_durations(m.run_id))
        for name, m in (("b", b), ("c", c))
        if m is not None and m.run_id
    }
    return {
        "rows": rows, "generated": generated, "a": a, "b": b, "c": c, "d": d, "e": e,
        "stages": stages, "summaries": summaries,
    }  # fmt: skip


def _build_summary(marts: Path) -> dict:
    """The published build's run summary (``build_info.summary``): the ingest parts (read,
    type-and-validate, spool) and the seconds of each SQL model."""
    import duckdb

    with duckdb.connect(str(marts / "spotprices.duckdb"), read_only=True) as con:
        (summary,) = con.execute("SELECT summary FROM build_info").fetchone()
    return json.loads(summary)


def _s(m: Measure | None, digits: int = 1) -> str:
    return "-" if m is None else f"{m.seconds:.{digits}f}"


def _ratio(x: Measure | None, y: Measure | None, digits: int) -> str:
    return "-" if x is None or y is None else f"{x.seconds / y.seconds:.{digits}f}"


def _mib(m: Measure | None) -> str:
    return "-" if m is None else f"{m.peak_mib:.0f}"


def _measured_code() -> str:
    """The commit measured, ``-dirty`` when the working copy differs from it: a sitting
    belongs to a commit (run it from ``git worktree add`` and leave that alone)."""
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=PROJECT, capture_output=True, text=True
    )
    return described.stdout.strip() or "unknown (not a git checkout)"


def _limits() -> str:
    """The limits the runs measured worked within: defaults unless the environment set them
    (``SPOTPRICES_DUCKDB_MEMORY_LIMIT`` and the others, ``flows/config.py``)."""
    settings = settings_from()
    return (
        f"run limits: DuckDB memory {settings.duckdb_memory_limit}, DuckDB threads"
        f" {settings.duckdb_threads}, chunk threads {settings.chunk_threads}"
    )


def report(results: list[dict], server_start: float, repeat: int = 1) -> str:
    lines = [
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores,"
        f" {psutil.virtual_memory().total / 2**30:.0f} GiB; {datetime.now():%Y-%m-%d %H:%M}",
        f"code measured: {_measured_code()}",
        _limits(),
        f"local Prefect server start-up (paid once, apart): {server_start:.1f} s",
        *([f"(d) and (e): median of {repeat} runs"] if repeat > 1 else []),
        "",
        "| rows | (a) DuckDB s | (b) full s | (c) +1% s | (d) no change s | (e) empty flow s"
        " | b/a | c/b | d/b | d/e | peak MiB a / b / c / d / e |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        a, b, c, d, e = r["a"], r["b"], r["c"], r["d"], r["e"]
        rows = "bundled" if r["rows"] is None else f"{r['rows']:,}"
        lines.append(
            f"| {rows} | {_s(a)} | {_s(b)} | {_s(c)} | {_s(d)} | {_s(e)}"
            f" | {_ratio(b, a, 1)} | {_ratio(c, b, 3)} | {_ratio(d, b, 2)} | {_ratio(d, e, 2)}"
            f" | {' / '.join(_mib(m) for m in (a, b, c, d, e))} |"
        )
    for r in results:
        build = r["summaries"].get("c", {}).get("build")
        if build not in (None, "incremental"):
            lines.append(
                f"\nWARNING: (c) on {r['rows']:,} rows made a {build} build, not one updated by"
                " file: the rules changed between (b) and (c) (a source file edited during the"
                " sitting?), so its figure is not that of a run adding 1%."
            )
    for r in results:
        rows = "the bundled data" if r["rows"] is None else f"{r['rows']:,} rows"
        for run, stages in r["stages"].items():
            tasks = sum(sec for name, sec in stages.items() if name not in BESIDE)
            summary = r["summaries"].get(run, {})
            start = (
                f" (build started from: {summary['build_start']})"
                if summary.get("build_start")
                else ""
            )
            lines.append(f"\n({run}) on {rows}, seconds per stage{start}:")
            for name, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
                beside = f"  (beside {BESIDE[name]})" if name in BESIDE else ""
                lines.append(f"  {name:<12} {seconds:7.2f}{beside}")
                if name == "ingest" and run == "b":
                    parts = summary.get("ingest_seconds", {})
                    for part, label in INGEST_PARTS.items():
                        lines.append(f"    {label:<20} {parts.get(part, 0.0):7.2f}")
                if name == "build marts":  # normalise and marts together: the SQL models
                    models = summary.get("model_seconds", {})
                    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:SLOWEST_MODELS]
                    lines.append("    slowest SQL models of normalise and marts:")
                    lines += [f"      {model:<30} {sec:7.2f}" for model, sec in slowest]
            overhead = r[run].seconds - tasks
            lines.append(f"  {'process, imports and orchestration':<12} {overhead:7.2f}")
    return "\n".join(lines)


#: Tasks the flow runs on a thread beside others (flows/nightly.py): their time overlaps
#: those stages', so it is not subtracted from the wall time to find the overhead.
BESIDE = {
    "open build": "ingest and stage",
    "figures": "extract and parquet",
    "keep standby": "extract and parquet",
}

#: How many of the slowest SQL models the breakdown lists.
SLOWEST_MODELS = 8

#: How the ingest task's time splits (summed over files), as the run summary names the parts.
INGEST_PARTS = {"read": "read", "validate": "type and validate", "spool": "spool as Parquet"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/spotprices-bench"))
    parser.add_argument(
        "--bundled", action="store_true", help="measure on data/raw instead of --sizes"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of (d) and (e); median")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    started = time.monotonic()
    with prefect_api() as url:
        server_start = time.monotonic() - started
        os.environ["PREFECT_API_URL"] = url
        env = dict(os.environ)
        sizes = [None] if args.bundled else args.sizes
        results = []
        for rows in sizes:  # each size's figures as soon as it is done: 10M takes a while
            results.append(bench_size(rows, args.workdir, env, args.repeat))
            print(report(results[-1:], server_start, args.repeat), "\n", flush=True)
        print(report(results, server_start, args.repeat))


if __name__ == "__main__":
    main()
