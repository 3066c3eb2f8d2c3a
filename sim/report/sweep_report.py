"""A sweep's report: KPI distributions, fan charts of kept series, sensitivity bars, the PRIM box
and the summary tables, in one self-contained page, from the sweep folder's results alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .figures import png_base64
from .pages import Embedded, render, table

HIT, MISS = "#D55E00", "#999999"
"""Runs that meet the discovery rule, and runs that do not."""


def headline_kpis(runs: pd.DataFrame, limit: int = 4) -> list[str]:
    cols = [c for c in runs.columns if c.startswith("k.") and runs[c].notna().any() and runs[c].nunique() > 1]
    first = [c for c in ("k.fill_rate", "k.unmet_demand_t") if c in cols]
    return (first + [c for c in cols if c not in first])[:limit]


def fig_distributions(runs: pd.DataFrame) -> str | None:
    ok = runs[runs["status"] == "ok"]
    kpis = headline_kpis(ok)
    if not kpis:
        return None
    points = sorted(ok["point_id"].unique())
    fig = Figure(figsize=(10, 2.4 * len(kpis) + 0.5))
    axes = fig.subplots(len(kpis), 1, squeeze=False)
    for ax, kpi in zip(axes[:, 0], kpis, strict=True):
        if len(points) <= 30:
            data = [ok.loc[ok["point_id"] == p, kpi].dropna().to_numpy() for p in points]
            ax.boxplot(data, tick_labels=[str(p) for p in points], showfliers=False)
            ax.set_xlabel("design point")
        else:
            ax.hist(ok[kpi].dropna(), bins=30, color="#0072B2")
            ax.set_xlabel(kpi[2:])
        ax.set_title(kpi[2:], fontsize=9, loc="left")
        ax.grid(alpha=0.3)
    return png_base64(fig)


def fig_fans(series: pd.DataFrame, limit: int = 4) -> str | None:
    if series.empty:
        return None
    groups = list(series.groupby(["variable", "entity", "material"], observed=True))[:limit]
    fig = Figure(figsize=(10, 2.4 * len(groups) + 0.5))
    axes = fig.subplots(len(groups), 1, squeeze=False)
    for ax, ((variable, entity, material), part) in zip(axes[:, 0], groups, strict=True):
        table = part.pivot_table(index="date", columns="run_id", values="value", aggfunc="sum")
        q = table.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
        ax.fill_between(q.index, q[0.05], q[0.95], color="#56B4E9", alpha=0.35, label="5-95%")
        ax.fill_between(q.index, q[0.25], q[0.75], color="#0072B2", alpha=0.45, label="25-75%")
        ax.plot(q.index, q[0.5], color="#000000", lw=1.2, label="median")
        ax.set_title(f"{entity} {material} {variable} ({table.shape[1]} runs)", fontsize=9, loc="left")
        ax.legend(fontsize=7, loc="upper left")
        ax.grid(alpha=0.3)
    return png_base64(fig)


def fig_sensitivity(sens: pd.DataFrame) -> str | None:
    if sens.empty:
        return None
    kpis = list(dict.fromkeys(sens["kpi"]))[:4]
    fig = Figure(figsize=(9, 2.2 * len(kpis) + 0.5))
    axes = fig.subplots(len(kpis), 1, squeeze=False)
    for ax, kpi in zip(axes[:, 0], kpis, strict=True):
        part = sens[sens["kpi"] == kpi]
        idx = [i for i in ("ST", "S1", "mu_star") if i in set(part["index"])]
        names = list(dict.fromkeys(part["parameter"]))
        width = 0.8 / max(len(idx), 1)
        for k, index in enumerate(idx):
            values = part[part["index"] == index].set_index("parameter").reindex(names)["value"]
            ax.barh(np.arange(len(names)) + k * width, values, height=width, label=index)
        ax.set_yticks(np.arange(len(names)) + width * (len(idx) - 1) / 2, names, fontsize=8)
        ax.set_title(kpi, fontsize=9, loc="left")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3, axis="x")
    return png_base64(fig)


def fig_prim(runs: pd.DataFrame, box: pd.DataFrame, rule: str) -> str | None:
    if box.empty or len(box) < 1:
        return None
    ok = runs[runs["status"] == "ok"]
    names = list(box["parameter"])[:2]
    if len(names) == 1:
        others = [c[2:] for c in ok.columns if c.startswith("p.") and c[2:] != names[0] and pd.api.types.is_numeric_dtype(ok[c])]
        if not others:
            return None
        names.append(others[0])
    x, y = ok[f"p.{names[0]}"], ok[f"p.{names[1]}"]
    hit = ok.get("hit")
    fig = Figure(figsize=(6.5, 5))
    ax = fig.subplots()
    ax.scatter(x, y, c=np.where(hit, HIT, MISS) if hit is not None else MISS, s=12, alpha=0.7)
    lim = box.set_index("parameter")
    lo0, hi0 = (lim.loc[names[0], "low"], lim.loc[names[0], "high"]) if names[0] in lim.index else (x.min(), x.max())
    lo1, hi1 = (lim.loc[names[1], "low"], lim.loc[names[1], "high"]) if names[1] in lim.index else (y.min(), y.max())
    ax.add_patch(Rectangle((lo0, lo1), hi0 - lo0, hi1 - lo1, fill=False, ec="#000000", lw=1.5))
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.set_title(f"PRIM box for {rule} (orange: runs that meet it)", fontsize=9, loc="left")
    ax.grid(alpha=0.3)
    return png_base64(fig)


def build_sweep_report(spec: dict, runs: pd.DataFrame, points: pd.DataFrame, sens: pd.DataFrame,
                       box: pd.DataFrame, series: pd.DataFrame, summary_text: str, discovery_text: str) -> str:
    """The sweep's page, from its spec and summaries."""
    rule = ""
    cond = spec.get("discovery")
    if cond and len(runs):
        column = f"k.{cond['kpi']}"
        if column in runs:
            runs = runs.assign(hit=(runs[column] > cond["above"]) if "above" in cond else (runs[column] < cond["below"]))
        rule = f"{cond['kpi']} {'>' if 'above' in cond else '<'} {cond.get('above', cond.get('below'))}"
    figures = [("KPI distributions over the replications of each design point", fig_distributions(runs)),
               ("Fan charts of the kept series: median, 25-75% and 5-95% of runs", fig_fans(series)),
               ("Sensitivity of each KPI to each input", fig_sensitivity(sens)),
               ("Scenario discovery", fig_prim(runs, box, rule))]
    design = spec.get("design", {})
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    return render(
        "sweep.html",
        name=str(spec.get("name")),
        description=str(spec.get("description", "")),
        base=Path(spec.get("base", "")).name,
        design=str(design.get("kind", "grid")),
        replications=str(spec.get("replications", 1)),
        seed=str(spec.get("seed", 0)),
        summary=summary_text,
        discovery=discovery_text,
        figures=[Embedded(caption, data, caption) for caption, data in figures if data],
        parameters=table(pd.DataFrame([{"parameter": k, **{f: str(v) for f, v in p.items()}} for k, p in spec.get("parameters", {}).items()]), "parameters"),
        sensitivity=None if sens.empty else table(sens, "sensitivity"),
        prim=None if box.empty else table(box, "prim"),
        points=table(points.head(400), "points"),
        failed=table(failed[["run_id", "point_id", "seed", "error"]].head(100), "failed") if len(failed) else None,
    )
