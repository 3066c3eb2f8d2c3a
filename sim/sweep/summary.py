"""Summaries of a sweep's runs: per design point statistics with 95% confidence intervals, and
sensitivity indices (SALib: Sobol first and total order, or Morris) where the design allows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..atomic import atomic_path
from ..results.discovery import rule_of
from .design import build_design
from .prim import decode_limits, encode_inputs, prim
from .spec import SweepSpec

STAT_COLUMNS = ["n", "mean", "std", "p5", "p50", "p95", "ci95_low", "ci95_high"]


def kpi_columns(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if c.startswith("k.")]


def point_stats(runs: pd.DataFrame) -> pd.DataFrame:
    """Long table: one row per design point and KPI with n, mean, sd, 5/50/95 percentiles and a
    t-based 95% confidence interval of the mean (over the point's replications)."""
    ok = runs[runs["status"] == "ok"]
    params = [c for c in runs.columns if c.startswith("p.")]
    rows = []
    for point_id, group in ok.groupby("point_id"):
        labels = group.iloc[0][params].to_dict()
        for kpi in kpi_columns(ok):
            values = group[kpi].dropna().to_numpy(dtype=float)
            rows.append({"point_id": point_id, **labels, "kpi": kpi[2:], **describe(values)})
    return pd.DataFrame(rows)


def describe(values: np.ndarray) -> dict[str, float]:
    n = len(values)
    if n == 0:
        return dict.fromkeys(STAT_COLUMNS, float("nan")) | {"n": 0}
    mean = float(values.mean())
    sd = float(values.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n)) if n > 1 else float("nan")
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"n": n, "mean": mean, "std": sd, "p5": float(p5), "p50": float(p50), "p95": float(p95),
            "ci95_low": mean - half, "ci95_high": mean + half}


def sensitivity(spec: SweepSpec, runs: pd.DataFrame) -> pd.DataFrame:
    """Sobol (S1, ST) or Morris (mu*, sigma) indices of each KPI's per-point mean, if the design allows."""
    kind = spec.design.kind
    if kind not in ("sobol", "morris"):
        return pd.DataFrame(columns=["kpi", "parameter", "method", "index", "value", "conf"])
    design = build_design(spec)
    ok = runs[runs["status"] == "ok"]
    means = ok.groupby("point_id")[kpi_columns(ok)].mean().reindex(range(len(design.points)))
    rows: list[dict[str, Any]] = []
    for kpi in means.columns:
        y = means[kpi].to_numpy(dtype=float)
        if np.isnan(y).any() or np.allclose(y, y[0]):
            continue
        if kind == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(design.problem, y, calc_second_order=spec.design.second_order, seed=spec.seed)
            for i, name in enumerate(design.names):
                rows.append({"kpi": kpi[2:], "parameter": name, "method": "sobol", "index": "S1", "value": res["S1"][i], "conf": res["S1_conf"][i]})
                rows.append({"kpi": kpi[2:], "parameter": name, "method": "sobol", "index": "ST", "value": res["ST"][i], "conf": res["ST_conf"][i]})
        else:
            from SALib.analyze import morris

            res = morris.analyze(design.problem, design.unit, y, num_levels=spec.design.levels, seed=spec.seed)
            for i, name in enumerate(design.names):
                rows.append({"kpi": kpi[2:], "parameter": name, "method": "morris", "index": "mu_star", "value": res["mu_star"][i], "conf": res["mu_star_conf"][i]})
                rows.append({"kpi": kpi[2:], "parameter": name, "method": "morris", "index": "sigma", "value": res["sigma"][i], "conf": float("nan")})
    return pd.DataFrame(rows)


def discovery(spec: SweepSpec, runs: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """PRIM box over the inputs (a categorical one as a 0/1 column per level) for the runs meeting
    the spec's discovery condition."""
    cols = ["parameter", "low", "high", "range_low", "range_high", "levels", "coverage", "density", "mass"]
    cond = spec.discovery
    ok = runs[runs["status"] == "ok"] if len(runs) else runs
    column = f"k.{cond.kpi}" if cond else ""
    if cond is None or column not in ok.columns:
        return pd.DataFrame(columns=cols), "" if cond is None else f"discovery: no KPI '{cond.kpi}' in the runs"
    inputs = ok[[c for c in ok.columns if c.startswith("p.")]].dropna(axis=1, how="all")
    inputs.columns = [c[2:] for c in inputs.columns]
    x, levels = encode_inputs(inputs)
    rule = rule_of(cond.model_dump())
    assert rule is not None
    y = rule.hits(ok)
    if not y.any() or x.empty:
        return pd.DataFrame(columns=cols), f"discovery: no run has {rule}"
    box = prim(x, y.to_numpy())
    limits = decode_limits(box.limits, levels) if len(box.limits) else box.limits
    table = limits.assign(coverage=box.coverage, density=box.density, mass=box.mass)
    lines = [f"discovery ({rule}: {int(y.sum())} of {len(y)} runs): a box holding {100 * box.coverage:.0f}% of them, "
             f"{100 * box.density:.0f}% of the runs in it meet the rule"]
    lines += [_limit_line(r, levels) for r in limits.to_dict("records")]
    return table.reindex(columns=cols), "\n".join(lines)


def _limit_line(row: dict[str, Any], levels: dict[str, list[str]]) -> str:
    name = row["parameter"]
    if name in levels:
        return f"  {name}: {' or '.join(json.loads(row['levels']))}  (swept {', '.join(levels[name])})"
    return f"  {name}: {_fmt(row['low'])} .. {_fmt(row['high'])}  (swept {_fmt(row['range_low'])} .. {_fmt(row['range_high'])})"


@dataclass
class Summaries:
    """Everything summarised from a sweep's runs, computed once for the CSVs, the table and the report."""

    points: pd.DataFrame
    sensitivity: pd.DataFrame
    box: pd.DataFrame
    discovery_text: str


def summarise(spec: SweepSpec, runs: pd.DataFrame) -> Summaries:
    box, text = discovery(spec, runs)
    return Summaries(point_stats(runs), sensitivity(spec, runs), box, text)


def write_summaries(folder: Path, summaries: Summaries) -> dict[str, Path]:
    """Write summary_points.csv, sensitivity.csv and discovery.csv (atomically) and return their paths."""
    out = {}
    frames = (("summary_points.csv", summaries.points), ("sensitivity.csv", summaries.sensitivity),
              ("discovery.csv", summaries.box))
    for name, frame in frames:
        path = Path(folder) / name
        with atomic_path(path) as tmp:  # no fsync: summaries are recomputed from the store at will
            frame.to_csv(tmp, index=False)
        out[name] = path
    return out


def format_summary(runs: pd.DataFrame, table: pd.DataFrame, limit_points: int = 12, kpis: int = 4,
                   first: tuple[str, ...] = ()) -> str:
    """Headline KPIs per design point, mean [95% CI]: ``first`` (the discovery KPI, then the
    file's), else fill rate and unmet demand."""
    failed = int((runs["status"] != "ok").sum()) if len(runs) else 0
    lines = [f"{len(runs)} runs ({failed} failed), {runs['point_id'].nunique() if len(runs) else 0} design points"]
    if table.empty:
        return "\n".join(lines)
    params = [c for c in table.columns if c.startswith("p.")]
    present = set(table["kpi"])
    headline = [k for k in dict.fromkeys(first) if k in present][:kpis] or [k for k in ("fill_rate", "unmet_demand_t") if k in present]
    headline += [k for k in table["kpi"].unique() if k not in headline][: max(0, kpis - len(headline))]
    head = "  ".join(f"{p[2:][:14]:>14}" for p in params) + "  " + "  ".join(f"{k[:26]:>26}" for k in headline)
    lines += ["", f"{'point':>5}  {head}"]
    wide = table[table["kpi"].isin(headline)].set_index(["point_id", "kpi"])
    for point_id in sorted(table["point_id"].unique())[:limit_points]:
        first = table[table["point_id"] == point_id].iloc[0]
        cells = "  ".join(f"{_fmt(first[p]):>14}" for p in params)
        for k in headline:
            r = wide.loc[(point_id, k)]
            cells += f"  {_fmt(r['mean']) + ' [' + _fmt(r['ci95_low']) + ', ' + _fmt(r['ci95_high']) + ']':>26}"
        lines.append(f"{point_id:>5}  {cells}")
    if table["point_id"].nunique() > limit_points:
        lines.append(f"... {table['point_id'].nunique() - limit_points} more points in summary_points.csv")
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return "-"
        return f"{value:.3g}" if abs(value) < 1e3 else f"{value:,.0f}"  # plain: 5,900, never 5.9e+03
    return str(value)
