"""Where the per-file ingest tasks run: Prefect's threads (default) or a Dask cluster.

Only the ingest tasks are submitted to the task runner (``ingest.map`` in
:mod:`flows.nightly`); they read and validate a file and write Parquet parts under the spool
folder, never a DuckDB file. Every other step is called directly in the flow process, so the
ingest database and the build have one writer whichever runner is chosen. On Dask the workers
are handed absolute paths: they must see the raw and marts folders at the same paths.
"""

from __future__ import annotations

import os
from typing import Any

from flows.config import Settings


class SchedulerUnreachable(Exception):
    """No Dask scheduler answered at the configured address in time."""


def local_cluster_kwargs() -> dict[str, Any]:
    """A LocalCluster for one run: one single-threaded worker process per core (typing and
    validating rows holds the GIL), no dashboard port to collide with another run's."""
    return {
        "n_workers": os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
    }


def check_scheduler(address: str, timeout: float) -> None:
    """Connect to the scheduler once, so an unreachable one fails the run before it starts."""
    from distributed import Client

    try:
        with Client(address, timeout=timeout, set_as_default=False):
            pass
    except Exception as err:  # OSError on a timeout or refusal, ValueError on a bad address
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {address} within {timeout:g} s ({err})"
        ) from err


def task_runner(settings: Settings, cluster_kwargs: dict[str, Any] | None = None):
    """The task runner the settings ask for; ``None`` keeps the flow's default (threads)."""
    if settings.task_runner == "threads":
        return None
    from prefect_dask import DaskTaskRunner

    if settings.dask_address:
        return DaskTaskRunner(
            address=settings.dask_address,
            client_kwargs={"timeout": settings.dask_connect_timeout},
        )
    return DaskTaskRunner(cluster_kwargs=cluster_kwargs or local_cluster_kwargs())


def nightly_flow(settings: Settings, cluster_kwargs: dict[str, Any] | None = None):
    """The nightly flow on the chosen task runner; a Dask address is checked first."""
    from flows.nightly import nightly

    if settings.task_runner == "dask" and settings.dask_address:
        check_scheduler(settings.dask_address, settings.dask_connect_timeout)
    runner = task_runner(settings, cluster_kwargs)
    return nightly if runner is None else nightly.with_options(task_runner=runner)
