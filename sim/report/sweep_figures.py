"""The figures of a sweep's page, as `Figure` objects (the page embeds them; tests inspect them).

The question comes first: the discovery rule's KPI, then the KPIs in the order the sweep file lists
them, each against the value of every parameter (one panel a parameter, one series per combination
of the others), so a reader sees the input, not a design point's number. Every axis shows plain
numbers: a KPI that barely varies would otherwise read "1e-5+9.999e-1".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from ..results.discovery import Rule, plain, rule_of
from ..results.kpi_registry import kpi_matcher

HIT, MISS = "#D55E00", "#999999"
"""Runs that meet the discovery rule, and runs that do not."""
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
"""Okabe-Ito: one colour per series (group), told apart by colour-blind readers too."""
MAX_KPIS = 6
MAX_PARAMETERS = 4
MAX_GROUPS = 6
"""Most series a panel shows: more combinations of the other parameters are pooled into one."""
MAX_LEVELS = 12
"""A numeric parameter with more distinct values than this is drawn as a scatter (a sampled design)."""
BAND = (0.1, 0.9)
"""The band drawn around each series: 10-90% of its runs."""


@dataclass
class SweepFigure:
    """One figure of the page: its caption, the figure, and what it shows (for tests and notes)."""

    caption: str
    figure: Figure
    kpi: str | None = None
    parameters: list[str] = field(default_factory=list)


# --- what to plot -------------------------------------------------------------------------------


def ordered_kpis(spec: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    """KPI names in the order the question asks: the discovery KPI, then each of the sweep file's
    patterns expanded (sorted) to the KPIs of the run table."""
    names = [c[2:] for c in runs.columns if c.startswith("k.")]
    rule = rule_of(spec.get("discovery"))
    order = [rule.kpi] if rule and rule.kpi in names else []
    for pattern in spec.get("kpis") or ["*"]:
        regex = kpi_matcher((pattern,)) if pattern != "*" else re.compile(".*")
        order += sorted(n for n in names if regex.match(n))
    return list(dict.fromkeys(order + sorted(names)))


def chosen_kpis(spec: dict[str, Any], ok: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The KPIs to plot (at most MAX_KPIS; the discovery KPI always) and those left out, with why."""
    rule = rule_of(spec.get("discovery"))
    chosen, left = [], []
    for name in ordered_kpis(spec, ok):
        values = ok[f"k.{name}"].dropna()
        if rule is not None and name == rule.kpi and len(values):
            chosen.append(name)
        elif values.nunique() <= 1:
            left.append(f"{name} (the same in every run)" if len(values) else f"{name} (no values)")
        elif len(chosen) < MAX_KPIS:
            chosen.append(name)
        else:
            left.append(name)
    return chosen, left


def parameter_names(spec: dict[str, Any], runs: pd.DataFrame) -> list[str]:
    """The swept parameters in the sweep file's order (the run table's where the spec is silent)."""
    columns = [c[2:] for c in runs.columns if c.startswith("p.")]
    listed = [p for p in spec.get("parameters", {}) if p in columns]
    return listed + [c for c in columns if c not in listed]


def chosen_parameters(spec: dict[str, Any], runs: pd.DataFrame, box: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The parameters to plot against (at most MAX_PARAMETERS): those the PRIM box restricts first."""
    names = parameter_names(spec, runs)
    boxed = [p for p in box.get("parameter", []) if p in names]
    order = list(dict.fromkeys(boxed + names))
    return order[:MAX_PARAMETERS], order[MAX_PARAMETERS:]


def is_categorical(values: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))


def levels(values: pd.Series) -> list[Any] | None:
    """A parameter's values as panel positions: categories in the order first met, numbers sorted;
    None for a numeric parameter with too many values (a sampled design)."""
    if is_categorical(values):
        return list(dict.fromkeys(values.astype(str)))
    unique = sorted(values.dropna().unique())
    return unique if len(unique) <= MAX_LEVELS else None


# --- series of a panel --------------------------------------------------------------------------


@dataclass
class Series:
    """One group of runs in a panel: its label, and per x level the mean and the band of the KPI."""

    label: str
    x: list[Any]
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def groups(ok: pd.DataFrame, others: list[str]) -> list[tuple[str, pd.Series]]:
    """Runs split by each combination of the other parameters (label, mask), or all runs pooled
    when the combinations are too many or a parameter is sampled."""
    values = [levels(ok[f"p.{o}"]) for o in others]
    if not others or any(v is None for v in values) or np.prod([len(v) for v in values]) > MAX_GROUPS:  # type: ignore[arg-type]
        label = "all runs" if not others else f"all runs ({', '.join(others)} pooled)"
        return [(label, pd.Series(True, index=ok.index))]
    out = []
    for combo in product(*values):  # type: ignore[misc]
        mask = pd.Series(True, index=ok.index)
        for name, value in zip(others, combo, strict=True):
            column = ok[f"p.{name}"]
            mask &= (column.astype(str) == value) if is_categorical(column) else (column == value)
        if mask.any():
            out.append((", ".join(f"{n}={plain(v)}" for n, v in zip(others, combo, strict=True)), mask))
    return out


def panel_series(ok: pd.DataFrame, kpi: str, parameter: str, others: list[str]) -> list[Series]:
    """Per group of the other parameters: the KPI's mean and 10-90% band at each level of ``parameter``."""
    column = ok[f"p.{parameter}"]
    xs = levels(column) or []
    key = column.astype(str) if is_categorical(column) else column
    out = []
    for label, mask in groups(ok, others):
        stats = ok.loc[mask, f"k.{kpi}"].groupby(key[mask]).agg(
            mean="mean", low=lambda v: v.quantile(BAND[0]), high=lambda v: v.quantile(BAND[1])).reindex(xs)
        out.append(Series(label, xs, stats["mean"].to_numpy(float), stats["low"].to_numpy(float), stats["high"].to_numpy(float)))
    return out


# --- drawing ------------------------------------------------------------------------------------


def plain_numbers(fig: Figure) -> Figure:
    """No offset or scientific notation on any axis of ``fig`` (dates and fixed labels keep theirs)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_useOffset(False)
                formatter.set_scientific(False)
    return fig


def _panel(ax: Axes, ok: pd.DataFrame, kpi: str, parameter: str, others: list[str]) -> None:
    column = ok[f"p.{parameter}"]
    xs = levels(column)
    if xs is None:  # sampled: every run, as it fell
        ax.scatter(column, ok[f"k.{kpi}"], s=8, alpha=0.5, color=COLOURS[0], label=f"runs ({', '.join(others)} vary)" if others else "runs")
    else:
        _level_series(ax, panel_series(ok, kpi, parameter, others), categorical=is_categorical(column))
        ax.set_xticks(range(len(xs)) if is_categorical(column) else [float(x) for x in xs], [plain(x) for x in xs],
                      rotation=30 if is_categorical(column) and max(len(str(x)) for x in xs) > 8 else 0,
                      ha="right" if is_categorical(column) and max(len(str(x)) for x in xs) > 8 else "center")
    ax.set_xlabel(parameter)
    ax.grid(alpha=0.3)


def _level_series(ax: Axes, series: list[Series], categorical: bool) -> None:
    """Means with their 10-90% bands: lines over numbers; markers with bars, side by side, over categories."""
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        if categorical:
            x = np.arange(len(s.x)) + (i - (len(series) - 1) / 2) * 0.5 / max(len(series), 1)
            ax.errorbar(x, s.mean, yerr=[s.mean - s.low, s.high - s.mean], fmt="o", ms=4, capsize=2, color=colour, label=s.label)
        else:
            x = np.array(s.x, dtype=float)
            ax.fill_between(x, s.low, s.high, color=colour, alpha=0.15, lw=0)
            ax.plot(x, s.mean, "o-", ms=3, lw=1.2, color=colour, label=s.label)


def fig_kpi(ok: pd.DataFrame, kpi: str, parameters: list[str], names: list[str], rule: Rule | None) -> Figure:
    """One KPI against each parameter: a panel each, series by the other parameters."""
    fig = Figure(figsize=(max(3.0 * len(parameters), 5.5), 3.2))
    axes = fig.subplots(1, len(parameters), squeeze=False, sharey=True)[0]
    for ax, parameter in zip(axes, parameters, strict=True):
        _panel(ax, ok, kpi, parameter, [n for n in names if n != parameter])
        if rule is not None and rule.kpi == kpi:
            ax.axhline(rule.value, color=HIT, ls="--", lw=1, label=f"rule: {rule}")
        ax.legend(fontsize=6, loc="best")
    axes[0].set_ylabel(kpi, fontsize=8)
    fig.suptitle(f"{kpi}: mean of runs, band 10-90%", fontsize=9, x=0.01, ha="left")
    return fig


def kpi_figures(spec: dict[str, Any], runs: pd.DataFrame, box: pd.DataFrame) -> tuple[list[SweepFigure], str]:
    """The KPI figures, discovery KPI first, and a note of what is left out."""
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if ok.empty:
        return [], ""
    kpis, left_kpis = chosen_kpis(spec, ok)
    parameters, left_parameters = chosen_parameters(spec, ok, box)
    if not parameters:
        return [], ""
    names = parameter_names(spec, ok)
    rule = rule_of(spec.get("discovery"))
    figures = [SweepFigure(_kpi_caption(kpi, rule), fig_kpi(ok, kpi, parameters, names, rule), kpi, parameters) for kpi in kpis]
    notes = []
    if left_kpis:
        notes.append("KPIs not plotted: " + ", ".join(left_kpis))
    if left_parameters:
        notes.append("parameters not plotted against (the runs still vary them): " + ", ".join(left_parameters))
    return figures, "; ".join(notes)


def _kpi_caption(kpi: str, rule: Rule | None) -> str:
    head = f"{kpi} against each parameter"
    if rule is not None and rule.kpi == kpi:
        head += f" (the discovery KPI; dashed: the rule {rule})"
    return head + "; one series per combination of the other parameters, band: 10-90% of its runs"


def group_labels(runs: pd.DataFrame, parameter: str) -> pd.Series:
    """Each run's group for fan charts, ordered as the parameter's values: ``parameter=value``, or
    its quarter of the values when a sampled parameter has too many."""
    return _bins(runs[f"p.{parameter}"], prefix=f"{parameter}=", quarter_prefix=f"{parameter} ")


def fig_fans(series: pd.DataFrame, runs: pd.DataFrame, group_by: str | None, limit: int = 4) -> Figure | None:
    """Envelopes of the kept series (10-90% band and median), one per value of ``group_by``."""
    if series.empty:
        return None
    if group_by is not None and f"p.{group_by}" in runs:
        labels = group_labels(runs, group_by)
        order = list(labels.cat.categories)
        series = series.assign(group=series["run_id"].map(pd.Series(labels.astype(str).to_numpy(), index=runs["run_id"])))
    else:
        order = ["all runs"]
        series = series.assign(group="all runs")
    panels = list(series.groupby(["variable", "entity", "material"], observed=True))[:limit]
    fig = Figure(figsize=(10, 2.6 * len(panels) + 0.5))
    axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
    for ax, ((variable, entity, material), part) in zip(axes, panels, strict=True):
        for i, group in enumerate(order):
            _envelope(ax, part[part["group"] == group], group, COLOURS[i % len(COLOURS)])
        ax.set_title(f"{entity} {material} {variable}", fontsize=9, loc="left")
        ax.set_ylabel(variable, fontsize=8)
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    return fig


def _envelope(ax: Axes, part: pd.DataFrame, label: str, colour: str) -> None:
    if part.empty:
        return
    table = part.pivot_table(index="date", columns="run_id", values="value", aggfunc="sum")
    q = table.quantile([BAND[0], 0.5, BAND[1]], axis=1).T
    ax.fill_between(q.index, q[BAND[0]], q[BAND[1]], color=colour, alpha=0.2, lw=0)
    ax.plot(q.index, q[0.5], color=colour, lw=1.4, label=f"{label} ({table.shape[1]} runs)")


def default_group(spec: dict[str, Any], runs: pd.DataFrame) -> str | None:
    """The fans' grouping: the spec's report.group_by, else the first categorical parameter, else the first."""
    names = parameter_names(spec, runs)
    chosen = (spec.get("report") or {}).get("group_by")
    if chosen in names:
        return chosen
    categorical = [n for n in names if is_categorical(runs[f"p.{n}"])]
    return (categorical or names or [None])[0]


# --- discovery ----------------------------------------------------------------------------------


def within(values: pd.Series, limit: dict[str, Any]) -> pd.Series:
    """Which values a PRIM box's limit on one parameter keeps."""
    if isinstance(limit.get("levels"), str) and limit["levels"]:
        return values.astype(str).isin(json.loads(limit["levels"]))
    return (values >= limit["low"]) & (values <= limit["high"])


def fig_discovery(ok: pd.DataFrame, hits: pd.Series, box: pd.DataFrame, rule: Rule, parameters: list[str]) -> Figure:
    """Share of runs meeting the rule at each value of each parameter (quartiles when sampled);
    bars the PRIM box keeps in the rule's colour. Works alike for numeric and categorical inputs."""
    limits = {r["parameter"]: r for r in box.to_dict("records")} if "parameter" in box else {}
    fig = Figure(figsize=(max(3.0 * len(parameters), 5.5), 3.2))
    axes = fig.subplots(1, len(parameters), squeeze=False, sharey=True)[0]
    for ax, name in zip(axes, parameters, strict=True):
        column = ok[f"p.{name}"]
        bins = _bins(column)
        kept = within(column, limits[name]) if name in limits else pd.Series(True, index=ok.index)
        frame = pd.DataFrame({"bin": bins, "hit": hits, "kept": kept})
        share = frame.groupby("bin", sort=True, observed=True).agg(hit=("hit", "mean"), n=("hit", "size"), kept=("kept", "mean"))
        x = np.arange(len(share))
        ax.bar(x, share["hit"], color=[HIT if k > 0.5 else MISS for k in share["kept"]], width=0.7)
        for xi, (h, n) in enumerate(zip(share["hit"], share["n"], strict=True)):
            ax.annotate(f"{round(h * n)}/{n}", (xi, h), ha="center", va="bottom", fontsize=7, xytext=(0, 1), textcoords="offset points")
        long = max(len(str(b)) for b in share.index) > 8
        ax.set_xticks(x, [str(b) for b in share.index], rotation=30 if long else 0, ha="right" if long else "center", fontsize=7)
        ax.set_xlabel(name + ("  (box keeps: coloured)" if name in limits else ""))
        ax.set_ylim(0, 1.1)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:.0f}%"))
        ax.grid(alpha=0.3, axis="y")
    axes[0].set_ylabel(f"runs with {rule}", fontsize=8)
    return fig


def _bins(column: pd.Series, prefix: str = "", quarter_prefix: str = "") -> pd.Series:
    """Each run's value of a parameter as text, ordered as the values (categories as first met), or
    its quarter of a sampled parameter's values."""
    values = levels(column)
    if values is None:
        cut = pd.qcut(column, 4, duplicates="drop")
        names = {b: f"{quarter_prefix}{plain(b.left)}-{plain(b.right)}" for b in cut.cat.categories}
        return pd.Series(pd.Categorical(cut.map(names).astype(str), categories=list(names.values()), ordered=True), index=column.index)
    text = column.astype(str) if is_categorical(column) else column.map(plain)
    order = [prefix + (str(v) if is_categorical(column) else plain(v)) for v in values]
    return pd.Series(pd.Categorical(prefix + text, categories=order, ordered=True), index=column.index)


def fig_prim_box(ok: pd.DataFrame, hits: pd.Series, box: pd.DataFrame, rule: Rule) -> Figure | None:
    """Runs over the two numeric inputs the box restricts first, coloured by the rule, with the box."""
    numeric = [p[2:] for p in ok.columns if p.startswith("p.") and not is_categorical(ok[p])]
    boxed = [p for p in box.get("parameter", []) if p in numeric]
    names = list(dict.fromkeys(boxed + numeric))[:2]
    if not boxed or len(names) < 2:
        return None
    x, y = ok[f"p.{names[0]}"], ok[f"p.{names[1]}"]
    fig = Figure(figsize=(6.5, 5))
    ax = fig.subplots()
    ax.scatter(x, y, c=np.where(hits, HIT, MISS), s=12, alpha=0.7)
    lim = box.set_index("parameter")
    lo0, hi0 = (lim.loc[names[0], "low"], lim.loc[names[0], "high"]) if names[0] in lim.index else (x.min(), x.max())
    lo1, hi1 = (lim.loc[names[1], "low"], lim.loc[names[1], "high"]) if names[1] in lim.index else (y.min(), y.max())
    ax.add_patch(Rectangle((lo0, lo1), hi0 - lo0, hi1 - lo1, fill=False, ec="#000000", lw=1.5))
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(f"PRIM box for {rule} (orange: runs that meet it)", fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    return fig


def discovery_figures(spec: dict[str, Any], runs: pd.DataFrame, box: pd.DataFrame) -> list[SweepFigure]:
    rule = rule_of(spec.get("discovery"))
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    if rule is None or ok.empty or f"k.{rule.kpi}" not in ok:
        return []
    hits = rule.hits(ok)
    parameters, _ = chosen_parameters(spec, ok, box)
    if not parameters:
        return []
    out = [SweepFigure(f"Scenario discovery: share of runs with {rule} at each value of each parameter (quarters of a "
                       "sampled one); the values the PRIM box keeps in colour", fig_discovery(ok, hits, box, rule, parameters),
                       rule.kpi, parameters)]
    scatter = fig_prim_box(ok, hits, box, rule)
    if scatter is not None:
        out.append(SweepFigure(f"PRIM box for {rule} over two numeric inputs", scatter, rule.kpi))
    return out
