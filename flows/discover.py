"""Find the observation files under the raw folder and compare them with the manifest.

A file is known by the SHA-256 of its bytes. Hashing is the cost of a run that finds nothing
to do (2.3 GB, ten million rows: 1.7 s), so, as rsync and git do, a file is hashed again only
when its stat signature (size, modification and change times, inode) differs from the one the
manifest stored with its hash. The change time (ctime) cannot be set back by a program that
restores the modification time (``cp -p``, ``rsync -t``, ``touch -d``): a file rewritten in any
way has a new signature. A signature is stored only when the file was last changed well before
it was hashed (:data:`RACY_SECONDS`), so a file still being written, or written in the same
clock tick as it was hashed, is hashed again next time. On Windows ctime is the creation
time; there ``--full-refresh`` hashes every file again.

A link whose target does not exist is listed, as a file that fails (:func:`dangling_link`),
not skipped. A raw folder with no file at all where the published build has some is refused
before discover (:func:`refuse_empty_raw_folder`): an unmounted share looks the same.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from flows.config import DATASETS, READABLE_SUFFIXES
from flows.stop import Expected


@dataclass(frozen=True)
class FileItem:
    """One file on disk (or one the manifest remembers) and what this run must do with it."""

    file_path: str  # relative to the raw folder, with forward slashes: the manifest key
    dataset: str
    status: str  # new | changed | unchanged | deleted
    content_hash: str | None = None
    size_bytes: int | None = None
    #: The stat signature the hash can be trusted for (see the module docstring), or None.
    signature: str | None = None
    #: True when discover read the file to hash it; False when the signature vouched for it.
    hashed: bool = False
    #: Why the file cannot be ingested whatever its content (its name; a link to nothing),
    #: or None.
    error: str | None = None
    #: The hash and rows read of the file's last good version (its last ingest that did not
    #: fail), whose rows are published; None for a new file or one whose last ingest failed.
    previous_hash: str | None = None
    previous_rows: int | None = None

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


#: A file changed less than this long before it was hashed gets no stored signature: covers
#: coarse file-system timestamps and the file being written while it is hashed.
RACY_SECONDS = 2


def signature(stat: os.stat_result) -> str:
    """Size, modification and change times (ns) and inode: any rewrite changes one of them."""
    return f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"


def hash_with_signature(path: Path, before: os.stat_result) -> tuple[str, str | None]:
    """The file's SHA-256 and the signature it holds for, or None if the file changed since
    ``before`` (its stat, taken just now), while being hashed or too shortly before
    (:data:`RACY_SECONDS`)."""
    started = time.time_ns()
    digest = file_hash(path)
    after = path.stat()
    settled = after.st_ctime_ns < started - RACY_SECONDS * 1_000_000_000
    return digest, signature(after) if settled and signature(before) == signature(after) else None


def _has_observation_name(path: Path) -> bool:
    # Editors leave lock files (~$book.xlsx, .~lock.x.csv#) and dot files beside the real ones.
    hidden = path.name.startswith((".", "~$"))
    return not hidden and path.suffix.lower() in READABLE_SUFFIXES


def dangling_link(path: Path) -> str | None:
    """Why ``path`` cannot be read if it is a link to nothing (its target gone, a share of
    targets not mounted, a loop), else None. Such a file is failed, not skipped: a synced
    file whose target is missing must be seen."""
    if not path.is_symlink() or path.exists():
        return None
    target = os.fsencode(os.readlink(path)).decode("utf-8", "backslashreplace")
    return f"a link to a file that does not exist: {target}"


#: Why a file whose name is not valid UTF-8 is failed without being read.
NAME_NOT_UTF8 = "the file name is not valid UTF-8: rename it"


def manifest_key(relative: str) -> tuple[str, str | None]:
    """The manifest key of a file's path relative to the raw folder, and why its name makes
    the file fail (or None).

    Linux allows any bytes in a name; Python hands the bytes that are not UTF-8 back as lone
    surrogates (``os.fsdecode``), which DuckDB cannot store, and the run crashed on them every
    night. Such a name is keyed with those bytes written as escapes (``bad\\xffname.csv``),
    so the file is listed as failed with a reason the researcher can act on.
    """
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(relative).decode("utf-8", "backslashreplace"), NAME_NOT_UTF8
    return relative, None


def list_files(raw_dir: Path) -> list[tuple[str, str, Path, str | None]]:
    """``(file_path, dataset, absolute path, error)`` of every readable file, sorted by path;
    the file_path is the manifest key and the error why its name fails it
    (:func:`manifest_key`)."""
    found = []
    for dataset in DATASETS:
        folder = raw_dir / dataset
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if not _has_observation_name(path):
                continue
            broken = dangling_link(path)
            if path.is_file() or broken:
                key, error = manifest_key(path.relative_to(raw_dir).as_posix())
                found.append((key, dataset, path, error or broken))
    return found


class EmptyRawFolder(Expected):
    """The raw folder holds no observation file, or one dataset's folder is gone, while the
    published build holds files there: most likely a share not mounted, a wrong path or a
    folder moved, not the end of every source. The run stops before discover and the
    published marts stay as they are."""


def refuse_empty_raw_folder(raw_dir: Path, published_files: Callable[[], dict[str, int]]) -> None:
    """Raise :class:`EmptyRawFolder` if ``raw_dir`` holds no observation file (not even a
    link to nothing), or has no folder for a dataset, while the published build has rows of
    such files (``published_files()`` counts them per dataset, asked only then). A dataset's
    folder that is there but empty is its files deleted on purpose (the last route file), as
    long as the other dataset still has files."""
    present = {dataset for _, dataset, _, _ in list_files(raw_dir)}
    folders = {dataset for dataset in DATASETS if (raw_dir / dataset).is_dir()}
    if present and folders == set(DATASETS):
        return
    published = published_files()
    if not present:
        where, gone = "(under prices/ or routes/)", sum(published.values())
    else:
        missing = [d for d in DATASETS if d not in folders and published.get(d)]
        where = "under " + " or ".join(f"{d}/ (the folder is gone)" for d in missing)
        gone = sum(published[d] for d in missing)
    if gone:
        raise EmptyRawFolder(
            f"the raw folder {raw_dir} holds no observation files {where} where the published"
            f" build has {gone}: is the share mounted, is the path right? Nothing was changed."
            " To retire them all, run once with --allow-empty"
        )


def copies(items: list[FileItem]) -> dict[str, str]:
    """Files holding the same bytes as another: each copy -> the file it repeats.

    A copy saved beside its original (``report (1).csv``) is read like any file, and all its
    rows count again in every mart; nothing row by row tells a copy from two sources that
    agree, but the same bytes do. The original is the file known before (read in an earlier
    run), else the first by path. Empty files (no rows to count twice) are left out."""
    by_hash: dict[str, list[FileItem]] = {}
    for item in items:
        if item.content_hash is not None and item.status != "deleted" and item.size_bytes:
            by_hash.setdefault(item.content_hash, []).append(item)
    found = {}
    for same in by_hash.values():
        original, *others = sorted(same, key=lambda i: (i.status != "unchanged", i.file_path))
        found.update({other.file_path: original.file_path for other in others})
    return dict(sorted(found.items()))


def discover(raw_dir: Path, con: duckdb.DuckDBPyConnection) -> list[FileItem]:
    """Classify every file as new, changed or unchanged, and every vanished file as deleted.

    A file whose last ingest failed has no stored hash and so is always retried. A file
    hashed again and found unchanged has its new signature stored here, so that a run with
    nothing to do (which stops after discover) does not hash it again next time.
    """
    known = {
        file_path: (content_hash, stored_signature, rows_read)
        for file_path, content_hash, stored_signature, rows_read in con.execute(
            "SELECT file_path, content_hash, file_signature, rows_read FROM ingest_files"
            " WHERE status <> 'deleted'"
        ).fetchall()
    }
    items = []
    for file_path, dataset, path, error in list_files(raw_dir):
        listed = file_path in known
        stored_hash, stored_signature, stored_rows = known.pop(file_path, (None, None, None))
        last_good = {"previous_hash": stored_hash, "previous_rows": stored_rows}
        if stored_hash is None:  # new, or its last ingest failed: no rows published
            last_good = {}
        try:
            stat = path.stat()
        except OSError:  # a link to nothing (listed with its error), or gone since listed
            error = error or "the file disappeared while the run listed the folder"
            status = "changed" if listed else "new"
            items.append(FileItem(file_path, dataset, status, error=error, **last_good))
            continue
        if stored_hash is not None and stored_signature == signature(stat):
            items.append(FileItem(file_path, dataset, "unchanged", stored_hash, stat.st_size))
            continue
        digest, new_signature = hash_with_signature(path, stat)
        if not listed:
            status = "new"
        elif digest == stored_hash:  # never true when its last ingest failed (no hash)
            status = "unchanged"
        else:
            status = "changed"
        found = FileItem(file_path, dataset, status, digest, stat.st_size, new_signature, True)
        items.append(replace(found, error=error, **last_good))
        if status == "unchanged":
            con.execute(
                "UPDATE ingest_files SET file_signature = ? WHERE file_path = ?",
                [new_signature, file_path],
            )
    datasets = dict(con.execute("SELECT file_path, dataset FROM ingest_files").fetchall())
    items += [FileItem(gone, datasets[gone], "deleted") for gone in sorted(known)]
    return items
