"""Key performance indicators, computed from a run's daily series and entity table alone."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..scenario.policy_kinds import disruption_kinds
from ..scenario.schema import KPI_STAGES
from .kpi_registry import KPIS, TEXT_KPIS

RECOVERED_FILL_RATE = 0.99
WINDOW_DAYS = 30


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


def _totals(ts: pd.DataFrame, variable: str) -> pd.Series:
    sel = ts[ts["variable"] == variable]
    return sel.groupby("entity", observed=True)["value"].sum()


def _owed(ts: pd.DataFrame, demand: pd.Index, dlv: pd.Series, unmet: pd.Series) -> pd.Series:
    """What each buyer group was owed over the days of ``ts``: what was delivered, lost or still
    waiting at the end, which is what it requested and the backlog it carried in (a window that
    starts while buyers wait, a run whose warm-up left a backlog), so a fill rate is a share. (Counted
    at the end: a buyer's requests are recorded spread over the days of its period while its
    backlog moves on the period's day, so the backlog at a window's start is not a clean figure.)"""
    waiting = ts[ts["variable"] == "backorder_t"]
    end = waiting.loc[waiting["day"] == ts["day"].max()].groupby("entity", observed=True)["value"].sum()
    return dlv + unmet + end.reindex(demand, fill_value=0.0)


def capacity_days(ts: pd.DataFrame, facilities: pd.DataFrame, days: int | None = None) -> pd.Series:
    """Each facility's capacity summed over the ``days`` of ``ts`` (default: all its days; t of its
    basis): the daily ``capacity_t_per_day`` of a plant that may expand (investment), else its first
    capacity every day. ``facilities``: the entities table's facility rows, indexed by entity."""
    first = facilities["capacity_t_per_day"].astype(float) * (ts["day"].nunique() if days is None else days)
    return _totals(ts, "capacity_t_per_day").reindex(first.index).fillna(first)


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 1.0


def compute_kpis(ts: pd.DataFrame, entities: pd.DataFrame, policy_events: pd.DataFrame | None = None,
                 focus_region: str = "china", policy_kpis: dict[str, dict[str, Any]] | None = None,
                 elements: dict[str, dict[str, float]] | None = None) -> dict[str, Any]:
    """KPIs of one run: unmet demand and fill rates, production and shares per stage, prices,
    margins, and how long each region held out and took to recover after a disruption; each is
    defined in `kpi_registry` (and docs/kpis.md), and they come in its order.

    The focus region (the scenario's ``meta.focus_region``) names two KPIs: ``share_<focus>``
    (its share of each stage) and ``margin_usd_per_t_outside_<focus>``. Each policy's own KPIs
    (what its kind reports) come under ``policies.<id>``; ``elements`` (``element_balance``) is
    reported as ``element_balance_t`` when given (single runs; sweeps leave it out)."""
    demand = entities[entities["type"] == "demand"].set_index("entity")
    dlv = _totals(ts, "delivered_t").reindex(demand.index, fill_value=0.0)
    unmet = _totals(ts, "unmet_t").reindex(demand.index, fill_value=0.0)
    owed = _owed(ts, demand.index, dlv, unmet)

    def by(column: str) -> dict[str, float]:
        groups = demand[column].fillna("")
        o, d = owed.groupby(groups).sum(), dlv.groupby(groups).sum()
        return {str(k): _ratio(d[k], o[k]) for k in sorted(o.index)}

    def unmet_by(column: str) -> dict[str, float]:
        return {str(k): float(v) for k, v in unmet.groupby(demand[column].fillna("")).sum().sort_index().items()}

    fac = entities[entities["type"] == "facility"].set_index("entity")
    out = _totals(ts, "output_t").reindex(fac.index, fill_value=0.0)
    stages = list(KPI_STAGES) + sorted(set(fac["stage"]) - set(KPI_STAGES))
    production: dict[str, float] = {}
    by_region: dict[str, dict[str, float]] = {}
    share_focus: dict[str, float] = {}
    for stage in stages:
        mask = fac["stage"] == stage
        total = float(out[mask].sum())
        production[stage] = total
        regions = out[mask].groupby(fac.loc[mask, "region"]).sum()
        by_region[stage] = {str(k): float(v) for k, v in regions.sort_index().items()}
        share_focus[stage] = float(regions.get(focus_region, 0.0) / total) if total > 0 else 0.0

    capacity = capacity_days(ts, fac)
    throughput = _totals(ts, "throughput_t").reindex(fac.index, fill_value=0.0)
    utilisation = (throughput / capacity).fillna(0.0)

    days_short: dict[str, int] = {}
    waiting: dict[str, float] = {}
    daily = _regional_daily(ts, demand)
    for region, frame in daily.items():
        days_short[region] = int(_short(frame).sum())
        waiting[region] = float(frame["backorder_t"].iloc[-1]) if len(frame) else 0.0
    disruption = _disruption_day(policy_events)
    survive, recover = {}, {}
    if disruption is not None:
        for region, frame in daily.items():
            survive[region], recover[region] = _survive_recover(frame, disruption)

    sel = ts[ts["variable"].isin(["unmet_t", "backorder_t"]) & ts["entity"].isin(demand.index)]
    per_day = sel.groupby([sel["entity"], sel["day"]], observed=True)["value"].sum()
    short_days = per_day[per_day > 1e-9].index.to_frame(index=False, name=["entity", "day"])  # (demand, day) short
    pairs = {column: _by_pair(short_days, demand, column, owed, dlv, unmet) for column in ("material", "end_use")}  # each magnet grade on its own

    substituted: dict[str, float] = {}  # t/day of base demand moved to another material, at the end
    moved = ts[(ts["variable"] == "substituted_t_per_day") & (ts["day"] == ts["day"].max())]
    for entity, value in zip(moved["entity"].astype(str), moved["value"], strict=True):
        if entity in demand.index:
            region = str(demand.loc[entity, "region"])
            substituted[region] = substituted.get(region, 0.0) + float(value)

    share_by_region = {
        stage: {r: v / production[stage] for r, v in regions.items()} if production[stage] > 0 else {}
        for stage, regions in by_region.items()
    }
    hhi = {stage: float(sum((100 * v) ** 2 for v in shares.values())) for stage, shares in share_by_region.items()}

    margins = {}
    msel = ts[ts["variable"] == "margin_usd_per_t"]
    for fid, series in msel.groupby("entity", observed=True):
        if str(fid) in fac.index:
            margins[str(fid)] = {"mean": float(series["value"].mean()), "min": float(series["value"].min()),
                                 "region": str(fac.loc[str(fid), "region"])}

    prices: dict[str, dict[str, float]] = {}
    sel = ts[ts["variable"] == "price_usd_per_kg"]
    for market, series in sel.groupby("entity", observed=True):
        values = series.sort_values("day")["value"]
        prices[str(market)] = {"mean": float(values.mean()), "peak": float(values.max()), "low": float(values.min()),
                               "start": float(values.iloc[0]), "end": float(values.iloc[-1])}

    bullwhip = {}
    orders = ts[ts["variable"] == "ordered_t"]
    if len(orders) and len(owed):
        weeks = ts["day"] // 7
        demand_weekly = ts[ts["variable"] == "requested_t"].groupby(weeks)["value"].sum().iloc[1:-1]
        base = float(demand_weekly.var()) if len(demand_weekly) > 2 else 0.0
        for (site, material), part in orders.groupby(["entity", "material"], observed=True):
            weekly = part.groupby(part["day"] // 7)["value"].sum().reindex(demand_weekly.index, fill_value=0.0)
            if base > 0:
                bullwhip[f"{site}.{material}"] = float(weekly.var() / base)

    kpis = {
        "bullwhip_ratio": bullwhip,
        "price_usd_per_kg": prices,
        "unmet_demand_t": float(unmet.sum()),
        "requested_t": float(_totals(ts, "requested_t").reindex(demand.index, fill_value=0.0).sum()),
        "delivered_t": float(dlv.sum()),
        "fill_rate": _ratio(float(dlv.sum()), float(owed.sum())),
        "fill_rate_by_region": by("region"),
        "fill_rate_by_end_use": by("end_use"),
        "fill_rate_by_material": by("material"),
        "unmet_demand_t_by_region": unmet_by("region"),
        "unmet_demand_t_by_end_use": unmet_by("end_use"),
        "unmet_demand_t_by_material": unmet_by("material"),
        "days_short_by_region": days_short,
        "backorders_t_at_end_by_region": waiting,
        "substituted_t_per_day_by_region": substituted,
        "fill_rate_by_region_material": pairs["material"][0],
        "fill_rate_by_region_end_use": pairs["end_use"][0],
        "unmet_demand_t_by_region_material": pairs["material"][1],
        "unmet_demand_t_by_region_end_use": pairs["end_use"][1],
        "days_short_by_region_material": pairs["material"][2],
        "days_short_by_region_end_use": pairs["end_use"][2],
        "disruption_day": disruption,
        "time_to_survive_days": survive,
        "time_to_recover_days": recover,
        "share_by_region": share_by_region,
        "hhi": hhi,
        "margin_usd_per_t": margins,
        f"margin_usd_per_t_outside_{focus_region}": {f: m["mean"] for f, m in margins.items() if m["region"] != focus_region},
        "production_t": production,
        "production_t_by_region": by_region,
        "focus_region": focus_region,
        f"share_{focus_region}": share_focus,
        "utilisation_by_facility": {str(k): float(v) for k, v in utilisation.items()},
        "policies": {pid: dict(values) for pid, values in (policy_kpis or {}).items()},
    }
    if elements is not None:
        kpis["element_balance_t"] = elements
    order = [k.named(focus_region) for k in KPIS] + list(TEXT_KPIS)
    return {name: kpis[name] for name in order if name in kpis}  # the registry's order, which reports follow


Table = dict[str, dict[str, float]]


def _by_pair(short_days: pd.DataFrame, demand: pd.DataFrame, column: str, owed: pd.Series, dlv: pd.Series,
             unmet: pd.Series) -> tuple[Table, Table, dict[str, dict[str, int]]]:
    """Fill rate, lost tonnes and days short by region and ``column`` (material or end use); a day
    is short for a group when any of its demands was short that day."""
    fill: Table = {}
    lost: Table = {}
    short: dict[str, dict[str, int]] = {}
    keyed = short_days.assign(region=short_days["entity"].map(demand["region"]), key=short_days["entity"].map(demand[column]))
    counts = keyed.drop_duplicates(["region", "key", "day"]).groupby(["region", "key"]).size()
    # by position, in numpy: pandas' label lookups cost a third of all the KPIs (the same sums)
    d, o, u = (s.reindex(demand.index).to_numpy() for s in (dlv, owed, unmet))
    for (region, key), at in sorted(demand.groupby(["region", column]).indices.items()):
        r, k = str(region), str(key)
        fill.setdefault(r, {})[k] = _ratio(float(d[at].sum()), float(o[at].sum()))
        lost.setdefault(r, {})[k] = float(u[at].sum())
        short.setdefault(r, {})[k] = int(counts.get((region, key), 0))
    return fill, lost, short


def _regional_daily(ts: pd.DataFrame, demand: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per region, a frame indexed by day with requested_t, delivered_t, unmet_t (lost) and
    backorder_t (waiting)."""
    sel = ts[ts["variable"].isin(["requested_t", "delivered_t", "unmet_t", "backorder_t"]) & ts["entity"].isin(demand.index)]
    if not len(sel):
        return {}
    sel = sel.assign(region=sel["entity"].map(demand["region"]).astype(str))  # mapped per category, not per row
    table = sel.pivot_table(index=["region", "day"], columns="variable", values="value", aggfunc="sum", observed=True)
    table = table.reindex(columns=["requested_t", "delivered_t", "unmet_t", "backorder_t"], fill_value=0.0).fillna(0.0)
    return {str(r): frame.droplevel(0) for r, frame in table.groupby(level=0)}


def _short(frame: pd.DataFrame) -> pd.Series:
    """Days a region was short: demand lost, or buyers waiting for backorders."""
    return (frame["unmet_t"] > 1e-9) | (frame["backorder_t"] > 1e-9)


def _disruption_day(events: pd.DataFrame | None) -> int | None:
    """The first day a disruption (export control, outage, closure, demand shock) came into force."""
    if events is None or not len(events):
        return None
    starts = events[(events["kind"].isin(disruption_kinds())) & (events["event"] == "start") & (events["day"] >= 0)]
    return int(starts["day"].min()) if len(starts) else None


def _survive_recover(frame: pd.DataFrame, start: int) -> tuple[int | None, int | None]:
    """Time to survive: days from the disruption to the region's first shortfall (None: never short).
    Time to recover: days from the disruption until the 30-day fill rate is back at 99% for good
    (0 if it never fell; None if it had not recovered by the end)."""
    after = frame[frame.index >= start]
    short = after.index[_short(after)]
    survive = int(short[0] - start) if len(short) else None
    req = frame["requested_t"].rolling(WINDOW_DAYS, min_periods=1).sum()
    dlv = frame["delivered_t"].rolling(WINDOW_DAYS, min_periods=1).sum()
    rate = (dlv / req.where(req > 0)).fillna(1.0)
    below = rate.index[(rate.index >= start) & (rate < RECOVERED_FILL_RATE)]
    if not len(below):
        return survive, 0
    last = int(below[-1])
    if last >= int(frame.index.max()):
        return survive, None
    return survive, last + 1 - start
