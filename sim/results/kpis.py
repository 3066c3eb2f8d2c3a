"""Key performance indicators, computed from a run's daily series and entity table alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..scenario.schema import KPI_STAGES

CHINA = "china"


def _totals(ts: pd.DataFrame, variable: str) -> pd.Series:
    sel = ts[ts["variable"] == variable]
    return sel.groupby("entity", observed=True)["value"].sum()


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 1.0


def compute_kpis(ts: pd.DataFrame, entities: pd.DataFrame) -> dict[str, Any]:
    """KPIs of one run: unmet demand and fill rates, production and China's share per stage."""
    demand = entities[entities["type"] == "demand"].set_index("entity")
    req = _totals(ts, "requested_t").reindex(demand.index, fill_value=0.0)
    dlv = _totals(ts, "delivered_t").reindex(demand.index, fill_value=0.0)
    unmet = _totals(ts, "unmet_t").reindex(demand.index, fill_value=0.0)

    def by(column: str) -> dict[str, float]:
        groups = demand[column].fillna("")
        r, d = req.groupby(groups).sum(), dlv.groupby(groups).sum()
        return {str(k): _ratio(d[k], r[k]) for k in sorted(r.index)}

    def unmet_by(column: str) -> dict[str, float]:
        return {str(k): float(v) for k, v in unmet.groupby(demand[column].fillna("")).sum().sort_index().items()}

    fac = entities[entities["type"] == "facility"].set_index("entity")
    out = _totals(ts, "output_t").reindex(fac.index, fill_value=0.0)
    stages = list(KPI_STAGES) + sorted(set(fac["stage"]) - set(KPI_STAGES))
    production: dict[str, float] = {}
    by_region: dict[str, dict[str, float]] = {}
    share_china: dict[str, float] = {}
    for stage in stages:
        mask = fac["stage"] == stage
        total = float(out[mask].sum())
        production[stage] = total
        regions = out[mask].groupby(fac.loc[mask, "region"]).sum()
        by_region[stage] = {str(k): float(v) for k, v in regions.sort_index().items()}
        share_china[stage] = float(regions.get(CHINA, 0.0) / total) if total > 0 else 0.0

    capacity = fac["capacity_t_per_day"].astype(float) * ts["day"].nunique()
    throughput = _totals(ts, "throughput_t").reindex(fac.index, fill_value=0.0)
    utilisation = (throughput / capacity).fillna(0.0)

    days_short: dict[str, int] = {}
    short = ts[ts["variable"] == "unmet_t"]
    if len(short):
        short = short.assign(region=short["entity"].map(demand["region"]))
        per_day = short.groupby(["region", "day"], observed=True)["value"].sum()
        for region, series in per_day.groupby(level=0):
            days_short[str(region)] = int((series > 1e-9).sum())

    prices: dict[str, dict[str, float]] = {}
    sel = ts[ts["variable"] == "price_usd_per_kg"]
    for market, series in sel.groupby("entity", observed=True):
        values = series.sort_values("day")["value"]
        prices[str(market)] = {"mean": float(values.mean()), "peak": float(values.max()),
                               "start": float(values.iloc[0]), "end": float(values.iloc[-1])}

    return {
        "price_usd_per_kg": prices,
        "unmet_demand_t": float(unmet.sum()),
        "requested_t": float(req.sum()),
        "delivered_t": float(dlv.sum()),
        "fill_rate": _ratio(float(dlv.sum()), float(req.sum())),
        "fill_rate_by_region": by("region"),
        "fill_rate_by_end_use": by("end_use"),
        "unmet_demand_t_by_region": unmet_by("region"),
        "unmet_demand_t_by_end_use": unmet_by("end_use"),
        "days_short_by_region": days_short,
        "production_t": production,
        "production_t_by_region": by_region,
        "share_china": share_china,
        "utilisation_by_facility": {str(k): float(v) for k, v in utilisation.items()},
    }
