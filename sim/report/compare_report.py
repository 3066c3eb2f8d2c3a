"""A comparison report: two runs' series on the same axes, and their KPI differences."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..atomic import write_text
from ..results.compare import among
from ..results.result import Result
from ..scenario.components import FLOW_STAGES
from .figures import date_axis, date_panels, png_base64
from .frames import RunFrames, prepare
from .pages import Embedded, render
from .pages import table as page_table
from .style import region_colours

HEADLINE_PRICES = ("ndpr_oxide", "dy_metal_world", "dy_metal_china", "ndfeb_magnet_world", "ndfeb_magnet_china")
A_COLOUR = "#777777"
"""Run A, drawn grey and dashed under run B."""
B_PRICE, B_OUTPUT = "#0072B2", "#D55E00"
"""Run B's prices (Okabe-Ito blue) and outputs (vermillion)."""
LOSS, GAIN = "#D55E00", "#009E73"
"""Bars of a KPI that fell or rose from A to B (Okabe-Ito vermillion and green)."""


def fig_unmet(a: Result | RunFrames, b: Result | RunFrames, names: tuple[str, str]) -> str:
    a, b = prepare(a), prepare(b)
    ua, ub = a.demand["unmet_t"], b.demand["unmet_t"]
    regions = sorted(set(ua.columns) | set(ub.columns))
    colours = region_colours(regions)
    fig = Figure(figsize=(10, 4.2))
    ax = fig.subplots()
    for region in regions:
        if region in ua and ua[region].sum() > 0:
            ax.plot(ua.index, ua[region].cumsum() / 1000, color=colours[region], ls="--", lw=1.2)
        if region in ub and ub[region].sum() > 0:
            ax.plot(ub.index, ub[region].cumsum() / 1000, color=colours[region], lw=1.8, label=region)
    ax.set_ylabel("kt, cumulative")
    ax.set_title(f"Unmet demand by region: {names[1]} (solid) against {names[0]} (dashed)", fontsize=10, loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, ncol=4)
    date_axis(ax, b.events)
    return png_base64(fig)


def _markets(run: RunFrames) -> dict[str, pd.DataFrame]:
    return {market: rows for markets in run.prices.values() for market, rows in markets.items()}


def fig_prices(a: Result | RunFrames, b: Result | RunFrames, names: tuple[str, str]) -> str:
    a, b = prepare(a), prepare(b)
    markets = [m for m in HEADLINE_PRICES if m in a.result.kpis.get("price_usd_per_kg", {}) and m in b.result.kpis.get("price_usd_per_kg", {})]
    series = (_markets(a), _markets(b))
    fig = Figure(figsize=(10, 2.1 * max(len(markets), 1) + 0.5))
    axes = fig.subplots(max(len(markets), 1), 1, squeeze=False)
    for ax, market in zip(axes[:, 0], markets, strict=False):
        for rows, style, colour, name in ((series[0], "--", A_COLOUR, names[0]), (series[1], "-", B_PRICE, names[1])):
            s = rows.get(market, pd.DataFrame({"date": [], "value": []}))
            ax.plot(s["date"], s["value"], ls=style, color=colour, label=name)
        ax.set_title(market, fontsize=9, loc="left")
        ax.set_ylabel("USD/kg")
        ax.legend(fontsize=7)
    date_panels(axes, b.events)
    return png_base64(fig)


def fig_production(a: Result | RunFrames, b: Result | RunFrames, names: tuple[str, str]) -> str:
    a, b = prepare(a), prepare(b)
    fig = Figure(figsize=(10, 2 * len(FLOW_STAGES) + 0.5))
    axes = fig.subplots(len(FLOW_STAGES), 1)
    for ax, stage in zip(axes, FLOW_STAGES, strict=True):
        for run, style, colour, name in ((a, "--", A_COLOUR, names[0]), (b, "-", B_OUTPUT, names[1])):
            table = run.production.get(stage)
            s = table.sum(axis=1).rolling(30, min_periods=1).mean() if table is not None else pd.Series(dtype=float)
            ax.plot(s.index, s.values, ls=style, color=colour, label=name)
        ax.set_title(f"{stage} output, world", fontsize=9, loc="left")
        ax.set_ylabel("t/day")
        ax.legend(fontsize=7)
    date_panels(axes, b.events)
    return png_base64(fig)


def fig_differences(table: pd.DataFrame) -> str:
    """Change in demand met by region and material, percentage points, with 95% intervals when
    there are replications."""
    rows = table[table["kpi"].str.startswith("fill_rate_by_region_material.") & table["b_minus_a"].notna()]
    rows = rows[(rows["b_minus_a"] != 0) | rows["ci_low"].notna()]
    fig = Figure(figsize=(8, 0.35 * max(len(rows), 3) + 1))
    ax = fig.subplots()
    values = 100 * rows["b_minus_a"].to_numpy(dtype=float)
    labels = rows["kpi"].str.replace("fill_rate_by_region_material.", "", regex=False)
    errors = None
    if rows["ci_low"].notna().any():
        errors = [100 * (rows["b_minus_a"] - rows["ci_low"]).to_numpy(dtype=float), 100 * (rows["ci_high"] - rows["b_minus_a"]).to_numpy(dtype=float)]
    ax.barh(range(len(rows)), values, xerr=errors, color=[LOSS if v < 0 else GAIN for v in values], ecolor="black", capsize=3)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("change in demand met, percentage points (B - A)" + (", with 95% intervals" if errors else ""))
    if not len(rows):
        ax.set_title("demand met did not change for any region and material", fontsize=9, loc="left")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    return png_base64(fig)


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """The table as a reader wants it: change in percent, the interval in one column."""
    out = table[["kpi", "a", "b", "b_minus_a"]].rename(columns={"a": "A", "b": "B", "b_minus_a": "B - A"})
    if "of" in table:  # a KPI some runs lack says in how many it exists: "recovered in 5 of 10, mean 905"
        for side, runs in (("A", "runs_a"), ("B", "runs_b")):
            out[side] = [v if n >= of else among(k, None if pd.isna(v) else v, int(n), int(of))
                         for k, v, n, of in zip(table["kpi"], out[side], table[runs], table["of"], strict=True)]
    out["change"] = [("" if pd.isna(v) else f"{v:+.1f}%") for v in table["change_pct"]]
    if table["ci_low"].notna().any():
        out["95% interval of B - A"] = [
            "" if pd.isna(lo) else f"[{lo:+,.4g}, {hi:+,.4g}]" + (" spans 0" if spans else "")
            for lo, hi, spans in zip(table["ci_low"], table["ci_high"], table["spans_zero"], strict=True)]
    return out


def build_comparison(a: Result, b: Result, table: pd.DataFrame, names: tuple[str, str], notes: list[str] | None = None) -> str:
    """The comparison page of B against A, from their (first) runs and the KPI differences."""
    meta = [r.scenario_data.get("meta", {}) for r in (a, b)]
    fa, fb = prepare(a), prepare(b)
    moved = table[table["b_minus_a"].fillna(1) != 0]
    headline = moved[moved["kpi"].str.match(r"^(fill_rate|unmet_demand_t)(_by_region_material\.|$)|^days_short_by_region_material\."
                                            r"|^price_usd_per_kg\.[^.]+\.(mean|peak)$|^time_to_")]
    figures = [("Demand met, by region and material: change", fig_differences(table)), ("Unmet demand", fig_unmet(fa, fb, names)),
               ("Prices", fig_prices(fa, fb, names)), ("Production", fig_production(fa, fb, names))]
    return render(
        "compare.html",
        names=names,
        runs=[{"label": label, "name": name, "question": m.get("question", ""), "seed": str(r.run.get("seed"))}
              for label, name, m, r in (("A", names[0], meta[0], a), ("B", names[1], meta[1], b))],
        notes=notes or [],
        moved=page_table(_shown(headline), "differences"),
        figures=[Embedded(caption, data, caption) for caption, data in figures],
        every=page_table(_shown(table), "all-differences"),
        timeline=page_table(fb.events.assign(date=fb.events["date"].dt.strftime("%Y-%m-%d")), "policy-timeline") if len(fb.events) else None,
    )


def write_comparison(a: Result, b: Result, table: pd.DataFrame, names: tuple[str, str], path: Path,
                     notes: list[str] | None = None) -> Path:
    """Write the comparison page to ``path`` (whole or not at all)."""
    return write_text(path, build_comparison(a, b, table, names, notes))
