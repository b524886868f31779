"""Find the observation files under the raw folder and compare them with the manifest."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.config import DATASETS, READABLE_SUFFIXES


@dataclass(frozen=True)
class FileItem:
    """One file on disk (or one the manifest remembers) and what this run must do with it."""

    file_path: str  # relative to the raw folder, with forward slashes: the manifest key
    dataset: str
    status: str  # new | changed | unchanged | deleted
    content_hash: str | None = None
    size_bytes: int | None = None

    @property
    def needs_ingest(self) -> bool:
        return self.status in ("new", "changed")


def file_hash(path: Path) -> str:
    """SHA-256 of the file's bytes, read in blocks so large files do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_observation_file(path: Path) -> bool:
    # Editors leave lock files (~$book.xlsx, .~lock.x.csv#) and dot files beside the real ones.
    hidden = path.name.startswith((".", "~$"))
    return path.is_file() and not hidden and path.suffix.lower() in READABLE_SUFFIXES


def list_files(raw_dir: Path) -> list[tuple[str, str, Path]]:
    """``(file_path, dataset, absolute path)`` of every readable file, sorted by path."""
    found = []
    for dataset in DATASETS:
        folder = raw_dir / dataset
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if _is_observation_file(path):
                found.append((path.relative_to(raw_dir).as_posix(), dataset, path))
    return found


def discover(raw_dir: Path, con: duckdb.DuckDBPyConnection) -> list[FileItem]:
    """Classify every file as new, changed or unchanged, and every vanished file as deleted.

    A file whose last ingest failed has no stored hash and so is always retried.
    """
    known = dict(
        con.execute(
            "SELECT file_path, content_hash FROM ingest_files WHERE status <> 'deleted'"
        ).fetchall()
    )
    items = []
    for file_path, dataset, path in list_files(raw_dir):
        digest = file_hash(path)
        if file_path not in known:
            status = "new"
        elif known.pop(file_path) == digest:
            status = "unchanged"
        else:
            status = "changed"
        items.append(FileItem(file_path, dataset, status, digest, path.stat().st_size))
    datasets = dict(con.execute("SELECT file_path, dataset FROM ingest_files").fetchall())
    items += [FileItem(gone, datasets[gone], "deleted") for gone in sorted(known)]
    return items
