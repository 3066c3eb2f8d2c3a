"""Figures of a run (PNG), drawn from a Result only.

One fixed, colour-blind-safe colour per region (`style`), calendar dates on time axes, units in
every axis label. Each figure is a `matplotlib.figure.Figure` of its own (no pyplot state to
close), drawn from a run prepared once (`frames.prepare`): `write_figures` prepares it for all.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.layout_engine import TightLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as MPath
from matplotlib.ticker import MaxNLocator, NullLocator
from PIL import Image

from ..atomic import atomic_path
from ..results.result import Result
from ..scenario.components import FLOW_STAGES, STAGES
from .answer import shortfalls
from .frames import RunFrames, prepare, timeline
from .style import DARK_REGIONS, EVENT_COLOUR, RESERVE, UNKNOWN, market_colour, region_colours

Run = Result | RunFrames
"""What a figure draws from: a Result, or one already prepared by `frames.prepare`."""


class _DateLocator(mdates.AutoDateLocator):
    """AutoDateLocator that remembers the ticks of the last view interval: laying out and drawing a
    figure asks each axis for its ticks many times, and working them out anew is a good part of
    the drawing time."""

    _cache: tuple[tuple[float, float], np.ndarray] | None = None

    def __init__(self, maxticks: int = 8) -> None:
        """At most ``maxticks`` ticks. Monthly intervals stop at 6 months, so with 8 ticks none fits
        a span of 43 to 59 months (yearly ticks start at 5 years) and matplotlib warns: a tick
        every 12 months (each January) closes the gap."""
        super().__init__(maxticks=maxticks)
        self.intervald[mdates.MONTHLY] = [*self.intervald[mdates.MONTHLY], 12]

    def __call__(self) -> np.ndarray:
        interval = tuple(self.axis.get_view_interval())
        if self._cache is None or self._cache[0] != interval:
            self._cache = (interval, super().__call__())
        return self._cache[1]


FIXED = {"axes.titley": 1.0}
"""Titles at a fixed height above their axes: placed by measuring (matplotlib's default) they cost
a fifth of a 10-year run's figures, and no axis here has tick labels on top to clear."""


def date_axis(ax: Axes, events: pd.DataFrame | None = None, label: bool = True) -> None:
    """Calendar dates on the x axis, a light grid, and the policy ``events`` (a `timeline`) marked."""
    locator = _DateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.grid(alpha=0.3)
    if events is not None:
        mark_events(ax, events, label)


TIME_PANEL_YTICKS = 4
"""At most this many intervals on a time panel's value axis: each tick is five matplotlib objects,
built anew for every panel, and ticks were two fifths of the drawing of a 10-year run's figures."""


def _value_locator() -> MaxNLocator:
    return MaxNLocator(TIME_PANEL_YTICKS, steps=[1, 2, 2.5, 5, 10])


def date_panels(axes: Sequence[Axes] | np.ndarray, events: pd.DataFrame | None = None) -> None:
    """Calendar dates under a grid of time panels (a column, or rows x columns) drawn on one time
    span: each column's lowest panel carries the date ticks and labels, the panels above it only the
    same vertical grid (one line collection, not a tick per date); all show the policy ``events``,
    numbered on the first panel. Call once the panels are drawn: they are given one common span."""
    grid = np.asarray(axes, dtype=object)
    grid = grid.reshape(-1, 1) if grid.ndim == 1 else grid
    shown = [ax for ax in grid.flat if ax.get_visible()]
    spans = [ax.get_xlim() for ax in shown if ax.has_data()]
    if spans:
        span = (min(lo for lo, _ in spans), max(hi for _, hi in spans))
        for ax in shown:
            ax.set_xlim(span)
    first = shown[0] if shown else None
    for column in grid.T:
        panels = [ax for ax in column if ax.get_visible()]
        if not panels:
            continue
        lowest = panels[-1]
        date_axis(lowest, events, lowest is first)
        lowest.yaxis.set_major_locator(_value_locator())
        left, right = lowest.get_xlim()
        ticks = [t for t in lowest.xaxis.get_majorticklocs() if left <= t <= right]
        for ax in panels[:-1]:
            ax.xaxis.set_major_locator(NullLocator())
            ax.yaxis.set_major_locator(_value_locator())
            ax.tick_params(axis="x", labelbottom=False)
            ax.grid(alpha=0.3, axis="y")
            ax.vlines(ticks, 0, 1, transform=ax.get_xaxis_transform(), colors=matplotlib.rcParams["grid.color"],
                      linewidths=matplotlib.rcParams["grid.linewidth"], alpha=0.3, zorder=1.5)
            if events is not None:
                mark_events(ax, events, ax is first)


EVENT_LEVELS = 4
"""Rows of event numbers at the top of an axis: markers closer than a few percent of its width stack."""


def mark_events(ax: Axes, events: pd.DataFrame, label: bool = True) -> None:
    """Dashed lines where policies start or end, plants come online or idle; at the top of the axis,
    each event's number (``#`` of the `timeline`, listed on the page), events of one day together
    and markers that would touch stacked, so that no label covers another."""
    if not len(events):
        return
    left, right = ax.get_xlim()
    last_x = [-1.0] * EVENT_LEVELS
    for date, group in events.groupby("date", sort=True):
        x = mdates.date2num(date)
        ax.axvline(date, color=EVENT_COLOUR, lw=0.8, ls="--", alpha=0.7, zorder=0)
        if not label:
            continue
        text = ",".join(str(n) for n in group["#"])
        share = (x - left) / (right - left) if right > left else 0.0
        width = 0.012 * len(text) + 0.02
        level = next((i for i in range(EVENT_LEVELS) if share - last_x[i] >= width), int(np.argmin(last_x)))
        last_x[level] = share
        ax.annotate(text, (x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -3 - 11 * level), textcoords="offset points",
                    fontsize=6.5, color=EVENT_COLOUR, ha="center", va="top", annotation_clip=False, zorder=5,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": EVENT_COLOUR, "lw": 0.5})


def _stage_figure(stages: list[str]) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=(9, 2.2 * len(stages) + 0.6))
    axes = fig.subplots(len(stages), 1, squeeze=False)  # one span, set by date_panels
    return fig, list(axes[:, 0])


def tight_layout(fig: Figure) -> None:
    """Lay a figure out as `Figure.tight_layout` does, without leaving a layout engine on it:
    savefig lays out and draws a figure that has one once more before drawing it for real."""
    TightLayoutEngine().execute(fig)


def margin_layout(fig: Figure, left: float = 0.9, right: float = 0.2, top: float = 0.75, bottom: float = 0.5,
                  between: tuple[float, float] = (0.45, 0.9)) -> None:
    """Lay a grid of axes out with fixed margins in inches (``between``: the gaps between rows and
    between columns). For figures whose labels have a known size this stands in for tight layout,
    which measures every tick label of every axis and costs as much as drawing the figure."""
    width, height = fig.get_size_inches()
    gs = fig.axes[0].get_subplotspec().get_gridspec() if fig.axes and fig.axes[0].get_subplotspec() else None
    rows, cols = gs.get_geometry() if gs is not None else (1, 1)
    box_h = (height - top - bottom - (rows - 1) * between[0]) / rows
    box_w = (width - left - right - (cols - 1) * between[1]) / cols
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        hspace=between[0] / box_h, wspace=between[1] / box_w)


PNG_COLOURS = 256
PNG_COMPRESSION = 6
"""zlib's level for figure PNGs: level 9 made files 10-15% smaller but took six times as long
(0.54 s against 0.09 s for a 10-year run's eight figures)."""


FIGURE_DPI = 100
"""Pixels an inch of a run's figures: sharp on a laptop screen, and eight of them embedded in a
one-year page of the 2025 library stay under a megabyte."""


UNHINTED = {"text.hinting": "no_hinting"}
"""Glyphs drawn without FreeType's hinting: it took a third of the drawing of a figure of many
labels (utilisation), and at 100 dpi the text reads as well without it."""


def png_bytes(fig: Figure, dpi: int) -> bytes:
    """A figure as PNG with a palette of at most 256 colours: charts of lines, bars and text lose
    nothing a reader sees, and the file (and the page that embeds it) is a third of the size."""
    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    with matplotlib.rc_context(UNHINTED):
        canvas.draw()  # raw pixels: encoding a PNG only to decode it would cost as much again
    image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=PNG_COLOURS, method=Image.Quantize.FASTOCTREE).save(out, format="PNG", compress_level=PNG_COMPRESSION)
    return out.getvalue()


def png_base64(fig: Figure) -> str:
    """A figure as base64 PNG, for embedding in a page."""
    tight_layout(fig)
    return base64.b64encode(png_bytes(fig, FIGURE_DPI)).decode()


LEGEND_FONT = 7
LEGEND_CHAR_IN = 0.058
"""About the width of a character of a legend's 7-point label, in inches (DejaVu Sans's average)."""


BESIDE = "legend-beside"


def legend_right(ax: Axes, handles: list | None = None, labels: list[str] | None = None) -> None:
    """The axes' legend (or one of ``handles`` and ``labels``) beside it, outside the data: inside,
    it hides the first months of a time plot (a shortfall's first spike) or the longest bars.
    ``_save`` widens the figure to make room."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    if handles:
        legend = ax.legend(handles, labels, fontsize=LEGEND_FONT, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                           borderaxespad=0.0, frameon=False)
        legend.set_gid(BESIDE)


def region_legend(ax: Axes, regions: list[str], colours: dict[str, str], filled: bool = False) -> None:
    """One legend of ``regions`` beside ``ax`` (the top panel) for every panel of a figure: a
    region has one colour in all of them, and a legend per panel cost a tenth of the drawing."""
    ordered = sorted(dict.fromkeys(regions))
    handles = [Rectangle((0, 0), 1, 1, color=colours.get(r, UNKNOWN), alpha=0.85) if filled else
               Line2D([], [], color=colours.get(r, UNKNOWN), lw=1.4) for r in ordered]
    legend_right(ax, handles, ordered)


def _legend_room(fig: Figure) -> float:
    """Inches the legends beside the axes need (0 when there are none)."""
    widest = 0.0
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or legend.get_gid() != BESIDE:
            continue
        chars = max((len(t.get_text()) for t in legend.get_texts()), default=0)
        widest = max(widest, 0.45 + LEGEND_CHAR_IN * chars)  # the handle and gaps, and the longest label
    return widest


def _save(fig: Figure, title: str, path: Path, margins: dict[str, float] | None = None) -> Path:
    """Title, lay out and write a figure (whole or not at all): with fixed ``margins`` (inches, see
    `margin_layout`) when given, else by measuring it (tight layout). A figure with legends beside
    its axes grows wider by what they need, so its plots keep their width."""
    fig.suptitle(title, fontsize=12)
    if margins is None:
        tight_layout(fig)
    else:
        room = _legend_room(fig)
        if room > 0:
            width, height = fig.get_size_inches()
            fig.set_size_inches(width + room, height)
            margins = {**margins, "right": margins.get("right", 0.2) + room}
        margin_layout(fig, **margins)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png_bytes(fig, FIGURE_DPI))
    return Path(path)


SMALL_RUN_STOCKS = 8
"""A run with at most this many stocks (a lesson) shows each stock's material on its own line."""


def _stock_lines(run: RunFrames, stage: str) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(label, region, dates, tonnes) for each stock of a stage's materials in a small run."""
    ents = run.result.entities
    stocks = ents[(ents["type"] == "stock") & (ents["stage"] == stage)]
    rows = run.rows("level_t")
    lines = []
    for entity, material, region in zip(stocks["entity"].astype(str), stocks["material"].astype(str), stocks["region"].astype(str), strict=True):
        part = rows[(rows["entity"].astype(str) == entity) & (rows["material"].astype(str) == material)].sort_values("day")
        lines.append((f"{material} at {entity}", region, pd.to_datetime(part["date"]).to_numpy(), part["value"].to_numpy()))
    return lines


def plot_stocks(result: Run, path: Path) -> Path:
    """Stock levels by stage of material, one line per region (per stock in a small run, so that a
    lesson's carbonate piling up shows as itself)."""
    run = prepare(result)
    stages = [s for s in STAGES if s in run.stocks] or ["(none)"]
    ents = run.result.entities
    small = int((ents["type"] == "stock").sum()) <= SMALL_RUN_STOCKS
    fig, axes = _stage_figure(stages)
    styles = ("-", "--", ":", "-.")
    for ax, stage in zip(axes, stages, strict=True):
        table = run.stocks.get(stage)
        if small and table is not None:
            for i, (label, region, dates, tonnes) in enumerate(_stock_lines(run, stage)):
                ax.plot(dates, tonnes, color=run.colours.get(region, UNKNOWN), ls=styles[i % len(styles)], label=label, lw=1.6)
            ax.set_ylabel("t")
        elif table is not None:
            dates = table.index.to_numpy()  # numpy dates: matplotlib checks a pandas index item by item
            for region in table.columns:
                ax.plot(dates, table[region].to_numpy() / 1000, color=run.colours[region], label=region, lw=1.4)
            ax.set_ylabel("kt")
        ax.set_title(f"{stage} materials in stock", fontsize=10, loc="left")
        if small:
            legend_right(ax)  # each stock on its own line: the lines differ from panel to panel
    if not small:
        region_legend(axes[0], [r for t in run.stocks.values() for r in t.columns], run.colours)
    date_panels(axes, run.events)
    return _save(fig, f"Stocks - {run.title}", path, {})


def plot_production(result: Run, path: Path) -> Path:
    """Production per stage (30-day mean, t/day), stacked by region."""
    run = prepare(result)
    stages = [s for s in STAGES if s in run.production] or ["(none)"]
    fig, axes = _stage_figure(stages)
    for ax, stage in zip(axes, stages, strict=True):
        table = run.production.get(stage)
        if table is not None:
            table = table.rolling(30, min_periods=1).mean()
            ax.stackplot(table.index.to_numpy(), [table[c].to_numpy() for c in table.columns], labels=list(table.columns),
                         colors=[run.colours[c] for c in table.columns], alpha=0.85)
        ax.set_title(f"{stage} output", fontsize=10, loc="left")
        ax.set_ylabel("t/day (30-day mean)")
    region_legend(axes[0], [r for t in run.production.values() for r in t.columns], run.colours, filled=True)
    date_panels(axes, run.events)
    return _save(fig, f"Production by stage and region - {run.title}", path, {})


MAX_MATERIAL_PANELS = 6


def _short_materials(run: RunFrames) -> list[str]:
    """Materials some region ran short of (as the page's sentences say: lost or kept waiting), the
    most tonnes first."""
    return list(dict.fromkeys(s.material for s in shortfalls(run)))[:MAX_MATERIAL_PANELS]


def plot_unmet(result: Run, path: Path) -> Path:
    """Cumulative unmet demand by region, then the 30-day fill rate of each material that ran short
    (by region): a regional rate over all materials would hide a short one behind plentiful ones."""
    run = prepare(result)
    materials = _short_materials(run)
    fig = Figure(figsize=(9, 3 + 2.4 * max(len(materials), 1)))
    axes = fig.subplots(1 + max(len(materials), 1), 1, squeeze=False)[:, 0]
    unmet = run.demand["unmet_t"]
    dates = unmet.index.to_numpy()
    for region in unmet.columns:
        axes[0].plot(dates, unmet[region].cumsum().to_numpy() / 1000, color=run.colours[region], label=region, lw=1.6)
    legend_right(axes[0])
    axes[0].set_title("Unmet demand, cumulative (all materials)", fontsize=10, loc="left")
    axes[0].set_ylabel("kt")
    by = run.demand_by_material
    for ax, material in zip(axes[1:], materials or [None], strict=False):
        if material is None:
            ax.set_title("Fill rate (30-day window): no material ran short", fontsize=10, loc="left")
        else:
            for region in by["requested_t"][material].columns:
                req = by["requested_t"][(material, region)].rolling(30, min_periods=1).sum()
                dlv = by["delivered_t"][(material, region)].rolling(30, min_periods=1).sum()
                # backorders served late would lift a window above 100%: catching up shows as a return to 100
                met = np.minimum(100 * dlv / req.where(req > 0), 100)
                ax.plot(dates, met.to_numpy(), color=run.colours[region], label=region, lw=1.6)
            ax.set_title(f"Fill rate of {material} (30-day window)", fontsize=10, loc="left")  # regions: the top panel's legend
        ax.set_ylabel("% of demand met")
        ax.set_ylim(0, 105)
    date_panels(axes, run.events)
    return _save(fig, f"Unmet demand - {run.title}", path, {})


MAX_PRICE_PANELS = 8
"""At most this many materials' price panels (every market's start, mean, peak and end stay in the
page's price table)..."""
HEADLINE_PRICE_MATERIALS = ("ndpr_oxide", "dy_oxide", "tb_oxide", "ndfeb_magnet")
"""...always those of the magnet chain's question where they are priced, then the materials whose
prices moved most."""


def _price_panels(prices: dict[str, dict[str, pd.DataFrame]]) -> list[str]:
    """The materials given a price panel, at most `MAX_PRICE_PANELS`, in name order: the headline
    ones, then those whose prices moved most (highest over lowest, in any of their markets)."""
    def move(markets: dict[str, pd.DataFrame]) -> float:
        ratios = [float(v.max() / v.min()) for v in (m["value"].to_numpy() for m in markets.values()) if len(v) and v.min() > 0]
        return max(ratios, default=0.0)

    headline = [m for m in HEADLINE_PRICE_MATERIALS if m in prices]
    others = sorted((m for m in prices if m not in headline), key=lambda m: -move(prices[m]))
    return sorted([*headline, *others][:MAX_PRICE_PANELS])


def plot_prices(result: Run, path: Path) -> Path:
    """Price per market, USD/kg, one panel per material (China and outside on the same axes): where
    there are many, the headline materials and those whose prices moved most."""
    run = prepare(result)
    materials = _price_panels(run.prices) or ["(no markets)"]
    cols = 2
    rows = max(1, -(-len(materials) // cols))
    fig = Figure(figsize=(10, 2.3 * rows + 0.8))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, material in zip(axes.flat, materials, strict=False):
        markets = run.prices.get(material, {})
        for market, series in markets.items():
            ax.plot(series["date"].to_numpy(), series["value"].to_numpy(), color=market_colour(market), lw=1.4, label=market)
        ax.set_title(material, fontsize=10, loc="left")
        ax.set_ylabel("USD/kg")
    for ax in list(axes.flat)[len(materials):]:
        ax.set_visible(False)
    date_panels(axes, run.events)
    # one legend for every panel, above them: which line is which market is the same in each
    kinds = dict.fromkeys(market_colour(m) for markets in run.prices.values() for m in markets)
    names = {market_colour("x_china"): "China's market", market_colour("x_world"): "the market outside China"}
    order = [*names, *(c for c in kinds if c not in names)]
    handles = [Line2D([], [], color=c, lw=1.4, label=names.get(c, "one market for the world")) for c in order if c in kinds]
    if handles:
        # under the title, which stands 2% of the figure's height from its top
        height = fig.get_size_inches()[1]
        fig.legend(handles=handles, fontsize=8, loc="upper center", ncol=len(handles), frameon=False,
                   bbox_to_anchor=(0.5, 0.98 - 0.3 / height))
    left_out = (f" ({len(materials)} of {len(run.prices)} materials: NdPr, Dy, Tb, magnets and the widest moves)"
                if len(materials) < len(run.prices) else "")
    return _save(fig, f"Prices by market - {run.title}{left_out}", path, {"top": 0.02 * fig.get_size_inches()[1] + 0.85})


FILL_BANDS = (0, 50, 70, 80, 90, 95, 99, 100.01)
"""Heat-map bands of % met: a band per step an analyst reads differently (69% and 83% apart)."""


def _heat(ax: Axes, table: dict[str, dict[str, float]], title: str):
    rows = sorted(table)
    cols = sorted({c for r in table.values() for c in r})
    grid = np.full((len(rows), len(cols)), np.nan)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            grid[i, j] = 100 * table[r].get(c, np.nan)
    cmap = colormaps["RdYlGn"].resampled(len(FILL_BANDS) - 1)
    im = ax.imshow(grid, cmap=cmap, norm=BoundaryNorm(FILL_BANDS, cmap.N), aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_title(title, fontsize=10, loc="left")
    for i in range(len(rows)):
        for j in range(len(cols)):
            if not np.isnan(grid[i, j]):
                ax.text(j, i, f"{grid[i, j]:.0f}%", ha="center", va="center", fontsize=8,  # inside the axes: not measured for the layout
                        color="white" if grid[i, j] < 50 else "black", in_layout=False)
    return im


def plot_fill_rates(result: Run, path: Path) -> Path:
    """Share of demand met over the run, by region and material (each magnet grade on its own),
    and by region and end use; coloured in bands, so that 69% and 83% look apart."""
    run = prepare(result)
    k = run.result.kpis
    tables = [(k.get("fill_rate_by_region_material", {}), "by material"), (k.get("fill_rate_by_region_end_use", {}), "by end use")]
    width = max(max(len({c for r in t.values() for c in r}) for t, _ in tables), 2)
    regions = max(len(tables[0][0]), 2)
    fig = Figure(figsize=(1.1 * width + 3, 2 * (0.45 * regions + 1.2)))
    grid = fig.add_gridspec(2, 2, width_ratios=(40, 1))
    for row, (table, title) in enumerate(tables):
        im = _heat(fig.add_subplot(grid[row, 0]), table, f"Demand met {title}")
    fig.colorbar(im, cax=fig.add_subplot(grid[:, 1]), label="% of demand met", ticks=FILL_BANDS[:-1] + (100,))
    return _save(fig, f"Demand met by region - {run.title}", path, _heat_margins([t for t, _ in tables], fig.get_size_inches()[0]))


HEAT_CHAR_IN = 0.068
"""About the width of a character of the heat maps' 8-point labels, in inches (DejaVu Sans's average)."""


def _heat_margins(tables: list[dict[str, dict[str, float]]], width: float) -> dict:
    """Margins (inches, for `margin_layout`) that hold the heat maps' labels, worked out from their
    lengths: measured by tight layout they cost a third of the figure. A column label slants down to
    the left at 30 degrees: it drops half its length and reaches left 0.87 of it from its column."""
    def drop(table: dict[str, dict[str, float]]) -> float:
        longest = max((len(c) for r in table.values() for c in r), default=0)
        return 0.5 * HEAT_CHAR_IN * longest + 0.3

    rows = max((len(r) for t in tables for r in t), default=0)
    left = HEAT_CHAR_IN * rows + 0.2
    for table in tables:
        cols = sorted({c for r in table.values() for c in r})
        if cols:  # the first column's label reaches left of the axes by its slant less half a cell
            cell = (width - left - 1.0) / len(cols)
            left = max(left, 0.87 * HEAT_CHAR_IN * len(cols[0]) + 0.15 - cell / 2)
    return {"left": left + 0.1, "right": 0.8, "top": 0.8, "bottom": drop(tables[-1]) + 0.1,
            "between": (drop(tables[0]) + 0.35, 0.15)}


def plot_utilisation(result: Run, path: Path) -> Path:
    """Each facility's output against its capacity over the run, by stage, coloured by region."""
    run = prepare(result)
    u = run.result.kpis.get("utilisation_by_facility", {})
    ent = run.result.entities
    ent = ent[ent["type"] == "facility"].set_index("entity")
    stage_of, region_of = ent["stage"].astype(str).to_dict(), ent["region"].astype(str).to_dict()
    order = {s: i for i, s in enumerate(STAGES)}
    rows = sorted(u, key=lambda f: (order.get(stage_of[f], 99), f))
    fig = Figure(figsize=(9, 0.22 * max(len(rows), 4) + 1.2))
    ax = fig.subplots()
    ax.barh(range(len(rows)), [100 * u[f] for f in rows], color=[run.colours.get(region_of[f], UNKNOWN) for f in rows])
    labels = [f"{f} ({stage_of[f]})" for f in rows]
    # a label beside each bar as plain text: as ticks, each of a hundred plants made five objects
    ax.set_yticks([])
    for i, label in enumerate(labels):
        ax.text(-0.008, i, label, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=7)
    ax.set_ylim(len(rows) - 0.5 + 0.6, -0.5 - 0.6)  # top to bottom, as an inverted axis with its margins
    ax.set_xlabel("% of capacity used over the run")
    ax.set_xlim(0, 110)
    ax.grid(alpha=0.3, axis="x")
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in run.colours.values()]
    legend_right(ax, handles, list(run.colours))  # inside, it covered the last plants' bars
    longest = max((len(label) for label in labels), default=10)
    return _save(fig, f"Utilisation - {run.title}", path, {"left": 0.3 + 0.062 * longest, "top": 0.5, "bottom": 0.6})


def _stage_materials(run: RunFrames, stage: str) -> list[str]:
    ent = run.result.entities
    stocks = ent[ent["type"] == "stock"]
    return sorted(set(stocks.loc[stocks["stage"] == stage, "material"].astype(str)))


def material_flows(result: Run, first_day: int = 0, last_day: int | None = None) -> tuple[dict, dict]:
    """Tonnes per stage and region (columns), and stage-to-stage flows between regions (bands).

    A band from region A at one stage to region B at the next carries what A's stage shipped to
    B (from the lanes); what A's stage did not ship abroad stays in A. The last column is the
    magnets delivered to end users, by region.
    """
    run = prepare(result)
    last_day = run.last_day if last_day is None else last_day
    return run.memo(("material_flows", first_day, last_day), lambda: _material_flows(run, first_day, last_day))


def _material_flows(run: RunFrames, first_day: int, last_day: int) -> tuple[dict, dict]:
    def total(variable: str, by: list[str]):
        rows = run.rows(variable)
        rows = rows[rows["day"].between(first_day, last_day)]
        return rows.groupby(by, observed=True)["value"].sum()

    ent = run.result.entities
    fac = ent[ent["type"] == "facility"].set_index("entity")
    out = total("output_t", ["entity"])
    columns: dict[str, dict[str, float]] = {}
    for stage in FLOW_STAGES:
        ids = fac.index[fac["stage"] == stage]
        columns[stage] = out.reindex(ids, fill_value=0.0).groupby(fac.loc[ids, "region"]).sum().to_dict()
    dem = ent[(ent["type"] == "demand") & (ent["material"].isin(_stage_materials(run, "magnet")))].set_index("entity")
    columns["end use"] = total("delivered_t", ["entity"]).reindex(dem.index, fill_value=0.0).groupby(dem["region"]).sum().to_dict()
    links = ent[ent["type"] == "link"].set_index("entity")
    lanes = {lid: (str(a), str(b)) for lid, a, b in zip(links.index, links["region"], links["to_region"], strict=True)}
    shipped = total("shipped_t", ["entity", "material"])
    flows: dict[tuple[str, str], dict[tuple[str, str], float]] = {}
    names = list(columns)
    for left, right in zip(names, names[1:], strict=False):
        mats = set(_stage_materials(run, left))
        cross: dict[tuple[str, str], float] = {}
        for (lid, material), tonnes in shipped.items():
            if material in mats and lid in lanes:
                a, b = lanes[lid]
                if a != b and tonnes > 0:
                    cross[(a, b)] = cross.get((a, b), 0.0) + tonnes
        band = dict(cross)
        for region, made in columns[left].items():
            band[(region, region)] = band.get((region, region), 0.0) + max(made - sum(v for (a, _), v in cross.items() if a == region), 0.0)
        flows[(left, right)] = {k: v for k, v in band.items() if v > 0 and k[1] in columns[right] and columns[right][k[1]] > 0}
    return columns, flows


def plot_material_flow(result: Run, path: Path, first_day: int = 0, last_day: int | None = None) -> Path:
    """An alluvial picture from mine to end use: each column is a stage's output by region (as
    shares of the stage), bands show where each region's output went."""
    run = prepare(result)
    columns, flows = material_flows(run, first_day, last_day)
    colours = run.colours
    names = list(columns)
    fig = Figure(figsize=(12, 6))
    ax = fig.subplots()
    gap, width = 0.02, 0.12
    spans: dict[tuple[str, str], list[float]] = {}  # (stage, region) -> [bottom, top, left cursor, right cursor]
    for x, stage in enumerate(names):
        total = sum(columns[stage].values()) or 1.0
        y = 0.0
        for region in sorted(columns[stage], key=lambda r: -columns[stage][r]):
            h = columns[stage][region] / total * (1 - gap * (len(columns[stage]) - 1))
            ax.add_patch(Rectangle((x - width / 2, y), width, h, color=colours.get(region, UNKNOWN)))
            if h > 0.03:
                ax.text(x, y + h / 2, f"{region}\n{columns[stage][region] / 1000:,.0f} kt", ha="center", va="center", fontsize=7,
                        color="white" if region in DARK_REGIONS else "black", in_layout=False)
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
            ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colours.get(a, UNKNOWN), alpha=0.35, lw=0))
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xticks(range(len(names)), [f"{n}\n({sum(columns[n].values()) / 1000:,.0f} kt)" for n in names])
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    start = run.first_date + pd.Timedelta(days=first_day)
    end = run.first_date + pd.Timedelta(days=last_day if last_day is not None else run.last_day)
    ax.set_xlabel(f"t of each stage's product, {start:%d %b %Y} - {end:%d %b %Y}; column heights are shares of the stage")
    return _save(fig, f"Material flow from mine to end use - {run.title}", path)


def plot_stockpile(result: Run, path: Path) -> Path:
    """Each strategic reserve: tonnes held, and what it released and bought each week."""
    run = prepare(result)
    reserves = run.reserves
    fig = Figure(figsize=(9, 2.6 * len(reserves) + 0.6))
    axes = fig.subplots(len(reserves), 1, squeeze=False)[:, 0]
    for ax, (pid, rows) in zip(axes, reserves.items(), strict=True):
        dates = pd.to_datetime(rows["date"]).to_numpy()
        held = rows["value"].to_numpy()
        ax.fill_between(dates, held, color=RESERVE["held"], label="held, t")
        change = pd.Series(np.diff(held, prepend=held[:1]), index=pd.to_datetime(rows["date"]))
        weekly = change.resample("W").sum()
        week = np.timedelta64(5, "D")  # bars of dates need a width in time, not in plain numbers
        released, bought = -weekly.clip(upper=0), weekly.clip(lower=0)
        released, bought = released[released > 0], bought[bought > 0]  # an empty week draws no bar (nor its edge)
        if len(released):
            ax.bar(released.index.to_numpy(), released.to_numpy(), width=week, color=RESERVE["released"], label="released a week, t")
        if len(bought):
            ax.bar(bought.index.to_numpy(), bought.to_numpy(), width=week, color=RESERVE["bought"], edgecolor="black", hatch="///",
                   label="bought a week, t")
        k = run.result.kpis["policies"][pid]
        ax.set_title(f"{pid}: released {k.get('released_t', 0):,.0f} t, bought {k.get('bought_t', 0):,.0f} t, "
                     f"{k.get('held_t', 0):,.0f} t held at the end", fontsize=10, loc="left")
        ax.set_ylabel("t")
        legend_right(ax)
    date_panels(axes, run.events)
    return _save(fig, f"Stockpiles - {run.title}", path, {})


MAX_ORDER_LINES = 6
MAX_ORDER_PANELS = 6
"""At most this many materials' panels, those whose stocks' orders swing widest (the page stays small)."""


def plot_orders(result: Run, path: Path) -> Path:
    """Weekly orders placed by each ordering stock against the buyers' weekly demand of the same
    material: the bullwhip, stage by stage (variance ratios in the legend)."""
    run = prepare(result)
    orders = run.rows("ordered_t")
    demand = run.rows("requested_t")
    ratios = run.result.kpis.get("bullwhip_ratio", {})  # to put the widest swings in view
    every = sorted(str(m) for m in orders["material"].unique())
    widest = {m: max((v for k, v in ratios.items() if k.endswith(f".{m}") and isinstance(v, int | float)), default=0.0) for m in every}
    materials = sorted(sorted(every, key=lambda m: -widest[m])[:MAX_ORDER_PANELS])
    fig = Figure(figsize=(9, 2.8 * len(materials) + 0.6))
    axes = fig.subplots(len(materials), 1, squeeze=False)[:, 0]
    # whole weeks only: a last week of a few days would look like orders and demand collapsing
    weeks = run.first_date + pd.to_timedelta(7 * np.arange(max((run.last_day + 1) // 7, 1)), unit="D")
    # grouped on the categories as they are: names for the groups, not for each of a million rows
    demand_weekly = demand.groupby([demand["material"], demand["day"] // 7], observed=True)["value"].sum()
    orders_weekly = orders.groupby([orders["material"], orders["entity"], orders["day"] // 7], observed=True)["value"].sum()
    for ax, material in zip(axes, materials, strict=True):
        wanted = demand_weekly.get(material, pd.Series(dtype=float)).reindex(range(len(weeks)), fill_value=0.0)
        bought = bool(wanted.any())  # plants' inputs have no buyers: no demand line, no ratio against it
        if bought:
            ax.plot(weeks.to_numpy(), wanted.to_numpy(), color="black", lw=2, ls="--", label="buyers' demand")
        mine = orders_weekly[orders_weekly.index.get_level_values(0) == material]
        by_stock = {str(e): part.droplevel([0, 1]) for e, part in mine.groupby(level=1, observed=True)}
        # upstream last, the swings grow as one reads down the legend; the widest first when there are many
        shown = sorted(by_stock, key=lambda e: ratios.get(f"{e}.{material}", 0.0))[-MAX_ORDER_LINES:]
        for entity in shown:
            weekly = by_stock[entity].reindex(range(len(weeks)), fill_value=0.0)
            # against this material's own buyers (the KPI's ratio is against all demand), first and last week left out as there
            base = float(wanted.iloc[1:-1].var()) if bought else 0.0
            ratio = float(weekly.iloc[1:-1].var()) / base if base > 0 else None
            label = entity + (f" x{ratio:.1f}" if ratio is not None else "")
            ax.plot(weeks.to_numpy(), weekly.to_numpy(), lw=1.4, label=label)
        hidden = len(by_stock) - len(shown)
        ax.set_title(f"{material}: weekly orders by stock" + (f" (the {len(shown)} widest swings of {len(by_stock)})" if hidden else "")
                     + ("; x: their variance over the demand's" if bought else ""), fontsize=10, loc="left")
        ax.set_ylabel("t a week")
        legend_right(ax)
    date_panels(axes, run.events)
    left_out = f" ({len(materials)} of {len(every)} materials: the widest swings)" if len(materials) < len(every) else ""
    return _save(fig, f"Orders and the bullwhip - {run.title}{left_out}", path, {})


def _has_stages(table: dict[str, pd.DataFrame]) -> bool:
    return any(len(t.columns) and (t.fillna(0.0).to_numpy() != 0).any() for t in table.values())


@dataclass(frozen=True)
class RunFigure:
    """One figure of a run: how it is drawn, whether the run has anything for it (one with
    nothing to show is left out), and its caption on the page."""

    plot: Callable[..., Path]
    shows: Callable[[RunFrames], bool]
    caption: str


RUN_FIGURES = {
    "unmet_demand.png": RunFigure(plot_unmet, lambda run: bool(len(shortfalls(run))),
                                  "Demand not met, cumulative by region, and the share met over the last 30 days for each material that ran short."),
    "fill_rates.png": RunFigure(plot_fill_rates, lambda run: bool(run.result.kpis.get("fill_rate_by_region_material")),
                                "Share of demand met over the run, by region and material and by region and end use."),
    "prices.png": RunFigure(plot_prices, lambda run: bool(run.prices),
                            "Prices per market (USD/kg): Chinese and outside markets where borders split them; with many materials, NdPr oxide, Dy and Tb oxide, magnets and those whose prices moved most (every market is in the price table)."),
    "stockpile.png": RunFigure(plot_stockpile, lambda run: bool(run.reserves),
                               "Each strategic reserve: tonnes held, and what it released and bought each week."),
    "material_flow.png": RunFigure(plot_material_flow, lambda run: sum(sum(c.values()) for c in material_flows(run)[0].values()) > 0,
                                   "Where the tonnes went, from mine to end use, by region."),
    "production.png": RunFigure(plot_production, lambda run: _has_stages(run.production),
                                "Output of each stage by region (30-day mean). Dashed lines: policy events."),
    "stocks.png": RunFigure(plot_stocks, lambda run: _has_stages(run.stocks), "Stocks held, by stage of material and region."),
    "orders.png": RunFigure(plot_orders, lambda run: bool(len(run.rows("ordered_t"))),
                            "Weekly orders placed by each stock that orders, against buyers' weekly demand: the bullwhip."),
    "utilisation.png": RunFigure(plot_utilisation, lambda run: bool(run.result.kpis.get("utilisation_by_facility")),
                                 "Each facility's output against its capacity over the run."),
}
"""Every run figure, in the order the page shows them."""
FIGURES = {name: figure.plot for name, figure in RUN_FIGURES.items()}


def write_figures(result: Run, folder: Path, flow_days: tuple[int, int | None] = (0, None),
                  claim: Callable[[str], bool] | None = None, backwards: bool = False) -> dict[str, Path]:
    """Draw each run figure that has something to show into ``folder`` (and remove one an earlier
    report drew that has nothing now); the material flow covers days ``flow_days``. With ``claim``,
    only the figures it grants (two processes sharing the drawing, from either end: ``backwards``);
    the run is prepared once the first is granted."""
    run: RunFrames | None = None
    out = {}
    names = list(RUN_FIGURES)
    with matplotlib.rc_context(FIXED):
        for name in reversed(names) if backwards else names:
            if claim is not None and not claim(name):
                continue
            run = run or prepare(result)
            figure = RUN_FIGURES[name]
            if not figure.shows(run):
                (Path(folder) / name).unlink(missing_ok=True)
                continue
            extra = flow_days if figure.plot is plot_material_flow else ()
            out[name] = figure.plot(run, Path(folder) / name, *extra)
    return out


__all__ = ["FIGURES", "RUN_FIGURES", "material_flows", "png_base64", "region_colours", "timeline", "write_figures"]
