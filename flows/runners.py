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

from flows.config import Settings, named


class SchedulerUnreachable(Exception):
    """No Dask scheduler answered at the configured address in time."""


class NoPrefectServer(ValueError):
    """A running Dask cluster was named, but no Prefect server its workers could report to."""


def local_cluster_kwargs() -> dict[str, Any]:
    """A LocalCluster for one run: one single-threaded worker process per core (typing and
    validating rows holds the GIL); its status page on a free port, not one another run holds."""
    return {
        "n_workers": os.cpu_count() or 1,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": ":0",
    }


def check_scheduler(address: str, timeout: float, source: str = "--dask-address") -> None:
    """Connect to the scheduler once, so an unreachable one fails the run before it starts;
    ``source`` is where the address came from (the option or SPOTPRICES_DASK_ADDRESS)."""
    from distributed import Client

    where = address if source.startswith("--") else f"{address} ({source})"
    try:
        with Client(address, timeout=timeout, set_as_default=False):
            pass
    except Exception as err:  # OSError on a timeout or refusal, ValueError on a bad address
        raise SchedulerUnreachable(
            f"no Dask scheduler answered at {where} within {timeout:g} s ({err})"
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


def run_nightly(settings: Settings, cluster_kwargs: dict[str, Any] | None = None, **parameters):
    """Run the nightly flow on the chosen task runner and return its summary.

    Dask workers learn the Prefect server from the task's context. With no ``PREFECT_API_URL``
    the flow would use a temporary server known to this process only, and every worker process
    would start one of its own (about 20 s each, and its task runs lost to the flow's server):
    for a LocalCluster the run's temporary server is started here and named in the context; a
    cluster at an address needs ``PREFECT_API_URL`` set to a server its workers reach.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    from flows.nightly import nightly

    if settings.task_runner == "threads":
        return nightly(**parameters)
    if settings.dask_address and not PREFECT_API_URL.value():
        raise NoPrefectServer(
            f"{named(settings.dask_address_source, settings.dask_address)} needs"
            " PREFECT_API_URL set to a Prefect server the Dask workers can reach"
        )
    if settings.dask_address:
        check_scheduler(
            settings.dask_address, settings.dask_connect_timeout, settings.dask_address_source
        )
    flow = nightly.with_options(task_runner=task_runner(settings, cluster_kwargs))
    if PREFECT_API_URL.value():
        return flow(**parameters)
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the one the flow would start: one per process
    server.start(timeout=PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        return flow(**parameters)
