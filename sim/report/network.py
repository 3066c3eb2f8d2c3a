"""`reesim explain`: a scenario's network in words and as a diagram laid out from mine to end use.

Reads only the validated Scenario (no run needed)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..atomic import atomic_path
from ..scenario.components import STAGES
from ..scenario.schema import Scenario
from .figures import tight_layout
from .style import UNKNOWN, region_colours

COLUMNS = {"mining": 0, "collection": 0, "utility": 0, "processing": 1, "separation": 2, "recycling": 2.5,
           "metal": 3, "alloy": 4, "magnet": 5, "end use": 6}
"""Where each stage stands in the diagram, from mine (left) to end use (right)."""
TICKS = ("mining", "processing", "separation\n(recycling)", "metal", "alloy", "magnet", "end use")
"""The labels of the diagram's whole columns."""


def _mean(dist) -> float:
    return dist.mean()


def describe(sc: Scenario) -> str:
    """The network in words: regions and sites, facilities with capacities, links with lead times, policies."""
    region_of = {s: site.region for s, site in sc.sites.items()}
    lines = [f"{sc.meta.name}: {sc.meta.description}".rstrip(": "), ""]
    if sc.meta.question:
        lines += [f"Question: {sc.meta.question}", ""]
    lines.append(f"{len(sc.regions)} regions, {len(sc.sites)} sites, {len(sc.facilities)} facilities, "
                 f"{len(sc.links)} links, {len(sc.demand)} demands, {len(sc.policies)} policies; "
                 f"{sc.meta.start_date} + {sc.meta.horizon_days} days")
    lines += ["", "Facilities (capacity in t/day of the recipe's first input or output):"]
    for stage in [s for s in STAGES if any(f.stage == s for f in sc.facilities.values())]:
        lines.append(f"  {stage}")
        for fid, f in sc.facilities.items():
            if f.stage != stage:
                continue
            recipe = f.recipe
            ins = " + ".join(recipe.inputs) or "-"
            outs = " + ".join(recipe.products or tuple(recipe.outputs))
            extra = []
            if f.commissioning is not None:
                extra.append(f"from {f.commissioning.date}")
            if f.outages is not None:
                extra.append(f"MTBF {f.outages.mtbf_days:g} d, MTTR {f.outages.mttr_days:g} d")
            lines.append(f"    {fid:<32} {region_of[f.site]:<10} {f.capacity.per_day():>10,.1f} t/day ({f.capacity.basis})  "
                         f"{ins} -> {outs}" + (f"  [{'; '.join(extra)}]" if extra else ""))
    lines += ["", "Links (mean lead time):"]
    for lid, lk in sc.links.items():
        cap = f", <= {lk.capacity_t_per_day:g} t/day" if lk.capacity_t_per_day else ""
        lines.append(f"  {lid:<34} {lk.from_} -> {lk.to} ({region_of[lk.from_]} -> {region_of[lk.to]}), {lk.mode}, "
                     f"{_mean(lk.lead_time_days):g} days{cap}: {', '.join(lk.materials)}")
    if sc.demand:
        lines += ["", "Demand (t/day):"]
        for did, d in sc.demand.items():
            lines.append(f"  {did:<34} {region_of[d.site]:<10} {d.material:<16} {d.end_use:<20} {d.t_per_day:>8,.2f}")
    if sc.policies:
        lines += ["", "Policies:"]
        for pid, p in sc.policies.items():
            when = getattr(p, "start", None) or getattr(p, "announced", None) or ("on a trigger" if getattr(p, "when", None) else "from the start")
            lines.append(f"  {pid:<34} {p.kind:<18} {when}")
    return "\n".join(lines)


def edges(sc: Scenario) -> list[tuple[str, str, str]]:
    """(from node, to node, material): a facility's output to the plants or buyers that use it,
    at its own site or one lane away."""
    reach: dict[tuple[str, str], set[str]] = {}
    for lk in sc.links.values():
        for m in lk.materials:
            reach.setdefault((lk.from_, m), set()).add(lk.to)
    users: dict[tuple[str, str], list[str]] = {}
    for fid, f in sc.facilities.items():
        for m in f.recipe.inputs:
            users.setdefault((f.site, m), []).append(fid)
    for d in sc.demand.values():
        users.setdefault((d.site, d.material), []).append(f"demand:{d.end_use}@{sc.sites[d.site].region}")
    out = set()
    for fid, f in sc.facilities.items():
        for m in f.recipe.products or tuple(f.recipe.outputs):
            for site in {f.site} | reach.get((f.site, m), set()):
                for user in users.get((site, m), []):
                    if user != fid:
                        out.add((fid, user, m))
    return sorted(out)


def draw(sc: Scenario, path: Path) -> Path:
    """The network as a diagram: columns from mine to end use, nodes coloured by region."""
    region_of = {s: site.region for s, site in sc.sites.items()}
    nodes: dict[str, tuple[float, str]] = {fid: (COLUMNS.get(f.stage, 1.5), region_of[f.site]) for fid, f in sc.facilities.items()}
    for d in sc.demand.values():
        nodes[f"demand:{d.end_use}@{region_of[d.site]}"] = (COLUMNS["end use"], region_of[d.site])
    by_column: dict[float, list[str]] = {}
    for node, (x, _region) in sorted(nodes.items(), key=lambda kv: (kv[1][1], kv[0])):
        by_column.setdefault(x, []).append(node)
    pos = {}
    tallest = max((len(v) for v in by_column.values()), default=1)
    for x, column in by_column.items():
        for i, node in enumerate(column):
            pos[node] = (x, (i + 0.5) / len(column) * tallest)
    colours = region_colours(sorted(sc.regions))
    fig = Figure(figsize=(14, max(6, 0.28 * tallest + 2)))
    ax = fig.subplots()
    for a, b, _m in edges(sc):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        ax.annotate("", (x1 - 0.04, y1), (x0 + 0.04, y0), arrowprops={"arrowstyle": "->", "color": "#999999", "lw": 0.6, "alpha": 0.6})
    for node, (x, y) in pos.items():
        region = nodes[node][1]
        ax.scatter([x], [y], s=40, color=colours.get(region, UNKNOWN), zorder=3, edgecolors="black", linewidths=0.4)
        ax.text(x + 0.06, y, node, fontsize=6, va="center")
    ax.set_xticks(range(len(TICKS)), TICKS)
    ax.set_yticks([])
    ax.set_xlim(-0.3, 7.2)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles = [Line2D([], [], marker="o", ls="", color=c, label=r) for r, c in colours.items()]
    ax.legend(handles=handles, fontsize=7, loc="upper right", ncol=2)
    ax.set_title(f"{sc.meta.name}: the network from mine to end use", fontsize=12, loc="left")
    tight_layout(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    return path
