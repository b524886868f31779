"""One place for configuration: where raw files, reference tables, SQL and marts live.

Every default runs out of the box from a clone: paths are resolved against the project root,
and each can be overridden on the command line (``--raw-dir``, ``--marts-dir``) or by the
environment variables ``SPOTPRICES_RAW_DIR``, ``SPOTPRICES_MARTS_DIR`` and
``SPOTPRICES_REFERENCE_DIR``. Where the ingest tasks run is chosen the same way
(``--task-runner``, ``--dask-address``; ``SPOTPRICES_TASK_RUNNER``, ``SPOTPRICES_DASK_ADDRESS``,
``SPOTPRICES_DASK_CONNECT_TIMEOUT``). The limits fitted to this two-core, 1.5 GiB budget are
raised with the machine: ``SPOTPRICES_DUCKDB_MEMORY_LIMIT``, ``SPOTPRICES_DUCKDB_THREADS`` and
``SPOTPRICES_CHUNK_THREADS``; ``SPOTPRICES_INGEST_RETRY_DELAYS`` and
``SPOTPRICES_FRESHNESS_WARN_DAYS`` set the ingest retries and when ``status`` warns.

Every variable is read here, and a value that does not read raises :class:`UsageError` naming
the variable, its value and what is expected, before anything runs (the command line exits 2).
A path given empty (``--raw-dir ""``, ``SPOTPRICES_RAW_DIR=``) is refused rather than read as
"not given": a script's unset variable must not send a run to the project's own folders. The
raw folder and the marts folder must lie apart (:func:`check_folders_apart`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from flows.stop import Expected

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Datasets and the folder under the raw directory each is read from.
DATASETS = ("prices", "routes")

#: File endings read as observations; anything else under data/raw is ignored.
READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".ndjson", ".json")

PUBLISHED_DB_NAME = "spotprices.duckdb"
STATE_DIR_NAME = "_state"
EXTRACTS_DIR_NAME = "extracts"
PARQUET_DIR_NAME = "parquet"


#: Where the per-file ingest tasks run: Prefect's thread pool in the flow process (default),
#: or a Dask cluster through prefect-dask. Every other step stays in the flow process.
TASK_RUNNERS = ("threads", "dask")


class UsageError(ValueError, Expected):
    """A setting given that cannot work (an empty path, folders one inside the other, a raw
    folder that is not there): the command prints it on one line and exits 2 (and Prefect, if
    a flow run meets it, logs it without a traceback)."""


@dataclass(frozen=True)
class Settings:
    """Paths and knobs for one run; build with :func:`settings_from`."""

    raw_dir: Path
    marts_dir: Path
    reference_dir: Path
    sql_dir: Path = PROJECT_ROOT / "sql"
    chunk_rows: int = 100_000
    #: Threads that type, validate and spool one file's chunks while its reader reads on:
    #: one per core. pandas and Arrow let go of the GIL for part of the work, so two threads
    #: ingest a 1M-row file in 8.4 s instead of 12.7 s; each thread holds one chunk more.
    chunk_threads: int = 2
    #: Every DuckDB connection of a run spills to disk past this. The flow process holds
    #: ~550 MB of its own (Prefect, pandas, the last ingest chunk's leftovers) and DuckDB's
    #: resident memory runs a little past its limit: 768 MB keeps a run under 1.5 GiB
    #: whatever the input's size (measured in docs/performance.md).
    duckdb_memory_limit: str = "768MB"
    duckdb_threads: int = 2
    #: Seconds to wait before each retry of a file that could not be opened (locked, I/O).
    ingest_retry_delays: tuple[int, ...] = (2, 10)
    #: One of :data:`TASK_RUNNERS`.
    task_runner: str = "threads"
    #: A running Dask scheduler (``tcp://host:8786``); none starts a LocalCluster for the run.
    dask_address: str | None = None
    #: Where ``dask_address`` came from, for messages: ``--dask-address`` or the variable.
    dask_address_source: str = "--dask-address"
    #: Seconds to wait for that scheduler to answer before the run fails.
    dask_connect_timeout: float = 10.0
    #: ``spotprices status`` warns when the newest observation is older than this many days.
    freshness_warn_days: int = 365

    @property
    def published_db(self) -> Path:
        """The file analysts open read-only."""
        return self.marts_dir / PUBLISHED_DB_NAME

    @property
    def state_dir(self) -> Path:
        """Private working area: the ingest database, the row store and spooled chunks."""
        return self.marts_dir / STATE_DIR_NAME

    @property
    def standby_db(self) -> Path:
        """The build the published one replaced, from which the next build starts when no
        reader holds it open (:func:`flows.build.open_build`): as large as the marts file."""
        return self.state_dir / "standby.duckdb"

    @property
    def standby_partial(self) -> Path:
        """Where a copy meant for the standby is written until it is whole."""
        return self.state_dir / "standby.duckdb.partial"

    @property
    def state_db(self) -> Path:
        """The ingest database: manifest, run log, failures and the views of the row store."""
        return self.state_dir / "ingest.duckdb"

    @property
    def rows_dir(self) -> Path:
        """The row store: each ingested file's raw and valid rows as Parquet (flows.state)."""
        return self.state_dir / "rows"

    @property
    def spool_dir(self) -> Path:
        """Parquet chunks handed from the per-file validation tasks to the single writer."""
        return self.state_dir / "spool"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the last checked build (HTML, offline)."""
        return self.marts_dir / "data_docs"

    @property
    def extracts_dir(self) -> Path:
        return self.marts_dir / EXTRACTS_DIR_NAME

    @property
    def duckdb_config(self) -> dict[str, str]:
        """Limits for the DuckDB connections of a run: ``duckdb.connect(path, config=...)``."""
        return {"memory_limit": self.duckdb_memory_limit, "threads": str(self.duckdb_threads)}

    @property
    def parquet_dir(self) -> Path:
        """The published tables as Parquet, one folder per table, for Spark, Trino and others."""
        return self.marts_dir / PARQUET_DIR_NAME


def settings_from(
    raw_dir: str | Path | None = None,
    marts_dir: str | Path | None = None,
    reference_dir: str | Path | None = None,
    task_runner: str | None = None,
    dask_address: str | None = None,
) -> Settings:
    """Resolve settings: explicit argument, then environment variable, then project default."""

    def pick(value: str | Path | None, env: str, default: Path, option: str) -> Path:
        if value is not None and not str(value).strip():
            raise UsageError(
                f"{option} is empty: name a folder, or leave the option out"
                f" for {env} or the default ({default})"
            )
        if value is None and env in os.environ and not os.environ[env].strip():
            raise UsageError(
                f"{env} is set but empty: name a folder, or unset it for the default ({default})"
            )
        chosen = value or os.environ.get(env) or default
        return Path(chosen).expanduser().resolve()

    limits = {
        "duckdb_memory_limit": _memory_limit("SPOTPRICES_DUCKDB_MEMORY_LIMIT"),
        "duckdb_threads": _count("SPOTPRICES_DUCKDB_THREADS"),
        "chunk_threads": _count("SPOTPRICES_CHUNK_THREADS"),
        "ingest_retry_delays": _delays("SPOTPRICES_INGEST_RETRY_DELAYS"),
        "dask_connect_timeout": _seconds("SPOTPRICES_DASK_CONNECT_TIMEOUT"),
        "freshness_warn_days": _days("SPOTPRICES_FRESHNESS_WARN_DAYS"),
    }
    runner = _task_runner(task_runner)
    address, source = dask_address, "--dask-address"
    if not address:
        address, source = _env("SPOTPRICES_DASK_ADDRESS") or None, "SPOTPRICES_DASK_ADDRESS"
    return Settings(
        raw_dir=pick(raw_dir, "SPOTPRICES_RAW_DIR", PROJECT_ROOT / "data" / "raw", "--raw-dir"),
        marts_dir=pick(
            marts_dir, "SPOTPRICES_MARTS_DIR", PROJECT_ROOT / "data" / "marts", "--marts-dir"
        ),
        reference_dir=pick(
            reference_dir,
            "SPOTPRICES_REFERENCE_DIR",
            PROJECT_ROOT / "data" / "reference",
            "reference_dir",
        ),
        **{name: value for name, value in limits.items() if value is not None},
        task_runner=runner,
        dask_address=address,
        dask_address_source=source,
    )


def check_folders_apart(settings: Settings) -> None:
    """Refuse a raw folder and a marts folder that are one, or one inside the other.

    A marts folder inside the raw folder has its extracts read back as observations on the
    next run (every row counted twice, the rest quarantined); a raw folder inside the marts
    folder is handed, private notes and all, to whoever is given the marts, and lies where
    the run replaces folders whole (``parquet/``, ``_state/``)."""
    raw, marts = settings.raw_dir, settings.marts_dir
    if raw == marts:
        raise UsageError(
            f"the raw folder and the marts folder are the same folder, {raw}: give the marts"
            " a folder of their own, beside the raw folder (e.g. data/raw and data/marts)"
        )
    if marts.is_relative_to(raw):
        raise UsageError(
            f"the marts folder {marts} lies inside the raw folder {raw}: the next run would"
            " read the published extracts back as observations. Put it beside the raw folder"
            " (e.g. data/raw and data/marts)"
        )
    if raw.is_relative_to(marts):
        raise UsageError(
            f"the raw folder {raw} lies inside the marts folder {marts}: whoever is given the"
            " marts would get the raw files and their private notes. Put it beside the marts"
            " folder (e.g. data/raw and data/marts)"
        )


def check_raw_folder(settings: Settings) -> None:
    """Refuse a raw folder that is not there or is not a folder (a typo, a share not
    mounted): read as empty, it would retire every row published."""
    raw = settings.raw_dir
    if not raw.exists():
        raise UsageError(f"the raw folder {raw} does not exist (a typo? a share not mounted?)")
    if not raw.is_dir():
        raise UsageError(
            f"the raw folder {raw} is not a folder: name the folder holding prices/ and routes/"
        )


def named(source: str, value: object) -> str:
    """A setting as its user gave it: ``--option 'value'`` or ``VARIABLE='value'``."""
    return f"{source} {value!r}" if source.startswith("--") else f"{source}={value!r}"


def _env(variable: str) -> str:
    """The variable's value without surrounding blanks; empty when unset."""
    return os.environ.get(variable, "").strip()


def _task_runner(option: str | None) -> str:
    """``--task-runner`` (argparse has checked it), else the variable, else threads."""
    if option:
        value, source = option, "--task-runner"
    else:
        value, source = _env("SPOTPRICES_TASK_RUNNER") or "threads", "SPOTPRICES_TASK_RUNNER"
    if value.lower() not in TASK_RUNNERS:
        raise UsageError(f"{named(source, value)}: expected one of {', '.join(TASK_RUNNERS)}")
    return value.lower()


def _delays(variable: str) -> tuple[int, ...] | None:
    """Whole seconds separated by commas from ``variable``, if set."""
    value = _env(variable)
    if not value:
        return None
    delays = [d.strip() for d in value.split(",")]
    if not all(d.isdecimal() for d in delays):
        raise UsageError(
            f"{variable}={value!r}: expected whole seconds separated by commas, e.g. 2,10"
        )
    return tuple(int(d) for d in delays)


def _seconds(variable: str) -> float | None:
    """A number of seconds more than 0 from ``variable``, if set."""
    value = _env(variable)
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not (0 < seconds < float("inf")):
        raise UsageError(f"{variable}={value!r}: expected a number of seconds above 0, e.g. 10")
    return seconds


def _days(variable: str) -> int | None:
    """A whole number of days, 0 or more, from ``variable``, if set."""
    value = _env(variable)
    if not value:
        return None
    if not value.isdecimal():
        raise UsageError(f"{variable}={value!r}: expected a whole number of days, e.g. 365")
    return int(value)


def _count(variable: str) -> int | None:
    """A whole number of threads from ``variable``, if set."""
    value = _env(variable)
    if not value:
        return None
    if not value.isdecimal() or int(value) < 1:
        raise UsageError(f"{variable}={value!r}: expected a whole number of threads, 1 or more")
    return int(value)


def _memory_limit(variable: str) -> str | None:
    """A DuckDB memory limit from ``variable``, if set, checked by DuckDB itself so that a
    typo fails before the run starts, naming the variable."""
    value = _env(variable)
    if not value:
        return None
    import duckdb  # only when the variable is set: `spotprices --help` stays light

    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as err:
        raise UsageError(
            f"{variable}={value!r}: not a memory limit DuckDB reads (e.g. 768MB, 4GB, 50%):"
            f" {str(err).splitlines()[0]}"
        ) from None
    return value
