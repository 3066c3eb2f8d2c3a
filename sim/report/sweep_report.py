"""A sweep's report: each KPI against the parameters (the discovery rule's first), fan charts of kept
series grouped by a parameter, sensitivity bars, scenario discovery and the summary tables, in one
self-contained page, from the sweep folder's results alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .figures import png_base64
from .pages import Embedded, Table, render, table
from .sweep_figures import (
    SweepFigure,
    default_group,
    discovery_figures,
    fig_fans,
    kpi_figures,
    plain_numbers,
)

POINTS_SHOWN = 400
"""Rows of the per-point table the page holds at most (summary_points.csv has them all)."""


def fig_sensitivity(sens: pd.DataFrame) -> Figure | None:
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
    return fig


def sweep_figures(spec: dict[str, Any], runs: pd.DataFrame, sens: pd.DataFrame, box: pd.DataFrame,
                  series: pd.DataFrame) -> tuple[list[SweepFigure], str]:
    """The page's figures in order (the discovery KPI's first), and a note of what is left out."""
    kpis, note = kpi_figures(spec, runs, box)
    group = default_group(spec, runs) if len(runs) else None
    fans = fig_fans(series, runs, group)
    sensitivity = fig_sensitivity(sens)
    figures = kpis + discovery_figures(spec, runs, box)
    if fans is not None:
        by = f", one envelope per value of {group}" if group else ""
        figures.append(SweepFigure(f"Kept series: median and 10-90% of runs{by}", fans, parameters=[group] if group else []))
    if sensitivity is not None:
        figures.append(SweepFigure("Sensitivity of each KPI to each input", sensitivity))
    for f in figures:
        plain_numbers(f.figure)
    return figures, note


def _table(frame: pd.DataFrame, ident: str, noun: str, total: int | None = None) -> Table:
    """A table with the words its folded summary line shows ("304 design points")."""
    shown = len(frame)
    what = f"{shown:,} {noun}" if total is None or total == shown else f"{shown:,} of {total:,} {noun}"
    return table(frame, ident, what)


def build_sweep_report(spec: dict, runs: pd.DataFrame, points: pd.DataFrame, sens: pd.DataFrame,
                       box: pd.DataFrame, series: pd.DataFrame, summary_text: str, discovery_text: str) -> str:
    """The sweep's page, from its spec and summaries."""
    figures, note = sweep_figures(spec, runs, sens, box, series)
    design = spec.get("design", {})
    failed = runs[runs["status"] != "ok"] if len(runs) else runs
    n_points = int(points["point_id"].nunique()) if "point_id" in points else 0
    noun = f"rows ({n_points:,} design points x {points['kpi'].nunique():,} KPIs)" if "kpi" in points else "rows"
    return render(
        "sweep.html",
        name=str(spec.get("name")),
        description=str(spec.get("description", "")),
        base=Path(spec.get("base", "")).name,
        design=str(design.get("kind", "grid")),
        replications=str(spec.get("replications", 1)),
        seed=str(spec.get("seed", 0)),
        window=spec.get("window"),
        summary=summary_text,
        discovery=discovery_text,
        figure_note=note,
        figures=[Embedded(f.caption, png_base64(f.figure), f.caption) for f in figures],
        parameters=_table(pd.DataFrame([{"parameter": k, **{f: str(v) for f, v in p.items()}}
                                        for k, p in spec.get("parameters", {}).items()]), "parameters", "parameters"),
        sensitivity=None if sens.empty else _table(sens, "sensitivity", "indices"),
        prim=None if box.empty else _table(box, "prim", "limits"),
        points=_table(points.head(POINTS_SHOWN), "points", noun, len(points)),
        failed=_table(failed[["run_id", "point_id", "seed", "error"]].head(100), "failed", "failed runs", len(failed)) if len(failed) else None,
    )
