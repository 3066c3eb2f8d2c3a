"""Runs that say when their world is out of balance: findings read from a run's results alone.

Four kinds, each with its numbers and where to look:

- **short before any policy**: a region runs short of a material before the first policy event
  (or in a run with none), so the shortage is the world's own, not the policy's;
- **piling up**: a stock that grows through the run and holds far more than what leaves it, so
  no one takes it (with no open lane or buyer it is stranded);
- **starved while its input piles up**: a plant run well below its capacity while its own
  input stock stood empty and that input piles up at another site (a plant idle beside a full
  input stock is held back by its buyers, not starved);
- **at its cap**: a market whose price sits at its cap for weeks.

The thresholds are stated below; ``docs/kpis.md`` explains them to users.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .kpis import LongSeries
from .result import Result

PILE_MIN_T = 1_000.0
"""A stock piles up when it grew by at least this many tonnes over the run..."""
PILE_MIN_DAYS = 180.0
"""...and holds at the end more than this many days of what left it over the last quarter of the run."""
STARVED_BELOW = 0.5
"""A plant is starved when it ran below this share of its capacity over the last quarter of the run..."""
EMPTY_INPUT_DAYS = 3.0
"""...and its own input stock held less than this many days of its draw at capacity on at least half
of those days (else it is held back by its buyers or its room, not by its input)."""
SHORT_MIN_DAYS = 7
"""A region's shortage before any policy counts when it lasted at least this many days (not a start-up hiccup)."""
CAP_MIN_DAYS = 28
"""A market is at its cap when its price sat there for at least this many days."""


@dataclass(frozen=True)
class Finding:
    """One sign that a run's world is out of balance."""

    kind: str  # short_before_policy, piling_up, starved, at_cap
    where: str  # region, site or market
    material: str
    text: str  # one sentence for the terminal and the page
    look: str  # where to look: a series or a file of the run folder

    def as_row(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "material": self.material, "finding": self.text, "look": self.look}


def _date(result: Result, day: int) -> str:
    start = pd.Timestamp(result.run["start_date"])
    return (start + pd.Timedelta(days=int(day))).strftime("%d %b %Y")


def _series(ts: pd.DataFrame, variable: str) -> pd.DataFrame:
    return ts[ts["variable"] == variable]


def short_before_policy(result: Result) -> list[Finding]:
    """Regions short of a material (demand lost or waiting) before the first policy event."""
    ent = result.entities
    events = result.policy_events
    first = int(events["day"].min()) if len(events) else None
    first = max(first, 0) if first is not None else None
    demand = ent[ent["type"] == "demand"][["entity", "region"]]
    rows = result.rows("unmet_t", "backorder_t")
    rows = rows[rows["value"] > 1e-6]
    if not len(rows):
        return []
    rows = rows.merge(demand, on="entity")
    if first is not None:
        rows = rows[rows["day"] < first]
    out = []
    for (region, material), grp in rows.groupby(["region", "material"], observed=True):
        if grp["day"].nunique() < SHORT_MIN_DAYS:
            continue
        start = int(grp["day"].min())
        lost = float(grp.loc[grp["variable"] == "unmet_t", "value"].sum())
        before = f"before the first policy event ({_date(result, first)})" if first is not None else "with no policy in the run"
        out.append(Finding(
            "short_before_policy", str(region), str(material),
            f"{region} ran short of {material} from {_date(result, start)}, {before}: {lost:,.0f} t lost by then. "
            "The shortage is the world's own, not a policy's.",
            f"timeseries: unmet_t and backorder_t of {region}'s {material} buyers"))
    return sorted(out, key=lambda f: f.text)


def _recent_outflow(result: Result, after_day: int, days: int) -> dict[tuple[str, str], float]:
    """Tonnes a day leaving each (site, material) after ``after_day``, over ``days``: taken by
    plants, shipped, delivered to buyers. Summed in numpy on the run's `LongSeries`."""
    long, ent = result.long, result.entities
    # a stock's entity is its site: only plants, lanes (their origin) and buyers move material out
    movers = ent[ent["type"].isin(["facility", "link", "demand"])].drop_duplicates("entity")
    sites = sorted({str(s) for s in movers["site"].dropna()})
    site_index = {site: i for i, site in enumerate(sites)}
    site_of = np.full(len(long.names) + 1, -1, dtype=np.int64)  # by entity code; the last slot: no entity
    for entity, site in zip(movers["entity"].astype(str), movers["site"], strict=True):
        if entity in long.code_of and not pd.isna(site):
            site_of[long.code_of[entity]] = site_index[str(site)]
    codes, materials = long.material()
    at = np.concatenate([long.of(v) for v in ("consumed_t", "shipped_t", "delivered_t")])
    at = at[long.day[at] > after_day]
    site, material = site_of[long.entity[at]], codes[at].astype(np.int64)
    keep = (site >= 0) & (material >= 0)
    cell = site[keep] * len(materials) + material[keep]
    sums = np.bincount(cell, weights=long.addend[at][keep], minlength=len(sites) * len(materials))
    seen = np.flatnonzero(np.bincount(cell, minlength=len(sites) * len(materials)))
    return {(sites[c // len(materials)], materials[c % len(materials)]): float(sums[c]) / days for c in seen}


def _ends(result: Result) -> pd.DataFrame:
    """Each stock's (site, material) first and last level, in the order the stocks first appear:
    each series runs day by day, so its first and last rows are the run's first and last days."""
    long = result.long
    at = long.of("level_t")
    values = long.value[at]
    if np.isnan(values).any():  # pandas' first and last skip missing levels
        return result.rows("level_t").groupby(["entity", "material"], observed=True, sort=False)["value"].agg(["first", "last"])
    codes, materials = long.material()
    key = long.entity[at].astype(np.int64) * (len(materials) + 1) + codes[at].astype(np.int64) + 1
    _, first = np.unique(key, return_index=True)
    _, from_end = np.unique(key[::-1], return_index=True)
    last = len(key) - 1 - from_end
    order = np.argsort(first, kind="stable")
    first, last = first[order], last[order]
    index = pd.MultiIndex.from_arrays([[long.names[e] for e in long.entity[at][first]],
                                       [materials[m] for m in codes[at][first]]], names=["entity", "material"])
    return pd.DataFrame({"first": values[first], "last": values[last]}, index=index)


def piling_up(result: Result) -> list[Finding]:
    """Stocks that grew through the run and hold many days of what leaves them."""
    if not len(result.long.of("level_t")):
        return []
    last = result.long.last_day
    quarter = max(last // 4, 1)
    ends = _ends(result)
    grew = ends["last"] - ends["first"]
    grew = grew[grew >= PILE_MIN_T]
    if not len(grew):
        return []
    stocks = result.entities[result.entities["type"] == "stock"]
    utility = {(str(r.site), str(r.material)) for r in stocks.itertuples() if r.stage == "utility"}
    grew = grew[[key not in utility for key in grew.index]]  # process water is not a product
    recent = _recent_outflow(result, last - quarter, quarter)
    out = []
    for (site, material), rise in grew.items():
        held = float(ends.at[(site, material), "last"])
        pace = recent.get((str(site), str(material)), 0.0)
        days = held / pace if pace > 1e-9 else float("inf")
        if days < PILE_MIN_DAYS:
            continue
        how = "nothing left it over the last quarter of the run" if pace <= 1e-9 else f"{days:,.0f} days of what left it"
        out.append(Finding(
            "piling_up", str(site), str(material),
            f"{material} piled up at {site}: {held:,.0f} t at the end, up {rise:,.0f} t ({how}). "
            "No one takes it: look for a lane that carries it away or a buyer.",
            f"timeseries: level_t of {site} {material}; links from {site}"))
    return sorted(out, key=lambda f: -float(ends.at[(f.where, f.material), "last"]))


def _input_empty_share(levels: pd.DataFrame, site: str, material: str, full_draw: float) -> float:
    """Share of the days (of ``levels``, the last quarter) on which the stock of ``material`` at
    ``site`` held less than ``EMPTY_INPUT_DAYS`` of a draw of ``full_draw`` t/day."""
    held = levels[(levels["entity"] == site) & (levels["material"] == material)]["value"]
    if not len(held):
        return 1.0  # no stock kept there: every tonne is used as it comes
    return float((held < max(EMPTY_INPUT_DAYS * full_draw, 1e-6)).mean())


def starved(result: Result, piles: list[Finding]) -> list[Finding]:
    """Plants run well below capacity with their own input stock empty while that input piles
    up at another site."""
    if not piles:
        return []
    ent = result.entities
    last = result.long.last_day
    quarter = max(last // 4, 1)
    plants = ent[ent["type"] == "facility"].set_index("entity")
    recent = result.rows("throughput_t", "capacity_t_per_day", "consumed_t", "level_t", after_day=last - quarter)
    made = _series(recent, "throughput_t").groupby("entity", observed=True)["value"].sum() / quarter
    grown = LongSeries(recent).capacity(plants.index.astype(str).tolist(), plants["capacity_t_per_day"].to_numpy(dtype=float), quarter)
    capacity = pd.Series(grown, index=plants.index) / quarter  # grown capacity where plants expand
    drawn = _series(recent, "consumed_t").groupby(["entity", "material"], observed=True)["value"].sum() / quarter
    levels = _series(recent, "level_t")
    inputs = result.rows("consumed_t").groupby(["entity", "material"], observed=True).size().reset_index()[["entity", "material"]]
    piled: dict[str, Finding] = {}
    for f in piles:  # largest first: a plant is named against the biggest pile of its input
        piled.setdefault(f.material, f)
    out = []
    for plant, material in inputs.itertuples(index=False):
        pile = piled.get(str(material))
        site = str(plants.at[plant, "site"]) if plant in plants.index else ""
        if pile is None or not site or site == pile.where:
            continue
        cap = float(capacity.get(plant, 0.0) or 0.0)
        used = float(made.get(plant, 0.0)) / cap if cap > 0 else 1.0
        if used >= STARVED_BELOW:
            continue
        # its draw at capacity, from what it drew at the share it ran (none drawn: any stock is plenty)
        full_draw = float(drawn.get((plant, material), 0.0)) / used if used > 0 else 0.0
        if _input_empty_share(levels, site, str(material), full_draw) < 0.5:
            continue  # its input stood by: its buyers or its room held it back
        out.append(Finding(
            "starved", site, str(material),
            f"{plant} ran at {100 * used:.0f}% of its capacity over the last quarter of the run, its {material} "
            f"stock empty, while {material} piled up at {pile.where}.",
            f"timeseries: throughput_t of {plant}; level_t of {site} {material} and of {pile.where} {material}"))
    return out


def at_cap(result: Result) -> list[Finding]:
    """Markets whose price sat at its cap for weeks."""
    markets = result.scenario_data.get("markets", {}) or {}
    prices = result.rows("price_usd_per_kg")
    out = []
    for mid, grp in prices.groupby("entity", observed=True):
        spec = markets.get(str(mid))
        if not spec:
            continue
        cap = float(spec.get("price_usd_per_kg", 0.0)) * float(spec.get("max_multiple", 20.0))
        at = grp.sort_values("day")
        days = at.loc[at["value"] >= cap * (1 - 1e-6), "day"].to_numpy()
        if len(days) < CAP_MIN_DAYS:
            continue
        out.append(Finding(
            "at_cap", str(mid), str(spec.get("material", "")),
            f"the {mid} price sat at its cap ({cap:,.1f} USD/kg, {spec.get('max_multiple', 20.0):g}x its reference) on "
            f"{len(days):,} days from {_date(result, int(days[0]))}: the shortage is beyond what the price can say.",
            f"timeseries: price_usd_per_kg and cover_days of {mid}"))
    return out


def findings(result: Result) -> list[Finding]:
    """Every sign that the run's world is out of balance, shortages first."""
    piles = piling_up(result)
    return [*short_before_policy(result), *piles, *starved(result, piles), *at_cap(result)]


def findings_table(found: list[Finding]) -> pd.DataFrame:
    return pd.DataFrame([f.as_row() for f in found], columns=["kind", "where", "material", "finding", "look"])


def format_findings(found: list[Finding], limit: int = 12) -> str:
    """The terminal's section: the findings, or that the world held together."""
    if not found:
        return ("  world in balance: no shortage before a policy, no stock piling up beyond the surplus set aside, "
                "no plant starved, no market at its cap")
    lines = [f"  world out of balance ({len(found)} finding{'s' if len(found) > 1 else ''}; all in the run's report.html):"]
    for f in found[:limit]:
        lines.append(f"    - {f.text}")
    if len(found) > limit:
        lines.append(f"    ... and {len(found) - limit} more")
    return "\n".join(lines)


__all__ = ["Finding", "findings", "findings_table", "format_findings"]
