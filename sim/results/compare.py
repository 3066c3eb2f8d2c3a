"""Compare two sides KPI by KPI, B minus A: each side one run or several replications on common
random numbers (replication i of A and of B share a seed), so that each difference comes with a
95% interval over the paired replications."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
from scipy import stats

from .kpis import compute_kpis, flatten
from .result import Result

__all__ = ["among", "compare_kpis", "flatten", "format_comparison", "kpis_within", "period"]

COLUMNS = ["kpi", "a", "b", "b_minus_a", "ci_low", "ci_high", "spans_zero", "change_pct", "replications", "runs_a", "runs_b", "of"]
"""``runs_a``/``runs_b``: in how many of a side's ``of`` runs the KPI exists (a region's time to
recover only where it recovered); ``a``/``b`` are the means over those."""

SOME_RUNS = {"time_to_recover_days.": ("recovered in", "did not recover"), "time_to_survive_days.": ("short in", "never short")}
"""KPIs that exist only in some runs: what their existing says, and what their absence from every run says."""


def among(kpi: str, mean: float | None, runs: int, of: int) -> str:
    """A side's value of a KPI that may exist in only some of its runs: "recovered in 5 of 10,
    mean 905" rather than a mean that hides the 5 that did not."""
    present, absent = next((said for prefix, said in SOME_RUNS.items() if kpi.startswith(prefix)), ("in", "-"))
    if mean is None or runs == 0:
        return absent
    value = f"{mean:,.4g}"
    return value if runs >= of else f"{present} {runs} of {of}, mean {value}"


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def compare_kpis(a: dict[str, Any] | Sequence[dict[str, Any]], b: dict[str, Any] | Sequence[dict[str, Any]],
                 level: float = 0.95) -> pd.DataFrame:
    """One row per KPI: the mean of A and of B, the mean paired difference B - A with its
    ``level`` t-interval (replication i of A against replication i of B; none for one run), whether
    the interval spans zero, and the change in percent of A (where A is not 0)."""
    runs_a = [a] if isinstance(a, dict) else list(a)
    runs_b = [b] if isinstance(b, dict) else list(b)
    if len(runs_a) != len(runs_b):
        raise ValueError("both sides need the same number of replications")
    fa, fb = [flatten(k) for k in runs_a], [flatten(k) for k in runs_b]
    names = sorted(set().union(*fa, *fb))
    rows = []
    for n in names:
        va = [f[n] for f in fa if n in f]
        vb = [f[n] for f in fb if n in f]
        diffs = [y[n] - x[n] for x, y in zip(fa, fb, strict=True) if n in x and n in y]
        ma, mb, d = _mean(va), _mean(vb), _mean(diffs)
        low = high = None
        if len(diffs) > 1:
            sd = stats.tstd(diffs) if len(set(diffs)) > 1 else 0.0
            half = stats.t.ppf(0.5 + level / 2, len(diffs) - 1) * sd / math.sqrt(len(diffs))
            low, high = d - half, d + half
        spans = None if low is None else bool(low <= 0 <= high)
        change = None if d is None or not ma else 100 * d / abs(ma)
        rows.append({"kpi": n, "a": ma, "b": mb, "b_minus_a": d, "ci_low": low, "ci_high": high, "spans_zero": spans,
                     "change_pct": change, "replications": len(diffs), "runs_a": len(va), "runs_b": len(vb), "of": len(runs_a)})
    return pd.DataFrame(rows, columns=COLUMNS)


def period(result: Result) -> tuple[dt.date, dt.date]:
    """The first and last day a run reports."""
    start = dt.date.fromisoformat(str(result.run["start_date"]))
    return start, start + dt.timedelta(days=int(result.run["horizon_days"]) - 1)


def kpis_within(result: Result, first: dt.date, last: dt.date) -> dict[str, Any]:
    """The run's KPIs over the days from ``first`` to ``last`` only, from its series (a policy's own
    KPIs are totals of the whole run, so they are left out)."""
    start = dt.date.fromisoformat(str(result.run["start_date"]))
    lo, hi = (first - start).days, (last - start).days
    ts = result.timeseries[(result.timeseries["day"] >= lo) & (result.timeseries["day"] <= hi)]
    events = result.policy_events
    return compute_kpis(ts.reset_index(drop=True), result.entities, events, result.kpis.get("focus_region", "china"))


HEADLINE = ("fill_rate", "unmet_demand_t", "fill_rate_by_region_material.", "unmet_demand_t_by_region_material.",
            "days_short_by_region_material.", "price_usd_per_kg.", "production_t.", "share_china.",
            "time_to_survive_days.", "time_to_recover_days.", "margin_usd_per_t_outside_china.")


def _interval(r: pd.Series) -> str:
    if pd.isna(r["ci_low"]):
        return ""
    text = f"[{r['ci_low']:+,.4g}, {r['ci_high']:+,.4g}]"
    return text + (" ~0" if r["spans_zero"] else "")


def format_comparison(table: pd.DataFrame, name_a: str, name_b: str, limit: int = 60) -> str:
    """The KPIs that moved, headline ones first, as a fixed-width table; with replications, each
    difference's 95% interval, marked ~0 where it spans zero (no difference shown)."""
    moved = table[(table["b_minus_a"].fillna(1) != 0)]
    rank = moved["kpi"].map(lambda k: next((i for i, h in enumerate(HEADLINE) if k == h or (h.endswith(".") and k.startswith(h))), None))
    moved = moved.assign(rank=rank).dropna(subset=["rank"]).sort_values(["rank", "kpi"])
    shown = moved.head(limit)
    intervals = table["ci_low"].notna().any()
    width = min(max([len(k) for k in shown["kpi"]] + [20]) + 2, 72)
    some = bool(((shown["runs_a"] < shown["of"]) | (shown["runs_b"] < shown["of"])).any())
    col = 30 if some else 15
    head = f"{'KPI':<{width}}{name_a[:col - 1]:>{col}}{name_b[:col - 1]:>{col}}{'B - A':>14}{'change':>10}"
    lines = [head + ("   95% interval of B - A" if intervals else "")]
    for _, r in shown.iterrows():
        a = among(r["kpi"], None if pd.isna(r["a"]) else r["a"], int(r["runs_a"]), int(r["of"]))
        b = among(r["kpi"], None if pd.isna(r["b"]) else r["b"], int(r["runs_b"]), int(r["of"]))
        d = "-" if pd.isna(r["b_minus_a"]) else f"{r['b_minus_a']:+,.4g}"
        rel = "" if pd.isna(r["change_pct"]) else f"{r['change_pct']:+.1f}%"
        lines.append(f"{r['kpi'][:width - 1]:<{width}}{a:>{col}}{b:>{col}}{d:>14}{rel:>10}" + (f"   {_interval(r)}" if intervals else ""))
    rest = int((table["b_minus_a"].fillna(1) != 0).sum()) - len(shown)
    if rest > 0:
        lines.append(f"... and {rest} more KPIs that moved, in the CSV")
    if intervals:
        n = int(table["replications"].max())
        spans = int(table.loc[table["b_minus_a"].fillna(0) != 0, "spans_zero"].fillna(False).sum())
        lines.append(f"\n{n} replications a side on common random numbers; ~0: the interval spans zero "
                     f"({spans} of the KPIs that moved), so the difference may be chance")
    if some:
        lines.append("'recovered in 5 of 10, mean 905': the mean over the runs in which the region recovered (or ran "
                     "short); B - A pairs only runs where both sides have it")
    return "\n".join(lines)
