"""The answer first: a few sentences, generated from a run's KPIs and series, that say who ran
short of what, from when, for how long, and at what price; against a reference run when one is
given. The run page opens with them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..results.asked import asked_regions
from .frames import RunFrames

MAX_SHORTFALLS = 4
MAX_PRICES = 3
PRICE_MOVE = 1.25
"""A market whose peak stands this far above its first day's price is mentioned."""
MAX_PILES = 3
PILE_MIN_T = 1_000.0
"""A material is said to pile up when what is held of it (stocks and the surplus set aside) rose
by at least this many tonnes over the run..."""
PILE_MIN_SHARE = 0.5
"""...and by at least this share of what was held at the start (not a pipeline's swing)."""
RESERVE_EMPTY_T = 0.5
"""A reserve holding less than this has run dry (half a tonne: a day's rounding of a release)."""


@dataclass(frozen=True)
class Shortfall:
    """One region's shortage of one material over the run."""

    region: str
    material: str
    fill_rate: float
    lost_t: float
    waiting_t: float
    days_short: int
    first: pd.Timestamp
    longest_days: int
    longest_end: pd.Timestamp


def region_name(region: str) -> str:
    return region.upper() if len(region) <= 3 else region.capitalize()


def _longest_spell(short: np.ndarray) -> tuple[int, int]:
    """Length and last index of the longest run of True (the first such run; 0 and -1 if none)."""
    edges = np.diff(np.concatenate(([0], short.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not len(starts):
        return 0, -1
    longest = int(np.argmax(ends - starts))  # the first of the longest
    return int(ends[longest] - starts[longest]), int(ends[longest] - 1)


def shortfalls(run: RunFrames, lead: list[str] | None = None) -> list[Shortfall]:
    """Each region and material that was short on some day: those of the ``lead`` regions (the
    question's) first, in their order, then most tonnes lost or waiting first."""
    out = run.memo("shortfalls", lambda: _shortfalls(run))
    rank = {r: i for i, r in enumerate(lead or [])}
    return sorted(out, key=lambda s: (rank.get(s.region, len(rank)), -(s.lost_t + s.waiting_t)))


def _shortfalls(run: RunFrames) -> list[Shortfall]:
    by = run.demand_by_material
    k = run.result.kpis
    lost, waiting = by["unmet_t"], by["backorder_t"]
    out = []
    for material, region in lost.columns:
        short = ((lost[(material, region)] > 1e-9) | (waiting[(material, region)] > 1e-9)).to_numpy()
        if not short.any():
            continue
        dates = lost.index
        spell, end = _longest_spell(short)
        out.append(Shortfall(str(region), str(material),
                             k.get("fill_rate_by_region_material", {}).get(region, {}).get(material, float("nan")),
                             float(lost[(material, region)].sum()), float(waiting[(material, region)].iloc[-1]),
                             int(short.sum()), pd.Timestamp(dates[int(np.argmax(short))]), spell, pd.Timestamp(dates[end])))
    return out


def _date(t: pd.Timestamp) -> str:
    return t.strftime("%-d %b %Y")


def _shortfall_sentence(s: Shortfall) -> str:
    text = (f"In {region_name(s.region)}, buyers of {s.material} got {100 * s.fill_rate:.1f}% of what they asked for: short on "
            f"{s.days_short} days from {_date(s.first)}")
    if s.longest_days > 1 and s.longest_days < s.days_short:
        text += f" (the longest spell {s.longest_days} days, to {_date(s.longest_end)})"
    text += f"; {s.lost_t:,.0f} t lost"
    if s.waiting_t > 0.5:
        text += f", {s.waiting_t:,.0f} t still waiting at the end"
    return text + "."


def _price_sentences(run: RunFrames) -> list[str]:
    moves = []
    for material, markets in run.prices.items():
        for market, rows in markets.items():
            values = rows["value"].to_numpy()
            if not len(values) or values[0] <= 0:
                continue
            peak = int(np.argmax(values))
            ratio = values[peak] / values[0]
            if ratio >= PRICE_MOVE:
                moves.append((ratio, market, values[0], values[peak], pd.Timestamp(rows["date"].iloc[peak]), values[-1], material))
    out = []
    for ratio, market, start, peak, when, end, _material in sorted(moves, reverse=True)[:MAX_PRICES]:
        out.append(f"The {market} price rose from {start:,.0f} to a peak of {peak:,.0f} USD/kg ({ratio:.1f}x) on {_date(when)}, "
                   f"and ended at {end:,.0f}.")
    return out


def _kt(tonnes: float) -> str:
    return f"{tonnes / 1000:,.1f} kt" if abs(tonnes) >= 1000 else f"{tonnes:,.0f} t"


def _piling_sentences(run: RunFrames) -> list[str]:
    """Where material piled up: the materials whose holdings (stocks and surplus set aside) rose
    most over the run, with the sites that hold the rise."""
    ent = run.result.entities
    held = run.result.rows("level_t", "set_aside_t")
    stocks = ent[ent["type"] == "stock"]
    utility = set(stocks.loc[stocks["stage"] == "utility", "material"].astype(str))  # process water is not a product
    # each series runs day by day: its first and last rows are the run's first and last days
    ends = held.groupby(["entity", "material", "variable"], observed=True, sort=False)["value"].agg(["first", "last"])
    by_site = ends.groupby(level=["entity", "material"], observed=True).sum()
    aside = ends.xs("set_aside_t", level="variable")["last"].groupby(level="material", observed=True).sum() \
        if "set_aside_t" in ends.index.get_level_values("variable") else pd.Series(dtype=float)
    per_material = by_site.groupby(level="material", observed=True).sum()
    rise = per_material["last"] - per_material["first"]
    piled = rise[(rise >= PILE_MIN_T) & (rise >= PILE_MIN_SHARE * per_material["first"])]
    piled = piled[[str(m) not in utility for m in piled.index]].sort_values(ascending=False)
    out = []
    for material, total in piled.head(MAX_PILES).items():
        sites = (by_site["last"] - by_site["first"]).xs(material, level="material").sort_values(ascending=False)
        where = ", ".join(f"+{_kt(t)} at {site}" for site, t in sites.head(3).items() if t >= 0.05 * total)
        part = float(aside.get(material, 0.0)) / float(per_material.at[material, "last"])
        set_aside = f"; {100 * part:.0f}% of the end's is surplus set aside that no buyer wanted" if part >= 0.05 else ""
        out.append(f"{material} piled up from {_kt(per_material.at[material, 'first'])} held at the start to "
                   f"{_kt(per_material.at[material, 'last'])} at the end ({where}){set_aside}.")
    return out


def _stockpile_sentences(run: RunFrames) -> list[str]:
    out = []
    for pid, rows in run.reserves.items():
        kpis = run.result.kpis["policies"][pid]
        falls = np.flatnonzero(np.diff(rows["value"].to_numpy()) < -1e-9)
        held = rows["value"].to_numpy()
        when = f" from {_date(pd.Timestamp(rows['date'].iloc[falls[0] + 1]))}" if len(falls) else ""
        dry = np.flatnonzero(held <= RESERVE_EMPTY_T)
        dry = dry[dry > falls[0]] if len(falls) else dry[:0]
        left = (f"it ran dry on {_date(pd.Timestamp(rows['date'].iloc[dry[0]]))}" if len(dry)
                else f"{kpis.get('held_t', 0):,.0f} t were left at the end")
        out.append(f"The reserve {pid} released {kpis['released_t']:,.0f} t{when} and bought {kpis.get('bought_t', 0):,.0f} t; "
                   f"{left}.")
    return out


def _gated_sentences(run: RunFrames) -> list[str]:
    """A sentence for each rule that followed Chinese content abroad and held goods (No. 61)."""
    out = []
    for pid, kpis in sorted(run.result.kpis.get("policies", {}).items()):
        gated = kpis.get("china_content_gated_t", 0.0)
        if gated < 0.5:
            continue
        parts = [f"{el} {t['china']:,.1f} t Chinese and {t['other']:,.1f} t other"
                 for el, t in kpis.get("china_content_gated_element_t", {}).items() if t["china"] + t["other"] >= 0.05]
        held = f", holding {'; '.join(parts)}" if parts else ""
        out.append(f"{pid} held {gated:,.0f} t of goods made outside China at the border for their Chinese content{held}.")
    return out


def _against(k: dict[str, Any], ref: dict[str, Any], name: str, lead: list[str]) -> list[str]:
    here, there = k.get("fill_rate_by_region_material", {}), ref.get("fill_rate_by_region_material", {})
    rank = {r: i for i, r in enumerate(lead)}
    moves = [(here[r][m] - there[r][m], r, m) for r in here for m in here[r] if m in there.get(r, {})]
    moves = sorted((x for x in moves if abs(x[0]) >= 0.001), key=lambda x: (rank.get(x[1], len(rank)), -abs(x[0])))
    moves = moves[:MAX_SHORTFALLS]
    if not moves:
        return [f"Against {name}: no region's demand met for any material moved by a tenth of a point."]
    parts = [f"{region_name(r)} {m} {100 * there[r][m]:.1f}% -> {100 * here[r][m]:.1f}% ({100 * d:+.1f} points)" for d, r, m in moves]
    return [f"Against {name}, demand met: " + "; ".join(parts) + "."]


def answer(run: RunFrames, reference: dict[str, Any] | None = None) -> list[str]:
    """The sentences that open the run page (``reference``: {"name", "kpis"} of a run to compare with)."""
    k = run.result.kpis
    lead = asked_regions(run.result.scenario_data)  # the question's regions lead
    short = shortfalls(run, lead)
    first, last = run.first_date, run.first_date + pd.Timedelta(days=run.last_day)
    if not short:
        demanded = k.get("fill_rate_by_region_material", {})
        out = [f"Every buyer got what they asked for, every day from {_date(first)} to {_date(last)} "
               f"({len(demanded)} regions, {len({m for r in demanded.values() for m in r})} materials)."]
    else:
        lost = sum(s.lost_t for s in short)
        waiting = sum(s.waiting_t for s in short)
        pairs = "One region and material pair" if len(short) == 1 else f"{len(short)} region and material pairs"
        out = [f"{pairs} ran short between {_date(first)} and {_date(last)}: "
               f"{lost:,.0f} t of demand lost" + (f" and {waiting:,.0f} t still waiting at the end." if waiting > 0.5 else ".")]
        out += [_shortfall_sentence(s) for s in short[:MAX_SHORTFALLS]]
        if len(short) > MAX_SHORTFALLS:
            out.append(f"{len(short) - MAX_SHORTFALLS} more pairs were short; the table below lists them all.")
    out += _price_sentences(run)
    out += _piling_sentences(run)
    out += _stockpile_sentences(run)
    out += _gated_sentences(run)
    if reference is not None:
        out += _against(k, reference["kpis"], reference["name"], lead)
    return out
