"""Compare two runs KPI by KPI: B minus A."""

from __future__ import annotations

from typing import Any

import pandas as pd


def flatten(kpis: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Nested KPIs as dotted names -> numbers (non-numbers are left out)."""
    out: dict[str, float] = {}
    for key, value in kpis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int | float):
            out[name] = float(value)
    return out


def compare_kpis(a: dict[str, Any], b: dict[str, Any]) -> pd.DataFrame:
    """One row per KPI: A, B, B - A and the relative change (where A is not 0)."""
    fa, fb = flatten(a), flatten(b)
    names = sorted(set(fa) | set(fb))
    rows = []
    for n in names:
        va, vb = fa.get(n), fb.get(n)
        diff = None if va is None or vb is None else vb - va
        rel = None if diff is None or not va else diff / abs(va)
        rows.append({"kpi": n, "a": va, "b": vb, "b_minus_a": diff, "relative": rel})
    return pd.DataFrame(rows, columns=["kpi", "a", "b", "b_minus_a", "relative"])


HEADLINE = ("fill_rate", "unmet_demand_t", "fill_rate_by_region.", "unmet_demand_t_by_region.", "price_usd_per_kg.",
            "production_t.", "share_china.", "time_to_survive_days.", "time_to_recover_days.", "margin_usd_per_t_outside_china.")


def format_comparison(table: pd.DataFrame, name_a: str, name_b: str, limit: int = 60) -> str:
    """The KPIs that moved, headline ones first, as a fixed-width table."""
    moved = table[(table["b_minus_a"].fillna(1) != 0)]
    rank = moved["kpi"].map(lambda k: next((i for i, h in enumerate(HEADLINE) if k == h or (h.endswith(".") and k.startswith(h))), None))
    moved = moved.assign(rank=rank).dropna(subset=["rank"]).sort_values(["rank", "kpi"])
    shown = moved.head(limit)
    lines = [f"{'KPI':<52}{name_a[:14]:>15}{name_b[:14]:>15}{'B - A':>14}{'change':>9}"]
    for _, r in shown.iterrows():
        a = "-" if pd.isna(r["a"]) else f"{r['a']:,.4g}"
        b = "-" if pd.isna(r["b"]) else f"{r['b']:,.4g}"
        d = "-" if pd.isna(r["b_minus_a"]) else f"{r['b_minus_a']:+,.4g}"
        rel = "" if pd.isna(r["relative"]) else f"{100 * r['relative']:+.1f}%"
        lines.append(f"{r['kpi'][:51]:<52}{a:>15}{b:>15}{d:>14}{rel:>9}")
    rest = int((table["b_minus_a"].fillna(1) != 0).sum()) - len(shown)
    if rest > 0:
        lines.append(f"... and {rest} more KPIs that moved, in the CSV")
    return "\n".join(lines)
