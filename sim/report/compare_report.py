"""A comparison report: two runs' series on the same axes, and their KPI differences."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from ..results.result import Result  # noqa: E402
from .figures import _date_axis, png_base64, region_colours  # noqa: E402
from .html import STYLE, _esc, _table  # noqa: E402

HEADLINE_PRICES = ("ndpr_oxide", "dy_metal_world", "dy_metal_china", "ndfeb_magnet_world", "ndfeb_magnet_china")



def _by_region(result: Result, variable: str) -> pd.DataFrame:
    ts = result.timeseries
    dem = result.entities[result.entities["type"] == "demand"].set_index("entity")["region"]
    sel = ts[ts["variable"] == variable]
    sel = sel.assign(region=sel["entity"].astype(str).map(dem))
    return sel.pivot_table(index="date", columns="region", values="value", aggfunc="sum").fillna(0.0)


def fig_unmet(a: Result, b: Result, names: tuple[str, str]) -> str:
    ua, ub = _by_region(a, "unmet_t"), _by_region(b, "unmet_t")
    colours = region_colours(sorted(set(ua.columns) | set(ub.columns)))
    fig, ax = plt.subplots(figsize=(10, 4.2))
    for region in sorted(set(ua.columns) | set(ub.columns)):
        if region in ua and ua[region].sum() > 0:
            ax.plot(ua.index, ua[region].cumsum() / 1000, color=colours[region], ls="--", lw=1.2)
        if region in ub and ub[region].sum() > 0:
            ax.plot(ub.index, ub[region].cumsum() / 1000, color=colours[region], lw=1.8, label=region)
    ax.set_ylabel("kt, cumulative")
    ax.set_title(f"Unmet demand by region: {names[1]} (solid) against {names[0]} (dashed)", fontsize=10, loc="left")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, ncol=4)
    _date_axis(ax, b)
    return png_base64(fig)


def fig_prices(a: Result, b: Result, names: tuple[str, str]) -> str:
    markets = [m for m in HEADLINE_PRICES if m in a.kpis.get("price_usd_per_kg", {}) and m in b.kpis.get("price_usd_per_kg", {})]
    fig, axes = plt.subplots(max(len(markets), 1), 1, figsize=(10, 2.1 * max(len(markets), 1) + 0.5), squeeze=False, sharex=True)
    for ax, market in zip(axes[:, 0], markets, strict=False):
        for result, style, name in ((a, "--", names[0]), (b, "-", names[1])):
            ts = result.timeseries
            s = ts[(ts["entity"] == market) & (ts["variable"] == "price_usd_per_kg")]
            ax.plot(s["date"], s["value"], ls=style, color="#0072B2" if style == "-" else "#777777", label=name)
        ax.set_title(market, fontsize=9, loc="left")
        ax.set_ylabel("USD/kg")
        ax.legend(fontsize=7)
        _date_axis(ax, b, ax is axes[0, 0])
    return png_base64(fig)


def fig_production(a: Result, b: Result, names: tuple[str, str]) -> str:
    stages = ("mining", "separation", "metal", "alloy", "magnet")
    fig, axes = plt.subplots(len(stages), 1, figsize=(10, 2 * len(stages) + 0.5), sharex=True)
    for ax, stage in zip(axes, stages, strict=True):
        for result, style, name in ((a, "--", names[0]), (b, "-", names[1])):
            fac = result.entities[(result.entities["type"] == "facility") & (result.entities["stage"] == stage)]["entity"]
            ts = result.timeseries
            s = ts[(ts["variable"] == "output_t") & ts["entity"].isin(fac)].groupby("date")["value"].sum().rolling(30, min_periods=1).mean()
            ax.plot(s.index, s.values, ls=style, color="#D55E00" if style == "-" else "#777777", label=name)
        ax.set_title(f"{stage} output, world", fontsize=9, loc="left")
        ax.set_ylabel("t/day")
        ax.legend(fontsize=7)
        _date_axis(ax, b, ax is axes[0])
    return png_base64(fig)


def fig_differences(table: pd.DataFrame) -> str:
    rows = table[table["kpi"].str.startswith("fill_rate_by_region.") & table["b_minus_a"].notna()]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(rows), 3) + 1))
    values = 100 * rows["b_minus_a"].to_numpy()
    ax.barh(rows["kpi"].str.replace("fill_rate_by_region.", "", regex=False), values,
            color=["#D55E00" if v < 0 else "#009E73" for v in values])
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("change in demand met, percentage points (B - A)")
    ax.invert_yaxis()
    ax.grid(alpha=0.3, axis="x")
    return png_base64(fig)


def build_comparison(a: Result, b: Result, table: pd.DataFrame, names: tuple[str, str]) -> str:
    meta = [yaml.safe_load(r.scenario_yaml).get("meta", {}) for r in (a, b)]
    moved = table[table["b_minus_a"].fillna(1) != 0]
    headline = moved[moved["kpi"].str.match(r"^(fill_rate|unmet_demand_t)(_by_region\.|$)|^price_usd_per_kg\.[^.]+\.(mean|peak)$|^time_to_")]
    figures = [("Demand met, by region: change", fig_differences(table)), ("Unmet demand", fig_unmet(a, b, names)),
               ("Prices", fig_prices(a, b, names)), ("Production", fig_production(a, b, names))]
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_esc(names[1])} against {_esc(names[0])} - reesim</title>",
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{_esc(names[1])} <span class='sub'>against</span> {_esc(names[0])}</h1>",
             "<table><tr><th></th><th>scenario</th><th>question</th><th>seed</th></tr>"
             f"<tr><td>A</td><td>{_esc(names[0])}</td><td>{_esc(meta[0].get('question', ''))}</td><td>{_esc(a.run.get('seed'))}</td></tr>"
             f"<tr><td>B</td><td>{_esc(names[1])}</td><td>{_esc(meta[1].get('question', ''))}</td><td>{_esc(b.run.get('seed'))}</td></tr></table>",
             "<h2>What moved</h2>" + _table(headline.rename(columns={"a": "A", "b": "B", "b_minus_a": "B - A"}), "differences"),
             "<h2>Figures</h2>"]
    for caption, data in figures:
        parts.append(f"<figure><img alt='{_esc(caption)}' src='data:image/png;base64,{data}'><figcaption>{_esc(caption)}</figcaption></figure>")
    parts.append("<h2>Every KPI</h2>" + _table(table.rename(columns={"a": "A", "b": "B", "b_minus_a": "B - A"}), "all-differences"))
    from .html import SELF_CHECK

    parts += [SELF_CHECK, "</body></html>"]
    return "\n".join(parts)


def write_comparison(a: Result, b: Result, table: pd.DataFrame, names: tuple[str, str], path: Path) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(build_comparison(a, b, table, names), encoding="utf-8")
    tmp.replace(path)
    return path
