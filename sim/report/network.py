"""`reesim explain`: a scenario's network in words and as a diagram laid out from mine to end use.

Reads only the validated Scenario (no run needed). Plants that ``capacity_addition`` policies add
are shown as planned (dashed until built), expansions next to the plant they expand, and each
chain's bottleneck (see `bottlenecks`) is named in the text and ringed in the diagram."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..atomic import atomic_path
from ..policies.capacity_addition import CapacityAddition
from ..policies.export_control import ExportControl, controlled_materials
from ..scenario.components import STAGES, Facility
from ..scenario.content import material_content
from ..scenario.schema import Scenario
from .style import UNKNOWN, region_colours

COLUMNS = {"mining": 0, "collection": 0, "utility": 0, "processing": 1, "separation": 2, "recycling": 2,
           "metal": 3, "alloy": 4, "magnet": 5, "end use": 6}
"""Where each stage stands in the diagram, from mine (left) to end use (right); recycling makes
oxides again, so it stands with separation."""
TICKS = ("mining", "processing", "separation\n(recycling)", "metal", "alloy", "magnet", "end use")
"""The labels of the diagram's whole columns."""
STAGE_OF_COLUMN = ("mining", "processing", "separation", "metal", "alloy", "magnet", "end use")
"""A column's name in the text (the bottleneck's stage)."""
END_USE = COLUMNS["end use"]
BOTTLENECK_COLOUR = "#C00000"
PLANNED_EDGE = "#666666"


# -- what policies add ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Addition:
    """Capacity a ``capacity_addition`` policy adds: a new plant (its node is the policy id) or an
    expansion (its node is the plant it expands, followed through expansions of expansions)."""

    policy: str
    node: str
    spec: Facility
    """The plant as the engine builds it; for an expansion, the expanded recipe with the added capacity."""
    announced: dt.date
    on_trigger: bool

    @property
    def new(self) -> bool:
        return self.node == self.policy

    def when(self) -> str:
        """When it is announced, or that it waits for its condition."""
        return f"on a trigger (from {self.announced})" if self.on_trigger else f"announced {self.announced}"


def additions(sc: Scenario) -> list[Addition]:
    """The plants and expansions the scenario's ``capacity_addition`` policies add, in file order."""
    specs: dict[str, Facility] = dict(sc.facilities)
    root = {fid: fid for fid in sc.facilities}
    out = []
    for pid, p in sc.policies.items():
        if not isinstance(p, CapacityAddition):
            continue
        if p.facility is not None:
            spec, node = p.facility, pid
        elif p.expands in specs and p.capacity is not None:
            base, cap = specs[p.expands], p.capacity
            if "basis" not in cap.model_fields_set:  # as the engine does: the expanded plant's basis
                cap = cap.model_copy(update={"basis": base.capacity.basis})
            spec, node = base.model_copy(update={"capacity": cap}), root[p.expands]
        else:
            continue  # validation names an unknown plant; nothing to draw
        specs[pid], root[pid] = spec, node
        out.append(Addition(pid, node, spec, p.announced, p.when is not None))
    return out


def plants(sc: Scenario, planned: bool = False) -> dict[str, Facility]:
    """The scenario's plants; with ``planned``, also every plant and expansion policies add
    (an expansion is a plant of its own beside the one it expands, as in the engine)."""
    out = dict(sc.facilities)
    if planned:
        out.update({a.policy: a.spec for a in additions(sc)})
    return out


# -- the bottleneck ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bottleneck:
    """The tightest stage of the chain that makes one demanded material."""

    product: str
    stage: str
    capacity: float
    """t/day of the product the stage can pass on (its plants' product-equivalent capacity)."""
    demand: float
    plants: tuple[str, ...]
    stages: dict[str, float] = field(default_factory=dict)
    """Every stage of the chain with its capacity, in t/day of the product."""
    column: int = 0
    """The diagram column the stage stands in."""

    def text(self) -> str:
        who = f"{self.plants[0]} ({self.stage})" if len(self.plants) == 1 else f"{self.stage} ({len(self.plants)} plants)"
        return (f"{who}: {_t(self.capacity)} t/day of {self.product} "
                f"against {_t(self.demand)} t/day demanded")


def main_outputs(sc: Scenario, f: Facility) -> dict[str, float]:
    """Tonnes of what counts as a plant's production per unit of activity, after yield: every
    co-product of a separation, else the first output (a magnet plant's scrap is a by-product)."""
    r = f.recipe
    if r.products:
        ore_body = sc.materials[next(iter(r.inputs))].ore_body
        split = sc.ore_bodies[ore_body].split(r.products, sc.materials) if ore_body in sc.ore_bodies else {}
        return {m: c * f.yield_ for m, c in split.items()}
    first = next(iter(r.outputs))
    return {first: r.outputs[first] * f.yield_}


def activity(sc: Scenario, f: Facility) -> float:
    """Units of recipe activity a day at full capacity (capacity over its basis, as the engine has it)."""
    per = next(iter(f.recipe.inputs.values())) if f.capacity.basis == "input" and f.recipe.inputs else \
        sum(main_outputs(sc, f).values())
    return f.capacity.per_day() / per if per > 0 else 0.0


def product_factors(sc: Scenario, fs: Mapping[str, Facility], product: str) -> dict[str, float]:
    """Tonnes of ``product`` each tonne of a material can become, following every recipe's first
    input (its main feed) and taking the best recipe where several use a material."""
    k = {product: 1.0}
    for _ in range(len(fs) + 1):  # a longest chain is at most one step per plant
        changed = False
        for f in fs.values():
            if not f.recipe.inputs:
                continue
            feed, per = next(iter(f.recipe.inputs.items()))
            value = sum(t * k.get(m, 0.0) for m, t in main_outputs(sc, f).items()) / per
            if feed != product and value > k.get(feed, 0.0) * (1 + 1e-9):
                k[feed], changed = value, True
        if not changed:
            break
    return k


Tier = tuple[int, int]
"""A step of a chain: its column, and how many plants of the same column feed it one after the
other (a kiln calcining a cracking plant's carbonate is step 2 of processing)."""


def _column(f: Facility) -> int:
    return int(COLUMNS.get(f.stage, 1))


def tier_name(tier: Tier) -> str:
    col, step = tier
    return STAGE_OF_COLUMN[col] + (f" step {step + 1}" if step else "")


@dataclass(frozen=True)
class Chain:
    """The plants that make one product, each with its tier and product-equivalent capacity."""

    product: str
    equivalent: dict[str, float]
    """t/day of the product each plant on the chain can become (`product_factors`)."""
    tier: dict[str, Tier]
    reach: dict[str, Tier]
    """The furthest tier each plant's production goes to (end use for the product itself)."""


def _made_by(sc: Scenario, fs: Mapping[str, Facility], k: dict[str, float], fids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for fid in fids:
        for m in main_outputs(sc, fs[fid]):
            if k.get(m, 0.0) > 0:
                out.setdefault(m, []).append(fid)
    return out


def _tiers(fs: Mapping[str, Facility], makers: dict[str, list[str]], fids: list[str]) -> dict[str, Tier]:
    """Each plant's tier: its column, and one more step than a plant of that column feeding it."""
    steps: dict[str, int] = {}

    def step(fid: str, seen: frozenset[str]) -> int:
        if fid not in steps:
            f = fs[fid]
            feed = next(iter(f.recipe.inputs), None)
            same = [g for g in makers.get(feed, []) if g not in seen and _column(fs[g]) == _column(f)] if feed else []
            steps[fid] = max((step(g, seen | {fid}) + 1 for g in same), default=0)
        return steps[fid]

    return {fid: (_column(fs[fid]), step(fid, frozenset())) for fid in fids}


def chain(sc: Scenario, fs: Mapping[str, Facility], product: str) -> Chain:
    """The chain that makes ``product`` out of the plants ``fs``."""
    k = product_factors(sc, fs, product)
    equivalent = {fid: activity(sc, f) * sum(t * k.get(m, 0.0) for m, t in main_outputs(sc, f).items())
                  for fid, f in fs.items()}
    on = [fid for fid, e in equivalent.items() if e > 0]
    makers = _made_by(sc, fs, k, on)
    tier = _tiers(fs, makers, on)
    users: dict[str, list[Tier]] = {product: [(END_USE, 0)]}
    for fid in on:
        feed = next(iter(fs[fid].recipe.inputs), None)
        if feed in makers:
            users.setdefault(feed, []).append(tier[fid])
    reach = {fid: max((t for m in main_outputs(sc, fs[fid]) for t in users.get(m, [])), default=tier[fid]) for fid in on}
    return Chain(product, {fid: equivalent[fid] for fid in on}, tier, reach)


def chain_capacities(ch: Chain) -> tuple[dict[Tier, float], dict[Tier, list[str]]]:
    """Each tier's capacity in t/day of the product, and its plants.

    A tier passes on what its own plants can make plus what plants upstream send past it (mines
    feeding a separation directly pass the processing column): a cut across the chain there."""
    members: dict[Tier, list[str]] = {}
    for fid, t in ch.tier.items():
        members.setdefault(t, []).append(fid)
    capacity = {}
    for t in sorted(members):
        passing = sum(e for fid, e in ch.equivalent.items() if ch.tier[fid] < t < ch.reach[fid])
        capacity[t] = sum(ch.equivalent[fid] for fid in members[t]) + passing
    return capacity, members


def bottlenecks(sc: Scenario, planned: bool = False) -> list[Bottleneck]:
    """Each demanded material's bottleneck, the tightest (least capacity for its demand) first.

    The chain of a product runs from mine to end use by stage (`COLUMNS`; plants of one column
    feeding one another are steps of it), following each recipe's main feed (its first input; a
    Dy or Tb metal added to an alloy is not followed). Every plant's capacity is converted to
    tonnes of the product through the recipes downstream (input and output ratios, yield, a
    separation's ore-body split); a stage's capacity is the sum over its plants, plus what upstream
    plants send past it. The stage with the least is the bottleneck: no more of the product can be
    made a day, whatever the other stages do. Geography, lanes, stocks, outages and ramp-ups are
    left out, and chains sharing plants (co-products, two magnet grades) are each given the plants
    whole. With ``planned``, plants and expansions policies add count too."""
    fs = plants(sc, planned)
    demand: dict[str, float] = {}
    for d in sc.demand.values():
        demand[d.material] = demand.get(d.material, 0.0) + d.t_per_day
    out = []
    for product, wanted in demand.items():
        capacity, members = chain_capacities(chain(sc, fs, product))
        if not capacity:
            continue  # served from stocks only
        tier = min(capacity, key=lambda t: (capacity[t], t))
        out.append(Bottleneck(product, tier_name(tier), capacity[tier], wanted, tuple(sorted(members[tier])),
                              {tier_name(t): v for t, v in capacity.items()}, tier[0]))
    return sorted(out, key=lambda b: (b.capacity / b.demand if b.demand > 0 else float("inf"), b.product))


# -- in words ------------------------------------------------------------------------------------


def _t(x: float) -> str:
    """A tonnage to read, not to audit: whole tonnes, a decimal below ten."""
    return f"{x:,.1f}" if abs(x) < 10 else f"{x:,.0f}"


def _facility_line(fid: str, f: Facility, region: str) -> str:
    recipe = f.recipe
    ins = " + ".join(recipe.inputs) or "-"
    outs = " + ".join(recipe.products or tuple(recipe.outputs))
    extra = []
    if f.commissioning is not None:
        extra.append(f"from {f.commissioning.date}")
    if f.outages is not None:
        extra.append(f"MTBF {f.outages.mtbf_days:g} d, MTTR {f.outages.mttr_days:g} d")
    return (f"    {fid:<32} {region:<10} {f.capacity.per_day():>10,.1f} t/day ({f.capacity.basis})  "
            f"{ins} -> {outs}" + (f"  [{'; '.join(extra)}]" if extra else ""))


def _additions_lines(sc: Scenario) -> list[str]:
    adds = additions(sc)
    if not adds:
        return []
    region_of = {s: site.region for s, site in sc.sites.items()}
    lines = ["", "Planned by policies (dashed in the diagram until built):"]
    for a in adds:
        cap = f"{a.spec.capacity.per_day():,.1f} t/day ({a.spec.capacity.basis})"
        if a.new:
            lines.append(f"  {a.policy:<34} new {a.spec.stage} plant, {region_of.get(a.spec.site, '?')}, {cap}, {a.when()}")
        else:
            lines.append(f"  {a.policy:<34} expands {a.node} by +{cap}, {a.when()}")
    return lines


def _bottleneck_lines(sc: Scenario) -> list[str]:
    now = bottlenecks(sc)
    if not now:
        return []
    lines = ["", f"Bottleneck: {now[0].text()}", "  the tightest stage of each demanded material's chain, in t/day of it (every plant at full capacity):"]
    lines += [f"    {b.product:<24} {b.text()}" for b in now]
    if additions(sc):
        later = bottlenecks(sc, planned=True)
        lines.append("  once every plant the policies add is built:")
        lines += [f"    {b.product:<24} {b.text()}" for b in later]
    return lines


def describe(sc: Scenario) -> str:
    """The network in words: regions and sites, facilities with capacities, plants policies add,
    links with lead times, demand, policies and the bottleneck of each chain."""
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
        lines += [_facility_line(fid, f, region_of[f.site]) for fid, f in sc.facilities.items() if f.stage == stage]
    lines += _additions_lines(sc)
    lines += ["", "Links (mean lead time):"]
    for lid, lk in sc.links.items():
        cap = f", <= {lk.capacity_t_per_day:g} t/day" if lk.capacity_t_per_day else ""
        lines.append(f"  {lid:<34} {lk.from_} -> {lk.to} ({region_of[lk.from_]} -> {region_of[lk.to]}), {lk.mode}, "
                     f"{lk.lead_time_days.mean():g} days{cap}: {', '.join(lk.materials)}")
    if sc.demand:
        lines += ["", "Demand (t/day):"]
        for did, d in sc.demand.items():
            lines.append(f"  {did:<34} {region_of[d.site]:<10} {d.material:<16} {d.end_use:<20} {d.t_per_day:>8,.2f}")
    if sc.policies:
        lines += ["", "Policies:"]
        for pid, p in sc.policies.items():
            when = getattr(p, "start", None) or getattr(p, "announced", None) or ("on a trigger" if getattr(p, "when", None) else "from the start")
            lines.append(f"  {pid:<34} {p.kind:<18} {when}")
            if isinstance(p, ExportControl):
                lines += [f"    covers {line}" for line in _covered(sc, p)]
    lines += _bottleneck_lines(sc)
    return "\n".join(lines)


def _covered(sc: Scenario, p: ExportControl) -> list[str]:
    """The materials an export control covers, each with its content of the named elements."""
    held = material_content(sc)
    out = []
    for m in sorted(controlled_materials(sc, p)):
        shares = [f"{el} {c:.2%}" if c is not None else f"{el} (amount not known)"
                  for el, c in sorted(held.get(m, {}).items()) if el in p.elements and (c is None or c > 0)]
        out.append(f"{m:<24} {', '.join(shares) if shares else '(named)'}")
    return out or ["nothing: no material holds the named elements at the threshold"]


# -- the diagram ---------------------------------------------------------------------------------


def end_use_node(sc: Scenario, did: str) -> str:
    d = sc.demand[did]
    return f"demand:{d.end_use}@{sc.sites[d.site].region}"


def edges(sc: Scenario, fs: Mapping[str, Facility] | None = None) -> list[tuple[str, str, str]]:
    """(from node, to node, material): a facility's output to the plants or buyers that use it,
    at its own site or one lane away (``fs``: the plants to connect, the scenario's by default)."""
    fs = sc.facilities if fs is None else fs
    reach: dict[tuple[str, str], set[str]] = {}
    for lk in sc.links.values():
        for m in lk.materials:
            reach.setdefault((lk.from_, m), set()).add(lk.to)
    users: dict[tuple[str, str], list[str]] = {}
    for fid, f in fs.items():
        for m in f.recipe.inputs:
            users.setdefault((f.site, m), []).append(fid)
    for did, d in sc.demand.items():
        users.setdefault((d.site, d.material), []).append(end_use_node(sc, did))
    out = set()
    for fid, f in fs.items():
        for m in f.recipe.products or tuple(f.recipe.outputs):
            for site in {f.site} | reach.get((f.site, m), set()):
                for user in users.get((site, m), []):
                    if user != fid:
                        out.add((fid, user, m))
    return sorted(out)


LINE = 1.3
"""Height of one label line, in font sizes (matplotlib sets lines 1.2 apart; the rest is air)."""
GAP = 0.7
"""Empty lines between two nodes' labels in a column."""
MIN_LINES = 24.0
"""Height of the shortest diagram, in lines (a one-plant lesson still gets a readable page)."""
NAME_CHARS = 26
"""Longest name a label shows; longer ids are cut (the text output has them whole)."""
CHAR_WIDTH = 0.56
"""Width of a character, in font sizes (an upper estimate for the default sans-serif)."""


@dataclass(frozen=True)
class Node:
    """One dot of the diagram: a plant, a planned plant or an end use, with its label."""

    id: str
    label: str
    x: float
    y: float
    """Centre of the node and its label, in lines (`Layout.line_in` inches each) from the bottom."""
    region: str
    style: Literal["plant", "planned", "end use"]
    bottleneck: bool = False

    @property
    def lines(self) -> int:
        return self.label.count("\n") + 1

    @property
    def height(self) -> float:
        """The label's height, in the layout's y units (lines)."""
        return float(self.lines)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    material: str
    planned: bool
    """Touches a planned plant: dashed until built."""


@dataclass(frozen=True)
class Layout:
    """Everything `draw` puts on the figure, in inches and in lines, so it can be checked unseen."""

    title: str
    nodes: list[Node]
    edges: list[Edge]
    fontsize: float
    line_in: float
    """Inches a y unit (one label line) takes on the figure."""
    column_in: float
    """Inches between two columns."""
    top: float
    """Height of the tallest column, in lines."""
    colours: dict[str, str]
    bottleneck: Bottleneck | None = None
    """The tightest chain's bottleneck (`bottlenecks`), whose plants are ringed."""

    def node(self, nid: str) -> Node:
        return next(n for n in self.nodes if n.id == nid)

    def column(self, x: float) -> list[Node]:
        """The nodes of one column, top to bottom."""
        return sorted((n for n in self.nodes if n.x == x), key=lambda n: -n.y)


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _plant_label(name: str, f: Facility, extra: list[str]) -> str:
    feed = " of feed" if f.capacity.basis == "input" and f.recipe.inputs else ""
    return "\n".join([_short(name), f"{_t(f.capacity.per_day())} t/day{feed}", *extra])


def _expansion_notes(sc: Scenario) -> dict[str, list[str]]:
    """For each plant, a line per expansion policies make to it: '+X t/day announced ...'."""
    notes: dict[str, list[str]] = {}
    for a in additions(sc):
        if not a.new:
            when = "on a trigger" if a.on_trigger else f"announced {a.announced:%Y-%m}"
            notes.setdefault(a.node, []).append(f"+{_t(a.spec.capacity.per_day())} t/day {when}")
    return notes


def _raw_nodes(sc: Scenario, marked: set[str], note: str) -> list[Node]:
    """Every node with its label and column, before it is placed in its column (y = 0)."""
    region_of = {s: site.region for s, site in sc.sites.items()}
    notes = _expansion_notes(sc)
    # one plant names the chain's limit; a whole stage says so once, in the title and column name
    tag = [f"bottleneck: {note}" if len(marked) == 1 else "bottleneck stage"] if marked else []
    out = []
    for fid, f in sc.facilities.items():
        extra = notes.get(fid, []) + (tag if fid in marked else [])
        out.append(Node(fid, _plant_label(fid, f, extra), COLUMNS.get(f.stage, 1), 0.0, region_of[f.site], "plant", fid in marked))
    for a in additions(sc):
        if a.new:
            when = "planned, on a trigger" if a.on_trigger else f"planned, announced {a.announced}"
            extra = [when, *notes.get(a.policy, [])]
            out.append(Node(a.policy, _plant_label(a.policy, a.spec, extra), COLUMNS.get(a.spec.stage, 1), 0.0,
                            region_of.get(a.spec.site, ""), "planned"))
    wanted: dict[str, float] = {}
    for did, d in sc.demand.items():
        nid = end_use_node(sc, did)
        wanted[nid] = wanted.get(nid, 0.0) + d.t_per_day
    for nid, t in wanted.items():
        end_use, region = nid.removeprefix("demand:").rsplit("@", 1)
        out.append(Node(nid, f"{_short(end_use)} @ {region}\n{_t(t)} t/day demanded", END_USE, 0.0, region, "end use"))
    return out


def _place(nodes: list[Node]) -> tuple[list[Node], float]:
    """Stack each column top down, a label's height plus `GAP` apart, spread over the tallest column."""
    columns: dict[float, list[Node]] = {}
    for n in sorted(nodes, key=lambda n: (n.region, n.style == "planned", n.id)):
        columns.setdefault(n.x, []).append(n)
    need = {x: sum(n.height + GAP for n in col) for x, col in columns.items()}
    top = max(max(need.values(), default=1.0), MIN_LINES)
    placed = []
    for x, col in columns.items():
        spare = (top - need[x]) / len(col)  # a short column spreads out rather than bunching at the top
        y = top
        for n in col:
            slot = n.height + GAP + spare
            placed.append(Node(n.id, n.label, n.x, y - slot / 2, n.region, n.style, n.bottleneck))
            y -= slot
    return placed, top


def layout(sc: Scenario) -> Layout:
    """Where `draw` puts every node and edge, and how large: a label line is `LINE` font sizes
    high, so labels in a column never overlap, and the figure grows with the tallest column."""
    worst = bottlenecks(sc)
    first = worst[0] if worst else None
    marked = set(first.plants) if first else set()
    note = f"{_t(first.capacity)} t/day of {first.product}" if first else ""
    raw = _raw_nodes(sc, marked, note)
    placed, top = _place(raw)
    fontsize = 9.0 if top <= 80 else 8.0  # the largest worlds: a smaller font keeps the page printable
    widest = max((len(line) for n in placed for line in n.label.split("\n")), default=10)
    column_in = max(1.5, widest * CHAR_WIDTH * fontsize / 72 + 0.45)
    planned = {n.id for n in placed if n.style == "planned"}
    fs = plants(sc) | {a.policy: a.spec for a in additions(sc) if a.new}
    lines = [Edge(a, b, m, a in planned or b in planned) for a, b, m in edges(sc, fs)]
    title = f"{sc.meta.name}: the network from mine to end use"
    if first:
        title += f"\nbottleneck: {first.text()}"
    return Layout(title, placed, lines, fontsize, fontsize * LINE / 72, column_in, top, region_colours(sorted(sc.regions)), first)


LEFT_IN, RIGHT_IN, TOP_IN, BOTTOM_IN = 0.3, 0.2, 1.3, 0.7
"""Margins of the diagram, in inches (title and legend above, column names below)."""


def _figure(lay: Layout) -> tuple[Figure, Axes]:
    """A figure sized so a column is `Layout.column_in` wide and a line `Layout.line_in` high."""
    span = END_USE + 1.0 + 0.3  # columns, the last column's labels, and room left of the first
    width = LEFT_IN + span * lay.column_in + RIGHT_IN
    height = BOTTOM_IN + (lay.top + 1) * lay.line_in + TOP_IN
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((LEFT_IN / width, BOTTOM_IN / height, span * lay.column_in / width, (lay.top + 1) * lay.line_in / height))
    ax.set_xlim(-0.3, END_USE + 1.0)
    ax.set_ylim(-0.5, lay.top + 0.5)
    return fig, ax


def _draw_edges(ax: Axes, lay: Layout) -> None:
    pos = {n.id: (n.x, n.y) for n in lay.nodes}
    for e in lay.edges:
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        style = {"color": PLANNED_EDGE, "ls": "--", "alpha": 0.8} if e.planned else {"color": "#999999", "alpha": 0.55}
        ax.annotate("", (x1 - 0.03, y1), (x0 + 0.03, y0), arrowprops={"arrowstyle": "->", "lw": 0.6, "shrinkA": 3, "shrinkB": 3, **style})


def _draw_nodes(ax: Axes, lay: Layout) -> None:
    dx = 0.12 / lay.column_in  # labels start a little right of the dot
    for n in lay.nodes:
        colour = lay.colours.get(n.region, UNKNOWN)
        if n.style == "planned":
            ax.scatter([n.x], [n.y], s=60, facecolors="white", edgecolors=colour, linewidths=1.5, linestyles="--", zorder=3)
        else:
            ax.scatter([n.x], [n.y], s=45, color=colour, zorder=3, edgecolors="black", linewidths=0.4)
        if n.bottleneck:
            ax.scatter([n.x], [n.y], s=220, facecolors="none", edgecolors=BOTTLENECK_COLOUR, linewidths=2, zorder=4)
        ax.text(n.x + dx, n.y, n.label, fontsize=lay.fontsize, va="center", linespacing=1.2,
                color=BOTTLENECK_COLOUR if n.bottleneck else "#222222", style="italic" if n.style == "planned" else "normal",
                fontweight="bold" if n.bottleneck else "normal",
                bbox={"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 0.3})  # edges pass under labels


def _legend(fig: Figure, lay: Layout) -> None:
    handles = [Line2D([], [], marker="o", ls="", color=c, label=r) for r, c in lay.colours.items()]
    if any(n.style == "planned" for n in lay.nodes):
        handles.append(Line2D([], [], marker="o", ls="--", color=PLANNED_EDGE, mfc="white", label="planned (dashed until built)"))
    if any(n.bottleneck for n in lay.nodes):
        handles.append(Line2D([], [], marker="o", ls="", mfc="none", mec=BOTTLENECK_COLOUR, mew=2, ms=11, label="bottleneck"))
    height = fig.get_size_inches()[1]
    fig.legend(handles=handles, fontsize=lay.fontsize, loc="upper left", ncol=min(len(handles), 8), frameon=False,
               bbox_to_anchor=(LEFT_IN / fig.get_size_inches()[0], 1 - 0.62 / height))


def figure(lay: Layout) -> Figure:
    """The diagram of a `layout`: columns from mine to end use, nodes coloured by region and
    labelled with capacity or demand, planned plants dashed, the bottleneck ringed in red."""
    fig, ax = _figure(lay)
    _draw_edges(ax, lay)
    _draw_nodes(ax, lay)
    ax.set_xticks(range(len(TICKS)), TICKS, fontsize=lay.fontsize + 1)
    if lay.bottleneck is not None:
        tick = ax.get_xticklabels()[lay.bottleneck.column]
        tick.set_color(BOTTLENECK_COLOUR)
        tick.set_fontweight("bold")
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    height = fig.get_size_inches()[1]
    fig.text(LEFT_IN / fig.get_size_inches()[0], 1 - 0.12 / height, lay.title, fontsize=12, va="top")
    _legend(fig, lay)
    return fig


def draw(sc: Scenario, path: Path) -> Path:
    """Write the network's diagram (`figure` of `layout`) to ``path``, in the format its suffix names."""
    fig = figure(layout(sc))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=Path(path).suffix.lstrip(".") or "png", dpi=110)
    return path
