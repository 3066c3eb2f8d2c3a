"""Rules at borders: export bans, quotas released in batches, licences with a processing delay and
an approval probability, closed lanes, and tariffs."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ...scenario.policies import ExportControl, Outage, Tariff
from ..sampling import Sampler, sampler

if TYPE_CHECKING:
    from ..link import Link
    from ..world import World


class BorderRule:
    """A rule on some materials of some links; inactive until its policy switches it on."""

    def __init__(self, pid: str, mode: str, materials: set[str] | None):
        self.id = pid
        self.mode = mode  # ban, quota or licence
        self.materials = materials  # None: every material
        self.active = False
        self.links: list[Link] = []
        self.pool = 0.0  # quota tonnes left
        self.delay: Sampler | None = None
        self.approval: list[tuple[float, float]] = []  # (from day, probability)
        self.uniform: Sampler | None = None
        self.approved_t = 0.0
        self.denied_t = 0.0

    def covers(self, material: str) -> bool:
        return self.active and (self.materials is None or material in self.materials)

    def allow(self, material: str, amount: float) -> float:
        """How much of ``amount`` may leave now."""
        if not self.covers(material):
            return amount
        if self.mode == "ban":
            return 0.0
        if self.mode == "quota":
            return min(amount, self.pool)
        return amount

    def shipped(self, material: str, amount: float) -> None:
        if self.covers(material) and self.mode == "quota":
            self.pool = max(self.pool - amount, 0.0)

    def needs_licence(self, material: str) -> bool:
        return self.covers(material) and self.mode == "licence"

    def decide(self, now: float) -> bool:
        """Draw a licence decision with the approval probability in force at ``now``."""
        p = 0.0
        for day, prob in self.approval:
            if now + 1e-9 >= day:
                p = prob
        assert self.uniform is not None
        return self.uniform() < p

    def switch(self, active: bool) -> None:
        self.active = active
        for link in self.links:
            link.poke()

    def refill(self, amount: float, reset: bool) -> None:
        self.pool = amount if reset else self.pool + amount
        for link in self.links:
            link.poke()


def _controlled_materials(world: World, spec: ExportControl) -> set[str]:
    sc = world.scenario
    wanted = set(spec.elements)
    out = {m for m, mat in sc.materials.items() if wanted & set(mat.elements)} | set(spec.materials)
    return out - set(spec.exempt_materials)


def _links_between(world: World, from_region: str, to_regions: set[str]) -> list[Link]:
    region = world.region_of
    return [lk for lid, lk in world.links.items()
            if region[world.scenario.links[lid].from_] == from_region and region[world.scenario.links[lid].to] in to_regions]


def export_control(world: World, pid: str, spec: ExportControl, rng) -> BorderRule:
    sc = world.scenario
    rule = BorderRule(pid, spec.mode, _controlled_materials(world, spec))
    dest = set(spec.to_regions) or (set(sc.regions) - {spec.from_region})
    dest -= set(spec.exempt_regions)
    rule.links = [lk for lk in _links_between(world, spec.from_region, dest) if rule.materials & set(lk.origins)]  # type: ignore[operator]
    for link in rule.links:
        link.rules.append(rule)
    if spec.mode == "licence":
        assert spec.licence is not None
        rule.delay = sampler(spec.licence.processing_working_days, rng)
        rule.approval = sorted((world.day_of(step.date), step.probability) for step in spec.licence.approval)
        rule.uniform = Sampler(lambda n: rng.random(n))
    if spec.mode == "quota":
        for day, amount, reset in quota_schedule(world, spec.quota_t_per_year, spec.quota_batches):
            world.at(day, lambda a=amount, r=reset: rule.refill(a, r))
    return rule


def quota_schedule(world: World, per_year: float | None, batches) -> list[tuple[float, float, bool]]:
    """(time, tonnes, reset) releases from the start of the run on. A calendar year's first
    release resets what was left; releases dated before the run are summed into one at time 0."""
    if batches:
        dated = [(b.date, b.t) for b in batches]
    else:
        assert per_year is not None
        first, last = world.date_of(0).year, world.date_of(world.end).year
        dated = [(dt.date(y, m, 1), per_year / 2) for y in range(first, last + 1) for m in (1, 7)]
    dated.sort()
    out: list[tuple[float, float, bool]] = []
    opening, seen_years = 0.0, set()
    for date, amount in dated:
        reset = date.year not in seen_years
        seen_years.add(date.year)
        day = world.day_of(date)
        if day <= 0:
            opening = amount if reset else opening + amount
        else:
            out.append((day, amount, reset))
    return [(0.0, opening, True)] + out


def closed_lanes(world: World, pid: str, spec: Outage) -> BorderRule:
    rule = BorderRule(pid, "ban", None)
    if spec.link is not None:
        rule.links = [world.links[spec.link]]
    else:
        dest = {spec.to_region} if spec.to_region else set(world.scenario.regions) - {spec.from_region}
        rule.links = _links_between(world, spec.from_region, dest)  # type: ignore[arg-type]
    for link in rule.links:
        link.rules.append(rule)
    return rule


def tariff_links(world: World, spec: Tariff) -> list[Link]:
    if spec.link is not None:
        return [world.links[spec.link]]
    sc = world.scenario
    out = []
    for lid, lk in world.links.items():
        ls = sc.links[lid]
        if world.region_of[ls.to] != spec.to_region:
            continue
        if spec.from_region is not None and world.region_of[ls.from_] != spec.from_region:
            continue
        if spec.materials and not set(spec.materials) & set(ls.materials):
            continue
        out.append(lk)
    return out
