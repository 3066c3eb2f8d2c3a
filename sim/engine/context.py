"""The narrow view of the world a policy gets (``sim.policies.PolicyContext``), one per policy.

Actions scheduled here (``at``, ``every``) wait until the world starts, so nothing runs while
the world is being built.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from ..scenario.components import Facility as FacilitySpec
from ..scenario.distributions import Dist
from ..scenario.policy import Condition
from .conditions import holds
from .sampling import sampler, uniform01
from .stock import Stock

if TYPE_CHECKING:
    from .demand import DemandSink
    from .facility import Facility
    from .link import Link
    from .market import Market
    from .world import World


class EngineContext:
    """What one policy may see and do in the world."""

    def __init__(self, world: World, pid: str, kind: str):
        self._world = world
        self.id = pid
        self.kind = kind
        self.scenario = world.scenario
        self.warmup_days = world.warmup

    # -- time ------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self._world.env.now

    def day_of(self, date: dt.date) -> float:
        return self._world.day_of(date)

    def date_of(self, t: float) -> dt.date:
        return self._world.date_of(t)

    def at(self, t: float, action: Callable[[], None]) -> None:
        """Run ``action`` at time t (at the start if t has passed)."""
        self._world.on_start(lambda: self._world.at(t, action))

    def every(self, days: float, action: Callable[[], None], first: float = 0.0) -> None:
        """Run ``action`` after ``first`` days, then every ``days``; not before the start date
        unless the policy acts in the warm-up (``in_warmup``)."""
        env = self._world.env
        spec = self.scenario.policies.get(self.id)
        if spec is None or not spec.in_warmup:
            first = max(first, self.warmup_days - env.now)

        def loop():
            if first > 0:
                yield env.timeout(first)
            while True:
                action()
                yield env.timeout(days)

        self._world.on_start(lambda: env.process(loop()))

    def signal(self) -> simpy.Event:
        """A one-off event a plant may wait on (call ``succeed()`` to wake it)."""
        return self._world.env.event()

    def log(self, event: str) -> None:
        self._world.log_policy(self.id, self.kind, event)

    # -- randomness and records ---------------------------------------------------------------
    def sampler(self, dist: Dist, purpose: str) -> Callable[[], float]:
        """Draws from ``dist`` on this policy's own stream for ``purpose``."""
        return sampler(dist, self._world.streams.stream("policy", self.id, purpose))

    def uniform(self, purpose: str) -> Callable[[], float]:
        return uniform01(self._world.streams.stream("policy", self.id, purpose))

    def level_series(self, entity: str, variable: str, initial: float = 0.0) -> Callable[[float], None]:
        """A daily series that holds its last value: call with a new value to record it."""
        recorder, env = self._world.recorder, self._world.env
        sid = recorder.series(entity, "", variable, level=True, initial=initial)
        return lambda value: recorder.level(sid, env.now, value)

    # -- things in the world -------------------------------------------------------------------
    def stock(self, site: str, material: str) -> Stock:
        return self._world.stock(site, material)

    def new_stock(self, site: str, material: str, region: str, initial_t: float, max_t: float | None) -> Stock:
        """A stock at a place of the policy's own (a reserve), in a region."""
        return self._world.add_stock(site, material, region, initial_t, max_t)

    def region_of(self, site: str) -> str:
        return self._world.region_of[site]

    def link(self, lid: str) -> Link:
        return self._world.links[lid]

    def links(self, from_region: str | None = None, to_regions: set[str] | None = None,
              materials: set[str] | None = None) -> list[Link]:
        """Links leaving ``from_region`` (any if None) for ``to_regions`` (any if None), carrying
        any of ``materials`` (any if None)."""
        world, out = self._world, []
        for lid, link in world.links.items():
            spec = world.scenario.links[lid]
            if from_region is not None and world.region_of[spec.from_] != from_region:
                continue
            if to_regions is not None and world.region_of[spec.to] not in to_regions:
                continue
            if materials is not None and not materials & set(spec.materials):
                continue
            out.append(link)
        return out

    def facility(self, fid: str) -> Facility:
        return self._world.facilities[fid]

    def facility_spec(self, fid: str) -> FacilitySpec:
        return self._world.facility_specs[fid]

    def facilities(self, region: str | None = None, stage: str | None = None) -> list[Facility]:
        world = self._world
        return [world.facilities[fid] for fid, f in world.facility_specs.items()
                if (region is None or world.region_of[f.site] == region) and (stage is None or f.stage == stage)]

    def demands(self, region: str | None = None, end_use: str | None = None, material: str | None = None) -> list[DemandSink]:
        world = self._world
        return [sink for did, sink in world.demands.items()
                if (region is None or world.region_of[world.scenario.demand[did].site] == region)
                and (end_use is None or sink.end_use == end_use)
                and (material is None or sink.stock.material == material)]

    def market(self, mid: str) -> Market:
        return self._world.markets[mid]

    def price(self, material: str, region: str) -> float | None:
        return self._world.price(material, region)

    def expect(self, regions: set[str], materials: set[str], sources: set[str] | None = None) -> None:
        """Buyers and traders of ``materials`` in ``regions`` (those who import them from one of
        ``sources``, when given) know of this policy from now: they hold the scenario's
        anticipation multiple of their target cover until ``forget``."""
        multiple = self.scenario.buyers.anticipation.cover_multiple
        self._world.expectations.announce(self.id, regions, materials, multiple, sources)

    def forget(self) -> None:
        """The policy has ended: buyers go back to their own cover."""
        self._world.expectations.withdraw(self.id)

    def holds(self, condition: Condition) -> bool:
        return holds(condition, self._world)
