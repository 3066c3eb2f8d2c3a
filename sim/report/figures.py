"""Figures of a run (PNG), drawn from a Result only.

One fixed, colour-blind-safe colour per region (Okabe-Ito palette), calendar
dates on time axes, units in every axis label.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..results.result import Result  # noqa: E402

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999"]
FIXED = {"china": "#D55E00", "usa": "#0072B2", "eu": "#009E73", "japan": "#CC79A7", "australia": "#E69F00",
         "malaysia": "#56B4E9", "myanmar": "#999999", "korea": "#F0E442", "vietnam": "#000000"}
STAGES = ("mining", "separation", "metal", "alloy", "magnet", "recycling")


def region_colours(regions: list[str]) -> dict[str, str]:
    """The same colour for a region in every figure; unknown regions take the spare colours in order."""
    spare = [c for c in OKABE_ITO if c not in FIXED.values()] + ["#777777", "#BBBBBB", "#444444"]
    out, k = {}, 0
    for r in sorted(regions):
        if r in FIXED:
            out[r] = FIXED[r]
        else:
            out[r] = spare[k % len(spare)]
            k += 1
    return out


def _series(result: Result, variable: str, entity_type: str, by: str) -> pd.DataFrame:
    ts, ent = result.timeseries, result.entities
    sel = ts[ts["variable"] == variable]
    ents = ent[ent["type"] == entity_type]
    if entity_type == "stock":
        key = ents.set_index(["entity", "material"])[by]
        idx = pd.MultiIndex.from_arrays([sel["entity"].astype(str), sel["material"].astype(str)])
        group = key.reindex(idx).to_numpy()
    else:
        group = sel["entity"].astype(str).map(ents.set_index("entity")[by]).to_numpy()
    frame = sel.assign(group=group).dropna(subset=["group"])
    return frame


def _date_axis(ax: plt.Axes) -> None:
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)


def _stage_figure(stages: list[str]) -> tuple[plt.Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(len(stages), 1, figsize=(9, 2.2 * len(stages) + 0.6), sharex=True, squeeze=False)
    return fig, list(axes[:, 0])


def _save(fig: plt.Figure, title: str, path: Path) -> Path:
    fig.suptitle(title, fontsize=12)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_stocks(result: Result, path: Path) -> Path:
    """Stock levels by stage of material, one line per region."""
    frame = _series(result, "level_t", "stock", "stage")
    regions = sorted(result.entities["region"].dropna().unique())
    colours = region_colours(regions)
    stages = [s for s in STAGES if s in set(frame["group"])] or ["(none)"]
    fig, axes = _stage_figure(stages)
    ent = result.entities[result.entities["type"] == "stock"].set_index(["entity", "material"])["region"]
    for ax, stage in zip(axes, stages, strict=True):
        part = frame[frame["group"] == stage]
        if len(part):
            part = part.assign(region=ent.reindex(pd.MultiIndex.from_arrays([part["entity"].astype(str), part["material"].astype(str)])).to_numpy())
            table = part.pivot_table(index="date", columns="region", values="value", aggfunc="sum")
            for region in table.columns:
                ax.plot(table.index, table[region] / 1000, color=colours[region], label=region, lw=1.4)
        ax.set_title(f"{stage} materials in stock", fontsize=10, loc="left")
        ax.set_ylabel("kt")
        _date_axis(ax)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, ncol=4, loc="upper left")
    return _save(fig, f"Stocks - {result.run.get('scenario', '')}", path)


def plot_production(result: Result, path: Path) -> Path:
    """Production per stage (30-day mean, t/day), stacked by region."""
    frame = _series(result, "output_t", "facility", "stage")
    region_of = result.entities[result.entities["type"] == "facility"].set_index("entity")["region"]
    frame = frame.assign(region=frame["entity"].astype(str).map(region_of))
    regions = sorted(result.entities["region"].dropna().unique())
    colours = region_colours(regions)
    stages = [s for s in STAGES if s in set(frame["group"])] or ["(none)"]
    fig, axes = _stage_figure(stages)
    for ax, stage in zip(axes, stages, strict=True):
        part = frame[frame["group"] == stage]
        if len(part):
            table = part.pivot_table(index="date", columns="region", values="value", aggfunc="sum").fillna(0.0)
            table = table.rolling(30, min_periods=1).mean()
            ax.stackplot(table.index, [table[c] for c in table.columns], labels=list(table.columns),
                         colors=[colours[c] for c in table.columns], alpha=0.85)
            ax.legend(fontsize=7, ncol=4, loc="upper left")
        ax.set_title(f"{stage} output", fontsize=10, loc="left")
        ax.set_ylabel("t/day (30-day mean)")
        _date_axis(ax)
    return _save(fig, f"Production by stage and region - {result.run.get('scenario', '')}", path)


def plot_unmet(result: Result, path: Path) -> Path:
    """Cumulative unmet demand and 30-day fill rate, by region."""
    ts = result.timeseries
    dem = result.entities[result.entities["type"] == "demand"].set_index("entity")["region"]
    regions = sorted(result.entities["region"].dropna().unique())
    colours = region_colours(regions)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    sel = ts[ts["variable"].isin(["unmet_t", "requested_t", "delivered_t"])]
    if len(sel):
        sel = sel.assign(region=sel["entity"].astype(str).map(dem))
        table = sel.pivot_table(index="date", columns=["variable", "region"], values="value", aggfunc="sum").fillna(0.0)
        for region in sorted(set(table.columns.get_level_values(1))):
            unmet = table[("unmet_t", region)] if ("unmet_t", region) in table else 0 * table.iloc[:, 0]
            ax1.plot(table.index, unmet.cumsum() / 1000, color=colours[region], label=region, lw=1.6)
            req = table[("requested_t", region)].rolling(30, min_periods=1).sum()
            dlv = table[("delivered_t", region)].rolling(30, min_periods=1).sum()
            ax2.plot(table.index, 100 * dlv / req.where(req > 0), color=colours[region], label=region, lw=1.6)
        ax1.legend(fontsize=8, ncol=4, loc="upper left")
    ax1.set_title("Unmet demand, cumulative", fontsize=10, loc="left")
    ax1.set_ylabel("kt")
    ax2.set_title("Fill rate (30-day window)", fontsize=10, loc="left")
    ax2.set_ylabel("% of demand met")
    ax2.set_ylim(0, 105)
    for ax in (ax1, ax2):
        _date_axis(ax)
    return _save(fig, f"Unmet demand - {result.run.get('scenario', '')}", path)


FIGURES = {"stocks.png": plot_stocks, "production.png": plot_production, "unmet_demand.png": plot_unmet}


def write_figures(result: Result, folder: Path) -> dict[str, Path]:
    """Draw every run figure into ``folder``."""
    return {name: fn(result, Path(folder) / name) for name, fn in FIGURES.items()}
