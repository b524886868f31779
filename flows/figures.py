"""The figure pack: charts a report writer can paste, redrawn from the published marts.

Each figure is one SQL query (DuckDB does the grouping) and one matplotlib drawing, saved as
PNG (for Word) and SVG (text kept as text, so it can be searched and edited). Figures use
black and greys with distinct markers and line styles so they read when printed in
greyscale, and each carries a title, its units and a source line. A figure whose table is
missing or has no rows is skipped with the reason, never drawn as an empty chart.
Only aggregated, allow-listed fields are drawn (legs, country codes, commodities): never
notes, places or anything that may name a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import matplotlib

matplotlib.use("Agg")  # no display on the server
import matplotlib.pyplot as plt  # noqa: E402

from flows.synthetic import synthetic_note, synthetic_rows  # noqa: E402

log = logging.getLogger(__name__)

GREYS = ("black", "0.45", "0.65", "0.25", "0.55", "0.35")
MARKERS = ("o", "s", "^", "D", "v", "P")
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1)))
MAJOR_LEGS = 6
STYLE = {
    "svg.fonttype": "none",  # text stays text in the SVG
    "svg.hashsalt": "spotprices",  # stable ids: same data, same file
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


@dataclass
class Figure:
    name: str
    title: str
    drawn: bool = False
    reason: str = ""
    files: list[Path] = field(default_factory=list)
    observations: int = 0
    sources: int = 0


def _exists(con, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]
        ).fetchone()[0]
    )


def _skip(figure: Figure, reason: str) -> Figure:
    figure.reason = reason
    log.info("figure %s skipped: %s", figure.name, reason)
    return figure


def _source_line(n: int, m: int, footer: str) -> str:
    return f"Source: spotprices, {n} observations from {m} sources, {footer}"


def _save(fig, ax, figure: Figure, out: Path, units: str, footer: str) -> Figure:
    ax.set_title(figure.title, loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(units) if not ax.get_ylabel() else None
    fig.text(
        0.01,
        0.01,
        _source_line(figure.observations, figure.sources, footer),
        fontsize=7,
        color="0.3",
    )
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    out.mkdir(parents=True, exist_ok=True)
    for suffix in ("png", "svg"):
        path = out / f"{figure.name}.{suffix}"
        fig.savefig(path, dpi=150, metadata={"Date": None} if suffix == "svg" else None)
        figure.files.append(path)
    plt.close(fig)
    figure.drawn = True
    return figure


def price_per_leg(con, out: Path, footer: str) -> Figure:
    """Smuggling price per person on the legs with most observations, by year: median,
    interquartile range as bars, n beside each point."""
    figure = Figure("price_per_leg", "Smuggling price per person, major legs")
    if not _exists(con, "stg_price_observations"):
        return _skip(figure, "stg_price_observations is missing")
    rows = con.execute(
        """
        WITH priced AS (
            SELECT leg, year(period_start) AS yr, price_mid_eur AS eur, source_url
            FROM stg_price_observations
            WHERE flow = 'people' AND unit = 'per_person' AND price_mid_eur IS NOT NULL
              AND leg IS NOT NULL AND leg NOT LIKE '%?%'
        ),
        major AS (
            SELECT leg FROM priced GROUP BY leg ORDER BY count(*) DESC, leg LIMIT ?
        )
        SELECT leg, yr, median(eur), quantile_cont(eur, 0.25), quantile_cont(eur, 0.75),
               count(*), count(DISTINCT source_url)
        FROM priced JOIN major USING (leg) GROUP BY leg, yr ORDER BY leg, yr
        """,
        [MAJOR_LEGS],
    ).fetchall()
    if not rows:
        return _skip(figure, "no smuggling prices per person with a known leg")
    figure.observations = sum(r[5] for r in rows)
    figure.sources = con.execute(
        "SELECT count(DISTINCT source_url) FROM stg_price_observations WHERE flow = 'people'"
        " AND unit = 'per_person' AND price_mid_eur IS NOT NULL"
    ).fetchone()[0]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    legs = sorted({r[0] for r in rows})
    width = 0.8 / max(len(legs), 1)
    for i, leg in enumerate(legs):
        pts = [r for r in rows if r[0] == leg]
        xs = [r[1] + (i - (len(legs) - 1) / 2) * width for r in pts]
        med = [r[2] for r in pts]
        err = [[r[2] - r[3] for r in pts], [r[4] - r[2] for r in pts]]
        ax.errorbar(
            xs,
            med,
            yerr=err,
            color=GREYS[i % 6],
            marker=MARKERS[i % 6],
            linestyle=LINESTYLES[i % 6],
            capsize=3,
            label=leg.replace("->", " to "),
        )
        for x, m, r in zip(xs, med, pts, strict=True):
            ax.annotate(f"n={r[5]}", (x, m), textcoords="offset points", xytext=(4, 4), fontsize=7)
    years = sorted({r[1] for r in rows})
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_xlabel("year")
    ax.legend(title="leg (median, bars = interquartile range)", fontsize=7, title_fontsize=7)
    return _save(fig, ax, figure, out, "EUR per person", footer)


def drug_prices_by_country(con, out: Path, footer: str) -> Figure:
    """Median drug price per country, retail (per gram) and wholesale (per kg) side by side."""
    figure = Figure("drug_prices_by_country", "Drug prices by country")
    if not _exists(con, "mart_drug_prices"):
        return _skip(figure, "mart_drug_prices is missing")
    rows = con.execute(
        "SELECT drug, market_level, price_unit, country, median(median_eur), sum(n_obs),"
        " max(n_sources) FROM mart_drug_prices WHERE median_eur IS NOT NULL"
        " AND market_level IN ('retail', 'wholesale') GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    if not rows:
        return _skip(
            figure,
            "mart_drug_prices has no retail or wholesale prices (the bundled sources give "
            "only markups and ratios, see mart_estimates)",
        )
    figure.observations = sum(r[5] for r in rows)
    figure.sources = max(r[6] for r in rows)
    panels = sorted({(r[1], r[2]) for r in rows})
    fig, axes = plt.subplots(1, len(panels), figsize=(4 * len(panels) + 1, 4.5), squeeze=False)
    for ax, (level, unit) in zip(axes[0], panels, strict=True):
        sel = [r for r in rows if (r[1], r[2]) == (level, unit)]
        drugs = sorted({r[0] for r in sel})
        countries = sorted({r[3] for r in sel})
        width = 0.8 / len(drugs)
        for i, drug in enumerate(drugs):
            vals = {r[3]: r[4] for r in sel if r[0] == drug}
            xs = [c + (i - (len(drugs) - 1) / 2) * width for c in range(len(countries))]
            ax.bar(
                xs,
                [vals.get(c, 0) for c in countries],
                width,
                label=drug,
                color=GREYS[i % 6],
                edgecolor="black",
                hatch=("", "//", "..", "xx")[i % 4],
            )
        ax.set_xticks(range(len(countries)), countries)
        ax.set_ylabel(f"EUR {unit.replace('_', ' ')}")
        ax.set_xlabel(f"{level} (country)")
        ax.legend(fontsize=7)
    return _save(fig, axes[0][0], figure, out, "EUR", footer)


def route_volumes_with_price(con, out: Path, footer: str) -> Figure:
    """Yearly detections on the most reported route, with the median crossing price overlaid."""
    figure = Figure("route_volumes_with_price", "Route volumes and the price of crossing")
    if not _exists(con, "mart_route_volumes"):
        return _skip(figure, "mart_route_volumes is missing")
    top = con.execute(
        "SELECT route_or_leg, metric FROM mart_route_volumes WHERE period_grain = 'year'"
        " AND value IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1"
    ).fetchone()
    if top is None:
        return _skip(figure, "mart_route_volumes has no yearly counts")
    route, metric = top
    volumes = con.execute(
        "SELECT year(period_start) AS yr, median(value), sum(n_obs), count(DISTINCT source_org)"
        " FROM mart_route_volumes WHERE period_grain = 'year' AND route_or_leg = ?"
        " AND metric = ? AND value IS NOT NULL GROUP BY yr ORDER BY yr",
        [route, metric],
    ).fetchall()
    prices = []
    if _exists(con, "stg_price_observations"):
        prices = con.execute(
            "SELECT year(period_start) AS yr, median(price_mid_eur), count(*)"
            " FROM stg_price_observations WHERE flow = 'people' AND unit = 'per_person'"
            " AND price_mid_eur IS NOT NULL GROUP BY yr ORDER BY yr"
        ).fetchall()
    figure.observations = sum(v[2] for v in volumes) + sum(p[2] for p in prices)
    figure.sources = max(v[3] for v in volumes) + (1 if prices else 0)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.bar(
        [v[0] for v in volumes],
        [v[1] for v in volumes],
        color="0.75",
        edgecolor="black",
        label=f"{metric.replace('_', ' ')} ({route.replace('_', ' ')})",
    )
    ax.set_ylabel("count per year")
    ax.set_xlabel("year")
    years = sorted({v[0] for v in volumes} | {p[0] for p in prices})
    ax.set_xticks(years, [str(y) for y in years])
    handles, labels = ax.get_legend_handles_labels()
    if prices:
        ax2 = ax.twinx()
        ax2.plot(
            [p[0] for p in prices],
            [p[1] for p in prices],
            color="black",
            marker="o",
            linestyle="--",
            label="median smuggling price per person",
        )
        ax2.set_ylabel("EUR per person")
        ax2.spines["right"].set_visible(True)
        ax2.set_ylim(bottom=0)
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, fontsize=7, loc="upper left")
    return _save(fig, ax, figure, out, "count per year", footer)


def market_size(con, out: Path, footer: str) -> Figure:
    """Every stated market-size estimate in EUR per year, its low-high range as a bar."""
    figure = Figure("market_size", "Market-size estimates, low to high")
    if not _exists(con, "mart_estimates"):
        return _skip(figure, "mart_estimates is missing")
    rows = con.execute(
        """
        SELECT concat_ws(' ', commodity, coalesce(location_country, destination_country),
                         strftime(period_start, '%Y'), '(' || obs_id || ')') AS label,
               coalesce(value_low_eur, value_point_eur, value_mid_eur),
               coalesce(value_high_eur, value_point_eur, value_mid_eur),
               coalesce(value_mid_eur, value_point_eur), source_url
        FROM mart_estimates
        WHERE unit_kind = 'estimate' AND unit = 'total_per_year'
          AND coalesce(value_low_eur, value_high_eur, value_point_eur, value_mid_eur) IS NOT NULL
        ORDER BY label, 2
        """
    ).fetchall()
    if not rows:
        return _skip(figure, "mart_estimates has no yearly estimates in EUR")
    figure.observations = len(rows)
    figure.sources = len({r[4] for r in rows})
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(rows) + 1.8))
    for y, (_label, low, high, mid, _source) in enumerate(rows):
        low, high = low if low is not None else high, high if high is not None else low
        if high > low:
            ax.plot([low / 1e6, high / 1e6], [y, y], color="0.45", linewidth=5)
        if mid is not None:
            ax.plot(mid / 1e6, y, marker="D", color="black", markersize=5)
        elif high == low:
            ax.plot(low / 1e6, y, marker="o", color="black", markersize=5)
    ax.set_xscale("log")
    ax.set_yticks(range(len(rows)), [r[0].replace("_", " ") for r in rows], fontsize=7)
    ax.set_xlabel(
        "million EUR per year, log scale (bar: low to high; diamond: stated point or midpoint)"
    )
    ax.set_ylabel("")
    return _save(fig, ax, figure, out, "", footer)


def journey_cost_ladder(con, out: Path, footer: str) -> Figure:
    """What a whole journey costs along each corridor, leg by leg, in the latest year with
    prices: one stacked bar per corridor, a hatch per leg, legs without a price left out and
    the coverage (legs with a price out of legs) beside the bar."""
    figure = Figure("journey_cost_ladder", "Journey cost ladder per corridor")
    if not _exists(con, "mart_journey_costs"):
        return _skip(figure, "mart_journey_costs is missing")
    rows = con.execute(
        """
        WITH latest AS (
            SELECT corridor, max(period_start) AS period_start
            FROM mart_journey_costs
            WHERE period_grain = 'year' AND leg_median_eur IS NOT NULL
            GROUP BY corridor
        )
        SELECT j.corridor, strftime(j.period_start, '%Y'), j.leg_order, j.leg,
               j.leg_median_eur, j.leg_n_obs, j.legs_with_data, j.legs_total
        FROM mart_journey_costs AS j
        JOIN latest USING (corridor, period_start)
        WHERE j.period_grain = 'year' AND j.leg_median_eur IS NOT NULL
        ORDER BY j.corridor, j.leg_order
        """
    ).fetchall()
    if not rows:
        return _skip(figure, "no corridor leg has a yearly price")
    corridors = list(dict.fromkeys(r[0] for r in rows))
    figure.observations = sum(r[5] or 0 for r in rows)
    # The sources behind the journey rows are those of the trend rows their legs and
    # packages were computed from (what mart_lineage lists, read without computing the view:
    # 0.03 s from the sources per trend row at 10M observations, 0.3 s from the cells).
    figure.sources = con.execute(
        "SELECT count(DISTINCT source_key) FROM int_smuggling_price_sources WHERE mart_row_key IN"
        " (SELECT unnest([leg_row_key, package_row_key]) FROM mart_journey_costs)"
    ).fetchone()[0]
    hatches = ("", "//", "..", "xx", "\\\\", "--", "++")
    fig, ax = plt.subplots(figsize=(8, 0.9 * len(corridors) + 1.8))
    for y, corridor in enumerate(corridors):
        legs = [r for r in rows if r[0] == corridor]
        left = 0.0
        for i, (_, _, _, leg, median, _, _, _) in enumerate(legs):
            ax.barh(y, median, left=left, color=GREYS[i % len(GREYS)], edgecolor="black",
                    hatch=hatches[i % len(hatches)], height=0.6)  # fmt: skip
            ax.text(left + median / 2, y + 0.38, f"{leg} {median:,.0f}", ha="center", fontsize=7)
            left += median
        year, with_data, total = legs[0][1], legs[0][6], legs[0][7]
        ax.text(left * 1.01, y, f"EUR {left:,.0f} ({year}; {with_data}/{total} legs priced)",
                va="center", fontsize=7)  # fmt: skip
    ax.set_yticks(range(len(corridors)), [c.replace("_", " ") for c in corridors])
    ax.set_xlabel("EUR per person: sum of leg medians, one segment per leg")
    ax.set_ylabel("")
    ax.set_xlim(0, max(sum(r[4] for r in rows if r[0] == c) for c in corridors) * 1.6)
    return _save(fig, ax, figure, out, "", footer)


FIGURES = (
    price_per_leg,
    journey_cost_ladder,
    drug_prices_by_country,
    route_volumes_with_price,
    market_size,
)


def draw_figures(db: Path, out: Path, duckdb_config: dict | None = None) -> list[Figure]:
    """Redraw the whole pack from the published marts into ``out``; stale files go.
    ``duckdb_config`` bounds DuckDB's memory: the journey figure reads ``mart_lineage``, a
    view that joins every observation."""
    with duckdb.connect(str(db), read_only=True, config=duckdb_config or {}) as con:
        built = con.execute("SELECT built_at FROM build_info").fetchone()[0]
        footer = f"built {built:%Y-%m-%d %H:%M} UTC"
        synthetic = synthetic_note(synthetic_rows(con))
        if synthetic:  # on every figure of the build: a reader may see a figure alone
            footer += f"; the build holds {synthetic}"
        with plt.rc_context(STYLE):
            figures = [draw(con, out, footer) for draw in FIGURES]
    keep = {p for f in figures for p in f.files}
    for old in [*out.glob("*.png"), *out.glob("*.svg")]:
        if old not in keep:
            old.unlink()
    return figures
