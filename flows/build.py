"""Build the marts from the SQL in sql/ into a new DuckDB file, beside the published one.

Each ``.sql`` file is one model: a single SELECT whose file name is the table it makes. Models
run in dependency order (a model depends on every other model it names), staging and
intermediate models first in practice, marts last. The leading comment of a file becomes the
table's comment; column comments come from ``sql/columns.yml``. A model whose leading comment
holds the line ``-- materialized: view`` is made a view, computed when it is queried: for a
bridge such as mart_lineage that would be far larger stored than the tables it reads. The
private ingest database is attached read-only as ``ingest`` while building and detached before
the file is published, so the published file stands alone.

A model whose header says ``-- materialized: incremental`` is a table whose every row belongs
to one raw file (it has ``file_path``) and depends only on that file's rows and on tables that
give each key the same rows whatever the other files, under the same rules (reference tables,
rates per currency and period, the calendar of a period span, the weight of a grade); those
small tables are rebuilt whole before it. When the published build was made under the same
rules (the rules fingerprint, :mod:`flows.fingerprint`), the next build starts from a build
made under them: the standby (the file the published build replaced, kept by publishing) when
no reader holds it, else a copy of the published build. Such a table then has only the rows of
the files that changed since that build replaced: deleted, then selected again with the model
filtered to those files (DuckDB pushes the filter down to the ingest views, and skips the
Parquet parts of the other files by their statistics). Every other model is rebuilt whole from
the tables below it, as in a full build.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from graphlib import TopologicalSorter
from pathlib import Path
from typing import NamedTuple

import duckdb
import yaml

from flows.config import Settings
from flows.excel_safe import quote_literal

EXPECTATION_COLUMNS = {
    "table": "The published table the expectation was checked on.",
    "expectation": "The Great Expectations expectation, e.g. expect_column_values_to_not_be_null.",
    "columns": "The columns it is about, or table.",
    "on_failure": "block (a failure stops the publish) or warn (a failure is reported).",
    "result": "passed, warning (a warn expectation failed) or FAILED (a blocking one failed).",
    "observed": "What was observed: the value, or how many rows were unexpected, with examples.",
    "why": "What the expectation says, in words.",
    "gx_result": "Great Expectations' verdict and result as JSON: counts, percentages and the"
    " first unexpected examples. A run that only adds files merges its checks of the"
    " observation tables with these.",
}


MATERIALIZED = "materialized:"
INCREMENTAL = "incremental"  # a table updated by file slice; see the module docstring


class ReconciliationError(Exception):
    """Rows read do not equal rows staged plus rows quarantined for some file."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str  # the folder under sql/: staging, intermediate or marts
    sql: str

    @property
    def _header(self) -> list[str]:
        """The lines of the leading ``--`` comment block, without the dashes."""
        lines = []
        for line in self.sql.splitlines():
            if not line.startswith("--"):
                break
            lines.append(line[2:].strip())
        return lines

    @property
    def materialized(self) -> str:
        """``table`` (the default), ``view`` or ``incremental``, as the header's
        ``materialized:`` line says."""
        for line in self._header:
            if line.startswith(MATERIALIZED):
                return line.removeprefix(MATERIALIZED).strip()
        return "table"

    @property
    def kind(self) -> str:
        """What DuckDB makes of it: ``VIEW`` or ``TABLE`` (an incremental model is a table)."""
        return "VIEW" if self.materialized == "view" else "TABLE"

    @property
    def description(self) -> str:
        """The leading comment block, joined into one paragraph."""
        return " ".join(line for line in self._header if not line.startswith(MATERIALIZED))


def load_models(sql_dir: Path) -> list[Model]:
    """Every model under ``sql_dir``, ordered so that each runs after the models it reads."""
    models = {
        path.stem: Model(path.stem, path.parent.name, path.read_text(encoding="utf-8"))
        for path in sorted(sql_dir.rglob("*.sql"))
    }
    graph = {}
    for model in models.values():
        # Comments and tables of the attached ingest database (ingest.x) are not models.
        body = re.sub(r"--[^\n]*|\bingest\.\w+", "", model.sql.lower())
        words = set(re.findall(r"[a-z_][a-z0-9_]*", body))
        graph[model.name] = {other for other in models if other in words and other != model.name}
    return [models[name] for name in TopologicalSorter(graph).static_order()]


def incremental_models(sql_dir: Path) -> frozenset[str]:
    """The tables updated by file: ``-- materialized: incremental``."""
    return frozenset(m.name for m in load_models(sql_dir) if m.materialized == INCREMENTAL)


def _column_docs(sql_dir: Path) -> dict[str, str]:
    path = sql_dir / "columns.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def _comment(con: duckdb.DuckDBPyConnection, model: Model, column_docs: dict[str, str]) -> None:
    con.execute(f"COMMENT ON {model.kind} {model.name} IS {quote_literal(model.description)}")
    for (column,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database()"
        " AND table_name = ?",
        [model.name],
    ).fetchall():
        text = column_docs.get(f"{model.name}.{column}") or column_docs.get(column)
        if text:
            con.execute(f'COMMENT ON COLUMN {model.name}."{column}" IS {quote_literal(text)}')


class OpenedBuild(NamedTuple):
    """The new build file, and what it started from: ``new`` (reference tables only),
    ``standby`` (the build before the published one) or ``copy`` (of the published build)."""

    path: Path
    start: str


def open_build(
    settings: Settings, run_id: str, base: Path | None = None, rules: str | None = None
) -> OpenedBuild:
    """Create the new build file: the standby, when it was made under ``rules`` and no reader
    holds it (:func:`_take_standby`), else a copy of ``base`` (the published build, made
    under the same rules); or, without ``base``, a new file with the reference tables."""
    # Left by a run that stopped before publishing: the file, its WAL, and the folder DuckDB
    # spills to when a build runs past its memory limit; and a standby half copied.
    for stale in [*settings.state_dir.glob("build-*.duckdb*"), settings.standby_partial]:
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)
    target = settings.state_dir / f"build-{run_id}.duckdb"
    if base is not None:
        if rules is not None and _take_standby(settings.standby_db, target, rules):
            return OpenedBuild(target, "standby")
        shutil.copyfile(base, target)  # its build_info and expectation_results: see stamp_build
        _write_back(target)
        return OpenedBuild(target, "copy")
    from flows.reference import load_reference  # pandas and the contracts: not for a copy

    with duckdb.connect(str(target)) as con:
        load_reference(con, settings.reference_dir, settings.state_dir)
    return OpenedBuild(target, "new")


def _take_standby(standby: Path, target: Path, rules: str) -> bool:
    """Move the standby build to ``target`` if it was made under ``rules`` and no reader holds
    it; say whether it was.

    The standby is the file the published build replaced (publishing keeps it as a hard
    link), or after a full build a copy of the published one (:func:`flows.publish.
    keep_standby`). Starting from it spares copying the published build, 2.3 GB at 10M rows;
    the rows it holds of files that changed since it was built are replaced like this run's
    (:func:`stale_files`). An analyst who opened the marts before the last publish may still
    read it: DuckDB's lock then refuses it, and the build starts from a copy instead, leaving
    the analyst's file as it is.
    """
    try:
        os.replace(standby, target)  # taken: a run that fails leaves it to be cleared
    except FileNotFoundError:
        return False
    try:
        with duckdb.connect(str(target)) as con:
            (made_under,) = con.execute("SELECT rules_fingerprint FROM build_info").fetchone()
    except duckdb.Error:  # held open by a reader, or not a build this code can read
        made_under = None
    if made_under == rules:
        return True
    target.unlink()  # the copy is then a new file; a reader keeps the one it holds
    return False


def stale_files(settings: Settings, target: Path) -> list[str]:
    """The raw files whose rows the build ``target`` holds from another read than the ingest
    database now holds: any file read, failed or deleted by a run since the build was made
    (its manifest row's run id differs), or known to only one of them.

    For a copy of the published build these are this run's new, changed, deleted and failed
    files; the standby also lacks the last run's.
    """
    with duckdb.connect(str(target), read_only=True) as con:
        con.execute(f"ATTACH {quote_literal(str(settings.state_db))} AS ingest (READ_ONLY)")
        rows = con.execute(
            "SELECT coalesce(built.file_path, now.file_path) AS file_path"
            " FROM main.ingest_files AS built"
            " FULL JOIN ingest.ingest_files AS now ON built.file_path = now.file_path"
            " WHERE built.run_id IS DISTINCT FROM now.run_id ORDER BY file_path"
        ).fetchall()
    return [file_path for (file_path,) in rows]


def fsync_file(path: Path) -> None:
    """Wait until ``path``'s bytes are on disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_back(path: Path) -> None:
    """Have ``path`` written to disk on a thread, and return at once.

    A copy of the published build (2 GB at 10M rows) is in memory when the copy returns, and
    the kernel may hold it there for half a minute. The build's first checkpoint syncs the
    file, and would wait for all of it in normalise; syncing it here, the flow waited for the
    disk after a night's file was read (0.7 s at 10M rows). The thread waits on the disk
    beside ingest, and normalise's first checkpoint only for what is left."""

    def sync() -> None:
        with contextlib.suppress(OSError):  # gone already: a run that failed cleans it up
            fsync_file(path)

    threading.Thread(target=sync, name=f"write back {path.name}", daemon=True).start()


@dataclass
class BuiltModels:
    """What :func:`run_models` made: rows per table, and seconds per model, so that a run
    says which model is its slowest (``spotprices status``, the benchmark)."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_models(
    settings: Settings,
    target: Path,
    layers: tuple[str, ...],
    changed_files: list[str] | None = None,
) -> BuiltModels:
    """Materialise the models of ``layers`` into ``target``.

    ``changed_files`` is given when ``target`` started from a build made under the same
    rules (the standby or a copy of the published build): its :func:`stale_files`, whose
    rows the incremental models then replace, and no other rows.
    """
    column_docs = _column_docs(settings.sql_dir)
    built = BuiltModels()
    with duckdb.connect(str(target), config=settings.duckdb_config) as con:
        con.execute(f"ATTACH {quote_literal(str(settings.state_db))} AS ingest (READ_ONLY)")
        for model in load_models(settings.sql_dir):
            if model.layer not in layers:
                continue
            started = time.monotonic()
            if model.materialized == INCREMENTAL and changed_files is not None:
                _replace_file_slices(con, model, changed_files)
            else:
                con.execute(f"CREATE OR REPLACE {model.kind} {model.name} AS\n{model.sql}")
                _comment(con, model, column_docs)
            built.seconds[model.name] = round(time.monotonic() - started, 3)
            if model.kind == "TABLE":  # counting a view would compute it
                (built.rows[model.name],) = con.execute(
                    f"SELECT count(*) FROM {model.name}"
                ).fetchone()
        con.execute("DETACH ingest")
    return built


def _replace_file_slices(
    con: duckdb.DuckDBPyConnection, model: Model, changed_files: list[str]
) -> None:
    """Delete the rows of ``changed_files`` from the model's table and select them again.

    The files are written as literals, not a subquery, so that DuckDB pushes the filter down
    through the model's joins to the scans of the ingest tables.
    """
    if not changed_files:
        return
    files = ", ".join(quote_literal(path) for path in changed_files)
    con.execute("BEGIN TRANSACTION")
    con.execute(f"DELETE FROM {model.name} WHERE file_path IN ({files})")
    con.execute(
        f"INSERT INTO {model.name} BY NAME\n"
        f"SELECT * FROM (\n{model.sql}\n) WHERE file_path IN ({files})"
    )
    con.execute("COMMIT")


def check_reconciliation(target: Path) -> None:
    """Fail the build if any file's rows read differ from rows staged plus quarantined."""
    with duckdb.connect(str(target), read_only=True) as con:
        broken = con.execute(
            "SELECT file_path, rows_read, rows_staged, rows_quarantined FROM ingest_files"
            " WHERE NOT reconciles"
        ).fetchall()
    if broken:
        detail = "; ".join(f"{f}: read {r}, staged {s}, quarantined {q}" for f, r, s, q in broken)
        raise ReconciliationError(f"row counts do not reconcile: {detail}")


def stamp_build(
    target: Path,
    run_id: str,
    summary: dict,
    expectations: list[dict] | None = None,
    inputs_fingerprint: str | None = None,
    rules_fingerprint: str | None = None,
) -> None:
    """Record which run built this file and what its quality checks found, so analysts can
    see how fresh and how sound it is; the fingerprint of the inputs it was built from
    (:mod:`flows.fingerprint`), so that a run with the same inputs can keep it; and that of
    the rules alone, so that a run under the same rules can update it by file."""
    with duckdb.connect(str(target)) as con:
        if expectations:
            import pandas as pd

            con.register("outcomes", pd.DataFrame(expectations))
            con.execute("CREATE OR REPLACE TABLE expectation_results AS SELECT * FROM outcomes")
            con.unregister("outcomes")
            con.execute(
                "COMMENT ON TABLE expectation_results IS 'The Great Expectations checks run on"
                " this build before it was published: table, expectation, result (passed,"
                " warning or FAILED), what was observed. See data_docs/index.html.'"
            )
            for column, text in EXPECTATION_COLUMNS.items():
                comment = quote_literal(text)
                con.execute(f'COMMENT ON COLUMN expectation_results."{column}" IS {comment}')
        else:  # a build started from an earlier one (standby or copy) has its results
            con.execute("DROP TABLE IF EXISTS expectation_results")
        con.execute(
            "CREATE OR REPLACE TABLE build_info AS SELECT ? AS run_id, ? AS built_at,"
            " ?::JSON AS summary, ?::VARCHAR AS inputs_fingerprint,"
            " ?::VARCHAR AS rules_fingerprint",
            [run_id, datetime.now(), json.dumps(summary), inputs_fingerprint, rules_fingerprint],
        )
        for statement in (
            "COMMENT ON TABLE build_info IS 'The run that built this file, and when.'",
            "COMMENT ON COLUMN build_info.run_id IS 'Identifier of the run (Prefect flow run id).'",
            "COMMENT ON COLUMN build_info.built_at IS 'When the build was made (local time).'",
            "COMMENT ON COLUMN build_info.summary IS 'Files by status, row counts, table sizes.'",
            "COMMENT ON COLUMN build_info.inputs_fingerprint IS 'SHA-256 of what decided this"
            " build: the raw files by content hash, sql/, the reference tables, the code and"
            " library versions. A run whose inputs match keeps this build.'",
            "COMMENT ON COLUMN build_info.rules_fingerprint IS 'SHA-256 of what decided this"
            " build besides the raw files. A run under the same rules updates this build by"
            " file slice instead of rebuilding it.'",
        ):
            con.execute(statement)
        con.execute("CHECKPOINT")
