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
import numpy as np  # noqa: E402
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


def _date_axis(ax: plt.Axes, result: Result | None = None, label: bool = True) -> None:
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    if result is not None:
        mark_events(ax, result, label)


EVENT_COLOUR = "#555555"


def timeline(result: Result) -> pd.DataFrame:
    """Policy events inside the reported period, with calendar dates."""
    ev = result.policy_events
    if ev is None or not len(ev):
        return pd.DataFrame(columns=["day", "date", "policy", "kind", "event"])
    ev = ev[ev["day"] >= 0].copy()
    ev["date"] = pd.to_datetime(ev["date"])
    return ev


def mark_events(ax: plt.Axes, result: Result, label: bool = True, limit: int = 12) -> None:
    """Dashed lines where policies start or end, plants come online or idle; short labels on top."""
    ev = timeline(result)
    for i, row in enumerate(ev.head(limit).itertuples()):
        ax.axvline(row.date, color=EVENT_COLOUR, lw=0.8, ls="--", alpha=0.7, zorder=0)
        if label:
            ax.annotate(f"{row.policy}: {row.event}", (mdates.date2num(row.date), 1.0), xycoords=("data", "axes fraction"),
                        rotation=90, fontsize=6, color=EVENT_COLOUR, va="top", ha="right",
                        xytext=(-2, -2 - 0 * i), textcoords="offset points")


def _stage_figure(stages: list[str]) -> tuple[plt.Figure, list[plt.Axes]]:
    fig, axes = plt.subplots(len(stages), 1, figsize=(9, 2.2 * len(stages) + 0.6), sharex=True, squeeze=False)
    return fig, list(axes[:, 0])


def png_base64(fig: plt.Figure) -> str:
    """A figure as base64 PNG for embedding in a page (closes the figure)."""
    import base64
    import io

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


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
        _date_axis(ax, result, ax is axes[0])
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
        _date_axis(ax, result, ax is axes[0])
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
        _date_axis(ax, result, ax is ax1)
    return _save(fig, f"Unmet demand - {result.run.get('scenario', '')}", path)


def plot_prices(result: Result, path: Path) -> Path:
    """Price per market, USD/kg, one panel per material (China and outside on the same axes)."""
    ts = result.timeseries
    sel = ts[ts["variable"] == "price_usd_per_kg"]
    materials = sorted(sel["material"].astype(str).unique()) or ["(no markets)"]
    cols = 2
    rows = max(1, -(-len(materials) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.3 * rows + 0.8), squeeze=False, sharex=True)
    for ax, material in zip(axes.flat, materials, strict=False):
        part = sel[sel["material"] == material]
        for market, series in part.groupby("entity", observed=True):
            name = str(market)
            colour = FIXED["china"] if name.endswith("_china") else (FIXED["usa"] if name.endswith("_world") else "#000000")
            ax.plot(series["date"], series["value"], color=colour, lw=1.4, label=name)
        ax.set_title(material, fontsize=10, loc="left")
        ax.set_ylabel("USD/kg")
        if len(part):
            ax.legend(fontsize=7, loc="upper left")
        _date_axis(ax, result, ax is axes.flat[0])
    for ax in list(axes.flat)[len(materials):]:
        ax.set_visible(False)
    return _save(fig, f"Prices by market - {result.run.get('scenario', '')}", path)


def plot_fill_rates(result: Result, path: Path) -> Path:
    """Share of demand met over the run, by region and end use."""
    table = result.kpis.get("fill_rate_by_region_end_use", {})
    regions = sorted(table)
    uses = sorted({u for r in table.values() for u in r})
    grid = np.full((len(regions), len(uses)), np.nan)
    for i, r in enumerate(regions):
        for j, u in enumerate(uses):
            grid[i, j] = table[r].get(u, np.nan)
    fig, ax = plt.subplots(figsize=(1.6 * max(len(uses), 2) + 2, 0.55 * max(len(regions), 2) + 1.6))
    im = ax.imshow(100 * grid, cmap="cividis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(len(uses)), uses, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(regions)), regions, fontsize=8)
    for i in range(len(regions)):
        for j in range(len(uses)):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{100 * grid[i, j]:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if grid[i, j] < 0.6 else "black")
    fig.colorbar(im, ax=ax, label="% of demand met")
    return _save(fig, f"Demand met by region and end use - {result.run.get('scenario', '')}", path)


def plot_utilisation(result: Result, path: Path) -> Path:
    """Each facility's output against its capacity over the run, by stage, coloured by region."""
    u = result.kpis.get("utilisation_by_facility", {})
    ent = result.entities[result.entities["type"] == "facility"].set_index("entity")
    order = {s: i for i, s in enumerate(("mining", "processing", "separation", "metal", "alloy", "magnet", "recycling", "collection", "utility"))}
    rows = sorted(u, key=lambda f: (order.get(str(ent.loc[f, "stage"]), 99), f)) if u else []
    colours = region_colours(sorted(result.entities["region"].dropna().unique()))
    fig, ax = plt.subplots(figsize=(9, 0.22 * max(len(rows), 4) + 1.2))
    ax.barh(range(len(rows)), [100 * u[f] for f in rows], color=[colours.get(str(ent.loc[f, "region"]), "#999999") for f in rows])
    ax.set_yticks(range(len(rows)), [f"{f} ({ent.loc[f, 'stage']})" for f in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("% of capacity used over the run")
    ax.set_xlim(0, 110)
    ax.grid(alpha=0.3, axis="x")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax.legend(handles, list(colours), fontsize=7, loc="lower right", ncol=2)
    return _save(fig, f"Utilisation - {result.run.get('scenario', '')}", path)


FLOW_STAGES = ("mining", "separation", "metal", "alloy", "magnet")


def material_flows(result: Result, first_day: int = 0, last_day: int | None = None) -> tuple[dict, dict]:
    """Tonnes per stage and region (columns), and stage-to-stage flows between regions (bands).

    A band from region A at one stage to region B at the next carries what A's stage shipped to
    B (from the lanes); what A's stage did not ship abroad stays in A. The last column is the
    magnets delivered to end users, by region.
    """
    ts = result.timeseries
    last_day = int(ts["day"].max()) if last_day is None else last_day
    ts = ts[(ts["day"] >= first_day) & (ts["day"] <= last_day)]
    ent = result.entities
    fac = ent[ent["type"] == "facility"].set_index("entity")
    out = ts[ts["variable"] == "output_t"].groupby("entity", observed=True)["value"].sum()
    columns: dict[str, dict[str, float]] = {}
    for stage in FLOW_STAGES:
        ids = fac.index[fac["stage"] == stage]
        columns[stage] = out.reindex(ids, fill_value=0.0).groupby(fac.loc[ids, "region"]).sum().to_dict()
    dem = ent[(ent["type"] == "demand") & (ent["material"].isin(_stage_materials(ent, "magnet")))].set_index("entity")
    dlv = ts[ts["variable"] == "delivered_t"].groupby("entity", observed=True)["value"].sum()
    columns["end use"] = dlv.reindex(dem.index, fill_value=0.0).groupby(dem["region"]).sum().to_dict()
    links = ent[ent["type"] == "link"].set_index("entity")
    shipped = ts[ts["variable"] == "shipped_t"].groupby(["entity", "material"], observed=True)["value"].sum()
    flows: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    names = list(columns)
    for left, right in zip(names, names[1:], strict=False):
        mats = set(_stage_materials(ent, left))
        cross: dict[tuple[str, str], float] = {}
        for (lid, material), tonnes in shipped.items():
            if material in mats and lid in links.index:
                a, b = str(links.loc[lid, "region"]), str(links.loc[lid, "to_region"])
                if a != b and tonnes > 0:
                    cross[(a, b)] = cross.get((a, b), 0.0) + tonnes
        band = dict(cross)
        for region, made in columns[left].items():
            band[(region, region)] = band.get((region, region), 0.0) + max(made - sum(v for (a, _), v in cross.items() if a == region), 0.0)
        flows[(left, right)] = {k: v for k, v in band.items() if v > 0 and k[1] in columns[right] and columns[right][k[1]] > 0}
    return columns, flows


def _stage_materials(ent: pd.DataFrame, stage: str) -> list[str]:
    stocks = ent[ent["type"] == "stock"]
    return sorted(set(stocks.loc[stocks["stage"] == stage, "material"].astype(str)))


def plot_material_flow(result: Result, path: Path, first_day: int = 0, last_day: int | None = None) -> Path:
    """An alluvial picture from mine to end use: each column is a stage's output by region (as
    shares of the stage), bands show where each region's output went."""
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path as MPath

    columns, flows = material_flows(result, first_day, last_day)
    colours = region_colours(sorted(result.entities["region"].dropna().unique()))
    names = list(columns)
    fig, ax = plt.subplots(figsize=(12, 6))
    gap, width = 0.02, 0.12
    spans: dict[tuple[str, str], list[float]] = {}  # (stage, region) -> [bottom, top, left cursor, right cursor]
    for x, stage in enumerate(names):
        total = sum(columns[stage].values()) or 1.0
        y = 0.0
        for region in sorted(columns[stage], key=lambda r: -columns[stage][r]):
            h = columns[stage][region] / total * (1 - gap * (len(columns[stage]) - 1))
            ax.add_patch(Rectangle((x - width / 2, y), width, h, color=colours.get(region, "#999999")))
            if h > 0.03:
                ax.text(x, y + h / 2, f"{region}\n{columns[stage][region] / 1000:,.0f} kt", ha="center", va="center", fontsize=7,
                        color="white" if region in ("china", "usa", "vietnam") else "black")
            spans[(stage, region)] = [y, y + h, y, y]
            y += h + gap
    for (left, right), band in flows.items():
        x0, x1 = names.index(left) + width / 2, names.index(right) - width / 2
        outs: dict[str, float] = {}
        ins: dict[str, float] = {}
        for (a, b), t in band.items():
            outs[a] = outs.get(a, 0.0) + t
            ins[b] = ins.get(b, 0.0) + t
        for (a, b), t in sorted(band.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            la, rb = spans.get((left, a)), spans.get((right, b))
            if la is None or rb is None:
                continue
            hl = (la[1] - la[0]) * t / outs[a]
            hr = (rb[1] - rb[0]) * t / ins[b]
            yl, yr = la[2], rb[3]
            la[2] += hl
            rb[3] += hr
            xm = (x0 + x1) / 2
            verts = [(x0, yl), (xm, yl), (xm, yr), (x1, yr), (x1, yr + hr), (xm, yr + hr), (xm, yl + hl), (x0, yl + hl), (x0, yl)]
            codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.LINETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colours.get(a, "#999999"), alpha=0.35, lw=0))
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(range(len(names)), [f"{n}\n({sum(columns[n].values()) / 1000:,.0f} kt)" for n in names])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    start = result.timeseries["date"].min() + pd.Timedelta(days=first_day)
    end = result.timeseries["date"].min() + pd.Timedelta(days=last_day if last_day is not None else int(result.timeseries["day"].max()))
    ax.set_xlabel(f"t of each stage's product, {start:%d %b %Y} - {end:%d %b %Y}; column heights are shares of the stage")
    return _save(fig, f"Material flow from mine to end use - {result.run.get('scenario', '')}", path)


FIGURES = {
    "stocks.png": plot_stocks,
    "production.png": plot_production,
    "unmet_demand.png": plot_unmet,
    "prices.png": plot_prices,
    "fill_rates.png": plot_fill_rates,
    "utilisation.png": plot_utilisation,
    "material_flow.png": plot_material_flow,
}


def write_figures(result: Result, folder: Path, flow_days: tuple[int, int | None] = (0, None)) -> dict[str, Path]:
    """Draw every run figure into ``folder``; the material flow covers days ``flow_days``."""
    out = {}
    for name, fn in FIGURES.items():
        if fn is plot_material_flow:
            out[name] = fn(result, Path(folder) / name, *flow_days)
        else:
            out[name] = fn(result, Path(folder) / name)
    return out
