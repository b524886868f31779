"""The Great Expectations Data Docs site of a build, and a front page that works offline.

GX's own pages load Bootstrap, jQuery and Font Awesome from CDNs. Offline (the usual case
here) their text still shows, but the GX index is an empty shell (its table is drawn by
JavaScript) and a check's pass or fail is only an icon. So the site gets:

- ``index.html``: a static page written here, no scripts, listing every table and check with
  its outcome, linking to GX's validation and suite page of each table;
- ``gx_index.html``: GX's own index, searchable when a network is available;
- a small inline style sheet (GX's ``data_docs_custom_styles.css`` hook) that spells out
  "passed" and "failed" next to GX's icons, so the GX pages read right without the CDNs.

The site is built in a sibling folder and swapped in whole, so a reader never sees half of it.
"""

from __future__ import annotations

import html
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flows.quality import Outcome, QualityReport

SITE_NAME = "spotprices"
GX_INDEX = "gx_index.html"

OFFLINE_STYLES = """
body { font-family: system-ui, sans-serif; margin: 1rem 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
td, th { border: 1px solid #ccc; padding: .25rem .5rem; vertical-align: top; text-align: left; }
.text-success { color: #1a7f37; }
.text-danger { color: #c62828; }
.fa-check-circle.text-success::after { content: " passed"; font-family: system-ui, sans-serif; }
.fa-times.text-danger::after { content: " failed"; font-family: system-ui, sans-serif; }
"""


def site_config(site_dir: Path) -> dict:
    """A local-filesystem Data Docs site in ``site_dir``, without GX's "how to" buttons."""
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(site_dir),
        },
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def plugins_dir(workdir: Path) -> Path:
    """A GX plugins folder whose only plugin is the offline style sheet."""
    styles = workdir / "plugins" / "custom_data_docs" / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    (styles / "data_docs_custom_styles.css").write_text(OFFLINE_STYLES, encoding="utf-8")
    return workdir / "plugins"


def new_site_dir(data_docs_dir: Path) -> Path:
    """An empty folder beside ``data_docs_dir`` (same filesystem, so the swap is a rename).

    Folders a killed run left there are removed first: one run at a time writes the docs.
    """
    data_docs_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in data_docs_dir.parent.glob(f".{data_docs_dir.name}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".{data_docs_dir.name}.", dir=data_docs_dir.parent))


def publish_site(site_dir: Path, data_docs_dir: Path) -> Path:
    """Replace ``data_docs_dir`` with ``site_dir``; return the path of its index page. The
    folder is as open as the marts folder it lies in (mkdtemp made it 0700): the report links
    to it, and it holds the checks of published marts only."""
    site_dir.chmod(stat.S_IMODE(data_docs_dir.parent.stat().st_mode))
    old = None
    if data_docs_dir.exists():
        old = data_docs_dir.with_name(f"{site_dir.name}.old")
        os.replace(data_docs_dir, old)
    os.replace(site_dir, data_docs_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return data_docs_dir / "index.html"


def write_index(site_dir: Path, report: QualityReport, build_name: str) -> None:
    """Move GX's index aside and write the static front page in its place."""
    gx_index = site_dir / "index.html"
    if gx_index.exists():
        os.replace(gx_index, site_dir / GX_INDEX)
    (site_dir / "index.html").write_text(_index_html(site_dir, report, build_name), "utf-8")


def _index_html(site_dir: Path, report: QualityReport, build_name: str) -> str:
    if report.failed_blocking:
        verdict = (
            f"BLOCKED: {len(report.failed_blocking)} blocking expectation(s) failed. This build"
            " was not published; the previously published marts stay live."
        )
    else:
        verdict = "PASSED: no blocking expectation failed; the build may be published."
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Quality gates: {_e(build_name)}</title>",
        f"<style>{OFFLINE_STYLES}</style></head><body>",
        "<h1>Quality gates</h1>",
        f"<p>Build <code>{_e(build_name)}</code>, checked {_e(report.checked_at)}.</p>",
        f'<p class="{"text-danger" if report.failed_blocking else "text-success"}">'
        f"<strong>{_e(verdict)}</strong></p>",
        f"<p>{report.passed} passed, {len(report.failed_blocking)} blocking failures,"
        f" {len(report.warnings)} warnings.</p>",
        *(f"<p>Note: {_e(note)}</p>" for note in report.notes),
        "<p>Great Expectations' own index (its scripts need a network):"
        f' <a href="{GX_INDEX}">{GX_INDEX}</a>.</p>',
    ]
    problems = report.failed_blocking + report.warnings
    if problems:
        parts.append("<h2>Failures and warnings</h2>")
        parts.append(_outcome_table(problems, with_table=True))
    for table in report.tables:
        outcomes = [o for o in report.outcomes if o.table == table]
        links = _gx_links(site_dir, table)
        parts.append(f'<h2 id="{_e(table)}">{_e(table)}</h2>')
        if links:
            parts.append("<p>" + " · ".join(links) + "</p>")
        parts.append(_outcome_table(outcomes))
    parts.append("</body></html>")
    return "\n".join(parts)


def _outcome_table(outcomes: Iterable[Outcome], with_table: bool = False) -> str:
    rows = [
        "<table><tr><th>result</th>"
        + ("<th>table</th>" if with_table else "")
        + "<th>on failure</th><th>expectation</th><th>columns</th><th>why</th>"
        + "<th>observed</th></tr>"
    ]
    for o in outcomes:
        css = "text-success" if o.success else "text-danger"
        table = f'<td><a href="#{_e(o.table)}">{_e(o.table)}</a></td>' if with_table else ""
        rows.append(
            f'<tr><td class="{css}">{_e(o.result)}</td>{table}'
            f"<td>{'block' if o.blocking else 'warn'}</td>"
            f"<td><code>{_e(o.expectation)}</code></td><td>{_e(o.target)}</td>"
            f"<td>{_e(o.why)}</td><td>{_e(o.observed)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _gx_links(site_dir: Path, table: str) -> list[str]:
    links = []
    for page in sorted((site_dir / "validations" / table).rglob("*.html")):
        links.append(f'<a href="{_e(page.relative_to(site_dir).as_posix())}">validation result</a>')
    suite_page = site_dir / "expectations" / f"{table}.html"
    if suite_page.exists():
        links.append(f'<a href="expectations/{_e(table)}.html">expectation suite</a>')
    return links


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
