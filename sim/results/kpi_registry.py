"""Every KPI a run reports, in one place: its name, what each further level of its name is
keyed by, its unit and its definition. `compute_kpis` reports exactly these (a test holds them
together), `docs/kpis.md` is written from them, and a sweep's KPI patterns are checked against
them (and the scenario's ids) before anything runs.

Imports nothing heavy: a sweep is validated without pandas or the engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..scenario.components import KPI_STAGES
from ..scenario.errors import did_you_mean

STATISTICS = {
    "price": ("mean", "peak", "low", "start", "end"),
    "margin": ("mean", "min"),
}
"""The fixed last level of KPIs that summarise a daily series."""


@dataclass(frozen=True)
class Kpi:
    """One KPI: ``name`` (``{focus}`` stands for the scenario's focus region), the kinds of key
    below it in order (``region``, ``material``...), its unit and what it means."""

    name: str
    keys: tuple[str, ...]
    unit: str
    definition: str

    def named(self, focus: str) -> str:
        return self.name.replace("{focus}", focus)


SHORT = "a day is short when some demand was lost or buyers were waiting for backorders"

KPIS: tuple[Kpi, ...] = (
    Kpi("fill_rate", (), "share",
        "delivered over owed tonnes, all demand of every material together; owed is what was delivered, lost or "
        "still waiting at the end of the run (or window): what buyers requested in it and the backlog they carried "
        "in, so backorders delivered from before the start count against the backlog they fill and a fill rate "
        "stays in [0, 1]"),
    Kpi("requested_t", (), "t", "tonnes buyers asked for over the run (new demand, not re-asked backorders)"),
    Kpi("delivered_t", (), "t", "tonnes delivered to buyers over the run"),
    Kpi("unmet_demand_t", (), "t", "tonnes of demand lost over the run (backorders still waiting at the end are not counted)"),
    Kpi("fill_rate_by_region", ("region",), "share",
        "delivered over owed (see fill_rate), tonnes of every material together: La and Ce buyers weigh as much as magnet "
        "buyers, so read fill_rate_by_region_material for a material's own"),
    Kpi("fill_rate_by_end_use", ("end_use",), "share", "delivered over owed, by end use"),
    Kpi("fill_rate_by_material", ("material",), "share", "delivered over owed, by material, all regions together"),
    Kpi("fill_rate_by_region_material", ("region", "material"), "share",
        "delivered over owed, by region and material (each magnet grade on its own)"),
    Kpi("fill_rate_by_region_end_use", ("region", "end_use"), "share", "delivered over owed, by region and end use"),
    Kpi("unmet_demand_t_by_region", ("region",), "t", "tonnes of demand lost, by region"),
    Kpi("unmet_demand_t_by_end_use", ("end_use",), "t", "tonnes of demand lost, by end use"),
    Kpi("unmet_demand_t_by_material", ("material",), "t", "tonnes of demand lost, by material"),
    Kpi("unmet_demand_t_by_region_material", ("region", "material"), "t", "tonnes of demand lost, by region and material"),
    Kpi("unmet_demand_t_by_region_end_use", ("region", "end_use"), "t", "tonnes of demand lost, by region and end use"),
    Kpi("days_short_by_region", ("region",), "days", f"days on which the region was short of anything ({SHORT})"),
    Kpi("days_short_by_region_material", ("region", "material"), "days", f"days on which the region was short of the material ({SHORT})"),
    Kpi("days_short_by_region_end_use", ("region", "end_use"), "days", f"days on which the end use in the region was short ({SHORT})"),
    Kpi("backorders_t_at_end_by_region", ("region",), "t", "tonnes buyers were still waiting for at the end"),
    Kpi("substituted_t_per_day_by_region", ("region",), "t/day", "demand moved to another material (or thrifted away) by the end"),
    Kpi("disruption_day", (), "day", "the first day a disruption (export control, outage, closure, demand shock) came into force"),
    Kpi("time_to_survive_days", ("region",), "days", "days from the disruption to the region's first short day; absent if never short"),
    Kpi("time_to_recover_days", ("region",), "days",
        "days from the disruption until the region's 30-day fill rate is back at 99% for good: 0 if it never fell, "
        "absent if it had not recovered by the end"),
    Kpi("share_by_region", ("stage", "region"), "share", "each region's share of a stage's output"),
    Kpi("hhi", ("stage",), "index (0-10,000)", "Herfindahl-Hirschman index of the regions' shares of a stage's output"),
    Kpi("margin_usd_per_t", ("facility", "statistic"), "USD/t", "price of output less input and unit costs, per facility: mean and min over days"),
    Kpi("margin_usd_per_t_outside_{focus}", ("facility",), "USD/t", "mean margin of each facility outside the focus region"),
    Kpi("production_t", ("stage",), "t", "output of a stage's facilities over the run"),
    Kpi("production_t_by_region", ("stage", "region"), "t", "output of a stage's facilities, by region"),
    Kpi("share_{focus}", ("stage",), "share", "the focus region's share of a stage's output"),
    Kpi("utilisation_by_facility", ("facility",), "share", "throughput over capacity x days, per facility"),
    Kpi("price_usd_per_kg", ("market", "statistic"), "USD/kg", "a market's daily price: mean, peak, low, first and last day"),
    Kpi("element_balance_t", ("element", "flow"), "t of the element",
        "each element's books over the run: in (at the start and mined) = delivered + lost + processing (given up by "
        "recipes; negative: made by a lump's average mix) + held (in stock and transit at the end); single runs only"),
    Kpi("bullwhip_ratio", ("site", "material"), "ratio",
        "variance of a stock's weekly orders over the variance of weekly demand (above 1: orders swing more than demand)"),
    Kpi("policies", ("policy", "policy_kpi"), "see the kind", "each policy's own KPIs, as its kind declares them (below)"),
)
"""The KPIs of a run, in the order reports show them."""

TEXT_KPIS = {"focus_region": "the scenario's focus region (text)"}
"""Entries of kpis.json that are not numbers."""


def by_name(focus: str) -> dict[str, Kpi]:
    return {k.named(focus): k for k in KPIS}


@cache
def kpi_matcher(patterns: tuple[str, ...]) -> re.Pattern:
    """One regular expression matching the dotted KPI names of any of ``patterns`` (``*``: one level)."""
    return re.compile("|".join("^" + re.escape(p).replace(r"\*", r"[^.]+") + "$" for p in patterns))


def check_pattern(pattern: str, focus: str, ids: dict[str, set[str]], policy_kinds: dict[str, dict[str, tuple[str, str]]]) -> str | None:
    """What is wrong with a sweep's KPI pattern (``*`` matching one level), or None.

    ``ids`` gives the scenario's ids by key kind (region, material...); ``policy_kinds`` each
    policy's declared KPIs by policy id."""
    parts = pattern.split(".")
    known = by_name(focus)
    head = parts[0]
    if head == "*":
        return None
    if head not in known:
        return f"unknown KPI '{head}'" + (_policy_hint(head, policy_kinds) or did_you_mean(head, known)) + " (docs/kpis.md lists them)"
    kpi = known[head]
    if len(parts) - 1 != len(kpi.keys):
        shape = ".".join([head, *(f"<{k}>" for k in kpi.keys)])
        return f"'{head}' is given as {shape}: name each level (or * for every one)"
    for part, kind in zip(parts[1:], kpi.keys, strict=True):
        if part == "*":
            continue
        choices = _choices(kind, head, ids, policy_kinds, parts)
        if choices is not None and part not in choices:
            shown = ", ".join(sorted(choices)[:12]) + (", ..." if len(choices) > 12 else "")
            return f"no {kind.replace('_', ' ')} '{part}' in this scenario" + did_you_mean(part, choices) + f" (known: {shown or 'none'})"
    return None


def scenario_ids(scenarios: list[Any]) -> tuple[dict[str, set[str]], dict[str, dict[str, tuple[str, str]]], str]:
    """The ids a KPI name may use, over the base scenario and each variant the sweep makes of it."""
    ids: dict[str, set[str]] = {k: set() for k in ("region", "material", "end_use", "stage", "market", "facility", "site")}
    policies: dict[str, dict[str, tuple[str, str]]] = {}
    for sc in scenarios:
        ids["region"] |= set(sc.regions)
        ids["material"] |= set(sc.materials)
        ids["end_use"] |= {d.end_use for d in sc.demand.values()}
        ids["stage"] |= set(KPI_STAGES) | {f.stage for f in sc.facilities.values()}
        ids["market"] |= set(sc.markets)
        ids["site"] |= set(sc.sites)
        ids["facility"] |= set(sc.facilities) | {pid for pid, p in sc.policies.items() if getattr(p, "facility", None) is not None}
        for pid, p in sc.policies.items():
            policies.setdefault(pid, {}).update(type(p).KPIS)
    return ids, policies, scenarios[0].meta.focus_region


def _choices(kind: str, head: str, ids: dict[str, set[str]], policy_kinds: dict[str, dict[str, tuple[str, str]]],
             parts: list[str]) -> set[str] | None:
    if kind == "statistic":
        return set(STATISTICS["price" if head.startswith("price") else "margin"])
    if kind == "policy":
        return set(policy_kinds)
    if kind == "policy_kpi":
        policy = parts[1]
        if policy == "*":
            return {k for kpis in policy_kinds.values() for k in kpis}
        return set(policy_kinds.get(policy, {}))
    return ids.get(kind)


def _policy_hint(head: str, policy_kinds: dict[str, dict[str, tuple[str, str]]]) -> str:
    """A run total like 'stockpile_released_t' is a policy's KPI under policies.<id>."""
    for pid, kpis in policy_kinds.items():
        for name in kpis:
            if head.endswith(name) or name.endswith(head):
                return f", did you mean 'policies.{pid}.{name}'?"
    return ""


def markdown(policy_kinds: dict[str, dict[str, tuple[str, str]]]) -> str:
    """docs/kpis.md: every KPI with its keys, unit and definition; policies' KPIs by kind."""
    lines = [
        "# KPIs",
        "",
        "Generated from `sim/results/kpi_registry.py` by `reesim schema --kpis docs/kpis.md`; a test keeps it current.",
        "",
        "Each run's `kpis.json` holds these. A name with keys is a table: `fill_rate_by_region_material.usa.ndfeb_magnet`",
        "is the US fill rate of Dy/Tb-bearing magnets. In a sweep file, `kpis:` names them this way, with `*`",
        "for every key of one level (`fill_rate_by_region_material.*.ndfeb_magnet`). `{focus}` is the scenario's",
        "`meta.focus_region` (china unless set).",
        "",
        "| KPI | keyed by | unit | definition |",
        "|---|---|---|---|",
    ]
    for k in KPIS:
        keys = " x ".join(k.keys) or "-"
        lines.append(f"| `{k.name}` | {keys} | {k.unit} | {k.definition} |")
    for name, meaning in TEXT_KPIS.items():
        lines.append(f"| `{name}` | - | text | {meaning} |")
    lines += ["", "Statistics: prices give " + ", ".join(STATISTICS["price"]) + "; margins " + ", ".join(STATISTICS["margin"]) + ".",
              "", "## Policies' own KPIs (`policies.<policy id>.<kpi>`)", "", "| policy kind | KPI | unit | definition |", "|---|---|---|---|"]
    for kind, kpis in sorted(policy_kinds.items()):
        for name, (unit, meaning) in kpis.items():
            lines.append(f"| `{kind}` | `{name}` | {unit} | {meaning} |")
    return "\n".join(lines) + "\n"
