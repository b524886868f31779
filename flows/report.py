"""``report.html``: one self-contained page per run for report writers.

Headline changes since the previous published build, the figure pack (PNG inlined as data
URIs), the data-quality summary (quarantine counts and reasons, expectation results when the
build has them) and links to the extracts and the Data Docs. No script, no font or style
from the network: it renders in a browser that is offline. Only aggregate counts and the
allow-listed fields the figures already show appear here, never notes or raw values.
"""

from __future__ import annotations

import base64
import json
import os
from html import escape
from pathlib import Path

import duckdb

from flows.figures import Figure
from flows.synthetic import synthetic_note, synthetic_rows

SNAPSHOT_NAME = ".report_snapshot.json"  # headline numbers of the last report, to diff against
DATA_DOCS_CANDIDATES = ("data_docs/index.html", "data_docs/local_site/index.html")

CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #999;padding:.2rem .5rem;
text-align:left}td.n{text-align:right}img{max-width:100%;border:1px solid #ddd}
.muted{color:#555}
.synthetic{border:2px solid #111;padding:.5rem}
"""


def _snapshot(con) -> dict:
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'mart_%'"
        " OR table_name LIKE 'stg_%' OR table_name = 'quarantine_rows' ORDER BY 1"
    ).fetchall()
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for (t,) in tables}
    return {"rows": counts}


def _changes(previous: dict | None, current: dict) -> list[str]:
    if previous is None:
        return ["First published build with a report: nothing to compare with yet."]
    lines = []
    before, now = previous.get("rows", {}), current["rows"]
    for table in sorted(set(before) | set(now)):
        old, new = before.get(table), now.get(table)
        if old == new:
            continue
        if old is None:
            lines.append(f"{table}: new table, {new} rows")
        elif new is None:
            lines.append(f"{table}: no longer built (had {old} rows)")
        else:
            lines.append(f"{table}: {old} -> {new} rows ({new - old:+d})")
    return lines or ["No table changed its row count since the previous build."]


def _table(header: list[str], rows: list) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v}</td>'
            if isinstance(v, int | float)
            else f"<td>{escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure_html(figure: Figure, marts_dir: Path) -> str:
    if not figure.drawn:
        return (
            f"<h3>{escape(figure.title)}</h3><p class='muted'>Not drawn: "
            f"{escape(figure.reason)}.</p>"
        )
    png = next(p for p in figure.files if p.suffix == ".png")
    svg = next(p for p in figure.files if p.suffix == ".svg")
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    return (
        f"<h3>{escape(figure.title)}</h3>"
        f'<img alt="{escape(figure.title)}" src="data:image/png;base64,{data}">'
        f'<p class="muted">Files: <a href="{escape(os.path.relpath(png, marts_dir))}">PNG</a>, '
        f'<a href="{escape(os.path.relpath(svg, marts_dir))}">SVG</a></p>'
    )


def _synthetic_html(note: str) -> str:
    """A build holding generated rows says so first: its figures are not observations."""
    if not note:
        return ""
    return (
        f"<p class='synthetic'><strong>This build holds {escape(note)}.</strong> Figures and"
        " marts built from them are not evidence; the price marts count them per row"
        " (<code>n_synthetic</code>).</p>"
    )


def write_report(
    marts_dir: Path,
    db: Path,
    extracts_dir: Path,
    figures: list[Figure],
    duckdb_config: dict | None = None,
) -> Path:
    """Write ``marts_dir/report.html`` (aside, then swapped in) and remember its headlines."""
    with duckdb.connect(str(db), read_only=True, config=duckdb_config or {}) as con:
        run_id, built_at, summary = con.execute(
            "SELECT run_id, built_at, summary FROM build_info"
        ).fetchone()
        current = _snapshot(con)
        synthetic = synthetic_note(synthetic_rows(con))
        by_rule = con.execute(
            "SELECT rule, count(*) FROM (SELECT unnest(rules) AS rule FROM quarantine_rows)"
            " GROUP BY rule ORDER BY 2 DESC, 1"
        ).fetchall()
        by_file = con.execute(
            "SELECT file_path, rows_read, rows_staged, rows_quarantined, reconciles"
            " FROM ingest_files WHERE status <> 'deleted' ORDER BY file_path"
        ).fetchall()
        has_expectations = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'expectation_results'"
        ).fetchone()[0]
        expectations = (
            # Without gx_result: GX's own result as JSON, kept for the next run, not for people.
            con.execute(
                "SELECT COLUMNS(lambda c: c <> 'gx_result') FROM expectation_results"
            ).fetchall()
            if has_expectations
            else []
        )
        expectation_header = [d[0] for d in con.description] if has_expectations else []
    summary = json.loads(summary)
    snapshot_path = marts_dir / SNAPSHOT_NAME
    previous = json.loads(snapshot_path.read_text("utf-8")) if snapshot_path.exists() else None
    changes = _changes(previous, current)

    extracts = sorted(extracts_dir.glob("*.csv")) if extracts_dir.exists() else []
    extract_links = "".join(
        f'<li><a href="{escape(os.path.relpath(p, marts_dir))}">{escape(p.name)}</a></li>'
        for p in extracts
    )
    docs = next((marts_dir / c for c in DATA_DOCS_CANDIDATES if (marts_dir / c).exists()), None)
    docs_html = (
        f'<a href="{escape(os.path.relpath(docs, marts_dir))}">Data Docs</a>'
        if docs
        else "No Data Docs were built with this run."
    )
    expectations_html = (
        _table(expectation_header, expectations)
        if expectations
        else "<p class='muted'>This build records no expectation results.</p>"
    )
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spotprices run report {escape(str(run_id))}</title><style>{CSS}</style></head><body>
<h1>spotprices run report</h1>
<p>Run <code>{escape(str(run_id))}</code>, built {built_at:%Y-%m-%d %H:%M:%S} UTC
in {summary.get("seconds", 0):.1f} s.
{summary.get("rows_read", 0)} rows read = {summary.get("rows_staged", 0)} staged +
{summary.get("rows_quarantined", 0)} quarantined.</p>
{_synthetic_html(synthetic)}<h2>Changes since the previous build</h2>
<ul>{"".join(f"<li>{escape(line)}</li>" for line in changes)}</ul>
<h2>Figures</h2>
{"".join(_figure_html(f, marts_dir) for f in figures)}
<h2>Data quality</h2>
<h3>Quarantined rows by rule</h3>
{_table(["rule", "rows"], by_rule) if by_rule else "<p>No row was quarantined.</p>"}
<h3>Rows per file</h3>
{_table(["file", "read", "staged", "quarantined", "reconciles"], by_file)}
<h3>Expectations</h3>
{expectations_html}
<h2>Extracts and documentation</h2>
<p>Each extract has a <code>.dictionary.csv</code> (column, meaning, unit) and a
<code>.provenance.json</code> beside it.</p>
<ul>{extract_links}</ul>
<p>{docs_html}</p>
</body></html>
"""
    partial = marts_dir / ".report.html.partial"
    partial.write_text(html, "utf-8")
    final = marts_dir / "report.html"
    os.replace(partial, final)
    snapshot_path.write_text(json.dumps(current, indent=2), "utf-8")
    return final
